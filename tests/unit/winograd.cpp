// Winograd convolution: the transform matrices, the accuracy of every Winograd kernel against a
// double-precision convolution on VGG16-like layers, the blocking plan, the registry's choices and a
// whole VGG16 forward against the reference kernels.
//
// Accuracy bounds (max |error| / max |reference| over a layer's output; the targets): 2e-5 for
// F(2x2,3x3) and F(4x4,3x3), 5e-5 for F(6x6,3x3). Why they are the right size: besides the ~sqrt(K) u
// rounding of any fp32 dot product (K = 9 cin, see fast_kernels), Winograd rounds the transformed
// input, filter and product, and the output transform sums alpha^2 terms of those weighted by the
// entries of A^T and B^T: the error grows with the size of those entries (F2: 1, F4: up to 8 and 5,
// F6: up to 32 and 21/4), which is why F6 gets 2.5x the bound (and why its points are +-1/2, not
// +-3). Inputs are uniform [0, 1) and weights He-normal so every output is O(1), as in a real network.
// The worst ratio seen per kernel is printed (--log_level=message).

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "support/random_data.hpp"
#include "support/sanitizers.hpp"
#include "constnet/constnet.hpp"
#include "constnet/core/aligned_buffer.hpp"
#include "constnet/core/random.hpp"
#include "constnet/kernels/backward/conv2d_transposed.hpp"
#include "constnet/kernels/registry.hpp"
#include "constnet/kernels/winograd/kernel_kind.hpp"
#include "constnet/kernels/winograd/transforms.hpp"
#include "constnet/models/vgg.hpp"


