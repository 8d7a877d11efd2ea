// expect: separable_conv2d \(SeparableConv2D\): the depth multiplier is 0; it must be at least 1
// Mistake: depth_multiplier<0> would give the depthwise stage no channels at all.
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<8, 8, 3>, separable_conv2d<16, kernel<3>, depth_multiplier<0>>>;
static_assert(net::size == 2);
