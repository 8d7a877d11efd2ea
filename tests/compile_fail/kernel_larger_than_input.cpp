// expect: conv2d_3 \(Conv2D\): a 5x5 kernel does not fit the 3x3 padded input
// Mistake: a valid 5x5 convolution after three valid 3x3 ones has shrunk the 9x9 input to 3x3.
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<9, 9, 3>, conv2d<8, kernel<3>>, conv2d<8, kernel<3>>, conv2d<8, kernel<3>>,
                       conv2d<8, kernel<5>>>;  // 9 -> 7 -> 5 -> 3, then 5x5 on 3x3
static_assert(net::size == 5);
