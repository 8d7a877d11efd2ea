// Networks as graphs: layers that name their inputs with from<>, add and concatenate.
//
// - facts: inputs, consumers, shapes, parameters and receptive fields at merges (the union of the
//   inputs' fields, checked against a brute-force walk of which input pixels each output pixel depends
//   on, over every path);
// - the forward pass: the float model (reference and fast kernels, 1 and 2 threads, batch 2) against
//   the same graph evaluated in double by an independent walk (tests/support/double_network.hpp), and
//   bit for bit across thread counts; forward_to and taps on branches;
// - the planner: a tensor lives until its last consumer, so no two tensors alive at one step share
//   memory (checked step by step over every pair), and the arena against its lower bound;
// - Keras' functional summary with its "Connected to" column.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "constnet/constnet.hpp"
#include "constnet/explain/receptive_field.hpp"
#include "support/double_network.hpp"
#include "support/graph_test_network.hpp"
#include "support/random_data.hpp"

using namespace constnet;

namespace {

/// The shared graph of tests/support/graph_test_network.hpp.
using testing::net_g;

static_assert(!net_g::is_chain);
static_assert(net_g::facts[net_g::index_of<"sum">].inputs.count == 3);
static_assert(net_g::facts[net_g::index_of<"stem">].consumers == 3);
static_assert(net_g::facts[net_g::index_of<"cat">].output == feature_maps(4, 3, 7));
static_assert(net_g::facts[net_g::index_of<"heads">].output == features(5 + 3 + 7));
// 3x3 + 3x3 on one path, 3x3 on the others: the union is 5x5 starting at -2.
static_assert(net_g::facts[net_g::index_of<"sum">].rf.y.size == 5);
static_assert(net_g::facts[net_g::index_of<"sum">].rf.y.start == -2);
static_assert(net_g::facts[net_g::index_of<"sum">].rf.x.jump == 1);
// Keras counts: convolutions and dense layers as usual, batch_norm without scale 3*C (2*C non-trainable).
static_assert(net_g::total_params == (27 * 4 + 4) + (36 * 4 + 4) + 12 + (4 * 3 + 3) + (84 * 5 + 5) + (84 * 3 + 3) +
                                        (15 * 4 + 4));
static_assert(net_g::non_trainable_params == 8);
// A chain written with from<> naming the layer before is still a chain.
static_assert(graph<input<4, 4, 1>, conv2d<2, kernel<1>>, conv2d<2, kernel<1>, from<"conv2d">>>::is_chain);

/// A projection-shortcut residual block (ResNet's first block of a stage), strided.
using net_r = graph<
    input<9, 9, 4>,
    conv2d<8, kernel<1>, strides<2>, named<"block_0_conv">>,
    batch_norm<named<"block_0_bn">>,
    conv2d<8, kernel<1>, strides<2>, act::relu, named<"block_1_conv">, from<"input_1">>,
    conv2d<8, kernel<3>, same, named<"block_2_conv">>,
    batch_norm<no_scale, named<"block_2_bn">>,
    add<named<"block_add">, from<"block_0_bn", "block_2_bn">>,
    activation_layer<act::relu, named<"block_out">>>;

template <class Model>
void random_weights(Model& m, std::uint64_t seed) {
  testing::randomize_weights(m, seed);
}

/// Which input pixels each pixel of every layer depends on, by walking every path back (structural:
/// any window tap, any input of a merge), as bounding boxes per output pixel 0.
template <class Network>
std::vector<std::set<std::pair<long, long>>> pixel_zero_dependencies() {
  std::vector<std::set<std::pair<long, long>>> deps(Network::size);
  // For each layer, the input positions pixel (0, 0) of its output reads, per input: through windows.
  auto depends = [&](auto self, std::size_t layer, long y, long x, std::set<std::pair<long, long>>& into) -> void {
    if (layer == 0) {
      into.insert({y, x});  // may lie outside the image (padding): the receptive field counts those too
      return;
    }
    const layer_facts& f = Network::facts[layer];
    window2 w{};
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (([&] {
         if constexpr (I > 0 && single_input_layer<typename Network::template layer_type<I>>)
           if (I == layer) w = Network::template layer_type<I>::window(Network::facts[I].input);
       }()),
       ...);
    }(std::make_index_sequence<Network::size>{});
    if (f.merges) w = {{1, 1}, {1, 1}, 0, 0};
    for (std::size_t producer : f.inputs)
      for (std::size_t ky = 0; ky < w.size.h; ++ky)
        for (std::size_t kx = 0; kx < w.size.w; ++kx)
          self(self, producer, y * static_cast<long>(w.stride.h) + static_cast<long>(ky) - static_cast<long>(w.pad_top),
               x * static_cast<long>(w.stride.w) + static_cast<long>(kx) - static_cast<long>(w.pad_left), into);
  };
  for (std::size_t i = 0; i < Network::size; ++i) depends(depends, i, 0, 0, deps[i]);
  return deps;
}

