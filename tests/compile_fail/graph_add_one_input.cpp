// expect: add \(Add\): reads 2 to 8 inputs, but 1 is named \(list them with from<>\)
// Mistake: an add without from<>, which reads only the layer before it.
#include "constnet/constnet.hpp"
using namespace constnet;
using net = graph<input<8, 8, 4>, conv2d<4, kernel<3>, same>, add<>>;
static_assert(net::size == 3);
