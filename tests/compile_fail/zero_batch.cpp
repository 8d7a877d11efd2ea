// expect: batch<N>: the batch size must be at least 1
// Mistake: a model with batch<0>.
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<8, 8, 1>, flatten<>, dense<10>>;
static_assert(model<net, batch<0>>::arena_bytes > 0);
