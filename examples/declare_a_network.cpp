// Declare a network, check its shapes at compile time, and run it: the README's 20-line example.
#include <cstdio>
#include <vector>

#include "constnet/constnet.hpp"
using namespace constnet;

using net = sequential<
    input<28, 28, 1>,
    conv2d<8, kernel<3>, same, act::relu, named<"edges">>,      // 28x28x8
    max_pool<pool_size<2>>,                                       // 14x14x8
    conv2d<16, kernel<3>, strides<2>, act::relu>,                 // floor((14 - 3) / 2) + 1 = 6
    flatten<>,                                                    // 6*6*16 = 576 features
    dense<10, act::softmax>>;

static_assert(net::layer_named<"conv2d">.output == feature_maps(6, 6, 16));
static_assert(net::layer_named<"conv2d">.rf.y.size == 8);          // 3, then 4 after the pool, then 4 + 2*2
static_assert(net::total_params == (9 * 8 + 8) + (9 * 8 * 16 + 16) + (576 * 10 + 10));

int main() {
  model<net, taps<"edges">> m;                 // weights and arena allocated once, sizes known at compile time
  he_normal(m, 1);
  std::vector<float> digit(28 * 28, 0.5f);
  auto probabilities = m.forward(std::span<const float>(digit));  // no allocation inside
  auto edges = m.output<"edges">();            // a feature map kept alive by the plan
  std::printf("p(0) = %.3f, %zu edge values, arena %zu bytes\n", probabilities[0], edges.size(), m.arena_bytes);
  return edges.size() == 28 * 28 * 8 ? 0 : 1;
}
