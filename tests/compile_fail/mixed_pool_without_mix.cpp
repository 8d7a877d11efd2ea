// expect: mixed_pool needs its lambda
// Mistake: mixed_pool without mix<num, den> (lambda has no default).
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<8, 8, 3>, mixed_pool<pool_size<2>>>;
static_assert(net::size == 2);