namespace {

namespace cn = constnet;
namespace kn = constnet::kernels;
namespace wg = constnet::kernels::winograd;
using cn::conv2d_geometry;

using constnet::testing::sanitized;

// ---- the transforms ------------------------------------------------------------------------------

/// A^T [(G g) (.) (B^T d)] is the correlation o_i = sum_k g_k d_{i+k} exactly, for every g and d, iff
/// sum_j AT[i][j] G[j][k] BT[j][l] = [l == i + k] for all i, k, l (the algorithm is bilinear in g, d).
template <std::size_t M>
constexpr bool computes_correlation_exactly() {
  using t = wg::transform<M>;
  for (std::size_t i = 0; i < t::m; ++i)
    for (std::size_t k = 0; k < t::r; ++k)
      for (std::size_t l = 0; l < t::alpha; ++l) {
        wg::rational sum = 0;
        for (std::size_t j = 0; j < t::alpha; ++j) sum = sum + t::AT_exact[i][j] * t::G_exact[j][k] * t::BT_exact[j][l];
        if (!(sum == wg::rational(l == i + k ? 1 : 0))) return false;
      }
  return true;
}
static_assert(computes_correlation_exactly<2>());
static_assert(computes_correlation_exactly<4>());
static_assert(computes_correlation_exactly<6>());

template <std::size_t M>
double largest_entry() {
  using t = wg::transform<M>;
  double top = 0;
  for (const auto& row : t::BT_exact)
    for (auto x : row) top = std::max(top, std::abs(x.to_double()));
  for (const auto& row : t::AT_exact)
    for (auto x : row) top = std::max(top, std::abs(x.to_double()));
  return top;
}

// ---- layers and the double-precision reference -----------------------------------------------------

conv2d_geometry conv3x3(std::size_t h, std::size_t w, std::size_t cin, std::size_t cout, bool same,
                        cn::activation act = cn::activation::relu, bool bias = true) {
  const std::size_t p = same ? 1 : 0;
  return {cn::feature_maps(h, w, cin), cn::feature_maps(h + 2 * p - 2, w + 2 * p - 2, cout), {3, 3}, {1, 1}, {1, 1},
          {p, p, p, p}, act, bias};
}

std::string describe(const conv2d_geometry& g) {
  return std::to_string(g.in.h) + "x" + std::to_string(g.in.w) + "x" + std::to_string(g.in.c) + " -> " +
         std::to_string(g.out.h) + "x" + std::to_string(g.out.w) + "x" + std::to_string(g.out.c) +
         (g.pad.top ? " same" : " valid") + " " + std::string(cn::to_string(g.act)) + (g.bias ? "" : " no_bias");
}

struct layer_data {
  std::vector<float> weights, input;  // Keras HWIO + bias; NHWC
  std::vector<double> expected;       // the convolution in double, before the activation
};

layer_data make_layer(const conv2d_geometry& g, std::size_t batch, std::uint64_t seed) {
  cn::random_source rng(seed);
  layer_data d;
  const std::size_t fan_in = 9 * g.in.c;
  d.weights.resize(fan_in * g.out.c + (g.bias ? g.out.c : 0));
  const double stddev = std::sqrt(2.0 / static_cast<double>(fan_in));
  for (std::size_t i = 0; i < fan_in * g.out.c; ++i) d.weights[i] = static_cast<float>(stddev * rng.normal());
  for (std::size_t i = fan_in * g.out.c; i < d.weights.size(); ++i) d.weights[i] = static_cast<float>(rng.uniform(-0.2, 0.2));
  d.input = cn::testing::random_images(batch * g.in.elements(), seed + 1);
  d.expected.assign(batch * g.out.elements(), 0.0);
  for (std::size_t n = 0; n < batch; ++n)
    for (std::size_t oy = 0; oy < g.out.h; ++oy)
      for (std::size_t ox = 0; ox < g.out.w; ++ox) {
        double* o = d.expected.data() + n * g.out.elements() + (oy * g.out.w + ox) * g.out.c;
        for (std::size_t oc = 0; oc < g.out.c; ++oc) o[oc] = g.bias ? d.weights[fan_in * g.out.c + oc] : 0.0;
        for (std::size_t ky = 0; ky < 3; ++ky)
          for (std::size_t kx = 0; kx < 3; ++kx) {
            const std::ptrdiff_t iy = static_cast<std::ptrdiff_t>(oy + ky) - static_cast<std::ptrdiff_t>(g.pad.top);
            const std::ptrdiff_t ix = static_cast<std::ptrdiff_t>(ox + kx) - static_cast<std::ptrdiff_t>(g.pad.left);
            if (iy < 0 || ix < 0 || iy >= static_cast<std::ptrdiff_t>(g.in.h) || ix >= static_cast<std::ptrdiff_t>(g.in.w))
              continue;
            const float* x = d.input.data() + n * g.in.elements() +
                             (static_cast<std::size_t>(iy) * g.in.w + static_cast<std::size_t>(ix)) * g.in.c;
            const float* w = d.weights.data() + (ky * 3 + kx) * g.in.c * g.out.c;
            for (std::size_t ic = 0; ic < g.in.c; ++ic) {
              const double xv = x[ic];
              for (std::size_t oc = 0; oc < g.out.c; ++oc) o[oc] += xv * w[ic * g.out.c + oc];
            }
          }
      }
  return d;
}

double activate(cn::activation act, double x) { return act == cn::activation::relu ? std::max(x, 0.0) : x; }

/// Runs K as the engine does (packed weights, garbage scratch, tasks in three uneven chunks in reverse
/// order on separate scratch) and returns max |error| / max |reference|; also checks that every output
/// was written and that the chunked run equals run() bit for bit.
template <class K>
double relative_error(const conv2d_geometry& g, const layer_data& d, std::size_t batch) {
  cn::aligned_buffer<float> packed(kn::packed_floats<K>(g));
  K::pack(g, d.weights, packed.span());
  const std::size_t scratch_bytes = K::scratch_bytes(g, batch);
  cn::aligned_buffer<std::byte> scratch(scratch_bytes);
  std::memset(scratch.data(), 0xA5, scratch_bytes);
  std::vector<float> out(batch * g.out.elements(), std::nanf(""));
  K::run(g, std::as_const(packed).span(), d.input.data(), out.data(), scratch.data(), batch);

  std::vector<float> chunked(out.size(), std::nanf(""));
  const std::size_t tasks = K::tasks(g, batch);
  const std::size_t cuts[] = {0, tasks / 3, tasks - tasks / 4, tasks};
  for (std::size_t c = 3; c-- > 0;) {
    cn::aligned_buffer<std::byte> own(scratch_bytes);
    std::memset(own.data(), 0x5A + static_cast<int>(c), scratch_bytes);
    K::run_tasks(g, std::as_const(packed).span(), d.input.data(), chunked.data(), own.data(), batch, cuts[c], cuts[c + 1]);
  }
  BOOST_TEST((std::memcmp(chunked.data(), out.data(), out.size() * sizeof(float)) == 0),
             K::name << " on " << describe(g) << ": tasks in chunks differ from run()");

  double error = 0, scale = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const double want = activate(g.act, d.expected[i]);
    scale = std::max(scale, std::abs(want));
    const double e = std::abs(static_cast<double>(out[i]) - want);
    error = std::isnan(e) ? INFINITY : std::max(error, e);
  }
  return error / scale;
}

