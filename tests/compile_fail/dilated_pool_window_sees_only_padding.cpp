// expect: max_pooling2d \(MaxPooling2D\): the pool window of output row 0 samples no input cell \(2 cells 2 apart over 1 rows padded by 1 and 1\)
// Mistake: a dilated window that steps over a one-row input from the top padding to the bottom padding.
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<1, 5, 3>, max_pool<pool_size<2>, strides<1>, dilation<2>, pad<1>>>;
static_assert(net::size == 2);
