// expect: conv2d \(Conv2D\): the stride is 0x0; it must be at least 1
// Mistake: a stride of 0 (the window would never move).
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<32, 32, 3>, conv2d<8, kernel<3>, strides<0>>>;
static_assert(net::size == 2);