/// The relative error of the reference fp32 kernel on the same layer: what fp32 itself costs.
double reference_error(const conv2d_geometry& g, const layer_data& d, std::size_t batch) {
  std::vector<float> out(batch * g.out.elements());
  kn::reference::conv2d::run(g, d.weights, d.input.data(), out.data(), nullptr, batch);
  double error = 0, scale = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const double want = activate(g.act, d.expected[i]);
    scale = std::max(scale, std::abs(want));
    error = std::max(error, std::abs(static_cast<double>(out[i]) - want));
  }
  return error / scale;
}

template <class K>
constexpr bool is_winograd = wg::winograd_kernel<K>;

double bound_for(std::size_t tile) { return tile == 6 ? 5e-5 : 2e-5; }

struct accuracy_case {
  conv2d_geometry g;
  std::size_t batch;
  const char* what;
};

/// VGG16-like layers (64-512 channels) at small spatial sizes, and odd shapes where the tiles do not
/// divide the image.
std::vector<accuracy_case> accuracy_cases() {
  std::vector<accuracy_case> cases = {
      {conv3x3(12, 12, 64, 64, true), 1, "block1-like, 64 channels"},
      {conv3x3(12, 12, 128, 128, true), 1, "block2-like, 128 channels"},
      {conv3x3(8, 8, 256, 256, true), 1, "block3-like, 256 channels"},
      {conv3x3(6, 6, 512, 512, true, cn::activation::linear), 1, "block5-like, 512 channels, linear"},
      {conv3x3(13, 11, 37, 45, true), 2, "odd sizes and channels, batch 2"},
      {conv3x3(9, 14, 64, 20, false, cn::activation::linear, false), 1, "valid padding, no bias"},
      {conv3x3(5, 7, 3, 17, true), 1, "3 input channels (a first layer)"},
      {conv3x3(3, 3, 8, 8, true), 1, "one partial tile"},
  };
  if (!sanitized) cases.push_back({conv3x3(14, 14, 512, 512, true), 1, "block5, full size"});
  return cases;
}

template <class... Ks>
void check_accuracy(kn::kernel_list<Ks...>) {
  const auto cases = accuracy_cases();
  std::vector<double> worst(sizeof...(Ks), 0.0);
  for (std::size_t c = 0; c < cases.size(); ++c) {
    const accuracy_case& ac = cases[c];
    const layer_data d = make_layer(ac.g, ac.batch, 100 + c);
    BOOST_TEST_MESSAGE(describe(ac.g) << " [" << ac.what << "]: the fp32 reference kernel's error is "
                                      << reference_error(ac.g, d, ac.batch));
    std::size_t k = 0;
    (
        [&] {
          using K = Ks;
          if constexpr (is_winograd<K>) {
            BOOST_REQUIRE(K::supports(ac.g));
            const double e = relative_error<K>(ac.g, d, ac.batch);
            worst[k] = std::max(worst[k], e);
            BOOST_TEST(e <= bound_for(wg::output_tile_of<K>()),
                       K::name << " on " << describe(ac.g) << " [" << ac.what << "]: max|err| / max|ref| = " << e);
          }
          ++k;
        }(),
        ...);
  }
  std::size_t k = 0;
  (
      [&] {
        if constexpr (is_winograd<Ks>)
          BOOST_TEST_MESSAGE(Ks::name << ": worst max|err| / max|ref| = " << worst[k] << " (bound "
                                      << bound_for(wg::output_tile_of<Ks>()) << ")");
        ++k;
      }(),
      ...);
}

template <class... Ks>
std::size_t winograd_kernel_count(kn::kernel_list<Ks...>) {
  return (std::size_t{is_winograd<Ks>} + ...);
}

// ---- whole networks ------------------------------------------------------------------------------

template <class Net, class Model>
constexpr std::size_t winograd_layers() {
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return (std::size_t{[] {
              if constexpr (Model::template kernel_of<I>::runs) return is_winograd<typename Model::template kernel_of<I>::type>;
              else return false;
            }()} +
            ...);
  }(std::make_index_sequence<Net::size>{});
}

