// expect: dense_1 \(Dense\): the number of units is 0; it must be at least 1
// Mistake: a dense layer with 0 units.
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<8, 8, 1>, flatten<>, dense<16>, dense<0>>;
static_assert(net::size == 4);
