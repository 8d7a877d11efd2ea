// expect: conv2d \(Conv2D\): the number of filters is 0; it must be at least 1
// Mistake: a convolution with 0 filters.
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<32, 32, 3>, conv2d<0, kernel<3>>>;
static_assert(net::size == 2);
