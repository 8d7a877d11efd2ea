// expect: conv2d needs a kernel size
// Mistake: conv2d without kernel<> (there is no default kernel size).
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<32, 32, 3>, conv2d<8, same>>;
static_assert(net::size == 2);
