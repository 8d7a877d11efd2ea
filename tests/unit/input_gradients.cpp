// Input gradients (explain/gradient_model.hpp) against central finite differences.
//
// Six small random networks (one a graph, net_g) cover every layer kind: conv2d (strides 1 and 2, same /
// explicit / valid padding, dilation, every activation), max pooling with overlapping, padded, dilated and
// ceil_mode windows, average pooling with and without count_padding (and in ceil_mode, its last windows
// past the padding), mixed pooling, both global pools, dense, flatten, dropout, batch_norm, zero padding,
// Activation and ReLU layers (relu, relu6, softmax); depthwise_conv2d and separable_conv2d (net_d:
// strides 1 and 2, same / valid / explicit padding, dilation 2, depth multipliers 1, 2 and 3, with and
// without bias, every activation); add and concatenate (net_g). For each objective (a filter of every
// layer, a neuron, a class logit):
//   1. the backward kernels in double (tests/support/double_network.hpp) against central differences of
//      the double forward (the reference kernels for double), h = 1e-5: truncation error ~h^2 * f''' and
//      rounding ~1e-16 / h are both below 1e-9 for values of order 1, so |analytic - numeric| <=
//      1e-6 * max(1, max |numeric|) leaves a wide margin yet fails on any wrong term (errors of order 1);
//   2. the float gradient_model (reference-only and fast kernels, 1 and 2 threads, batch 2) against the
//      double gradient: float rounding through a few layers of sums of tens to hundreds of products
//      stays near 1e-6 relative, so the bound is 1e-4 * max(1, max |gradient|).
// The fast convolution backward runs the forward registry's kernel on the transposed geometry, Winograd
// for 3x3 stride-1 layers with 16+ output channels: on such layers (odd sizes, 16-64 channels, same and
// valid padding) it is checked alone against the reference backward in double with the same bound, in
// a network of them against the double gradient, and bitwise across 1 and 2 threads; where the exact
// dx is 0 (dz zero under the whole window) it must be exactly 0.
// The networks' activations are checked to be away from the kinks finite differences cannot cross: no
// two values of a max-pool window within 1e-4 of each other (near-ties; a window of ReLU zeros is
// harmless), no ReLU input within 1e-4 of 0 and no relu6 input within 1e-4 of 0 or 6 (a step of
// h = 1e-5 moves them by about 1e-5). net_p's relu6 layers are checked to have inputs on both sides of
// 6, so both of relu6's flat parts and its slope are exercised.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "constnet/constnet.hpp"
#include "constnet/core/aligned_buffer.hpp"
#include "constnet/core/random.hpp"
#include "constnet/explain/gradient_model.hpp"
#include "constnet/models/seed_cnns.hpp"
#include "support/double_network.hpp"
#include "support/graph_test_network.hpp"
#include "support/random_data.hpp"

using namespace constnet;

