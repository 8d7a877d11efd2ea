// expect: conv2d accepts kernel<>.*each at most once
// Mistake: the same option (strides<>) given twice to one layer.
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<32, 32, 3>, conv2d<8, kernel<3>, strides<2>, strides<1>>>;
static_assert(net::size == 2);
