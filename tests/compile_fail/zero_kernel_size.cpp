// expect: conv2d \(Conv2D\): the kernel size is 0x0; it must be at least 1x1
// Mistake: a 0x0 kernel.
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<32, 32, 3>, conv2d<8, kernel<0>>>;
static_assert(net::size == 2);
