// expect: no layer is named edgse; the closest name is edges
// Mistake: a misspelt layer name in model::forward_to<"...">.
#include <span>
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<28, 28, 1>, conv2d<8, kernel<3>, same, named<"edges">>, max_pool<>, flatten<>,
                       dense<10>>;
std::size_t edge_values(model<net>& m, std::span<const float, 28 * 28> image) {
  return m.forward_to<"edgse">(image).size();
}