namespace {

using net_a = sequential<
    input<11, 10, 3>,
    conv2d<4, kernel<3>, same, act::relu>,
    conv2d<5, kernel<3>, strides<2>, pad<1, 0, 2, 1>, act::tanh>,
    max_pool<pool_size<2>, strides<1>>,
    conv2d<4, kernel<2>, dilation<2>, same, act::sigmoid>,
    avg_pool<pool_size<3>, strides<2>, same>,
    flatten<>,
    dense<6, act::tanh>,
    dropout<rate<1, 2>>,
    dense<4, act::softmax>>;

using net_b = sequential<
    input<10, 10, 2>,
    batch_norm<>,
    conv2d<6, kernel<3>, no_bias>,
    batch_norm<epsilon<1, 100>>,
    activation_layer<act::relu>,
    mixed_pool<mix<1, 3>, pool_size<3>, strides<2>, same, count_padding>,
    conv2d<5, kernel<1>, act::softmax>,
    global_avg_pool<>,
    dense<3, act::sigmoid>>;

using net_c = sequential<
    input<9, 9, 3>,
    conv2d<4, kernel<3>, dilation<2>, pad<2>, act::relu>,
    max_pool<pool_size<3>, strides<2>, same>,
    avg_pool<pool_size<2>, strides<1>, pad<1>, count_padding>,
    conv2d<6, kernel<3>, same>,
    global_max_pool<>,
    dense<5>,
    activation_layer<act::softmax>>;

using net_d = sequential<
    input<11, 10, 3>,
    depthwise_conv2d<kernel<3>, depth_multiplier<2>, same, act::relu>,                   // 11x10x6
    depthwise_conv2d<kernel<3>, strides<2>, no_bias, act::tanh>,                         // 5x4x6
    separable_conv2d<5, kernel<3>, depth_multiplier<2>, dilation<2>, same, act::sigmoid>,  // 5x4x5
    separable_conv2d<4, kernel<2>, strides<2>, pad<1, 0, 0, 1>, act::softmax>,           // 3x2x4
    depthwise_conv2d<kernel<2, 1>, depth_multiplier<3>>,                                  // 2x2x12, linear
    flatten<>,
    dense<3, act::softmax>>;

/// The layers MobileNetV2, ResNet and PyTorch models add. Sizes: 13x12 padded to 14x15, 12x13 after the
/// relu6 conv and the dilated pool (padded by 1, a 3x3 extent), 6x6 after the ceil_mode max pool (its
/// last row of windows reaches one row past the 12-row map), 4x4 after the ceil_mode average (its last
/// windows reach past the padding: 8-row padded map, windows from rows 0, 2, 4, 6), 2x2 after a ceil_mode
/// average without padding (windows from rows 0 and 2 of 4). Its kernels are 3 times He-normal
/// (kernel_gain) so that relu6 inputs pass 6.
using net_p = sequential<
    input<13, 12, 2>,
    zero_padding2d<pad<0, 1, 2, 1>>,
    conv2d<4, kernel<3>, act::relu6>,
    max_pool<pool_size<2>, strides<1>, dilation<2>, pad<1>>,
    conv2d<5, kernel<3>, same>,
    relu6<>,
    max_pool<pool_size<3>, strides<2>, ceil_mode>,
    avg_pool<pool_size<3>, strides<2>, pad<1>, ceil_mode, count_padding>,
    avg_pool<pool_size<3>, strides<2>, ceil_mode>,
    flatten<>,
    dense<6>,
    relu<>,
    dense<3>>;
static_assert(net_p::facts[2].output == feature_maps(12, 13, 4));
static_assert(net_p::facts[3].output == feature_maps(12, 13, 4));
static_assert(net_p::facts[6].output == feature_maps(6, 6, 5));
static_assert(net_p::facts[7].output == feature_maps(4, 4, 5));
static_assert(net_p::facts[8].output == feature_maps(2, 2, 5));

/// 3x3 convolutions whose backward runs on Winograd: F4 where the layer's input is 24+ on its shorter
/// side, F2 below (the transposed geometry's output is the layer's input).
using net_w = sequential<
    input<27, 25, 3>,
    conv2d<16, kernel<3>, same, act::relu>,  // backward: 16 -> 3 channels at 27x25 (F4)
    conv2d<32, kernel<3>, same, act::relu>,  // 32 -> 16 (F4)
    max_pool<pool_size<2>>,                  // 13x12
    conv2d<48, kernel<3>, same, act::tanh>,  // 48 -> 32 at 13x12 (F2)
    conv2d<24, kernel<3>>,                   // valid, 11x10: 24 -> 48 with padding 2 (F2)
    global_avg_pool<>,
    dense<5>>;

/// The shared graph of tests/support/graph_test_network.hpp.
using testing::net_g;


/// How much larger than He-normal a network's kernels are.
template <class Network>
constexpr float kernel_gain = 1.0f;
template <>
constexpr float kernel_gain<net_p> = 3.0f;

/// He-normal kernels (times kernel_gain), then biases and batch_norm statistics away from their trivial
/// values, so that every term of every layer's gradient matters.
template <class Model>
void random_weights(Model& m, std::uint64_t seed) {
  testing::randomize_weights(m, seed, {.kernel_gain = kernel_gain<typename Model::network_type>});
}

/// The channel with the largest value among `values` that no ReLU has switched off or relu6 has
/// clamped (exactly 0 or 6: flat there, so an objective on it would not depend on the input); `count`
/// when every value is clamped.
std::size_t most_active_unclamped(const double* values, std::size_t count) {
  std::size_t best = count;
  for (std::size_t c = 0; c < count; ++c)
    if (values[c] != 0.0 && values[c] != 6.0 && (best == count || values[c] > values[best])) best = c;
  return best;
}

/// The objectives checked: a filter of every layer (channel 1 of a map; the most active unclamped unit
/// of a flat layer), a neuron of every map (the most active unclamped channel at the centre, or at the
/// first position after it in row order that has one), class 1 of every layer with an activation.
/// t: the first image's activations.
template <class Network>
std::vector<objective> objectives_of(const std::vector<std::vector<double>>& t) {
  std::vector<objective> all;
  for (std::size_t i = 1; i < Network::size; ++i) {
    const shape& s = Network::facts[i].output;
    if (s.rank == 3) {
      all.push_back(objective::filter(i, s.c > 1 ? 1 : 0));
      const std::size_t centre = s.h / 2 * s.w + (s.w - 1) / 2, positions = s.h * s.w;
      for (std::size_t k = 0; k < positions; ++k) {
        const std::size_t p = (centre + k) % positions, c = most_active_unclamped(t[i].data() + p * s.c, s.c);
        if (c == s.c) continue;
        all.push_back(objective::neuron(i, c, p / s.w, p % s.w));
        break;
      }
    } else {
      all.push_back(objective::filter(i, std::min(most_active_unclamped(t[i].data(), s.c), s.c - 1)));
    }
    // Before a softmax (fused or an Activation layer) this is the logit; elsewhere the filter.
    const std::string_view type = Network::facts[i].type;
    if (type == "Conv2D" || type == "DepthwiseConv2D" || type == "SeparableConv2D" || type == "Dense" ||
        type == "Activation")
      all.push_back(objective::class_logit(i, 1));
  }
  return all;
}

std::vector<double> to_double(const std::vector<float>& v) { return {v.begin(), v.end()}; }

double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

/// Kinks: every max-pool window's top two values and every ReLU input must be 1e-4 apart / away from 0.
template <class Network>
void require_away_from_kinks(const testing::double_network<Network>& d, const std::vector<double>& input,
                             std::size_t batch) {
  const auto t = d.forward(input, batch);
  std::size_t relu6_layers = 0, relu6_above = 0, relu6_inside = 0;
  visit_layers<Network>([&](std::size_t i, const layer_facts& f) {
    if (i == 0) return;
    auto check_inputs = [&](activation act, const std::vector<double>& z) {
      if (act != activation::relu && act != activation::relu6) return;
      relu6_layers += act == activation::relu6;
      for (double v : z) {
        BOOST_REQUIRE_MESSAGE(std::abs(v) > 1e-4, f.name.view() << ": a " << to_string(act) << " input at " << v);
        if (act != activation::relu6) continue;
        BOOST_REQUIRE_MESSAGE(std::abs(v - 6) > 1e-4, f.name.view() << ": a relu6 input at " << v);
        relu6_above += v > 6;
        relu6_inside += v > 0 && v < 6;
      }
    };
    if (d.fused_activation(i) != activation::linear) check_inputs(d.fused_activation(i), d.pre_activation(i, t, batch));
    check_inputs(d.activation_layer(i), t[f.inputs.front()]);
  });
  if (relu6_layers > 0) {
    BOOST_TEST_MESSAGE(relu6_layers << " relu6 layers: " << relu6_above << " inputs above 6, " << relu6_inside
                                    << " between 0 and 6");
    BOOST_REQUIRE(relu6_above > 0u);
    BOOST_REQUIRE(relu6_inside > 0u);
  }
  // Max windows: checked on every pooling layer whose kind takes a max (max, mixed, global max).
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (
        [&] {
          if constexpr (I > 0) {
            constexpr auto g = Network::template geometry<I>;
            using G = std::remove_cvref_t<decltype(g)>;
            const std::vector<double>& x = t[Network::facts[I].inputs.front()];
            if constexpr (std::is_same_v<G, pool2d_geometry>) {
              if (g.kind == pool_kind::average) return;
              for (std::size_t n = 0; n < batch; ++n)
                for (std::size_t oy = 0; oy < g.out.h; ++oy)
                  for (std::size_t ox = 0; ox < g.out.w; ++ox)
                    for (std::size_t c = 0; c < g.in.c; ++c) {
                      std::vector<double> window;
                      for (std::size_t ky = 0; ky < g.window.h; ++ky)
                        for (std::size_t kx = 0; kx < g.window.w; ++kx) {
                          const long iy = static_cast<long>(oy * g.stride.h + ky * g.dilation.h) - static_cast<long>(g.pad.top);
                          const long ix = static_cast<long>(ox * g.stride.w + kx * g.dilation.w) - static_cast<long>(g.pad.left);
                          if (iy < 0 || ix < 0 || iy >= static_cast<long>(g.in.h) || ix >= static_cast<long>(g.in.w)) continue;
                          window.push_back(x[n * g.in.elements() + (static_cast<std::size_t>(iy) * g.in.w + static_cast<std::size_t>(ix)) * g.in.c + c]);
                        }
                      std::sort(window.rbegin(), window.rend());
                      // Tied ReLU zeros and relu6 sixes pass no gradient either way (the max is flat there).
                      if (window.size() > 1 && window[0] != 0.0 && window[0] != 6.0)
                        BOOST_REQUIRE_MESSAGE(window[0] - window[1] > 1e-4, Network::facts[I].name.view() << ": a near-tie in a max window");
                    }
            } else if constexpr (std::is_same_v<G, global_pool_geometry>) {
              if (g.kind != pool_kind::max) return;
              for (std::size_t n = 0; n < batch; ++n)
                for (std::size_t c = 0; c < g.in.c; ++c) {
                  std::vector<double> all;
                  for (std::size_t p = 0; p < g.in.h * g.in.w; ++p) all.push_back(x[n * g.in.elements() + p * g.in.c + c]);
                  std::sort(all.rbegin(), all.rend());
                  BOOST_REQUIRE_MESSAGE(all[0] - all[1] > 1e-4, Network::facts[I].name.view() << ": a near-tie in a global max");
                }
            }
          }
        }(),
        ...);
  }(std::make_index_sequence<Network::size>{});
}

