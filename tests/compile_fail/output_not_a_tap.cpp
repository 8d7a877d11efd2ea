// expect: output<edges>\(\): layer edges is not a tap
// Mistake: output<"edges">() on a layer that is neither a tap nor the last layer (its memory is reused).
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<28, 28, 1>, conv2d<8, kernel<3>, same, named<"edges">>, max_pool<>, flatten<>,
                       dense<10>>;
std::size_t edge_values(const model<net>& m) { return m.output<"edges">().size(); }
