// A residual block declared as a graph: layers name what they read with from<>, add<> joins the shortcut
// and the main path. Prints the block's Keras-style summary (with its "Connected to" column), checks
// shapes at compile time and runs it; the tests run this program.

#include <cmath>
#include <cstdio>
#include <vector>

#include <constnet/constnet.hpp>
using namespace constnet;

using net = graph<
    input<32, 32, 16, named<"block_in">>,
    conv2d<16, kernel<3>, same, named<"conv_a">>,       // the main path reads block_in (the layer before)
    batch_norm<named<"bn_a">>,
    activation_layer<act::relu, named<"relu_a">>,
    conv2d<16, kernel<3>, same, named<"conv_b">>,
    batch_norm<named<"bn_b">>,
    add<named<"residual">, from<"block_in", "bn_b">>,  // shortcut + main path
    activation_layer<act::relu, named<"block_out">>,
    global_avg_pool<>,
    dense<10, act::softmax>>;

static_assert(net::layer_named<"residual">.output == feature_maps(32, 32, 16));
static_assert(net::layer_named<"residual">.rf.y.size == 5);  // the union of 1x1 (shortcut) and 5x5 (two 3x3)
static_assert(net::facts[net::index_of<"block_in">].consumers == 2);

int main() {
  summary<net>();
  model<net, taps<"block_out">> m;  // conv_a and conv_b absorb their batch norms; block_in lives until the add
  he_normal(m, 7);
  std::vector<float> image(32 * 32 * 16);
  for (std::size_t i = 0; i < image.size(); ++i) image[i] = static_cast<float>(std::sin(0.01 * static_cast<double>(i)));
  const auto probabilities = m.forward(std::span<const float>(image));
  double sum = 0;
  for (float p : probabilities) sum += p;
  std::printf("arena: %zu bytes (one buffer per tensor: %zu, lower bound: %zu); probabilities sum to %.6f\n",
              m.arena_bytes, m.plan.separate_bytes, m.plan.lower_bound, sum);
  return std::abs(sum - 1.0) < 1e-5 ? 0 : 1;
}