std::size_t top1(std::span<const float> p) {
  return static_cast<std::size_t>(std::max_element(p.begin(), p.end()) - p.begin());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(winograd)

BOOST_AUTO_TEST_CASE(transforms_are_lavins_matrices) {
  // Spot checks against the matrices printed in Lavin & Gray (2016) for F(2x2,3x3) and F(4x4,3x3).
  using f2 = wg::transform<2>;
  using f4 = wg::transform<4>;
  using f6 = wg::transform<6>;
  const float f2_bt[4][4] = {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};
  const float f2_g[4][3] = {{1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}};
  for (std::size_t i = 0; i < 4; ++i) {
    for (std::size_t j = 0; j < 4; ++j) BOOST_TEST(std::abs(f2::BT[i][j]) == std::abs(f2_bt[i][j]));
    for (std::size_t j = 0; j < 3; ++j) BOOST_TEST(f2::G[i][j] == f2_g[i][j]);
  }
  const float f4_bt0[6] = {4, 0, -5, 0, 1, 0};
  const float f4_at3[6] = {0, 1, -1, 8, -8, 1};
  for (std::size_t j = 0; j < 6; ++j) {
    BOOST_TEST(f4::BT[0][j] == f4_bt0[j]);
    BOOST_TEST(f4::AT[3][j] == f4_at3[j]);
  }
  BOOST_TEST(f4::G[3][0] == 1.0f / 24);
  BOOST_TEST(f6::BT[0][2] == -21.0f / 4);
  BOOST_TEST(f6::AT[5][3] == 32.0f);
  BOOST_TEST(f6::G[3][0] == static_cast<float>(1.0 / 90));
  BOOST_TEST_MESSAGE("largest |entry| of A^T and B^T: F2 " << largest_entry<2>() << ", F4 " << largest_entry<4>()
                                                           << ", F6 " << largest_entry<6>());
  BOOST_TEST(computes_correlation_exactly<6>());  // also a static_assert above
}

BOOST_AUTO_TEST_CASE(kernels_meet_the_accuracy_bounds) {
  using all = kn::all_kernels<conv2d_geometry>::type;
  BOOST_TEST(winograd_kernel_count(all{}) >= 3u);
  check_accuracy(all{});
}

BOOST_AUTO_TEST_CASE(blocks_fit_the_scratch_limit_and_tile_the_layer) {
  using f4 = kn::winograd::conv2d_nhwc<cn::simd::xsimd_backend, 4>;
  using f6 = kn::winograd::conv2d_nhwc<cn::simd::xsimd_backend, 6>;
  for (std::size_t c : {64, 128, 256, 512})
    for (std::size_t size : {14, 28, 56, 112, 224}) {
      const conv2d_geometry g = conv3x3(size, size, c, c, true);
      for (const auto& p : {f4::plan(g), f6::plan(g)}) {
        BOOST_TEST(p.scratch_floats() * sizeof(float) <= f4::max_scratch);
        BOOST_TEST(p.rows * p.tile_blocks >= p.tiles);
        BOOST_TEST((p.rows - 6) * p.tile_blocks < p.tiles);  // blocks are balanced, none empty
        BOOST_TEST(p.oc_groups <= p.chunks);
      }
    }
  // Not 3x3 stride 1 undilated, or too many channels for 2 MiB of scratch: not supported.
  conv2d_geometry strided = conv3x3(16, 16, 8, 8, false);
  strided.stride = {2, 2};
  strided.out = cn::feature_maps(7, 7, 8);
  BOOST_TEST(!f4::supports(strided));
  conv2d_geometry five = conv3x3(16, 16, 8, 8, false);
  five.kernel = {5, 5};
  five.out = cn::feature_maps(12, 12, 8);
  BOOST_TEST(!f4::supports(five));
  BOOST_TEST(!f6::supports(conv3x3(16, 16, 8192, 8, true)));
}

// The registry's choices below 16 input channels (measurements in winograd/selection.hpp), and what
// Winograd along rows supports.
BOOST_AUTO_TEST_CASE(few_input_channels_take_winograd_along_rows) {
  using rows_f4 = kn::winograd::conv2d_rows_nhwc<cn::simd::xsimd_backend, 4>;
  using direct_rows = kn::direct::conv2d_rows_nhwc<cn::simd::xsimd_backend, 2, 6>;
  using f4 = kn::winograd::conv2d_nhwc<cn::simd::xsimd_backend, 4>;
  static constexpr auto same3x3 = [](std::size_t size, std::size_t cin, std::size_t cout) {
    return conv2d_geometry{cn::feature_maps(size, size, cin), cn::feature_maps(size, size, cout), {3, 3}, {1, 1},
                           {1, 1}, {1, 1, 1, 1}, cn::activation::relu, true};
  };
  static constexpr conv2d_geometry first_layer = same3x3(224, 3, 64);
  static_assert(std::is_same_v<kn::best_available::kernel<first_layer>, rows_f4>, "VGG16's block1_conv1");
  static_assert(std::is_same_v<kn::best_available::kernel<same3x3(56, 15, 32)>, rows_f4>);
  static_assert(std::is_same_v<kn::best_available::kernel<same3x3(56, 2, 32)>, direct_rows>, "2 channels: direct");
  static_assert(std::is_same_v<kn::best_available::kernel<same3x3(28, 3, 32)>, direct_rows>, "28 wide: direct");
  static_assert(std::is_same_v<kn::best_available::kernel<same3x3(56, 16, 32)>, f4>, "16 channels: 2D Winograd");
  static_assert(rows_f4::streams(first_layer) && !rows_f4::streams(same3x3(112, 3, 64)),
                "12.25 MiB of output is streamed past the caches, 3 MiB is not");
  static constexpr conv2d_geometry strided{cn::feature_maps(56, 56, 3), cn::feature_maps(28, 28, 32), {3, 3},
                                           {2, 2}, {1, 1}, {0, 1, 0, 1}, cn::activation::relu, true};
  static_assert(!rows_f4::supports(strided) && kn::winograd::row_output_tile_for(strided) == 0, "stride 2 along x");
  // Any height, vertical stride and dilation: only x is transformed.
  conv2d_geometry tall = first_layer;
  tall.kernel = {5, 3};
  tall.stride = {2, 1};
  tall.dilation = {3, 1};
  BOOST_TEST(rows_f4::supports(tall));
  BOOST_TEST(kn::winograd::output_tile_of<rows_f4>() == 4u);
  static_assert(kn::backward::conv2d_transposed<rows_f4>::restores_zeros);
}

// An output of 8 MiB (128x128x128) is streamed: the result must be the reference's, and the same bits
// as the ordinary stores the kernel falls back to when the output is not aligned to its vectors.
BOOST_AUTO_TEST_CASE(streamed_outputs_equal_cached_ones) {
  using rows_f4 = kn::winograd::conv2d_rows_nhwc<cn::simd::xsimd_backend, 4>;
  const conv2d_geometry g = conv3x3(128, 128, 3, 128, true);
  BOOST_REQUIRE(rows_f4::streams(g));
  const layer_data d = make_layer(g, 1, 77);
  cn::aligned_buffer<float> packed(kn::packed_floats<rows_f4>(g));
  rows_f4::pack(g, d.weights, packed.span());
  cn::aligned_buffer<std::byte> scratch(rows_f4::scratch_bytes(g, 1));
  cn::aligned_buffer<float> streamed(g.out.elements()), shifted(g.out.elements() + 1);
  rows_f4::run(g, std::as_const(packed).span(), d.input.data(), streamed.data(), scratch.data(), 1);
  rows_f4::run(g, std::as_const(packed).span(), d.input.data(), shifted.data() + 1, scratch.data(), 1);
  BOOST_TEST(std::memcmp(streamed.data(), shifted.data() + 1, g.out.elements() * sizeof(float)) == 0);
  double error = 0, scale = 0;
  for (std::size_t i = 0; i < g.out.elements(); ++i) {
    const double want = activate(g.act, d.expected[i]);
    scale = std::max(scale, std::abs(want));
    error = std::max(error, std::abs(static_cast<double>(streamed.data()[i]) - want));
  }
  BOOST_TEST(error <= 2e-5 * scale, "max |streamed - reference| = " << error << ", max |reference| = " << scale);
}

// ---- max pools fused into the output transform ---------------------------------------------------

// Odd sizes where the tiles overhang the image and a pool drops the last row or column: conv_a 27x29
// (F4: 7x8 tiles, pooled 13x14), conv_b valid and linear 11x12 (F2, pooled 5x6), conv_c 5x6 then a 3x3
// pool, which is not a 2x2 stride-2 pool and so stays a layer of its own.
using fusion_net = cn::sequential<
    cn::input<27, 29, 16>,
    cn::conv2d<24, cn::kernel<3>, cn::same, cn::act::relu, cn::named<"conv_a">>,
    cn::max_pool<cn::pool_size<2>, cn::strides<2>, cn::named<"pool_a">>,
    cn::conv2d<20, cn::kernel<3>, cn::named<"conv_b">>,
    cn::max_pool<cn::pool_size<2>, cn::strides<2>, cn::named<"pool_b">>,
    cn::conv2d<16, cn::kernel<3>, cn::same, cn::act::relu, cn::named<"conv_c">>,
    cn::max_pool<cn::pool_size<3>, cn::strides<2>, cn::named<"pool_c">>>;

// VGG16 fuses each of its five pools into the convolution before it.
namespace vgg16_fusion {
using M = cn::model<cn::models::vgg16>;
using net = cn::models::vgg16;
static_assert(M::fuses_max_pool<net::index_of<"block1_conv2">> && M::fuses_max_pool<net::index_of<"block2_conv2">> &&
              M::fuses_max_pool<net::index_of<"block3_conv3">> && M::fuses_max_pool<net::index_of<"block4_conv3">> &&
              M::fuses_max_pool<net::index_of<"block5_conv3">>);
static_assert(!M::fuses_max_pool<net::index_of<"block1_conv1">>);
}  // namespace vgg16_fusion

template <class Model>
std::unique_ptr<Model> fusion_model(const std::vector<float>& weights) {
  auto m = std::make_unique<Model>();
  std::copy(weights.begin(), weights.end(), m->weights().begin());
  m->pack_weights();
  return m;
}

BOOST_AUTO_TEST_CASE(fused_max_pools_give_the_unfused_result_bit_for_bit) {
  constexpr std::size_t a = fusion_net::index_of<"conv_a">, b = fusion_net::index_of<"conv_b">,
                        c = fusion_net::index_of<"conv_c">;
  using fused = cn::model<fusion_net, cn::batch<2>, cn::threads<2>>;
  static_assert(fused::fuses_max_pool<a> && fused::pooled_away<a + 1>);
  static_assert(fused::fuses_max_pool<b> && fused::pooled_away<b + 1>);
  static_assert(!fused::fuses_max_pool<c>, "a 3x3 pool is not fused");
  // Taps and a forced pool kernel keep the layers apart; so does the reference policy.
  using tapped = cn::model<fusion_net, cn::batch<2>, cn::taps<"conv_a", "conv_b">>;
  static_assert(!tapped::fuses_max_pool<a> && !tapped::fuses_max_pool<b>);
  using forced_pool = cn::model<fusion_net, cn::batch<2>, cn::force_kernel<"pool_a", kn::reference::pool2d>>;
  static_assert(!forced_pool::fuses_max_pool<a> && forced_pool::fuses_max_pool<b>);
  static_assert(!cn::model<fusion_net, kn::reference_only>::fuses_max_pool<a>);
  // A forced F6 convolution still pools (its tiles are even too).
  using f6 = kn::winograd::conv2d_nhwc<cn::simd::xsimd_backend, 6>;
  using fused_f6 = cn::model<fusion_net, cn::batch<2>, cn::force_kernel<"conv_a", f6>, cn::force_kernel<"conv_b", f6>>;
  static_assert(fused_f6::fuses_max_pool<a> && fused_f6::fuses_max_pool<b>);
  // The fused convolution reads its input and scratch while writing the pool's output: the plan keeps
  // the three apart.
  constexpr auto& plan = fused::plan;
  auto overlaps = [](std::size_t x, std::size_t x_bytes, std::size_t y, std::size_t y_bytes) {
    return x < y + y_bytes && y < x + x_bytes;
  };
  for (std::size_t i : {a, b}) {
    const std::size_t out = plan.tensor_offset[i + 1], out_bytes = fusion_net::facts[i + 1].output.bytes() * 2;
    BOOST_TEST(!overlaps(out, out_bytes, plan.tensor_offset[i - 1], fusion_net::facts[i - 1].output.bytes() * 2));
    BOOST_TEST(!overlaps(out, out_bytes, plan.scratch_offset[i], plan.scratch_bytes[i]));
  }

  cn::random_source random(31);
  std::vector<float> weights(fusion_net::total_params);
  for (float& w : weights) w = static_cast<float>(random.normal() * 0.2);
  const auto images = cn::testing::random_images(fused::input_elements, 32);
  const std::span<const float> input(images);

  auto apart = fusion_model<tapped>(weights);
  const auto expected_span = apart->forward(input);
  const std::vector<float> expected(expected_span.begin(), expected_span.end());
  for (int run = 0; run < 2; ++run) {  // twice: the second reuses an arena the first left dirty
    auto together = fusion_model<fused>(weights);
    const auto got = together->forward(input);
    BOOST_TEST(std::equal(got.begin(), got.end(), expected.begin(), expected.end()));
    // forward_to the convolution itself runs it unfused: its full output, as the tapped model has it.
    const auto conv_out = together->forward_to("conv_b", input);
    const auto tapped_conv = apart->output<"conv_b">();
    BOOST_TEST(std::equal(conv_out.begin(), conv_out.end(), tapped_conv.begin(), tapped_conv.end()));
  }
  auto together_f6 = fusion_model<fused_f6>(weights);
  const auto got_f6 = together_f6->forward(input);
  auto apart_f6 = fusion_model<cn::model<fusion_net, cn::batch<2>, cn::taps<"conv_a", "conv_b">,
                                         cn::force_kernel<"conv_a", f6>, cn::force_kernel<"conv_b", f6>>>(weights);
  const auto expected_f6 = apart_f6->forward(input);
  BOOST_TEST(std::equal(got_f6.begin(), got_f6.end(), expected_f6.begin(), expected_f6.end()));

  // And against the oracle, within the F4/F6 bound of this file (3 layers deep, O(1) values).
  auto oracle = fusion_model<cn::model<fusion_net, cn::batch<2>, kn::reference_only>>(weights);
  const auto want = oracle->forward(input);
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    diff = std::max(diff, static_cast<double>(std::abs(expected[i] - want[i])));
    scale = std::max(scale, static_cast<double>(std::abs(want[i])));
  }
  BOOST_TEST(diff <= 5e-5 * scale, "max |fused - reference| = " << diff << ", max |reference| = " << scale);
}

