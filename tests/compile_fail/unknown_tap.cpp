// expect: no layer is named edgse; the closest name is edges
// Mistake: a misspelt layer name in model<Net, taps<"...">>.
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<28, 28, 1>, conv2d<8, kernel<3>, same, named<"edges">>, max_pool<>, flatten<>,
                       dense<10>>;
static_assert(model<net, taps<"edgse">>::arena_bytes > 0);
