// expect: dense accepts act::\*, no_bias, named<> and from<>, each at most once
// Mistake: an option the layer does not take (kernel<> on dense).
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<8, 8, 1>, flatten<>, dense<10, kernel<3>>>;
static_assert(net::size == 3);
