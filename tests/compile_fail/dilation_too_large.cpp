// expect: conv2d \(Conv2D\): a 7x7 kernel does not fit the 6x6 padded input
// Mistake: a 3x3 kernel with dilation 3 spans 3*(3-1)+1 = 7 cells, more than the 6x6 valid input.
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<6, 6, 3>, conv2d<8, kernel<3>, dilation<3>>>;
static_assert(net::size == 2);
