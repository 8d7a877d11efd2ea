// expect: ceil_mode rounds up the output size of valid or pad<> pooling
// Mistake: ceil_mode with 'same' padding, whose output size is already ceil(n / s).
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<8, 8, 3>, max_pool<pool_size<3>, strides<2>, same, ceil_mode>>;
static_assert(net::size == 2);
