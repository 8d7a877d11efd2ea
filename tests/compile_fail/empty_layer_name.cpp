// expect: named<>: a layer name cannot be empty
// Mistake: named<""> (an empty name).
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<8, 8, 3>, conv2d<8, kernel<3>, named<"">>>;
static_assert(net::size == 2);
