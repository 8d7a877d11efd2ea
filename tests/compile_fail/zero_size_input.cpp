// expect: input_1 \(InputLayer\): the input is 0x5x3; every dimension must be at least 1
// Mistake: an input with a zero dimension.
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<0, 5, 3>, conv2d<8, kernel<1>>>;
static_assert(net::size == 2);
