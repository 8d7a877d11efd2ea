// expect: mix<num, den>: lambda must be a fraction in \[0, 1\]
// Mistake: mixed_pool's lambda 3/2 is outside [0, 1].
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<8, 8, 3>, mixed_pool<mix<3, 2>>>;
static_assert(net::size == 2);