template <class Network, class... Options>
std::vector<float> run(const std::vector<float>& weights, const std::vector<float>& images) {
  auto m = std::make_unique<model<Network, Options...>>();
  std::copy(weights.begin(), weights.end(), m->weights().begin());
  m->pack_weights();
  const auto out = m->forward(std::span<const float>(images));
  return {out.begin(), out.end()};
}

template <class Network>
void check_forward_against_double(std::uint64_t seed) {
  auto m = std::make_unique<model<Network, kernels::reference_only, batch<2>>>();
  random_weights(*m, seed);
  const std::vector<float> weights(m->weights().begin(), m->weights().end());
  const std::vector<float> images = testing::random_images(2 * Network::input_shape.elements(), seed + 7);
  const testing::double_network<Network> d(m->weights());
  const auto t = d.forward(std::vector<double>(images.begin(), images.end()), 2);
  const std::vector<double>& want = t.back();

  const auto reference = run<Network, kernels::reference_only, batch<2>>(weights, images);
  const auto fast = run<Network, batch<2>>(weights, images);
  const auto fast2 = run<Network, batch<2>, threads<2>>(weights, images);
  double scale = 0;
  for (double v : want) scale = std::max(scale, std::abs(v));
  BOOST_TEST(scale > 1e-3);  // the output is not all zeros
  double worst_reference = 0, worst_fast = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    worst_reference = std::max(worst_reference, std::abs(reference[i] - want[i]));
    worst_fast = std::max(worst_fast, std::abs(fast[i] - want[i]));
  }
  // float sums of at most a few hundred products through a few layers: ~1e-6 relative; 1e-5 leaves margin.
  BOOST_TEST(worst_reference <= 1e-5 * std::max(1.0, scale));
  BOOST_TEST(worst_fast <= 1e-5 * std::max(1.0, scale));
  BOOST_TEST(fast == fast2);  // bit for bit on any number of threads
}

