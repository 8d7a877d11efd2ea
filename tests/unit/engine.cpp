// The execution engine: batches, taps, forward_to against truncated networks, weights access, and bad
// input that throws a typed error and leaves the model as it was.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <memory>
#include <vector>

#include "support/random_data.hpp"
#include "constnet/constnet.hpp"
#include "constnet/core/random.hpp"
#include "constnet/models/seed_cnns.hpp"
#include "constnet/models/vgg.hpp"

using namespace constnet;

namespace {

using constnet::testing::random_images;

template <class Span>
auto copy(Span s) {
  return std::vector<std::remove_cv_t<typename Span::element_type>>(s.begin(), s.end());
}

/// max|a - b| <= 1e-5 * max(1, max|b|): relative to the tensor's scale, not element by element, because
/// small outputs come from cancellation (a batch_norm subtracts the mean) and carry the big ones' error.
bool close_to(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  float scale = 1.0f, worst = 0.0f;
  for (std::size_t i = 0; i < b.size(); ++i) {
    scale = std::max(scale, std::abs(b[i]));
    worst = std::max(worst, std::abs(a[i] - b[i]));
  }
  return worst <= 1e-5f * scale;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(engine)

BOOST_AUTO_TEST_CASE(a_batch_equals_its_images_one_by_one) {
  using net = models::bn_cnn_64;
  auto single = std::make_unique<model<net>>();
  auto batched = std::make_unique<model<net, batch<3>>>();
  he_normal(*single, 5);
  he_normal(*batched, 5);
  const auto images = random_images(3 * net::input_shape.elements(), 11);
  const auto together = copy(batched->forward(std::span<const float>(images)));
  BOOST_TEST(together.size() == 3 * net::output_shape.elements());
  for (std::size_t n = 0; n < 3; ++n) {
    const std::span<const float> one(images.data() + n * net::input_shape.elements(), net::input_shape.elements());
    const auto alone = copy(single->forward(one));
    for (std::size_t k = 0; k < alone.size(); ++k) BOOST_TEST(alone[k] == together[n * alone.size() + k]);
  }
}

BOOST_AUTO_TEST_CASE(softmax_outputs_are_probabilities) {
  using net = models::cifar10_cnn;
  model<net, batch<2>> m;
  he_normal(m, 3);
  const auto images = random_images(m.input_elements, 4);
  const auto p = m.forward(std::span<const float>(images));
  for (std::size_t n = 0; n < 2; ++n) {
    float sum = 0;
    for (std::size_t k = 0; k < 10; ++k) {
      BOOST_TEST(p[n * 10 + k] >= 0.0f);
      sum += p[n * 10 + k];
    }
    BOOST_TEST(sum == 1.0f, boost::test_tools::tolerance(1e-5f));
  }
}

BOOST_AUTO_TEST_CASE(taps_forward_to_and_truncated_networks_agree) {
  using net = models::vgg16_at<32, 32, 10>;
  using tapped_model = model<net, taps<"block1_conv2", "block2_pool">>;
  auto full = std::make_unique<tapped_model>();
  he_normal(*full, 21);
  const auto image = random_images(net::input_shape.elements(), 22);
  full->forward(std::span<const float>(image));
  const auto tap1 = copy(full->output<"block1_conv2">());
  const auto tap2 = copy(full->output<"block2_pool">());
  BOOST_TEST(tap1.size() == 32u * 32 * 64);
  BOOST_TEST(tap2.size() == 8u * 8 * 128);

  // forward_to on another model with the same weights stops at the layer and gives the same values.
  auto other = std::make_unique<model<net>>();
  he_normal(*other, 21);
  const auto until = copy(other->forward_to<"block2_pool">(std::span<const float, net::input_shape.elements()>(image)));
  BOOST_TEST(until == tap2);
  const auto runtime_until = copy(other->forward_to("block1_conv2", std::span<const float>(image)));
  BOOST_TEST(runtime_until == tap1);

  // A truncated network's weights are a prefix of the full network's: copy them and compare.
  using head = truncate_at<net, "block2_pool">;
  model<head> chopped;
  std::copy_n(full->weights().begin(), chopped.weights().size(), chopped.weights().begin());
  chopped.pack_weights();
  const auto chopped_out = copy(chopped.forward(std::span<const float>(image)));
  BOOST_TEST(chopped_out == tap2);
}

BOOST_AUTO_TEST_CASE(an_in_place_layer_never_overwrites_a_tap) {
  using net = models::bn_cnn_64;
  auto m = std::make_unique<model<net, taps<"conv2d">>>();
  he_normal(*m, 8);
  // Make the next batch_norm far from the identity so overwriting the tap would show.
  for (float& g : m->weight("batch_normalization_1", "gamma")) g = 3.0f;
  for (float& b : m->weight("batch_normalization_1", "beta")) b = -1.0f;
  m->pack_weights();
  const auto image = random_images(net::input_shape.elements(), 9);
  m->forward(std::span<const float>(image));
  const auto tap = copy(m->output<"conv2d">());
  auto reference = std::make_unique<model<net>>();
  std::copy(m->weights().begin(), m->weights().end(), reference->weights().begin());
  reference->pack_weights();
  const auto conv = copy(reference->forward_to<"conv2d">(std::span<const float, net::input_shape.elements()>(image)));
  BOOST_TEST(tap == conv);
}

BOOST_AUTO_TEST_CASE(reference_policy_and_default_policy_agree) {
  using net = models::seed_39x39_example;
  model<net> automatic;
  model<net, kernels::reference_only> oracle;
  he_normal(automatic, 1);
  he_normal(oracle, 1);
  const auto image = random_images(net::input_shape.elements(), 2);
  // Within close_to's tolerance, not bit for bit: whether the scalar reference's a * b + c becomes one
  // fused multiply-add (as in the SIMD kernels) is up to the optimizer (it did at -O2 and not at -O1).
  BOOST_TEST(close_to(copy(automatic.forward(std::span<const float>(image))), copy(oracle.forward(std::span<const float>(image)))));
}

BOOST_AUTO_TEST_CASE(weights_are_named_and_laid_out_as_keras) {
  using net = models::vgg16_at<32, 32, 10>;
  auto m = std::make_unique<model<net>>();
  BOOST_TEST(m->weight("block1_conv1", "kernel").size() == 3u * 3 * 3 * 64);
  BOOST_TEST(m->weight("block1_conv1", "bias").size() == 64u);
  BOOST_TEST(m->weight("fc1", "kernel").size() == 512u * 4096);
  BOOST_TEST(m->weight("block1_conv1", "kernel").data() == m->weights().data());
  BOOST_TEST(m->weight("block1_conv2", "kernel").data() == m->weights().data() + 1792);
  BOOST_CHECK_THROW(m->weight("block1_conv1", "gamma"), unknown_name_error);
  BOOST_CHECK_THROW(m->weight("block1_pool", "kernel"), unknown_name_error);
  BOOST_CHECK_THROW(m->weight("blok1_conv1", "kernel"), unknown_name_error);
  BOOST_CHECK_THROW(m->weight("blok1_conv1", "kernel"), constnet::error);  // one hierarchy
}

BOOST_AUTO_TEST_CASE(wrong_input_size_throws_and_leaves_the_model_untouched) {
  using net = models::cifar10_cnn;
  model<net> m;
  he_normal(m, 6);
  const auto image = random_images(net::input_shape.elements(), 7);
  const auto before = copy(m.forward(std::span<const float>(image)));
  const auto arena_before = copy(m.arena());
  const std::vector<float> wrong(net::input_shape.elements() - 1, 1.0f);
  BOOST_CHECK_THROW(m.forward(std::span<const float>(wrong)), shape_error);
  BOOST_CHECK_THROW(m.forward_to("conv2d", std::span<const float>(wrong)), shape_error);
  BOOST_CHECK_THROW(m.forward_to("conv2d_9", std::span<const float>(image)), unknown_name_error);
  BOOST_TEST(copy(m.arena()) == arena_before);
  BOOST_TEST(copy(m.output(net::size - 1)) == before);
  try {
    m.forward(std::span<const float>(wrong));
  } catch (const shape_error& e) {
    BOOST_TEST(std::string(e.what()).find("expected 3072 floats") != std::string::npos);
    BOOST_TEST(std::string(e.what()).find("got 3071") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(synthetic_weights_are_deterministic_he_normal) {
  using net = models::cifar10_cnn;
  model<net> a, b, c;
  he_normal(a, 42);
  he_normal(b, 42);
  he_normal(c, 43);
  BOOST_TEST(copy(a.weights()) == copy(b.weights()));
  BOOST_TEST(copy(a.weights()) != copy(c.weights()));
  // fc layer dense (512 -> 256): std should be sqrt(2/512) = 0.0625 within sampling error.
  const auto w = a.weight("dense", "kernel");
  double sum = 0, squares = 0;
  for (float v : w) sum += v, squares += static_cast<double>(v) * v;
  const double n = static_cast<double>(w.size()), mean = sum / n, stddev = std::sqrt(squares / n - mean * mean);
  BOOST_TEST(std::abs(mean) < 0.002);
  BOOST_TEST(std::abs(stddev - 0.0625) < 0.002);
  for (float v : a.weight("dense", "bias")) BOOST_TEST(v == 0.0f);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(batch_norm_folding)

// Keras' conv -> batch_norm -> activation pattern: the batch_norm is folded into the conv's weights.
using folded_net = sequential<input<12, 10, 5>, conv2d<12, kernel<3>, same, no_bias, named<"conv">>,
                              batch_norm<epsilon<1, 100>, named<"bn">>, activation_layer<act::relu>,
                              conv2d<7, kernel<3>, strides<2>>, batch_norm<>, flatten<>, dense<4, act::softmax>>;

template <class Model>
void fill_batch_norm(Model& m, std::uint64_t seed) {
  he_normal(m, seed);
  random_source random(seed + 1);
  for (const char* layer : {"bn", "batch_normalization"}) {
    for (float& v : m.weight(layer, "gamma")) v = static_cast<float>(random.uniform(0.5, 2.0));
    for (float& v : m.weight(layer, "beta")) v = static_cast<float>(random.uniform(-1.0, 1.0));
    for (float& v : m.weight(layer, "moving_mean")) v = static_cast<float>(random.uniform(-0.5, 0.5));
    for (float& v : m.weight(layer, "moving_variance")) v = static_cast<float>(random.uniform(0.2, 3.0));
  }
  m.pack_weights();
}

BOOST_AUTO_TEST_CASE(folded_and_unfolded_networks_agree) {
  using fast = model<folded_net, batch<2>>;
  using oracle = model<folded_net, batch<2>, kernels::reference_only>;
  static_assert(fast::folds_batch_norm<1> && fast::folded_away<2>);
  static_assert(fast::folds_batch_norm<4> && fast::folded_away<5>);  // conv without activation, no_bias off
  static_assert(!oracle::folds_batch_norm<1>);
  static_assert(!model<folded_net, taps<"conv">>::folds_batch_norm<1>);  // a tapped conv output must stay raw
  fast f;
  oracle o;
  fill_batch_norm(f, 3);
  fill_batch_norm(o, 3);
  const auto images = random_images(fast::input_elements, 4);
  const auto a = copy(f.forward(std::span<const float>(images)));
  const auto b = copy(o.forward(std::span<const float>(images)));
  BOOST_TEST(close_to(a, b));
  // Stopping at the folded conv shows the conv's own output, not the normalized one.
  const auto conv_fast = copy(f.forward_to("conv", std::span<const float>(images)));
  const auto conv_oracle = copy(o.forward_to("conv", std::span<const float>(images)));
  BOOST_TEST(conv_fast == conv_oracle);
  const auto bn_fast = copy(f.forward_to("bn", std::span<const float>(images)));
  const auto bn_oracle = copy(o.forward_to("bn", std::span<const float>(images)));
  BOOST_TEST(close_to(bn_fast, bn_oracle));
  BOOST_TEST(!close_to(bn_fast, conv_oracle));  // the tolerance tells normalized from raw outputs
}

BOOST_AUTO_TEST_SUITE_END()
