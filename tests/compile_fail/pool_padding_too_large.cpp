// expect: max_pooling2d \(MaxPooling2D\): padding 2,2,2,2 .* must be smaller than the 2x2 pool window
// Mistake: padding as large as the pool window, so some windows would hold only padding.
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<8, 8, 3>, max_pool<pool_size<2>, pad<2>>>;
static_assert(net::size == 2);
