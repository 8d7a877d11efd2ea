// expect: only mixed_pool takes mix<num, den>
// Mistake: mix<> given to max_pool (only mixed_pool has a lambda).
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<8, 8, 3>, max_pool<mix<1, 2>>>;
static_assert(net::size == 2);
