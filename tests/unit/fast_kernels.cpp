// Every kernel in the registry against the reference kernel of its layer kind, and the engine's use of
// them: threads, batches, kernel policies and force_kernel.
//
// The kernel tests are generic. For each geometry type (conv2d, pool2d, global_pool, dense, batch_norm,
// activation) they walk kernels::all_kernels<G>::type, so a kernel added to the registry is tested here without
// touching this file. Each kernel runs on the same randomized and hand-picked cases as the oracle
// (kernels::reference_for<G>::type), exactly as the engine would call it:
//   * weights are packed once with K::pack when kernels::packed_floats<K>(g) > 0, into a zeroed,
//     cache-line-aligned buffer (as the model does), otherwise K reads the canonical Keras layout;
//   * scratch is K::scratch_bytes(g, n) bytes of garbage (the arena is shared), or nullptr when 0;
//   * the output buffer starts as NaN with a guard zone behind it (unwritten outputs and overruns show),
//     the input must come back unchanged, and every buffer is allocated to its exact size, so under ASan
//     an over-read of the input or the weights is reported;
//   * batch_norm and the activation layer run both in place (in == out, as the planner runs them) and not;
//   * kernels that split their work into tasks (tasks(g, n) / run_tasks, what the thread pool calls) run
//     again as three chunks in reverse order and must reproduce run() bit for bit.
// All data comes from constnet::random_source with fixed seeds, so every run checks the same cases.
//
// Tolerance: max |fast - reference| <= 1e-5 * max(1, max |reference|) over each output tensor, and max
// pooling (windowed or global) must be exact. Why this holds for a correct kernel: a fast kernel
// multiplies the same float inputs by the same float weights; only the order of the additions (SIMD lanes,
// register tiles, blocking) and fusing into FMAs differ. Inputs are uniform in [0, 1)
// and weights He-normal (std sqrt(2 / fan_in)), so each output, and every partial sum on the way, is O(1)
// (variance of the sum ~ 2 E[x^2] = 2/3) rather than growing with the fan-in K. Rounding errors of either
// summation order then behave like a random walk of K steps of at most u = 2^-24 times an O(1) partial
// sum: ~sqrt(K) u ~ 2e-6 for the largest conv here (K = 5*5*37 = 925) and ~3e-6 for dense with K = 3000,
// comfortably under 1e-5 * max(1, max|ref|). (The worst-case bound K u sum|terms| is looser; this is the
// typical size, which is why the data is fixed and the worst observed ratio is printed per kernel.)
// Activations do not amplify it: relu and tanh are 1-Lipschitz, sigmoid 1/4-Lipschitz, softmax maps an
// absolute error e of its inputs to a relative error <= 2e of its outputs (<= 1), and their own float
// evaluation costs a few ulp. Batch norm is ~5 roundings per value and average pooling (m - 1) additions
// and a division of O(1) cells. Max pooling, relu and linear do no arithmetic, so any difference is a bug.
//
// The model tests compare model<Net, threads<1>> with threads<2> (batch 1) and threads<3> (batch 3) bit
// for bit (tasks never share outputs and the pool always splits them the same way), the default policy
// with kernels::reference_only within the same relative tolerance on whole networks (VGG16 at 32x32, the
// seeds' CNNs and two small networks with every kind of layer), and force_kernel with every kernel of
// every kind on a layer of that kind.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <memory>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "support/random_data.hpp"
#include "support/sanitizers.hpp"
#include "constnet/constnet.hpp"
#include "constnet/core/aligned_buffer.hpp"
#include "constnet/core/geometry.hpp"
#include "constnet/core/random.hpp"
#include "constnet/kernels/registry.hpp"
#include "constnet/models/seed_cnns.hpp"
#include "constnet/models/vgg.hpp"