template <class Network>
void check_double_against_finite_differences(std::uint64_t seed) {
  auto m = std::make_unique<model<Network, kernels::reference_only>>();
  random_weights(*m, seed);
  const testing::double_network<Network> d(m->weights());
  const std::vector<double> input = to_double(constnet::testing::random_images(Network::input_shape.elements(), seed + 7));
  require_away_from_kinks(d, input, 1);
  const double h = 1e-5;
  for (const objective& o : objectives_of<Network>(d.forward(input, 1))) {
    const std::vector<double> analytic = d.gradient(o, input, 1);
    std::vector<double> numeric(input.size());
    std::vector<double> x = input;
    for (std::size_t i = 0; i < x.size(); ++i) {
      x[i] = input[i] + h;
      const double up = d.value(o, x, 1);
      x[i] = input[i] - h;
      const double down = d.value(o, x, 1);
      x[i] = input[i];
      numeric[i] = (up - down) / (2 * h);
    }
    const double scale = std::max(1.0, max_abs(numeric));
    double worst = 0;
    for (std::size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::abs(analytic[i] - numeric[i]));
    BOOST_TEST_CONTEXT("layer " << Network::facts[o.layer].name.view() << ", objective kind "
                                << static_cast<int>(o.what) << ", channel " << o.channel) {
      BOOST_TEST(worst <= 1e-6 * scale);
      BOOST_TEST(max_abs(numeric) > 1e-6, "the objective depends on the input");  // a test that can fail
    }
  }
}