// relu6 commutes with the maximum as ReLU does, so its convolution fuses a following pool too; a 2x2
// stride-2 pool in ceil_mode or dilated does not fuse (the fused transform writes whole 2x2 windows of
// adjacent cells only): conv_e's 10x11 output pools to 5x6 in ceil_mode (5x5 rounding down), and
// pool_f's window is 3x3 cells wide. Every convolution here runs Winograd F2.
using pool_options_net = cn::sequential<
    cn::input<20, 23, 16>,
    cn::conv2d<24, cn::kernel<3>, cn::same, cn::act::relu6, cn::named<"conv_d">>,
    cn::max_pool<cn::pool_size<2>, cn::strides<2>, cn::named<"pool_d">>,
    cn::conv2d<16, cn::kernel<3>, cn::same, cn::act::relu, cn::named<"conv_e">>,
    cn::max_pool<cn::pool_size<2>, cn::strides<2>, cn::ceil_mode, cn::named<"pool_e">>,
    cn::conv2d<16, cn::kernel<3>, cn::same, cn::named<"conv_f">>,
    cn::max_pool<cn::pool_size<2>, cn::strides<2>, cn::dilation<2>, cn::named<"pool_f">>>;

BOOST_AUTO_TEST_CASE(fusion_takes_relu6_and_leaves_ceil_mode_and_dilated_pools_alone) {
  constexpr std::size_t d = pool_options_net::index_of<"conv_d">, e = pool_options_net::index_of<"conv_e">,
                        f = pool_options_net::index_of<"conv_f">;
  static_assert(pool_options_net::layer_named<"pool_e">.output == cn::feature_maps(5, 6, 16));
  static_assert(pool_options_net::layer_named<"pool_f">.output == cn::feature_maps(2, 2, 16));
  using fused = cn::model<pool_options_net, cn::batch<2>, cn::threads<2>>;
  static_assert(wg::winograd_kernel<fused::kernel_of<d>::type> && wg::winograd_kernel<fused::kernel_of<e>::type> &&
                wg::winograd_kernel<fused::kernel_of<f>::type>);
  static_assert(fused::fuses_max_pool<d> && fused::pooled_away<d + 1>);
  static_assert(!fused::fuses_max_pool<e>, "a ceil_mode pool is not fused");
  static_assert(!fused::fuses_max_pool<f>, "a dilated pool is not fused");

  cn::random_source random(41);
  std::vector<float> weights(pool_options_net::total_params);
  for (float& w : weights) w = static_cast<float>(random.normal() * 0.2);
  // conv_d's kernel 4x larger: its outputs have a standard deviation of about 5, so many pass relu6's 6.
  const cn::layer_facts& conv_d = pool_options_net::facts[d];
  for (std::size_t i = 0; i < conv_d.weights[0].elements(); ++i) weights[conv_d.weight_offset + i] *= 4.0f;
  const auto images = cn::testing::random_images(fused::input_elements, 42);
  const std::span<const float> input(images);

  auto apart = fusion_model<cn::model<pool_options_net, cn::batch<2>, cn::taps<"conv_d">>>(weights);
  const auto expected_span = apart->forward(input);
  const std::vector<float> expected(expected_span.begin(), expected_span.end());
  const auto conv_d_out = apart->output<"conv_d">();
  BOOST_TEST(std::count(conv_d_out.begin(), conv_d_out.end(), 6.0f) > 100);
  auto together = fusion_model<fused>(weights);
  const auto got = together->forward(input);
  BOOST_TEST(std::equal(got.begin(), got.end(), expected.begin(), expected.end()));

  auto oracle = fusion_model<cn::model<pool_options_net, cn::batch<2>, kn::reference_only>>(weights);
  const auto want = oracle->forward(input);
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    diff = std::max(diff, static_cast<double>(std::abs(got[i] - want[i])));
    scale = std::max(scale, static_cast<double>(std::abs(want[i])));
  }
  BOOST_TEST(diff <= 5e-5 * scale, "max |fused - reference| = " << diff << ", max |reference| = " << scale);
}

