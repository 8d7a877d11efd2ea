// expect: conv2d \(Conv2D\): needs an H x W x C feature map, but its input is a flat vector of 48 features
// Mistake: a convolution after flatten.
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<4, 4, 3>, flatten<>, conv2d<8, kernel<1>>>;
static_assert(net::size == 3);
