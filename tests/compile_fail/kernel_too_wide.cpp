// expect: conv2d \(Conv2D\): a 1x7 kernel does not fit the 5x5 padded input
// Mistake: a non-square kernel that fits the height but not the width of the input.
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<5, 5, 3>, conv2d<8, kernel<1, 7>>>;
static_assert(net::size == 2);