BOOST_AUTO_TEST_CASE(vgg16_forward_has_the_reference_top1) {
  // Full size (one image) in the optimized build; 64x64 (two images) under the sanitizers, where the
  // full-size reference takes minutes.
  using net = std::conditional_t<sanitized, cn::models::vgg16_at<64, 64>, cn::models::vgg16>;
  constexpr std::size_t Images = sanitized ? 2 : 1;
  using fast_model = cn::model<net, cn::batch<Images>, cn::threads<2>>;
  using oracle_model = cn::model<net, cn::batch<Images>, kn::reference_only>;
  constexpr std::size_t winograd_count = winograd_layers<net, fast_model>();
  BOOST_TEST(winograd_count > 0u, "the default policy runs Winograd somewhere in VGG16");
  auto oracle = std::make_unique<oracle_model>();
  cn::he_normal(*oracle, 2024);
  auto fast = std::make_unique<fast_model>();
  std::copy(oracle->weights().begin(), oracle->weights().end(), fast->weights().begin());
  fast->pack_weights();
  const auto images = cn::testing::random_images(oracle->input_elements, 2025);
  const auto reference_output = oracle->forward(std::span<const float>(images));
  const std::vector<float> expected(reference_output.begin(), reference_output.end());
  const auto got = fast->forward(std::span<const float>(images));
  const std::size_t classes = net::output_shape.elements();
  for (std::size_t n = 0; n < Images; ++n) {
    const std::span<const float> want(expected.data() + n * classes, classes), have(got.data() + n * classes, classes);
    std::vector<float> sorted(want.begin(), want.end());
    std::sort(sorted.rbegin(), sorted.rend());
    double worst = 0;
    for (std::size_t i = 0; i < classes; ++i) worst = std::max(worst, static_cast<double>(std::abs(have[i] - want[i])));
    BOOST_TEST_MESSAGE("image " << n << ": top-1 " << top1(want) << " p = " << sorted[0] << " (runner-up " << sorted[1]
                                << "), max |fast - reference| over the probabilities " << worst << ", "
                                << winograd_count << " Winograd layers");
    BOOST_TEST(top1(have) == top1(want), "image " << n);
  }
}

BOOST_AUTO_TEST_SUITE_END()