namespace {

namespace cn = constnet;
namespace kn = constnet::kernels;
using cn::activation;
using cn::activation_geometry;
using cn::batch_norm_geometry;
using cn::conv2d_geometry;
using cn::dense_geometry;
using cn::global_pool_geometry;
using cn::pool2d_geometry;
using cn::pool_kind;
using cn::random_source;

using constnet::testing::sanitized;
/// Fewer randomized cases under the sanitizers (about 10x slower), same hand-picked ones.
constexpr std::size_t scaled(std::size_t n) { return sanitized ? std::max<std::size_t>(n / 5, 10) : n; }

constexpr double relative_tolerance = 1e-5;

// ---------------------------------------------------------------------------------------------------------
// Small helpers

std::size_t pick(random_source& rng, std::size_t low, std::size_t high) {  // uniform in [low, high]
  return low + static_cast<std::size_t>(rng.next() % static_cast<std::uint64_t>(high - low + 1));
}
template <class T, std::size_t N>
T pick_from(random_source& rng, const T (&values)[N]) {
  return values[pick(rng, 0, N - 1)];
}
bool chance(random_source& rng, double p) { return rng.uniform() < p; }

constexpr activation all_activations[] = {activation::linear, activation::relu, activation::relu6,
                                          activation::tanh,   activation::sigmoid, activation::softmax};
/// Channel counts around the vector widths (4, 8, 16) and the register blocks (16, 32 output channels).
constexpr std::size_t awkward_channels[] = {1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 37};

std::size_t channels(random_source& rng) { return chance(rng, 0.5) ? pick_from(rng, awkward_channels) : pick(rng, 1, 37); }

template <class... K, class F>
void for_each_kernel(kn::kernel_list<K...>, F&& f) {
  std::size_t index = 0;
  (f(std::type_identity<K>{}, index++), ...);
}
template <class... K>
constexpr std::size_t kernel_count(kn::kernel_list<K...>) {
  return sizeof...(K);
}

template <class Span>
std::vector<float> copy(Span s) {
  return std::vector<float>(s.begin(), s.end());
}

// ---------------------------------------------------------------------------------------------------------
// What a kernel reads and writes, per geometry type

std::size_t input_floats(const conv2d_geometry& g) { return g.in.elements(); }
std::size_t input_floats(const pool2d_geometry& g) { return g.in.elements(); }
std::size_t input_floats(const global_pool_geometry& g) { return g.in.elements(); }
std::size_t input_floats(const dense_geometry& g) { return g.in; }
std::size_t input_floats(const batch_norm_geometry& g) { return g.in.elements(); }
std::size_t input_floats(const activation_geometry& g) { return g.in.elements(); }

cn::shape output_shape(const conv2d_geometry& g) { return g.out; }
cn::shape output_shape(const pool2d_geometry& g) { return g.out; }
cn::shape output_shape(const global_pool_geometry& g) { return cn::features(g.in.c); }
cn::shape output_shape(const dense_geometry& g) { return cn::features(g.units); }
cn::shape output_shape(const batch_norm_geometry& g) { return g.in; }
cn::shape output_shape(const activation_geometry& g) { return g.in; }

/// Max pooling, relu, relu6 and linear involve no arithmetic: a fast kernel must return exactly the reference's values.
[[maybe_unused]] bool exact(const conv2d_geometry&) { return false; }
[[maybe_unused]] bool exact(const pool2d_geometry& g) { return g.kind == pool_kind::max; }
[[maybe_unused]] bool exact(const global_pool_geometry& g) { return g.kind == pool_kind::max; }
[[maybe_unused]] bool exact(const dense_geometry&) { return false; }
[[maybe_unused]] bool exact(const batch_norm_geometry&) { return false; }
[[maybe_unused]] bool exact(const activation_geometry& g) {
  return g.act == activation::linear || g.act == activation::relu || g.act == activation::relu6;
}

std::string text(const cn::shape& s) {
  if (s.rank == 1) return std::to_string(s.c);
  return std::to_string(s.h) + "x" + std::to_string(s.w) + "x" + std::to_string(s.c);
}
std::string text(const cn::extent2& e) { return std::to_string(e.h) + "x" + std::to_string(e.w); }
std::string text(const cn::padding2& p) {
  return "pad(t" + std::to_string(p.top) + ",b" + std::to_string(p.bottom) + ",l" + std::to_string(p.left) + ",r" +
         std::to_string(p.right) + ")";
}
std::string text(pool_kind k) {
  switch (k) {
    case pool_kind::max: return "max";
    case pool_kind::average: return "average";
    case pool_kind::mixed: return "mixed";
  }
  return "?";
}

std::string describe(const conv2d_geometry& g) {
  return "conv2d " + text(g.in) + " -> " + text(g.out) + " kernel " + text(g.kernel) + " stride " + text(g.stride) +
         " dilation " + text(g.dilation) + " " + text(g.pad) + " " + std::string(cn::to_string(g.act)) +
         (g.bias ? " bias" : " no_bias");
}
std::string describe(const pool2d_geometry& g) {
  std::ostringstream o;
  o << text(g.kind) << "_pool " << text(g.in) << " -> " << text(g.out) << " window " << text(g.window) << " stride "
    << text(g.stride) << " " << text(g.pad);
  if (g.kind == pool_kind::mixed) o << " lambda " << g.lambda;
  if (g.count_padding) o << " count_padding";
  if (g.dilation != cn::extent2{1, 1}) o << " dilation " << text(g.dilation);
  if (g.ceil_mode) o << " ceil_mode";
  return o.str();
}
std::string describe(const global_pool_geometry& g) { return "global_" + text(g.kind) + "_pool " + text(g.in); }
std::string describe(const dense_geometry& g) {
  return "dense " + std::to_string(g.in) + " -> " + std::to_string(g.units) + " " + std::string(cn::to_string(g.act)) +
         (g.bias ? " bias" : " no_bias");
}
std::string describe(const activation_geometry& g) {
  return "activation " + std::string(cn::to_string(g.act)) + " " + text(g.in);
}
std::string describe(const batch_norm_geometry& g) {
  std::ostringstream o;
  o << "batch_norm " << text(g.in) << " epsilon " << g.epsilon;
  return o.str();
}

/// Output index -> "(image n, y, x, channel)".
std::string where(const cn::shape& s, std::size_t index) {
  const std::size_t n = index / s.elements(), rest = index % s.elements();
  return "(image " + std::to_string(n) + ", y " + std::to_string(rest / (s.w * s.c)) + ", x " +
         std::to_string(rest / s.c % s.w) + ", channel " + std::to_string(rest % s.c) + ")";
}

// ---------------------------------------------------------------------------------------------------------
// Test data

/// Canonical (Keras-layout) weights: He-normal kernels, small random biases, batch norm statistics away
/// from the identity.
std::vector<float> random_weights(const conv2d_geometry& g, random_source& rng) {
  const std::size_t fan_in = g.kernel.h * g.kernel.w * g.in.c, cout = g.out.c;
  std::vector<float> w(fan_in * cout + (g.bias ? cout : 0));
  const double stddev = std::sqrt(2.0 / static_cast<double>(fan_in));
  for (std::size_t i = 0; i < fan_in * cout; ++i) w[i] = static_cast<float>(stddev * rng.normal());
  for (std::size_t i = fan_in * cout; i < w.size(); ++i) w[i] = static_cast<float>(rng.uniform(-0.5, 0.5));
  return w;
}
std::vector<float> random_weights(const dense_geometry& g, random_source& rng) {
  std::vector<float> w(g.in * g.units + (g.bias ? g.units : 0));
  const double stddev = std::sqrt(2.0 / static_cast<double>(g.in));
  for (std::size_t i = 0; i < g.in * g.units; ++i) w[i] = static_cast<float>(stddev * rng.normal());
  for (std::size_t i = g.in * g.units; i < w.size(); ++i) w[i] = static_cast<float>(rng.uniform(-0.5, 0.5));
  return w;
}
std::vector<float> random_weights(const batch_norm_geometry& g, random_source& rng) {
  const std::size_t c = g.in.c;
  std::vector<float> w(4 * c);
  for (std::size_t i = 0; i < c; ++i) {
    w[i] = static_cast<float>(rng.uniform(0.5, 1.5));              // gamma
    w[c + i] = static_cast<float>(rng.uniform(-0.5, 0.5));         // beta
    w[2 * c + i] = static_cast<float>(rng.uniform(0.0, 1.0));      // moving mean
    w[3 * c + i] = static_cast<float>(rng.uniform(0.05, 2.0));     // moving variance
  }
  return w;
}
std::vector<float> random_weights(const pool2d_geometry&, random_source&) { return {}; }
std::vector<float> random_weights(const global_pool_geometry&, random_source&) { return {}; }
std::vector<float> random_weights(const activation_geometry&, random_source&) { return {}; }

/// Input styles: 0 uniform [0, 1) (what the tolerance argument assumes); for pooling also 1 all negative
/// (padding must never win a max) and 2 small integers -2..1 (ties and exact zeros); for activations 3,
/// uniform [-8, 8) (pre-activations of both signs and past relu6's ceiling, softmax inputs far apart);
/// for relu6 convolutions and dense layers 4, uniform [0, 3): sums of standard deviation about 2.5, so
/// some outputs pass 6 (the tolerance argument holds with errors three times as large, against a
/// tolerance scaled by max |reference| = 6).
std::vector<float> random_input(std::size_t count, int style, random_source& rng) {
  std::vector<float> v(count);
  for (float& x : v) {
    switch (style) {
      case 1: x = static_cast<float>(rng.uniform(-1.0, -1e-3)); break;
      case 2: x = static_cast<float>(static_cast<int>(pick(rng, 0, 3)) - 2); break;
      case 3: x = static_cast<float>(rng.uniform(-8.0, 8.0)); break;
      case 4: x = static_cast<float>(rng.uniform(0.0, 3.0)); break;
      default: x = static_cast<float>(rng.uniform());
    }
  }
  return v;
}

template <class G>
struct kernel_case {
  G g{};
  std::size_t images = 1;
  bool in_place = false;  // batch_norm and activation only: out == in
  int style = 0;
  std::string origin;     // "random #12" or what the hand-picked case stands for
};

// ---------------------------------------------------------------------------------------------------------
// Padding and output size per axis. TensorFlow's 'same': out = ceil(n / s), total padding
// max((out - 1) s + f_eff - n, 0), the odd cell after. Output size always from the library's formula
// floor((n + before + after - f_eff) / s) + 1, f_eff = d (f - 1) + 1; pooling's ceil_mode rounds up
// instead and drops a last window that would start past the input and its leading padding.

enum class pad_mode { valid, same, explicit_cells };

struct axis_layout {
  bool fits = false;
  std::size_t out = 0, before = 0, after = 0;
};

axis_layout place_axis(std::size_t n, std::size_t f, std::size_t s, std::size_t d, pad_mode mode, std::size_t before,
                       std::size_t after, bool ceil_mode = false) {
  const std::size_t span = d * (f - 1) + 1;
  axis_layout a;
  if (mode == pad_mode::valid) before = after = 0;
  if (mode == pad_mode::same) {
    const std::size_t out = (n + s - 1) / s;
    const std::size_t needed = (out - 1) * s + span;
    const std::size_t total = needed > n ? needed - n : 0;
    before = total / 2;
    after = total - before;
  }
  if (n + before + after < span) return a;
  a = {true, (n + before + after - span) / s + 1, before, after};
  if (ceil_mode && mode != pad_mode::same) {
    a.out = (n + before + after - span + s - 1) / s + 1;
    if ((a.out - 1) * s >= n + before) --a.out;
  }
  if (mode == pad_mode::same) BOOST_REQUIRE(a.out == (n + s - 1) / s);
  return a;
}

std::size_t conv_macs(const conv2d_geometry& g, std::size_t images) {
  return images * g.out.elements() * g.kernel.h * g.kernel.w * g.in.c;
}

// ---------------------------------------------------------------------------------------------------------
// Cases per kind of layer

std::vector<kernel_case<conv2d_geometry>> conv_cases() {
  std::vector<kernel_case<conv2d_geometry>> cases;
  const auto add = [&](const conv2d_geometry& g, std::size_t images, std::string origin) {
    cases.push_back({g, images, false, g.act == activation::relu6 ? 4 : 0, std::move(origin)});
  };
  using cn::feature_maps;
  using namespace cn;  // layer templates and their options, only here
  add(conv2d<64, kernel<3>, same, act::relu>::geometry(feature_maps(14, 14, 64)), 1, "VGG block4-like 14x14x64 -> 64, 3x3 same");
  add(conv2d<64, kernel<3>, same, act::relu>::geometry(feature_maps(32, 32, 3)), 1, "VGG block1_conv1 at 32x32");
  add(conv2d<16, kernel<3>, same, act::relu>::geometry(feature_maps(28, 28, 3)), 2, "first layer 28x28x3 -> 16");
  add(conv2d<128, kernel<3>, same, act::relu>::geometry(feature_maps(8, 8, 64)), 1, "VGG block2-like 8x8x64 -> 128");
  add(conv2d<32, kernel<1>, act::relu>::geometry(feature_maps(9, 9, 33)), 2, "1x1 conv 9x9x33 -> 32");
  add(conv2d<48, kernel<1>, strides<2>>::geometry(feature_maps(11, 11, 16)), 1, "1x1 stride 2");
  add(conv2d<24, kernel<3>, strides<2>, same, act::relu>::geometry(feature_maps(15, 15, 16)), 3, "3x3 stride 2 same");
  add(conv2d<32, kernel<3>, strides<2>>::geometry(feature_maps(16, 16, 8)), 1, "3x3 stride 2 valid");
  add(conv2d<20, kernel<5>, strides<2>, act::relu>::geometry(feature_maps(37, 37, 10)), 1, "seed 39x39 example, 2nd conv");
  add(conv2d<10, kernel<3, 5>, pad<1, 2, 0, 3>, dilation<2, 1>, act::tanh>::geometry(feature_maps(9, 12, 7)), 2,
      "3x5, asymmetric explicit padding, dilation 2x1");
  add(conv2d<17, kernel<5>, same, dilation<3>, act::sigmoid, no_bias>::geometry(feature_maps(13, 13, 9)), 1,
      "5x5 dilation 3 same, no bias");
  add(conv2d<33, kernel<3>, same, act::softmax>::geometry(feature_maps(7, 7, 15)), 2, "softmax over 33 channels");
  add(conv2d<8, kernel<1>>::geometry(feature_maps(1, 1, 1)), 1, "1x1x1 -> 8");
  add(conv2d<1, kernel<5>, same>::geometry(feature_maps(1, 1, 1)), 4, "5x5 same on a 1x1 image");
  add(conv2d<5, kernel<1, 4>, pad<3, 3, 0, 0>, strides<3, 1>>::geometry(feature_maps(2, 6, 3)), 2,
      "rows that see only padding");
  // Few input channels (direct::conv2d_rows_nhwc): odd widths that leave every tile remainder,
  // strides and dilations that change which input rows consecutive output rows share, batches.
  add(conv2d<64, kernel<3>, same, act::relu>::geometry(feature_maps(9, 23, 3)), 3, "3 channels, width 23, batch 3");
  add(conv2d<37, kernel<3>, strides<2>, same, act::tanh>::geometry(feature_maps(17, 15, 3)), 2,
      "3 channels, 3x3 stride 2 same, 37 outputs");
  add(conv2d<8, kernel<7>, strides<2>, same, act::relu>::geometry(feature_maps(19, 21, 1)), 2, "1 channel, 7x7 stride 2");
  add(conv2d<24, kernel<5, 3>, same, dilation<2, 3>, act::sigmoid>::geometry(feature_maps(13, 11, 2)), 1,
      "2 channels, 5x3 dilation 2x3 same");
  add(conv2d<33, kernel<3>, pad<4, 0, 2, 5>, act::softmax, no_bias>::geometry(feature_maps(5, 7, 4)), 2,
      "4 channels, padding wider than the kernel, softmax, no bias");
  add(conv2d<16, kernel<2, 4>, strides<1, 3>>::geometry(feature_maps(6, 29, 4)), 1, "4 channels, 2x4 stride 1x3 valid");

  // Winograd along rows (3 to 15 channels, kernels 3 wide, stride 1 along x): a partial 8-lane chunk
  // of channels, rows that share input rows or not, tiles past the row's end, taller kernels.
  add(conv2d<19, kernel<3>, same, strides<2, 1>, dilation<2, 1>, act::relu>::geometry(feature_maps(11, 21, 12)), 2,
      "12 channels, 3x3 stride 2x1 dilation 2x1 same, width 21");
  add(conv2d<40, kernel<5, 3>, pad<6, 1, 2, 3>, act::linear>::geometry(feature_maps(7, 9, 5)), 3,
      "5 channels, 5x3, padding taller than the kernel, batch 3");
  add(conv2d<16, kernel<3>, act::softmax, no_bias>::geometry(feature_maps(4, 3, 9)), 1,
      "9 channels, 3x3 valid on a 3-wide image, softmax, no bias");
  // relu6 in every kernel's epilogue: Winograd F4 and F2, along rows, and both direct schedules.
  add(conv2d<24, kernel<3>, same, act::relu6>::geometry(feature_maps(26, 25, 32)), 1, "relu6, Winograd F4 shape");
  add(conv2d<40, kernel<3>, same, act::relu6>::geometry(feature_maps(9, 11, 16)), 2, "relu6, Winograd F2 shape");
  add(conv2d<16, kernel<3>, same, act::relu6>::geometry(feature_maps(5, 40, 8)), 2, "relu6, Winograd-rows shape");
  add(conv2d<32, kernel<3>, strides<2>, same, act::relu6>::geometry(feature_maps(17, 17, 3)), 1,
      "relu6, MobileNetV2's first layer shape, stride 2");
  add(conv2d<37, kernel<1>, act::relu6, no_bias>::geometry(feature_maps(7, 9, 64)), 1, "relu6, 1x1 expansion");

  random_source rng(0xc0112d);
  const std::size_t wanted = cases.size() + scaled(400);
  const std::size_t budget = sanitized ? 400'000 : 1'500'000;  // multiply-adds per case
  for (std::size_t attempt = 0; cases.size() < wanted; ++attempt) {
    conv2d_geometry g;
    const std::size_t h = pick(rng, 1, 17), w = pick(rng, 1, 17), cin = channels(rng), cout = channels(rng);
    const std::size_t kh = pick(rng, 1, 5), kw = chance(rng, 0.4) ? kh : pick(rng, 1, 5);
    const std::size_t sh = pick(rng, 1, 3), sw = chance(rng, 0.5) ? sh : pick(rng, 1, 3);
    const std::size_t dh = chance(rng, 0.5) ? 1 : pick(rng, 1, 3), dw = chance(rng, 0.5) ? dh : pick(rng, 1, 3);
    const auto mode = static_cast<pad_mode>(pick(rng, 0, 2));
    const auto y = place_axis(h, kh, sh, dh, mode, pick(rng, 0, 4), pick(rng, 0, 4));
    const auto x = place_axis(w, kw, sw, dw, mode, pick(rng, 0, 4), pick(rng, 0, 4));
    const std::size_t images = pick(rng, 1, 4);
    g.act = pick_from(rng, all_activations);
    g.bias = chance(rng, 0.7);
    if (!y.fits || !x.fits) continue;
    g.in = cn::feature_maps(h, w, cin);
    g.out = cn::feature_maps(y.out, x.out, cout);
    g.kernel = {kh, kw};
    g.stride = {sh, sw};
    g.dilation = {dh, dw};
    g.pad = {y.before, y.after, x.before, x.after};
    if (conv_macs(g, images) > budget) continue;
    add(g, images, "random #" + std::to_string(attempt));
  }
  return cases;
}

std::vector<kernel_case<pool2d_geometry>> pool_cases() {
  std::vector<kernel_case<pool2d_geometry>> cases;
  const auto add = [&](const pool2d_geometry& g, std::size_t images, int style, std::string origin) {
    cases.push_back({g, images, false, style, std::move(origin)});
  };
  using cn::feature_maps;
  using namespace cn;
  for (int style = 0; style < 3; ++style) {
    add(max_pool<pool_size<2>, strides<2>>::geometry(feature_maps(14, 14, 64)), 1, style, "VGG pool 14x14x64");
    add(max_pool<pool_size<2>>::geometry(feature_maps(15, 15, 33)), 2, style, "2x2 max on an odd map");
    add(max_pool<pool_size<3>, strides<2>, same>::geometry(feature_maps(17, 17, 9)), 1, style, "3x3/2 max same");
    add(avg_pool<pool_size<3>, strides<2>, same, count_padding>::geometry(feature_maps(17, 17, 9)), 2, style,
        "3x3/2 average same count_padding");
    add(avg_pool<pool_size<3>, strides<1>, same>::geometry(feature_maps(7, 7, 37)), 1, style, "3x3/1 average same");
    add(mixed_pool<mix<1, 3>, pool_size<3, 2>, strides<2, 1>, pad<2, 1, 1, 0>>::geometry(feature_maps(9, 8, 17)), 3,
        style, "mixed 1/3, 3x2 window, asymmetric padding");
    add(mixed_pool<mix<3, 4>, pool_size<2>, same, count_padding>::geometry(feature_maps(5, 5, 8)), 2, style,
        "mixed 3/4 same count_padding");
    add(max_pool<pool_size<1>>::geometry(feature_maps(1, 1, 1)), 4, style, "1x1 window on 1x1x1");
    // PyTorch's dilation and ceil_mode: windows that sample every d-th cell, and last windows that run
    // past the image and its padding.
    add(max_pool<pool_size<3>, strides<2>, ceil_mode>::geometry(feature_maps(8, 9, 37)), 2, style,
        "3x3/2 max ceil_mode (torchvision GoogLeNet)");
    add(max_pool<pool_size<3>, strides<1>, dilation<2>, pad<1>>::geometry(feature_maps(9, 10, 17)), 1, style,
        "3x3/1 max dilation 2, padded");
    add(max_pool<pool_size<2>, strides<2>, dilation<2, 3>, ceil_mode>::geometry(feature_maps(11, 13, 33)), 3, style,
        "2x2/2 max dilation 2x3 ceil_mode");
    add(avg_pool<pool_size<3>, strides<2>, pad<1>, ceil_mode, count_padding>::geometry(feature_maps(10, 10, 9)), 2,
        style, "3x3/2 average pad 1 ceil_mode count_padding: the last window runs past the padding");
    add(avg_pool<pool_size<3>, strides<2>, ceil_mode>::geometry(feature_maps(6, 7, 16)), 1, style,
        "3x3/2 average ceil_mode");
    add(mixed_pool<mix<1, 4>, pool_size<3>, strides<2>, pad<1, 0, 1, 0>, ceil_mode, count_padding>::geometry(
            feature_maps(8, 8, 8)),
        2, style, "mixed 1/4 ceil_mode count_padding, padding top and left");
  }
  // Whether every window samples an input cell along an axis, as the layers require.
  const auto sees_input = [](std::size_t n, std::size_t out, std::size_t f, std::size_t s, std::size_t d,
                             std::size_t before) {
    for (std::size_t o = 0; o < out; ++o) {
      bool seen = false;
      for (std::size_t k = 0; k < f; ++k) seen = seen || (o * s + k * d >= before && o * s + k * d - before < n);
      if (!seen) return false;
    }
    return true;
  };
  random_source rng(0x9001);
  const std::size_t wanted = cases.size() + scaled(400);
  for (std::size_t attempt = 0; cases.size() < wanted; ++attempt) {
    pool2d_geometry g;
    const std::size_t h = pick(rng, 1, 17), w = pick(rng, 1, 17), c = channels(rng);
    const std::size_t fh = pick(rng, 1, 5), fw = chance(rng, 0.5) ? fh : pick(rng, 1, 5);
    const std::size_t sh = pick(rng, 1, 3), sw = chance(rng, 0.5) ? sh : pick(rng, 1, 3);
    const auto mode = static_cast<pad_mode>(pick(rng, 0, 2));
    g.kind = static_cast<pool_kind>(pick(rng, 0, 2));
    // Dilation on max pools only; ceil_mode with valid and explicit padding.
    g.dilation = g.kind == pool_kind::max && chance(rng, 0.3) ? cn::extent2{pick(rng, 1, 3), pick(rng, 1, 3)}
                                                              : cn::extent2{1, 1};
    g.ceil_mode = mode != pad_mode::same && chance(rng, 0.4);
    // Explicit padding below the window on every side, or some window would hold only padding.
    const auto y = place_axis(h, fh, sh, g.dilation.h, mode, pick(rng, 0, fh - 1), pick(rng, 0, fh - 1), g.ceil_mode);
    const auto x = place_axis(w, fw, sw, g.dilation.w, mode, pick(rng, 0, fw - 1), pick(rng, 0, fw - 1), g.ceil_mode);
    const std::size_t den = pick(rng, 1, 8), num = pick(rng, 0, den);
    g.lambda = g.kind == pool_kind::mixed ? static_cast<double>(num) / static_cast<double>(den)
                                          : (g.kind == pool_kind::max ? 1.0 : 0.0);
    g.count_padding = g.kind != pool_kind::max && chance(rng, 0.5);
    const std::size_t images = pick(rng, 1, 4);
    const int style = static_cast<int>(pick(rng, 0, 2));
    if (!y.fits || !x.fits || !sees_input(h, y.out, fh, sh, g.dilation.h, y.before) ||
        !sees_input(w, x.out, fw, sw, g.dilation.w, x.before))
      continue;
    if (g.dilation == cn::extent2{1, 1}) BOOST_REQUIRE(y.before < fh && y.after < fh && x.before < fw && x.after < fw);
    g.in = cn::feature_maps(h, w, c);
    g.out = cn::feature_maps(y.out, x.out, c);
    g.window = {fh, fw};
    g.stride = {sh, sw};
    g.pad = {y.before, y.after, x.before, x.after};
    add(g, images, style, "random #" + std::to_string(attempt));
  }
  return cases;
}

std::vector<kernel_case<global_pool_geometry>> global_pool_cases() {
  std::vector<kernel_case<global_pool_geometry>> cases;
  using cn::feature_maps;
  for (int style = 0; style < 3; ++style) {
    cases.push_back({cn::global_avg_pool<>::geometry(feature_maps(7, 7, 512)), 2, false, style, "VGG-like 7x7x512 average"});
    cases.push_back({cn::global_max_pool<>::geometry(feature_maps(7, 7, 512)), 2, false, style, "VGG-like 7x7x512 max"});
    cases.push_back({cn::global_avg_pool<>::geometry(feature_maps(1, 1, 1)), 3, false, style, "1x1x1 average"});
    cases.push_back({cn::global_max_pool<>::geometry(feature_maps(1, 1, 1)), 3, false, style, "1x1x1 max"});
  }
  random_source rng(0x610ba1);
  for (std::size_t i = 0; i < scaled(200); ++i) {
    global_pool_geometry g;
    g.in = cn::feature_maps(pick(rng, 1, 17), pick(rng, 1, 17), chance(rng, 0.1) ? pick(rng, 38, 300) : channels(rng));
    g.kind = chance(rng, 0.5) ? pool_kind::max : pool_kind::average;
    const std::size_t images = pick(rng, 1, 4);
    cases.push_back({g, images, false, static_cast<int>(pick(rng, 0, 2)), "random #" + std::to_string(i)});
  }
  return cases;
}

std::vector<kernel_case<dense_geometry>> dense_cases() {
  std::vector<kernel_case<dense_geometry>> cases;
  const auto add = [&](const dense_geometry& g, std::size_t images, std::string origin) {
    cases.push_back({g, images, false, g.act == activation::relu6 ? 4 : 0, std::move(origin)});
  };
  using cn::features;
  using namespace cn;
  add(dense<70, act::softmax>::geometry(features(3000)), 2, "3000 -> 70 softmax");
  add(dense<10, act::softmax>::geometry(features(512)), 1, "VGG head at 32x32: 512 -> 10");
  add(dense<64, act::relu>::geometry(features(2048)), 3, "2048 -> 64 relu");
  add(dense<33, act::tanh, no_bias>::geometry(features(17)), 4, "17 -> 33 tanh, no bias");
  add(dense<1, act::sigmoid>::geometry(features(1)), 1, "1 -> 1 sigmoid");
  add(dense<1, act::softmax>::geometry(features(9)), 2, "softmax over one unit");
  // Batch 1 reads unit blocks side by side (dense_packed::streams): whole groups with a partial last
  // block, and a group followed by a lone partial block.
  add(dense<170, act::relu>::geometry(features(2048)), 1, "GEMV in groups of blocks: 2048 -> 170 relu");
  add(dense<100, act::tanh>::geometry(features(300)), 1, "GEMV, a group and a lone block: 300 -> 100 tanh");
  add(dense<170, act::relu6>::geometry(features(700)), 1, "GEMV relu6: 700 -> 170");
  add(dense<37, act::relu6>::geometry(features(1500)), 5, "relu6, passes over chunks: 1500 -> 37, batch 5");
  random_source rng(0xde15e);
  const std::size_t wanted = cases.size() + scaled(250);
  for (std::size_t i = 0; cases.size() < wanted; ++i) {
    dense_geometry g;
    const std::size_t size_class = pick(rng, 0, 3);
    g.in = size_class == 0   ? pick_from(rng, awkward_channels)
           : size_class == 1 ? pick(rng, 1, 64)
           : size_class == 2 ? pick(rng, 65, 700)
                             : pick(rng, 701, sanitized ? 1500 : 3000);
    g.units = chance(rng, 0.3) ? pick_from(rng, awkward_channels) : pick(rng, 1, 70);
    g.act = pick_from(rng, all_activations);
    g.bias = chance(rng, 0.7);
    const std::size_t images = pick(rng, 1, 4);
    add(g, images, "random #" + std::to_string(i));
  }
  return cases;
}

std::vector<kernel_case<batch_norm_geometry>> batch_norm_cases() {
  std::vector<kernel_case<batch_norm_geometry>> cases;
  using cn::feature_maps;
  for (const bool in_place : {false, true}) {
    cases.push_back({cn::batch_norm<>::geometry(feature_maps(14, 14, 64)), 2, in_place, 0, "14x14x64"});
    cases.push_back({cn::batch_norm<>::geometry(cn::features(37)), 3, in_place, 0, "flat 37 (after a dense)"});
    cases.push_back({cn::batch_norm<cn::epsilon<1, 100000>>::geometry(feature_maps(1, 1, 1)), 4, in_place, 0, "1x1x1"});
    cases.push_back({cn::batch_norm<>::geometry(feature_maps(64, 64, 3)), 1, in_place, 0, "bn_cnn_64 input"});
  }
  random_source rng(0xba7c4);
  constexpr double epsilons[] = {1e-3, 1e-5, 0.1, 0.0};
  for (std::size_t i = 0; i < scaled(250); ++i) {
    batch_norm_geometry g;
    g.in = chance(rng, 0.2) ? cn::features(pick(rng, 1, 300)) : cn::feature_maps(pick(rng, 1, 17), pick(rng, 1, 17), channels(rng));
    g.epsilon = pick_from(rng, epsilons);
    const std::size_t images = pick(rng, 1, 4);
    cases.push_back({g, images, chance(rng, 0.5), 0, "random #" + std::to_string(i)});
  }
  return cases;
}

std::vector<kernel_case<activation_geometry>> activation_cases() {
  std::vector<kernel_case<activation_geometry>> cases;
  using cn::feature_maps;
  for (const bool in_place : {false, true}) {
    cases.push_back({{feature_maps(14, 14, 64), activation::relu}, 2, in_place, 3, "14x14x64 relu"});
    cases.push_back({{cn::features(10), activation::softmax}, 3, in_place, 3, "softmax over 10 classes"});
    cases.push_back({{cn::features(1), activation::softmax}, 2, in_place, 3, "softmax over one value"});
    cases.push_back({{feature_maps(1, 1, 1), activation::sigmoid}, 4, in_place, 3, "1x1x1 sigmoid"});
  }
  random_source rng(0xac71);
  for (std::size_t i = 0; i < scaled(150); ++i) {
    activation_geometry g;
    g.in = chance(rng, 0.2) ? cn::features(pick(rng, 1, 300)) : cn::feature_maps(pick(rng, 1, 17), pick(rng, 1, 17), channels(rng));
    g.act = pick_from(rng, all_activations);
    const std::size_t images = pick(rng, 1, 4);
    cases.push_back({g, images, chance(rng, 0.5), 3, "random #" + std::to_string(i)});
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------------------
// Running one kernel as the engine does

constexpr std::size_t guard_floats = 67;
constexpr float guard_value = -7.5e33f;

/// As the model decides: a kernel with tasks(g, n) is split into tasks, run by run_tasks on each thread,
/// with that thread's own scratch when run_tasks takes one.
template <class K, class G>
constexpr bool has_tasks = requires(const G& g) {
  { K::tasks(g, std::size_t{1}) } -> std::convertible_to<std::size_t>;
};
template <class K, class G>
constexpr bool tasks_take_scratch = requires(const G& g, std::span<const float> w, const float* in, float* out,
                                             std::byte* scratch) {
  K::run_tasks(g, w, in, out, scratch, std::size_t{1}, std::size_t{0}, std::size_t{1});
};

/// Runs K on one case; problems other than wrong values (overrun guard, modified input) go to `problems`.
template <class K, class G>
std::vector<float> run_kernel(const kernel_case<G>& c, std::span<const float> canonical, std::span<const float> x,
                              bool via_tasks, std::string& problems) {
  const G& g = c.g;
  const std::size_t in_count = c.images * input_floats(g), out_count = c.images * output_shape(g).elements();

  // Weights: canonical, or packed once into a zeroed cache-line-aligned buffer of exactly the size asked.
  cn::aligned_buffer<float> canonical_copy(canonical.size());
  std::copy(canonical.begin(), canonical.end(), canonical_copy.data());
  std::span<const float> weights = std::as_const(canonical_copy).span();
  cn::aligned_buffer<float> packed(kn::packed_floats<K>(g));
  if constexpr (requires(std::span<const float> from, std::span<float> to) { K::pack(g, from, to); }) {
    if (packed.size() > 0) {
      K::pack(g, weights, packed.span());
      weights = std::as_const(packed).span();
    }
  }

  // Input of exactly its size (ASan sees over-reads); output NaN-filled with a guard zone behind it.
  cn::aligned_buffer<float> input(in_count);
  std::copy(x.begin(), x.end(), input.data());
  cn::aligned_buffer<float> output(c.in_place ? 0 : out_count + guard_floats);
  float* out = input.data();
  if (!c.in_place) {
    std::fill(output.data(), output.data() + out_count, std::numeric_limits<float>::quiet_NaN());
    std::fill(output.data() + out_count, output.data() + out_count + guard_floats, guard_value);
    out = output.data();
  }
  // Scratch lives in the shared arena, so it starts as garbage.
  const std::size_t scratch_bytes = K::scratch_bytes(g, c.images);
  cn::aligned_buffer<std::byte> scratch(scratch_bytes);
  if (scratch_bytes > 0) std::memset(scratch.data(), 0xA5, scratch_bytes);

  if constexpr (has_tasks<K, G>) {
    if (via_tasks) {
      // Three chunks, last first, as three threads with their own scratch would run them: a task's result
      // must not depend on which others ran, in what order, or on what its scratch held before.
      const std::size_t tasks = K::tasks(g, c.images);
      const std::size_t cuts[] = {0, tasks / 3, tasks - tasks / 4, tasks};
      for (std::size_t chunk = 3; chunk-- > 0;) {
        if constexpr (tasks_take_scratch<K, G>) {
          cn::aligned_buffer<std::byte> own(scratch_bytes);
          if (scratch_bytes > 0) std::memset(own.data(), 0x5A + static_cast<int>(chunk), scratch_bytes);
          K::run_tasks(g, weights, input.data(), out, scratch_bytes ? own.data() : nullptr, c.images, cuts[chunk],
                       cuts[chunk + 1]);
        } else {
          K::run_tasks(g, weights, input.data(), out, c.images, cuts[chunk], cuts[chunk + 1]);
        }
      }
      // As the engine does: what needs every task's output (a softmax over all units) runs last.
      if constexpr (requires { K::finish(g, out, c.images); }) K::finish(g, out, c.images);
    } else {
      K::run(g, weights, input.data(), out, scratch_bytes ? scratch.data() : nullptr, c.images);
    }
  } else {
    K::run(g, weights, input.data(), out, scratch_bytes ? scratch.data() : nullptr, c.images);
  }

  if (!c.in_place) {
    for (std::size_t i = 0; i < guard_floats; ++i)
      if (output.data()[out_count + i] != guard_value) {
        problems += "wrote past the end of its output (float " + std::to_string(out_count + i) + " of " +
                    std::to_string(out_count) + "); ";
        break;
      }
    if (!std::equal(x.begin(), x.end(), input.data())) problems += "modified its input; ";
    return std::vector<float>(output.data(), output.data() + out_count);
  }
  return std::vector<float>(input.data(), input.data() + out_count);
}

struct difference {
  double max_error = 0.0;      // max |got - expected|, infinite for a NaN where a number was expected
  double max_reference = 0.0;  // max |expected|
  std::size_t worst = 0;
  float got = 0, expected = 0;
};

difference compare(std::span<const float> got, std::span<const float> expected) {
  difference d;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    d.max_reference = std::max(d.max_reference, std::abs(static_cast<double>(expected[i])));
    double e = std::abs(static_cast<double>(got[i]) - static_cast<double>(expected[i]));
    if (std::isnan(e)) e = std::numeric_limits<double>::infinity();
    if (e > d.max_error || (i == 0 && e == 0.0)) {
      d.max_error = e;
      d.worst = i;
      d.got = got[i];
      d.expected = expected[i];
    }
  }
  return d;
}
double tolerance_of(const difference& d) { return relative_tolerance * std::max(1.0, d.max_reference); }
/// The error in units of the tolerance's scale: must be <= 1e-5.
double relative_error(const difference& d) { return d.max_error / std::max(1.0, d.max_reference); }

struct kernel_stats {
  std::string_view name;
  bool reference = false;
  std::size_t cases = 0, unsupported = 0, failures = 0, task_runs = 0;
  double worst_relative = 0.0;
  std::string worst_case;
};

/// Every kernel of List against reference_for<G> on every case; with `report`, each failure (at most a few
/// per kernel) is a test error naming the kernel, the case and the worst output.
template <class G, class List>
std::array<kernel_stats, kernel_count(List{})> compare_kernels(const std::vector<kernel_case<G>>& cases,
                                                                std::uint64_t seed, bool report) {
  using reference = typename kn::reference_for<G>::type;
  using list = List;
  std::array<kernel_stats, kernel_count(List{})> stats{};
  constexpr std::size_t max_reported = 8;  // per kernel, so one broken kernel does not flood the log

  for (std::size_t i = 0; i < cases.size(); ++i) {
    const kernel_case<G>& c = cases[i];
    random_source rng(seed + i);
    const std::vector<float> weights = random_weights(c.g, rng);
    const std::vector<float> x = random_input(c.images * input_floats(c.g), c.style, rng);
    std::string ignored;
    kernel_case<G> not_in_place = c;
    not_in_place.in_place = false;
    const std::vector<float> expected = run_kernel<reference>(not_in_place, weights, x, false, ignored);
    const std::string label = describe(c.g) + ", batch " + std::to_string(c.images) +
                              (c.in_place ? ", in place" : "") + ", input style " + std::to_string(c.style) + " [" +
                              c.origin + "]";

    for_each_kernel(list{}, [&]<class K>(std::type_identity<K>, std::size_t k) {
      kernel_stats& s = stats[k];
      s.name = K::name;
      if constexpr (std::is_same_v<K, reference>) {
        s.reference = true;
      } else {
        if (!K::supports(c.g)) {
          ++s.unsupported;
          return;
        }
        ++s.cases;
        // A kernel that crashes takes the process with it; Boost then names this as the last checkpoint.
        BOOST_TEST_CHECKPOINT(K::name << " on " << label);
        std::string problems;
        const std::vector<float> got = run_kernel<K>(c, weights, x, false, problems);
        const difference d = compare(got, expected);
        const bool ok = exact(c.g) ? d.max_error == 0.0 : d.max_error <= tolerance_of(d);
        if (relative_error(d) > s.worst_relative || s.worst_case.empty()) {
          s.worst_relative = relative_error(d);
          s.worst_case = label;
        }
        if (!ok || !problems.empty()) {
          if (++s.failures <= max_reported && report) {
            std::ostringstream o;
            o.precision(9);
            o << K::name << " on " << label << ": ";
            if (!ok)
              o << "max |fast - reference| = " << d.max_error << " at " << where(output_shape(c.g), d.worst) << " (fast "
                << d.got << ", reference " << d.expected << "), allowed " << (exact(c.g) ? 0.0 : tolerance_of(d))
                << " (max |reference| " << d.max_reference << "); ";
            o << problems;
            BOOST_ERROR(o.str());
          }
        }
        if constexpr (has_tasks<K, G>) {
          // What the thread pool runs: chunks of tasks must give run()'s bits exactly.
          ++s.task_runs;
          std::string task_problems;
          const std::vector<float> chunked = run_kernel<K>(c, weights, x, true, task_problems);
          const bool same_bits = std::memcmp(chunked.data(), got.data(), got.size() * sizeof(float)) == 0;
          if ((!same_bits || !task_problems.empty()) && ++s.failures <= max_reported && report) {
            const difference t = compare(chunked, got);
            BOOST_ERROR(K::name << " on " << label << ": run_tasks in three chunks differs from run(): max difference "
                                << t.max_error << " at " << where(output_shape(c.g), t.worst) << "; " << task_problems);
          }
        }
      }
    });
  }
  return stats;
}

/// Every kernel of all_kernels<G> against reference_for<G>, with a summary per kernel.
template <class G>
void check_every_kernel(std::string_view kind, const std::vector<kernel_case<G>>& cases, std::uint64_t seed) {
  using list = typename kn::all_kernels<G>::type;
  constexpr std::size_t count = kernel_count(list{});
  const auto started = std::chrono::steady_clock::now();
  const auto stats = compare_kernels<G, list>(cases, seed, true);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  BOOST_TEST_MESSAGE(kind << ": " << cases.size() << " cases, " << count << " kernels, " << seconds << " s");
  std::size_t fast = 0;
  for (const kernel_stats& s : stats) {
    if (s.reference) continue;
    ++fast;
    std::ostringstream worst;
    if (s.worst_relative > 0) worst << s.worst_relative << " on " << s.worst_case;
    else worst << "0 on every case";
    BOOST_TEST_MESSAGE("  " << s.name << ": " << s.cases << " cases (" << s.unsupported << " unsupported), "
                            << s.task_runs << " also as chunked tasks, " << s.failures
                            << " failures, worst |error| / max(1, max|ref|) = " << worst.str());
    BOOST_TEST(s.cases > 0, s.name << " supports none of the " << cases.size() << " " << kind << " cases");
  }
  if (fast == 0) BOOST_TEST_MESSAGE("  (no kernel besides the reference yet)");
  BOOST_TEST(stats[count - 1].reference, kind << ": the reference kernel should be the last of all_kernels");
}

// ---------------------------------------------------------------------------------------------------------
// Broken kernels the comparison must catch: it is only worth something if these fail it.

namespace mutants {

/// Ignores dilation, a plausible indexing bug.
struct conv_without_dilation {
  static constexpr std::string_view name = "f32_conv2d_mutant_no_dilation_scalar";
  static constexpr bool supports(const conv2d_geometry&) { return true; }
  static constexpr std::size_t scratch_bytes(const conv2d_geometry&, std::size_t) { return 0; }
  static void run(const conv2d_geometry& g, std::span<const float> w, const float* in, float* out, std::byte* s,
                  std::size_t n) {
    conv2d_geometry wrong = g;
    wrong.dilation = {1, 1};
    kn::reference::conv2d::run(wrong, w, in, out, s, n);
  }
};

/// The reference plus Millionths * 1e-6 * max(1, max|output|) on every output: an error of a chosen size
/// in units of the tolerance, which is 10 millionths.
template <int Millionths>
struct conv_off_by {
  static constexpr std::string_view name = "f32_conv2d_mutant_off_by_scalar";
  static constexpr bool supports(const conv2d_geometry&) { return true; }
  static constexpr std::size_t scratch_bytes(const conv2d_geometry&, std::size_t) { return 0; }
  static void run(const conv2d_geometry& g, std::span<const float> w, const float* in, float* out, std::byte* s,
                  std::size_t n) {
    kn::reference::conv2d::run(g, w, in, out, s, n);
    const std::size_t count = n * g.out.elements();
    float top = 1.0f;
    for (std::size_t i = 0; i < count; ++i) top = std::max(top, std::abs(out[i]));
    for (std::size_t i = 0; i < count; ++i) out[i] += static_cast<float>(Millionths * 1e-6) * top;
  }
};

/// Max pooling that starts from 0 instead of -infinity: wrong as soon as a window is all negative.
struct max_pool_from_zero {
  static constexpr std::string_view name = "f32_pool2d_mutant_max_from_zero_scalar";
  static constexpr bool supports(const pool2d_geometry&) { return true; }
  static constexpr std::size_t scratch_bytes(const pool2d_geometry&, std::size_t) { return 0; }
  static void run(const pool2d_geometry& g, std::span<const float> w, const float* in, float* out, std::byte* s,
                  std::size_t n) {
    kn::reference::pool2d::run(g, w, in, out, s, n);
    if (g.kind == pool_kind::max)
      for (std::size_t i = 0; i < n * g.out.elements(); ++i) out[i] = std::max(out[i], 0.0f);
  }
};

/// Pools adjacent cells where the window is dilated.
struct pool_without_dilation {
  static constexpr std::string_view name = "f32_pool2d_mutant_no_dilation_scalar";
  static constexpr bool supports(const pool2d_geometry&) { return true; }
  static constexpr std::size_t scratch_bytes(const pool2d_geometry&, std::size_t) { return 0; }
  static void run(const pool2d_geometry& g, std::span<const float> w, const float* in, float* out, std::byte* s,
                  std::size_t n) {
    pool2d_geometry wrong = g;
    wrong.dilation = {1, 1};
    kn::reference::pool2d::run(wrong, w, in, out, s, n);
  }
};

/// count_padding dividing by the whole window even where a ceil_mode window runs past the padded map
/// (as if the padding went on below and to the right).
struct average_over_whole_window {
  static constexpr std::string_view name = "f32_pool2d_mutant_whole_window_divisor_scalar";
  static constexpr bool supports(const pool2d_geometry&) { return true; }
  static constexpr std::size_t scratch_bytes(const pool2d_geometry&, std::size_t) { return 0; }
  static void run(const pool2d_geometry& g, std::span<const float> w, const float* in, float* out, std::byte* s,
                  std::size_t n) {
    pool2d_geometry wrong = g;
    wrong.pad.bottom += g.window.h;
    wrong.pad.right += g.window.w;
    kn::reference::pool2d::run(wrong, w, in, out, s, n);
  }
};

/// Forgets the last output when the unit count is not a multiple of 8 (a vector tail), leaving it unwritten.
struct dense_without_tail {
  static constexpr std::string_view name = "f32_dense_mutant_no_tail_scalar";
  static constexpr bool supports(const dense_geometry&) { return true; }
  static constexpr std::size_t scratch_bytes(const dense_geometry&, std::size_t) { return 0; }
  static void run(const dense_geometry& g, std::span<const float> w, const float* in, float* out, std::byte* s,
                  std::size_t n) {
    const float last = out[n * g.units - 1];
    kn::reference::dense::run(g, w, in, out, s, n);
    if (g.units % 8 != 0) out[n * g.units - 1] = last;
  }
};

/// Writes one float past its output (only ever run out of place, into the guard zone).
struct batch_norm_overrun {
  static constexpr std::string_view name = "f32_batch_norm_mutant_overrun_scalar";
  static constexpr bool supports(const batch_norm_geometry&) { return true; }
  static constexpr std::size_t scratch_bytes(const batch_norm_geometry&, std::size_t) { return 0; }
  static void run(const batch_norm_geometry& g, std::span<const float> w, const float* in, float* out, std::byte* s,
                  std::size_t n) {
    kn::reference::batch_norm::run(g, w, in, out, s, n);
    out[n * g.in.elements()] = 0.0f;
  }
};

}  // namespace mutants

template <class G, class Mutant>
std::size_t mutant_failures(const std::vector<kernel_case<G>>& cases, std::uint64_t seed) {
  return compare_kernels<G, kn::kernel_list<Mutant, typename kn::reference_for<G>::type>>(cases, seed, false)[0].failures;
}

template <class G, class Keep>
std::vector<kernel_case<G>> only(std::vector<kernel_case<G>> cases, Keep keep, std::size_t at_most = 150) {
  std::erase_if(cases, [&](const kernel_case<G>& c) { return !keep(c); });
  if (cases.size() > at_most) cases.resize(at_most);
  return cases;
}

// ---------------------------------------------------------------------------------------------------------
// Kernel names and lists

template <class List, class K>
struct contains;
template <class K, class... Ks>
struct contains<kn::kernel_list<Ks...>, K> : std::bool_constant<(std::is_same_v<K, Ks> || ...)> {};

template <class G>
void check_names_and_lists(std::initializer_list<std::string_view> operation_words) {
  using all = typename kn::all_kernels<G>::type;
  using candidates = typename kn::candidates<G>::type;
  using reference = typename kn::reference_for<G>::type;
  constexpr std::string_view isa_words[] = {"scalar", "sse", "avx", "fma", "neon", "sve", "rvv", "wasm"};
  std::vector<std::string_view> names;
  for_each_kernel(all{}, [&]<class K>(std::type_identity<K>, std::size_t) {
    const std::string_view name = K::name;
    names.push_back(name);
    BOOST_TEST(name.starts_with("f32_"), name << ": a kernel name starts with its dtype, f32_");
    BOOST_TEST(std::any_of(operation_words.begin(), operation_words.end(),
                           [&](std::string_view w) { return name.find(w) != std::string_view::npos; }),
               name << ": the name should say the operation");
    BOOST_TEST(std::any_of(std::begin(isa_words), std::end(isa_words),
                           [&](std::string_view w) { return name.find(w) != std::string_view::npos; }),
               name << ": the name should say the ISA");
    BOOST_TEST(name.find(' ') == std::string_view::npos, name << ": no spaces in a kernel name");
  });
  std::vector<std::string_view> sorted = names;
  std::sort(sorted.begin(), sorted.end());
  BOOST_TEST((std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end()), "kernel names are unique");

  for_each_kernel(candidates{}, [&]<class K>(std::type_identity<K>, std::size_t) {
    BOOST_TEST((contains<all, K>::value), K::name << " is a candidate but not in all_kernels");
  });
  BOOST_TEST((contains<all, reference>::value), reference::name << " (the reference) is not in all_kernels");
  BOOST_TEST((contains<candidates, reference>::value), reference::name << " (the reference) is not a candidate");
}

// ---------------------------------------------------------------------------------------------------------
// Whole networks

using constnet::testing::random_images;

/// he_normal(m, 1234) for a network, computed once per network (VGG16 has 34M weights and Box-Muller
/// costs ~1.6 s for them) and copied into every model that needs it.
template <class Net>
const std::vector<float>& he_normal_weights() {
  static const std::vector<float> weights = [] {
    auto m = std::make_unique<cn::model<Net, kn::reference_only>>();
    cn::he_normal(*m, 1234);
    return copy(std::as_const(*m).weights());
  }();
  return weights;
}

/// The he_normal weights with biases and batch norm statistics away from zero and the identity, so the
/// bias paths, the batch norm kernels and batch norm folding have something to do.
template <class Net>
std::vector<float> random_network_weights(std::uint64_t seed) {
  std::vector<float> weights = he_normal_weights<Net>();
  random_source rng(seed);
  for (const cn::layer_facts& f : Net::facts)
    for (std::size_t t = 0; t < f.weight_tensor_count; ++t) {
      const cn::weight_tensor& tensor = f.weights[t];
      const std::string_view name = tensor.name.view();
      float* values = weights.data() + f.weight_offset + tensor.offset;
      for (std::size_t i = 0; i < tensor.elements(); ++i) {
        if (name == "bias") values[i] = static_cast<float>(rng.uniform(-0.2, 0.2));
        if (name == "gamma") values[i] = static_cast<float>(rng.uniform(0.5, 1.5));
        if (name == "beta") values[i] = static_cast<float>(rng.uniform(-0.3, 0.3));
        if (name == "moving_mean") values[i] = static_cast<float>(rng.uniform(-0.3, 0.3));
        if (name == "moving_variance") values[i] = static_cast<float>(rng.uniform(0.5, 2.0));
      }
    }
  return weights;
}

template <class Model>
void load(Model& m, const std::vector<float>& weights) {
  BOOST_REQUIRE(m.weights().size() == weights.size());
  std::copy(weights.begin(), weights.end(), m.weights().begin());
  m.pack_weights();
}

void check_close(std::string_view what, std::span<const float> got, std::span<const float> expected,
                 bool report = false) {
  BOOST_REQUIRE(got.size() == expected.size());
  const difference d = compare(got, expected);
  if (report) BOOST_TEST_MESSAGE(what << ": max |error| = " << d.max_error << ", max |reference| = " << d.max_reference);
  BOOST_TEST(d.max_error <= tolerance_of(d), what << ": max |got - reference| = " << d.max_error << " at output "
                                                  << d.worst << " (got " << d.got << ", reference " << d.expected
                                                  << "), allowed " << tolerance_of(d));
}

void check_bitwise(std::string_view what, std::span<const float> got, std::span<const float> expected) {
  BOOST_REQUIRE(got.size() == expected.size());
  const bool same = std::memcmp(got.data(), expected.data(), got.size() * sizeof(float)) == 0;
  if (!same) {
    const difference d = compare(got, expected);
    BOOST_ERROR(what << ": not bitwise equal; max difference " << d.max_error << " at output " << d.worst);
  }
}

/// The same network, weights and images with threads<1> and threads<2> at batch 1, threads<1> and
/// threads<3> at batch 3 (uneven shares): the same bits, for the output and for an intermediate tap.
template <class Net, cn::fixed_string Tap>
void check_threads_bitwise(std::string_view what, std::uint64_t seed) {
  const auto started = std::chrono::steady_clock::now();
  const std::vector<float> weights = random_network_weights<Net>(seed);
  const auto run = [&]<std::size_t Threads, std::size_t Batch>(std::vector<float>& out, std::vector<float>& tap) {
    auto m = std::make_unique<cn::model<Net, cn::batch<Batch>, cn::threads<Threads>, cn::taps<Tap>>>();
    load(*m, weights);
    const auto images = random_images(m->input_elements, seed + 1);
    out = copy(m->forward(std::span<const float>(images)));
    tap = copy(m->template output<Tap>());
  };
  const std::string tap_name(Tap.view());
  std::vector<float> out1, tap1, out2, tap2;
  run.template operator()<1, 1>(out1, tap1);
  run.template operator()<2, 1>(out2, tap2);
  check_bitwise(std::string(what) + " batch 1 output, threads 2 vs 1", out2, out1);
  check_bitwise(std::string(what) + " batch 1 tap " + tap_name + ", threads 2 vs 1", tap2, tap1);
  run.template operator()<1, 3>(out1, tap1);
  run.template operator()<3, 3>(out2, tap2);
  check_bitwise(std::string(what) + " batch 3 output, threads 3 vs 1", out2, out1);
  check_bitwise(std::string(what) + " batch 3 tap " + tap_name + ", threads 3 vs 1", tap2, tap1);
  BOOST_TEST_MESSAGE(what << " threads: " << std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()
                          << " s");
}

/// The default policy (two threads) against kernels::reference_only on a whole network, output and a tap.
template <class Net, cn::fixed_string Tap, std::size_t Batch>
void check_default_against_reference(std::string_view what, std::uint64_t seed) {
  const std::vector<float> weights = random_network_weights<Net>(seed);
  const auto images = random_images(Batch * Net::input_shape.elements(), seed + 1);
  std::vector<float> expected, expected_tap;
  {
    auto oracle = std::make_unique<cn::model<Net, cn::batch<Batch>, cn::taps<Tap>, kn::reference_only>>();
    load(*oracle, weights);
    expected = copy(oracle->forward(std::span<const float>(images)));
    expected_tap = copy(oracle->template output<Tap>());
  }
  auto fast = std::make_unique<cn::model<Net, cn::batch<Batch>, cn::threads<2>, cn::taps<Tap>>>();
  load(*fast, weights);
  check_close(std::string(what) + " output", copy(fast->forward(std::span<const float>(images))), expected, true);
  check_close(std::string(what) + " tap " + std::string(Tap.view()), copy(fast->template output<Tap>()), expected_tap,
              true);
}

// Every kind of layer, odd sizes, with a conv -> batch_norm pair the default policy may fold.
using all_kinds_net = cn::sequential<
    cn::input<13, 11, 5>,
    cn::batch_norm<cn::named<"bn_in">>,                                             // 13x11x5
    cn::conv2d<17, cn::kernel<3>, cn::same, cn::act::relu, cn::named<"conv_a">>,    // 13x11x17
    cn::max_pool<cn::pool_size<2>, cn::named<"pool_max">>,                          // 6x5x17
    cn::conv2d<9, cn::kernel<2, 3>, cn::pad<1, 0, 1, 1>, cn::act::tanh, cn::named<"conv_b">>,  // 6x5x9
    cn::activation_layer<cn::act::sigmoid, cn::named<"act_sigmoid">>,
    cn::conv2d<12, cn::kernel<3>, cn::same, cn::named<"conv_linear">>,              // 6x5x12
    cn::batch_norm<cn::epsilon<1, 100>, cn::named<"bn_fold">>,
    cn::mixed_pool<cn::mix<1, 3>, cn::pool_size<3>, cn::strides<1>, cn::same, cn::count_padding, cn::named<"pool_mixed">>,
    cn::avg_pool<cn::pool_size<2>, cn::strides<1>, cn::named<"pool_avg">>,          // 5x4x12
    cn::global_avg_pool<cn::named<"gap">>,                                          // 12
    cn::dense<33, cn::act::relu, cn::named<"fc">>,
    cn::batch_norm<cn::named<"bn_flat">>,
    cn::dense<4, cn::act::softmax, cn::named<"out">>>;

// The same with a global max pool and a softmax conv.
using all_kinds_max_net = cn::sequential<
    cn::input<9, 10, 3>,
    cn::conv2d<20, cn::kernel<3>, cn::strides<2>, cn::same, cn::act::softmax, cn::named<"conv_a">>,  // 5x5x20
    cn::avg_pool<cn::pool_size<2>, cn::strides<1>, cn::pad<1, 0, 0, 1>, cn::named<"pool_avg">>,       // 5x5x20
    cn::global_max_pool<cn::named<"gmp">>,
    cn::dense<7, cn::act::sigmoid, cn::named<"out">>>;

/// The geometry of layer I of Net, as the engine computes it.
template <class Net, std::size_t I>
inline constexpr auto layer_geometry = Net::template geometry<I>;

/// force_kernel<Layer, K> for every K of the layer's kind that supports it: runs K there (two threads)
/// and matches the reference_only model.
template <class Net, cn::fixed_string Layer>
void force_every_kernel(std::uint64_t seed) {
  constexpr std::size_t index = Net::template index_of<Layer>;
  using G = std::remove_cvref_t<decltype(layer_geometry<Net, index>)>;
  const std::vector<float> weights = random_network_weights<Net>(seed);
  auto oracle = std::make_unique<cn::model<Net, cn::batch<2>, kn::reference_only>>();
  load(*oracle, weights);
  const auto images = random_images(oracle->input_elements, seed + 1);
  const auto expected = copy(oracle->forward(std::span<const float>(images)));
  std::size_t forced = 0;
  for_each_kernel(typename kn::all_kernels<G>::type{}, [&]<class K>(std::type_identity<K>, std::size_t) {
    if constexpr (K::supports(layer_geometry<Net, index>)) {
      using forced_model = cn::model<Net, cn::batch<2>, cn::threads<2>, cn::force_kernel<Layer, K>>;
      static_assert(std::is_same_v<typename forced_model::template kernel_of<index>::type, K>);
      auto m = std::make_unique<forced_model>();
      load(*m, weights);
      check_close(std::string(K::name) + " forced on " + std::string(Layer.view()), copy(m->forward(std::span<const float>(images))),
                  expected);
      ++forced;
    }
  });
  BOOST_TEST(forced > 0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fast_kernels)

BOOST_AUTO_TEST_CASE(kernel_names_say_dtype_operation_and_isa) {
  check_names_and_lists<conv2d_geometry>({"conv"});
  check_names_and_lists<pool2d_geometry>({"pool"});
  check_names_and_lists<global_pool_geometry>({"global"});
  check_names_and_lists<dense_geometry>({"dense", "gemv", "gemm"});
  check_names_and_lists<cn::depthwise_conv2d_geometry>({"depthwise"});
  check_names_and_lists<cn::separable_conv2d_geometry>({"separable"});
  check_names_and_lists<batch_norm_geometry>({"batch_norm", "batchnorm"});
  check_names_and_lists<activation_geometry>({"activation", "relu", "tanh", "sigmoid", "softmax"});
  check_names_and_lists<cn::zero_padding2d_geometry>({"zero_padding"});
}

BOOST_AUTO_TEST_CASE(conv2d_kernels_match_the_reference) { check_every_kernel("conv2d", conv_cases(), 1000); }
BOOST_AUTO_TEST_CASE(pool2d_kernels_match_the_reference) { check_every_kernel("pool2d", pool_cases(), 2000); }
BOOST_AUTO_TEST_CASE(global_pool_kernels_match_the_reference) {
  check_every_kernel("global_pool", global_pool_cases(), 3000);
}
BOOST_AUTO_TEST_CASE(dense_kernels_match_the_reference) { check_every_kernel("dense", dense_cases(), 4000); }
BOOST_AUTO_TEST_CASE(batch_norm_kernels_match_the_reference) {
  check_every_kernel("batch_norm", batch_norm_cases(), 5000);
}
BOOST_AUTO_TEST_CASE(activation_kernels_match_the_reference) {
  check_every_kernel("activation", activation_cases(), 6000);
}

// The relu6 cases above test the clamp at 6 only if the reference's outputs reach it: in each kind, some
// outputs of relu6 cases must be exactly 6 and some strictly between 0 and 6.
template <class G>
void relu6_outputs(const std::vector<kernel_case<G>>& cases, std::uint64_t seed, std::size_t& at_six, std::size_t& between) {
  for (std::size_t i = 0; i < cases.size(); ++i) {
    if (cases[i].g.act != activation::relu6) continue;
    random_source rng(seed + i);  // the data compare_kernels gives case i
    const std::vector<float> weights = random_weights(cases[i].g, rng);
    const std::vector<float> x = random_input(cases[i].images * input_floats(cases[i].g), cases[i].style, rng);
    std::string ignored;
    for (float y : run_kernel<typename kn::reference_for<G>::type>(cases[i], weights, x, false, ignored)) {
      at_six += y == 6.0f;
      between += y > 0.0f && y < 6.0f;
    }
  }
}
BOOST_AUTO_TEST_CASE(relu6_cases_reach_the_ceiling) {
  std::size_t conv_six = 0, conv_between = 0, dense_six = 0, dense_between = 0;
  relu6_outputs(conv_cases(), 1000, conv_six, conv_between);
  relu6_outputs(dense_cases(), 4000, dense_six, dense_between);
  BOOST_TEST_MESSAGE("relu6 outputs at 6 / inside (0, 6): conv " << conv_six << " / " << conv_between << ", dense "
                                                                 << dense_six << " / " << dense_between);
  BOOST_TEST(conv_six > 100u);
  BOOST_TEST(conv_between > 1000u);
  BOOST_TEST(dense_six > 10u);
  BOOST_TEST(dense_between > 100u);
}

BOOST_AUTO_TEST_CASE(the_comparison_catches_broken_kernels) {
  using conv_case = kernel_case<conv2d_geometry>;
  const auto dilated = only(conv_cases(), [](const conv_case& c) {
    return (c.g.dilation.h > 1 && c.g.kernel.h > 1) || (c.g.dilation.w > 1 && c.g.kernel.w > 1);
  });
  const std::size_t no_dilation = mutant_failures<conv2d_geometry, mutants::conv_without_dilation>(dilated, 1000);
  BOOST_TEST_MESSAGE("ignoring dilation: caught on " << no_dilation << " of " << dilated.size() << " dilated convs");
  BOOST_TEST(no_dilation * 10 >= dilated.size() * 9);

  // The tolerance is 1e-5 * max(1, max|ref|), no looser: 2e-5 of it is caught on every case, 5e-6 on none.
  const auto some_convs = only(conv_cases(), [](const conv_case&) { return true; }, 100);
  BOOST_TEST((mutant_failures<conv2d_geometry, mutants::conv_off_by<20>>(some_convs, 1000) == some_convs.size()));
  BOOST_TEST((mutant_failures<conv2d_geometry, mutants::conv_off_by<5>>(some_convs, 1000) == 0u));

  const auto negative_max = only(pool_cases(), [](const kernel_case<pool2d_geometry>& c) {
    return c.g.kind == pool_kind::max && c.style == 1;
  });
  BOOST_TEST(!negative_max.empty());
  BOOST_TEST((mutant_failures<pool2d_geometry, mutants::max_pool_from_zero>(negative_max, 2000) == negative_max.size()));

  // Dilated windows, and count_padding averages of ceil_mode windows that run past the padded map.
  using pool_case = kernel_case<pool2d_geometry>;
  const auto dilated_pools = only(pool_cases(), [](const pool_case& c) {
    return (c.g.dilation.h > 1 && c.g.window.h > 1) || (c.g.dilation.w > 1 && c.g.window.w > 1);
  });
  const std::size_t no_pool_dilation = mutant_failures<pool2d_geometry, mutants::pool_without_dilation>(dilated_pools, 2000);
  BOOST_TEST_MESSAGE("pooling without dilation: caught on " << no_pool_dilation << " of " << dilated_pools.size()
                                                            << " dilated pools");
  BOOST_TEST(dilated_pools.size() >= 6u);  // at least the two hand-picked ones, in each input style
  BOOST_TEST(no_pool_dilation * 10 >= dilated_pools.size() * 9);
  const auto overhanging = only(pool_cases(), [](const pool_case& c) {
    const cn::pool2d_geometry& g = c.g;
    // Inputs of one sign (not style 2's small integers, whose sums may be 0) and a weight on the average,
    // so that a wrong divisor changes the output.
    return c.style != 2 && g.lambda < 1.0 && g.count_padding &&
           ((g.out.h - 1) * g.stride.h + g.window.h > g.pad.top + g.in.h + g.pad.bottom ||
            (g.out.w - 1) * g.stride.w + g.window.w > g.pad.left + g.in.w + g.pad.right);
  });
  BOOST_TEST(overhanging.size() >= 2u);  // at least the hand-picked one, in styles 0 and 1
  BOOST_TEST((mutant_failures<pool2d_geometry, mutants::average_over_whole_window>(overhanging, 2000) == overhanging.size()));

  const auto tails = only(dense_cases(), [](const kernel_case<dense_geometry>& c) { return c.g.units % 8 != 0; });
  BOOST_TEST((mutant_failures<dense_geometry, mutants::dense_without_tail>(tails, 4000) == tails.size()));

  const auto out_of_place = only(batch_norm_cases(), [](const kernel_case<batch_norm_geometry>& c) { return !c.in_place; }, 40);
  BOOST_TEST((mutant_failures<batch_norm_geometry, mutants::batch_norm_overrun>(out_of_place, 5000) == out_of_place.size()));
}

BOOST_AUTO_TEST_CASE(threads_do_not_change_a_single_bit) {
  check_threads_bitwise<cn::models::vgg16_at<32, 32, 10>, "block3_conv3">("vgg16 at 32x32", 31);
  check_threads_bitwise<cn::models::bn_cnn_64, "conv2d_1">("bn_cnn_64", 32);
  check_threads_bitwise<cn::models::cifar10_cnn, "conv2d_2">("cifar10_cnn", 33);
  check_threads_bitwise<all_kinds_net, "fc">("all kinds", 34);
}

BOOST_AUTO_TEST_CASE(default_policy_matches_reference_only_on_whole_networks) {
  check_default_against_reference<cn::models::vgg16_at<32, 32, 10>, "block4_conv3", 1>("vgg16 at 32x32", 41);
  check_default_against_reference<cn::models::bn_cnn_64, "conv2d_2", 2>("bn_cnn_64", 42);
  check_default_against_reference<cn::models::cifar10_cnn, "conv2d_2", 3>("cifar10_cnn", 43);
  check_default_against_reference<all_kinds_net, "gap", 3>("all kinds", 44);
  check_default_against_reference<all_kinds_max_net, "gmp", 2>("all kinds (max)", 45);
}

BOOST_AUTO_TEST_CASE(force_kernel_runs_the_forced_kernel) {
  // The reference conv forced on one layer of an otherwise fast model.
  using net = cn::models::cifar10_cnn;
  using forced = cn::model<net, cn::force_kernel<"conv2d_1", kn::reference::conv2d>>;
  static_assert(std::is_same_v<forced::kernel_of<net::index_of<"conv2d_1">>::type, kn::reference::conv2d>);
  static_assert(std::is_same_v<forced::kernel_of<net::index_of<"conv2d">>::type, cn::model<net>::kernel_of<net::index_of<"conv2d">>::type>);
  auto m = std::make_unique<forced>();
  auto automatic = std::make_unique<cn::model<net>>();
  const std::vector<float> weights = random_network_weights<net>(51);
  load(*automatic, weights);
  load(*m, weights);
  const auto images = random_images(m->input_elements, 52);
  check_close("cifar10_cnn with the reference conv2d forced on conv2d_1", copy(m->forward(std::span<const float>(images))),
              copy(automatic->forward(std::span<const float>(images))));

  // Every kernel of every kind, forced onto a layer of that kind.
  force_every_kernel<all_kinds_net, "bn_in">(61);
  force_every_kernel<all_kinds_net, "conv_a">(62);
  force_every_kernel<all_kinds_net, "conv_b">(63);
  force_every_kernel<all_kinds_net, "conv_linear">(64);
  force_every_kernel<all_kinds_net, "act_sigmoid">(74);
  force_every_kernel<all_kinds_net, "pool_max">(65);
  force_every_kernel<all_kinds_net, "pool_mixed">(66);
  force_every_kernel<all_kinds_net, "pool_avg">(67);
  force_every_kernel<all_kinds_net, "gap">(68);
  force_every_kernel<all_kinds_net, "fc">(69);
  force_every_kernel<all_kinds_net, "bn_flat">(70);
  force_every_kernel<all_kinds_max_net, "conv_a">(71);
  force_every_kernel<all_kinds_max_net, "gmp">(72);
  force_every_kernel<all_kinds_max_net, "out">(73);
}

BOOST_AUTO_TEST_SUITE_END()