/// No two tensors alive at the same step overlap in the arena, unless they are one buffer (an alias or
/// an in-place layer's output). Alive: from the step that writes it to its last consumer's (or the end
/// for the output and taps).
template <class Model>
void check_plan_separates_live_tensors() {
  using Network = typename Model::network_type;
  constexpr auto& plan = Model::plan;
  constexpr std::size_t n = Network::size;
  auto last_read = [&](std::size_t i) {
    std::size_t last = i;
    if (i + 1 == n || Model::tapped[i]) return n;
    for (std::size_t j = i + 1; j < n; ++j)
      if (Network::facts[j].inputs.reads(i)) last = std::max(last, j);
    return last;
  };
  std::size_t checked = 0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) {
      if (plan.tensor_buffer[i] == plan.tensor_buffer[j]) continue;
      if (last_read(i) < j) continue;  // i is dead when j is written
      const std::size_t bi = Network::facts[i].output.bytes(), bj = Network::facts[j].output.bytes();
      const std::size_t oi = plan.tensor_offset[i], oj = plan.tensor_offset[j];
      BOOST_TEST_CONTEXT(Network::facts[i].name.view() << " and " << Network::facts[j].name.view()) {
        BOOST_TEST((oi + bi * Model::batch_size <= oj || oj + bj * Model::batch_size <= oi));
      }
      ++checked;
    }
  BOOST_TEST(checked > 0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(graph_networks)

BOOST_AUTO_TEST_CASE(merge_receptive_fields_are_the_union_over_every_path) {
  const auto check = []<class Network>() {
    const auto deps = pixel_zero_dependencies<Network>();
    for (std::size_t i = 1; i < Network::size; ++i) {
      if (Network::facts[i].output.rank != 3) continue;
      long y0 = 1 << 20, y1 = -(1 << 20), x0 = 1 << 20, x1 = -(1 << 20);
      for (auto [y, x] : deps[i]) y0 = std::min(y0, y), y1 = std::max(y1, y), x0 = std::min(x0, x), x1 = std::max(x1, x);
      const receptive_field& rf = Network::facts[i].rf;
      BOOST_TEST_CONTEXT(Network::facts[i].name.view()) {
        BOOST_TEST(rf.y.start == y0);
        BOOST_TEST(rf.x.start == x0);
        BOOST_TEST(rf.y.size == static_cast<std::size_t>(y1 - y0 + 1));
        BOOST_TEST(rf.x.size == static_cast<std::size_t>(x1 - x0 + 1));
      }
    }
  };
  check.operator()<net_g>();
  check.operator()<net_r>();
}

BOOST_AUTO_TEST_CASE(receptive_regions_through_merges_fill_the_compile_time_boxes) {
  // A neuron of a merge sees the union of what each input sees: its structural region (propagated back
  // through every path, explain/receptive_field.hpp) has the facts' box as its bounding box.
  // Without strides the box is full; net_r's stride-2 1x1 convolutions sample every other pixel, so its
  // regions have holes (explain/receptive_field.hpp says when).
  const auto check = []<class Network>(std::size_t layer, std::size_t y, std::size_t x) {
    const input_region region = receptive_region<Network>(layer, 0, y, x);
    BOOST_TEST_CONTEXT(Network::facts[layer].name.view() << " neuron " << y << "," << x) {
      const pixel_box box = receptive_field_box<Network>(layer, y, x);
      BOOST_TEST((region.box == box), "region rows " << region.box.y0 << "-" << region.box.y1 << " columns "
                                                     << region.box.x0 << "-" << region.box.x1 << ", box rows " << box.y0
                                                     << "-" << box.y1 << " columns " << box.x0 << "-" << box.x1);
      if constexpr (std::is_same_v<Network, net_g>) BOOST_TEST(region.pixels == region.box.area());
      else BOOST_TEST((region.pixels > 0 && region.pixels < region.box.area()));
    }
  };
  for (std::size_t y = 0; y < 4; ++y) {
    check.operator()<net_g>(net_g::index_of<"sum">, y, 3);
    check.operator()<net_g>(net_g::index_of<"cat">, y % 4, 1);
    check.operator()<net_r>(net_r::index_of<"block_add">, y, 4 - y);
  }
}

BOOST_AUTO_TEST_CASE(forward_matches_an_independent_double_evaluation) {
  check_forward_against_double<net_g>(3);
  check_forward_against_double<net_r>(4);
}

BOOST_AUTO_TEST_CASE(forward_to_and_taps_on_branches) {
  auto m = std::make_unique<model<net_g, taps<"side", "bn">>>();
  random_weights(*m, 5);
  const std::vector<float> image = testing::random_images(net_g::input_shape.elements(), 6);
  const testing::double_network<net_g> d(m->weights());
  const auto t = d.forward(std::vector<double>(image.begin(), image.end()), 1);
  m->forward(std::span<const float>(image));
  auto close = [](std::span<const float> got, const std::vector<double>& want) {
    BOOST_REQUIRE(got.size() == want.size());
    double worst = 0;
    for (std::size_t i = 0; i < want.size(); ++i) worst = std::max(worst, std::abs(got[i] - want[i]));
    return worst <= 1e-5;
  };
  BOOST_TEST(close(m->output<"side">(), t[net_g::index_of<"side">]));
  BOOST_TEST(close(m->output<"bn">(), t[net_g::index_of<"bn">]));
  // forward_to a branch runs only the layers it depends on, and gives that layer's output.
  BOOST_TEST(close(m->forward_to("fc_b", image), t[net_g::index_of<"fc_b">]));
  BOOST_TEST(close(m->forward_to<"side_pool">(std::span<const float, net_g::input_shape.elements()>(image)),
                   t[net_g::index_of<"side_pool">]));
}

BOOST_AUTO_TEST_CASE(truncate_at_keeps_the_layers_ancestors) {
  using cut = truncate_at<net_g, "fc_b">;  // input, stem, branch, bn, sum, sum_relu, pool, side, side_pool, cat, flat, fc_b
  static_assert(cut::size == 12);
  static_assert(cut::facts[cut::index_of<"fc_b">].inputs.front() == cut::index_of<"flat">);
  static_assert(cut::facts[cut::index_of<"bn">].inputs.front() == cut::index_of<"stem">);
  static_assert(cut::find("fc_a") == cut::size && cut::find("gap") == cut::size);
  static_assert(cut::output_shape == features(3));
  static_assert(cut::facts[cut::index_of<"sum">].rf == net_g::facts[net_g::index_of<"sum">].rf);
  // Default names stay what they were in the whole network.
  static_assert(truncate_at<net_r, "block_1_conv">::facts[0].name == short_name("input_1"));
  static_assert(truncate_at<net_r, "block_1_conv">::size == 2);

  auto whole = std::make_unique<model<net_g>>();
  random_weights(*whole, 8);
  auto part = std::make_unique<model<cut>>();
  for (const layer_facts& f : cut::facts) {
    const auto from = whole->layer_weights(net_g::find(f.name.view()));
    std::copy(from.begin(), from.end(), part->layer_weights(f.index).begin());
  }
  part->pack_weights();
  const std::vector<float> image = testing::random_images(net_g::input_shape.elements(), 9);
  const std::vector<float> want(whole->forward_to("fc_b", image).begin(), whole->forward_to("fc_b", image).end());
  const auto got = part->forward(std::span<const float>(image));
  BOOST_TEST(std::vector<float>(got.begin(), got.end()) == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(tensors_live_until_their_last_consumer) {
  check_plan_separates_live_tensors<model<net_g>>();
  check_plan_separates_live_tensors<model<net_g, batch<3>, taps<"stem", "fc_a">>>();
  check_plan_separates_live_tensors<model<net_r>>();
  // The stem feeds three layers, so bn cannot overwrite it: bn has its own buffer.
  using M = model<net_g, kernels::reference_only>;
  BOOST_TEST(!M::plan.in_place[net_g::index_of<"bn">]);
  BOOST_TEST(M::plan.in_place[net_g::index_of<"sum_relu">]);  // sum is read by sum_relu alone
  BOOST_TEST(M::plan.arena_bytes >= M::plan.lower_bound);
  // A convolution whose only consumer is a batch_norm absorbs it (with or without gamma), graph or not.
  using R = model<net_r>;
  BOOST_TEST(R::folds_batch_norm<net_r::index_of<"block_0_conv">>);
  BOOST_TEST(R::folds_batch_norm<net_r::index_of<"block_2_conv">>);
  BOOST_TEST(M::plan.arena_bytes < M::plan.separate_bytes);
}

BOOST_AUTO_TEST_CASE(summary_shows_what_each_layer_is_connected_to) {
  const std::string s = summary_string<net_r>();
  BOOST_TEST(s.find("Connected to") != std::string::npos);
  // The add's two inputs, one per line, in Keras' "name[0][0]" form.
  const auto add_row = s.find("block_add (Add)");
  BOOST_REQUIRE(add_row != std::string::npos);
  const auto first = s.find("block_0_bn[0][0]", add_row), second = s.find("block_2_bn[0][0]", add_row);
  BOOST_TEST((first != std::string::npos && second != std::string::npos && first < second));
  BOOST_TEST(s.find('\n', first) < second);  // on separate lines
  BOOST_TEST(s.find("block_1_conv (Conv2D)") < s.find("input_1[0][0]", s.find("block_1_conv (Conv2D)")));
  // Chains keep Keras' Sequential table.
  using chain = sequential<input<4, 4, 1>, conv2d<2, kernel<3>>>;
  BOOST_TEST(summary_string<chain>().find("Connected to") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
