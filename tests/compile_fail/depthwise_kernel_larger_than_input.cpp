// expect: depthwise_conv2d_1 \(DepthwiseConv2D\): a 5x5 kernel does not fit the 4x4 padded input \(4x4 plus padding\)
// Mistake: the second depthwise convolution is valid, and the strided one before it left a 4x4 map.
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<8, 8, 3>, depthwise_conv2d<kernel<3>, strides<2>, same, depth_multiplier<2>>,
                       depthwise_conv2d<kernel<5>>>;  // 8 -> 4 ('same', stride 2), then 5x5 on 4x4
static_assert(net::size == 3);