template <class Network, class... Options>
void check_model_against_double(std::uint64_t seed) {
  using M = gradient_model<Network, Options...>;
  auto m = std::make_unique<M>();
  random_weights(*m, seed);
  const testing::double_network<Network> d(m->weights());
  const std::vector<float> images = constnet::testing::random_images(M::input_elements, seed + 7);
  const std::span<const float, M::input_elements> input(images.data(), M::input_elements);
  for (const objective& o : objectives_of<Network>(d.forward(to_double(images), M::batch_size))) {
    const double value = m->value_and_gradient(o, input);
    const std::vector<float> got(m->input_gradient().begin(), m->input_gradient().end());
    const std::vector<double> want = d.gradient(o, to_double(images), M::batch_size);
    const double want_value = d.value(o, to_double(images), M::batch_size);
    const double scale = std::max(1.0, max_abs(want));
    double worst = 0;
    for (std::size_t i = 0; i < want.size(); ++i) worst = std::max(worst, std::abs(got[i] - want[i]));
    BOOST_TEST_CONTEXT("layer " << Network::facts[o.layer].name.view() << ", objective kind "
                                << static_cast<int>(o.what) << ", channel " << o.channel) {
      BOOST_TEST(worst <= 1e-4 * scale);
      BOOST_TEST(std::abs(value - want_value) <= 1e-4 * std::max(1.0, std::abs(want_value)));
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(input_gradients)

BOOST_AUTO_TEST_CASE(double_backward_matches_finite_differences) {
  check_double_against_finite_differences<net_a>(11);
  check_double_against_finite_differences<net_b>(12);
  check_double_against_finite_differences<net_c>(13);
  check_double_against_finite_differences<net_d>(14);
  check_double_against_finite_differences<net_p>(14);
  check_double_against_finite_differences<net_g>(15);
}

BOOST_AUTO_TEST_CASE(reference_gradient_model_matches_double) {
  check_model_against_double<net_a, kernels::reference_only>(11);
  check_model_against_double<net_b, kernels::reference_only>(12);
  check_model_against_double<net_c, kernels::reference_only>(13);
  check_model_against_double<net_d, kernels::reference_only>(14);
  check_model_against_double<net_p, kernels::reference_only>(14);
  check_model_against_double<net_g, kernels::reference_only>(15);
}

BOOST_AUTO_TEST_CASE(fast_gradient_model_matches_double) {
  check_model_against_double<net_a>(11);
  check_model_against_double<net_b, threads<2>>(12);
  check_model_against_double<net_c, batch<2>, threads<2>>(13);
  check_model_against_double<net_d, batch<2>, threads<2>>(14);
  check_model_against_double<net_p, batch<2>, threads<2>>(14);
  check_model_against_double<net_g, batch<2>, threads<2>>(15);
}

BOOST_AUTO_TEST_CASE(the_fast_models_use_the_simd_backward_kernels) {
  // Otherwise the comparison above would only test the reference twice.
  using M = gradient_model<net_a>;
  // Stride-1 convolutions run the forward registry's choice for the transposed geometry: a direct
  // kernel for these (dx from 4 and 6 channels), whichever the forward's selection picks.
  auto through_forward_choice = []<class Model, std::size_t I>() {
    constexpr conv2d_geometry t = kernels::backward::transposed(Model::template kernel_of<I>::geometry);
    using forward = kernels::best_available::kernel<t>;
    const std::string_view name = Model::template backward_kernel_of<I>::type::name;
    BOOST_TEST(name == "f32_conv2d_input_gradient_through_" + std::string(forward::name));
    BOOST_TEST(name.starts_with("f32_conv2d_input_gradient_through_f32_conv2d_direct_"));
  };
  through_forward_choice.operator()<M, 1>();
  through_forward_choice.operator()<gradient_model<net_c>, 4>();
  using strided_conv = M::backward_kernel_of<2>::type;  // stride 2: the reference
  BOOST_TEST(strided_conv::name == kernels::backward::conv2d::name);
  using last_dense = M::backward_kernel_of<9>::type;
  BOOST_TEST(last_dense::name.starts_with("f32_dense_input_gradient_rows"));
}

BOOST_AUTO_TEST_CASE(winograd_backward_matches_the_reference_backward) {
  // Each layer alone: dx from the fast kernel (packed as pack_weights() packs it, run in three chunks of
  // tasks on separate garbage scratch, as threads run it) against backward::conv2d in double.
  constexpr auto conv3x3 = [](std::size_t h, std::size_t w, std::size_t cin, std::size_t cout, bool same) {
    const std::size_t p = same ? 1 : 0;
    return conv2d_geometry{feature_maps(h, w, cin), feature_maps(h + 2 * p - 2, w + 2 * p - 2, cout), {3, 3}, {1, 1},
                           {1, 1}, {p, p, p, p}, activation::relu, true};
  };
  std::size_t seed = 30;
  // sparse: dz is zero but at one pixel per image, so dx must be exactly 0 outside that pixel's window.
  auto check = [&]<conv2d_geometry G>(std::size_t batch, std::string_view tile, bool sparse = false) {
    using K = kernels::backward::kernel_for<kernels::best_available, G>;
    BOOST_TEST_CONTEXT(K::name << ", " << G.in.h << "x" << G.in.w << "x" << G.in.c << " -> " << G.out.h << "x"
                               << G.out.w << "x" << G.out.c << ", batch " << batch) {
      BOOST_TEST(K::name.find(tile) != std::string_view::npos);
      ++seed;
      random_source random(seed);
      std::vector<float> weights(9 * G.in.c * G.out.c + G.out.c);
      const double stddev = std::sqrt(2.0 / static_cast<double>(9 * G.in.c));
      for (float& w : weights) w = static_cast<float>(stddev * random.normal());
      std::vector<float> dz = constnet::testing::random_images(batch * G.out.elements(), seed + 1);
      if (sparse)
        for (std::size_t i = 0; i < dz.size(); ++i)
          if (i % G.out.elements() / G.out.c != (G.out.h / 2) * G.out.w + G.out.w / 3) dz[i] = 0.0f;
      aligned_buffer<float> packed(K::packed_floats(G));
      K::pack(G, weights, packed.span());
      const std::size_t scratch_bytes = K::scratch_bytes(G, batch), tasks = K::tasks(G, batch);
      std::vector<float> dx(batch * G.in.elements(), std::nanf(""));
      const std::size_t cuts[] = {0, tasks / 3, tasks - tasks / 4, tasks};
      for (std::size_t c = 3; c-- > 0;) {
        aligned_buffer<std::byte> scratch(scratch_bytes);
        std::memset(scratch.data(), 0x5A + static_cast<int>(c), scratch_bytes);
        K::run_tasks(G, std::as_const(packed).span(), dz.data(), dx.data(), scratch.data(), batch, cuts[c], cuts[c + 1]);
      }
      aligned_buffer<std::byte> first_scratch(scratch_bytes);
      if constexpr (K::restores_zeros) K::finish(G, dz.data(), dx.data(), first_scratch.data(), batch);
      std::vector<double> want(dx.size());
      const std::vector<double> w_double = to_double(weights), dz_double = to_double(dz);
      kernels::backward::conv2d::run<double>(G, w_double, dz_double.data(), want.data(), nullptr, batch);
      double worst = 0;
      std::size_t zeros = 0, lost_zeros = 0;
      for (std::size_t i = 0; i < dx.size(); ++i) {
        const double e = std::abs(dx[i] - want[i]);
        worst = std::isnan(e) ? INFINITY : std::max(worst, e);
        zeros += want[i] == 0.0;
        lost_zeros += want[i] == 0.0 && dx[i] != 0.0f;
      }
      BOOST_TEST(worst <= 1e-4 * std::max(1.0, max_abs(want)));
      BOOST_TEST(lost_zeros == 0u, lost_zeros << " of " << zeros << " exact zeros lost");
      if (sparse) BOOST_TEST(zeros > dx.size() / 2);
      BOOST_TEST(max_abs(want) > 0.1);  // a gradient that can be wrong
    }
  };
  constexpr auto f2 = "winograd_f2x2", f4 = "winograd_f4x4";
  check.operator()<conv3x3(13, 11, 16, 16, true)>(1, f2);
  check.operator()<conv3x3(9, 7, 24, 64, true)>(2, f2);
  check.operator()<conv3x3(27, 25, 32, 48, true)>(1, f4);
  check.operator()<conv3x3(25, 29, 64, 24, true)>(1, f4);
  check.operator()<conv3x3(30, 28, 16, 32, false)>(2, f4);  // valid: the transposed layer pads by 2
  check.operator()<conv3x3(26, 26, 3, 64, true)>(1, f4);    // a first layer: dx has 3 channels
  check.operator()<conv3x3(13, 11, 16, 16, true)>(2, f2, true);
  check.operator()<conv3x3(27, 25, 32, 48, true)>(1, f4, true);
  check.operator()<conv3x3(30, 28, 16, 32, false)>(1, f4, true);
  // dz with 3-15 channels and at least 32 wide: Winograd along rows (the tiles along x straddle the
  // edge of a sparse dz's support just as 2D tiles do).
  constexpr auto rows = "winograd_f1x4_rows";
  check.operator()<conv3x3(12, 40, 5, 8, true)>(2, rows);
  check.operator()<conv3x3(9, 37, 6, 12, true)>(1, rows, true);
}

BOOST_AUTO_TEST_CASE(winograd_backward_in_a_network) {
  using M = gradient_model<net_w>;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (
        [] {
          constexpr std::string_view name = M::backward_kernel_of<I>::type::name;
          BOOST_TEST(name.find("winograd") != std::string_view::npos, "layer " << I << ": " << name);
        }(),
        ...);
  }(std::index_sequence<1, 2, 4, 5>{});
  check_model_against_double<net_w>(21);
  check_model_against_double<net_w, batch<2>, threads<2>>(22);
}

BOOST_AUTO_TEST_CASE(winograd_backward_is_the_same_for_1_and_2_threads) {
  auto one = std::make_unique<gradient_model<net_w>>();
  auto two = std::make_unique<gradient_model<net_w, threads<2>>>();
  random_weights(*one, 23);
  random_weights(*two, 23);
  const std::vector<float> images = constnet::testing::random_images(net_w::input_shape.elements(), 30);
  const std::span<const float, net_w::input_shape.elements()> input(images.data(), images.size());
  for (const objective& o : {objective::filter(2, 5), objective::neuron(4, 3, 6, 5), objective::class_logit(7, 2)}) {
    const double a = one->value_and_gradient(o, input), b = two->value_and_gradient(o, input);
    BOOST_TEST(a == b);
    BOOST_TEST(std::memcmp(one->input_gradient().data(), two->input_gradient().data(), sizeof(float) * images.size()) == 0);
  }
}

BOOST_AUTO_TEST_CASE(objectives_outside_the_network_throw_before_running) {
  gradient_model<net_a> m;
  std::vector<float> image(decltype(m)::input_elements, 0.5f);
  const std::span<const float, decltype(m)::input_elements> input(image.data(), image.size());
  BOOST_CHECK_THROW(m.value_and_gradient(objective::filter(10, 0), input), shape_error);
  BOOST_CHECK_THROW(m.value_and_gradient(objective::filter(1, 4), input), shape_error);
  BOOST_CHECK_THROW(m.value_and_gradient(objective::neuron(1, 0, 11, 0), input), shape_error);
  BOOST_CHECK_THROW(m.backward_from(3, seed_point::pre_activation), shape_error);  // a max pool
  BOOST_CHECK_NO_THROW(m.value_and_gradient(objective::neuron(1, 3, 10, 9), input));
}

BOOST_AUTO_TEST_CASE(the_plan_holds_forward_and_backward) {
  using M = gradient_model<models::cifar10_cnn>;
  // Every activation is kept until the backward pass: nothing runs in place.
  for (std::size_t i = 0; i < M::layers; ++i) BOOST_TEST(!M::plan.in_place[i]);
  // No two buffers alive at the same step overlap.
  const auto& p = M::plan;
  for (std::size_t a = 0; a < p.buffer_count; ++a)
    for (std::size_t b = a + 1; b < p.buffer_count; ++b) {
      const auto &x = p.buffers[a], &y = p.buffers[b];
      const bool same_time = x.first <= y.last && y.first <= x.last;
      const bool same_place = x.offset < y.offset + y.bytes && y.offset < x.offset + x.bytes;
      BOOST_TEST(!(same_time && same_place), "buffers " << a << " and " << b << " overlap");
    }
  BOOST_TEST(p.arena_bytes >= p.lower_bound);
  BOOST_TEST(p.arena_bytes < p.separate_bytes);
  // flatten shares both its activation and its gradient with its input.
  constexpr std::size_t flat = models::cifar10_cnn::index_of<"flatten">;
  BOOST_TEST(p.gradient_offset[flat] == p.gradient_offset[flat - 1]);
  BOOST_TEST(p.tensor_offset[flat] == p.tensor_offset[flat - 1]);
}

BOOST_AUTO_TEST_SUITE_END()
