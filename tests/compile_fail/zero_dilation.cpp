// expect: conv2d \(Conv2D\): the dilation is 0x0; it must be at least 1
// Mistake: a dilation rate of 0 (1 means no dilation).
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<32, 32, 3>, conv2d<8, kernel<3>, dilation<0>>>;
static_assert(net::size == 2);
