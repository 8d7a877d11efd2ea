// expect: conv2d_1 \(Conv2D\): reads one input, but from<> names 2
// Mistake: a single-input layer given two inputs (an add or concatenate was meant first).
#include "constnet/constnet.hpp"
using namespace constnet;
using net = graph<input<8, 8, 4>, conv2d<4, kernel<3>, same>, conv2d<4, kernel<3>, from<"input_1", "conv2d">>>;
static_assert(net::size == 3);
