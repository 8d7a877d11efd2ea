// expect: max_pooling2d \(MaxPooling2D\): a 4x4 pool window does not fit the 3x3 padded input.*output size would be 0
// Mistake: a 4x4 pool window on a 3x3 map (5x5 input, one valid 3x3 conv) leaves no output cells.
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<5, 5, 3>, conv2d<8, kernel<3>>, max_pool<pool_size<4>>>;
static_assert(net::size == 3);
