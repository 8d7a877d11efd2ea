// The worked examples of seed 004 ("Convolutional Neural Network"), each run through a real network type
// and a model<> (weights written in Keras' HWIO layout, forward() on an NHWC image), never by calling a
// kernel directly. Shapes and parameter counts that the compiler knows are pinned with static_assert.
//
// Exactness: every input, weight, partial sum and expected value below is a small integer or a dyadic
// fraction with a few bits (x.5, x.25, x.125, x.0625), all far below 2^24, so fp32 represents each of them
// and every intermediate sum exactly whatever the accumulation order. The comparisons are therefore exact
// (==, no tolerance).

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "constnet/constnet.hpp"
#include "constnet/models/seed_cnns.hpp"

using namespace constnet;

namespace {

using grid = std::vector<float>;  // an NHWC image or output, batch 1

/// Runs a network without weights (pooling) on `image`; returns a copy of the output.
template <class Net>
grid run(const grid& image) {
  model<Net> m;
  const auto out = m.forward(std::span<const float>(image));
  return grid(out.begin(), out.end());
}

/// The weight tensor `name` ("kernel": HWIO, "bias") of the layer named "conv", found through the
/// layer's facts. This is what m.weight("conv", name) returns, but calling model::weight() makes GCC 12
/// at -O3 report a -Wrestrict false positive inside its error-message path (model.hpp), and the build
/// must stay warning-free.
template <class Model>
std::span<float> conv_weights(Model& m, std::string_view name) {
  using net = typename Model::network_type;
  constexpr std::size_t i = net::template index_of<"conv">;
  const layer_facts& f = net::facts[i];
  for (std::size_t t = 0; t < f.weight_tensor_count; ++t)
    if (f.weights[t].name.view() == name)
      return m.layer_weights(i).subspan(f.weights[t].offset, f.weights[t].elements());
  BOOST_FAIL("layer conv has no weight tensor " << name);
  return {};
}

/// Writes `kernel` (HWIO) and, when given, `bias` into the layer named "conv", repacks, runs `image`.
template <class Net>
grid run_conv(const grid& image, const grid& kernel, const grid& bias = {}) {
  model<Net> m;
  const std::span<float> k = conv_weights(m, "kernel");
  BOOST_REQUIRE_EQUAL(k.size(), kernel.size());
  std::copy(kernel.begin(), kernel.end(), k.begin());
  if (!bias.empty()) {
    const std::span<float> b = conv_weights(m, "bias");
    BOOST_REQUIRE_EQUAL(b.size(), bias.size());
    std::copy(bias.begin(), bias.end(), b.begin());
  }
  m.pack_weights();
  const auto out = m.forward(std::span<const float>(image));
  return grid(out.begin(), out.end());
}

/// The seed's output size for an n x n input, f x f filter, padding p, stride s: floor((n + 2p - f) / s) + 1.
constexpr std::size_t out_size(std::size_t n, std::size_t p, std::size_t f, std::size_t s) {
  return (n + 2 * p - f) / s + 1;
}

}  // namespace

// ---- Example 2 and "Need for padding": the vertical edge detector, valid padding ---------------------------

using example2_net = sequential<input<5, 5, 1>, conv2d<1, kernel<3>, valid, no_bias, named<"conv">>>;
static_assert(example2_net::output_shape == feature_maps(3, 3, 1));             // n - f + 1 = 5 - 3 + 1
static_assert(example2_net::layer_named<"conv">.params == 9);                    // no_bias: the kernel only

// ---- Single-channel convolution ("1. Convolution: the single channel version") ----------------------------

using single_channel_net = sequential<input<5, 5, 1>, conv2d<1, kernel<3>, no_bias, named<"conv">>>;
static_assert(single_channel_net::output_shape == feature_maps(3, 3, 1));

// ---- Padding: the sharpen kernel with p = 1, as pad<1> and as 'same'; then stride 2 --------------------------

using sharpen_pad1 = sequential<input<5, 5, 1>, conv2d<1, kernel<3>, pad<1>, no_bias, named<"conv">>>;
using sharpen_same = sequential<input<5, 5, 1>, conv2d<1, kernel<3>, same, no_bias, named<"conv">>>;
using sharpen_pad1_s2 = sequential<input<5, 5, 1>, conv2d<1, kernel<3>, strides<2>, pad<1>, no_bias, named<"conv">>>;
using sharpen_same_s2 = sequential<input<5, 5, 1>, conv2d<1, kernel<3>, strides<2>, same, no_bias, named<"conv">>>;
static_assert(sharpen_pad1::output_shape == feature_maps(5, 5, 1));              // n + 2p - f + 1 = 5
static_assert(sharpen_same::output_shape == feature_maps(5, 5, 1));              // ceil(5 / 1)
// 'same' with f = 3 pads (f - 1) / 2 = 1 on every side, exactly pad<1>.
static_assert(model<sharpen_same>::kernel_of<1>::geometry.pad == padding2{1, 1, 1, 1});
static_assert(model<sharpen_same>::kernel_of<1>::geometry == model<sharpen_pad1>::kernel_of<1>::geometry);
static_assert(out_size(5, 1, 3, 2) == 3);                                        // floor((5 + 2 - 3) / 2) + 1
static_assert(sharpen_pad1_s2::output_shape == feature_maps(3, 3, 1));
static_assert(sharpen_same_s2::output_shape == feature_maps(3, 3, 1));           // ceil(5 / 2) = 3
static_assert(model<sharpen_same_s2>::kernel_of<1>::geometry.pad == padding2{1, 1, 1, 1});  // (3-1)*2+3-5 = 2

// ---- Example 3: the binary image --------------------------------------------------------------------------

using binary_net = sequential<input<5, 5, 1>, conv2d<1, kernel<3>, no_bias, named<"conv">>>;
static_assert(binary_net::output_shape == feature_maps(3, 3, 1));

// ---- Output-size arithmetic: floor((n + 2p - f) / s) + 1 ---------------------------------------------------

namespace {
struct conv_row {
  std::size_t n, p, f, s, out;
};
template <conv_row R>
using padded_row_net =
    sequential<input<R.n, R.n, 1>, conv2d<1, kernel<R.f>, strides<R.s>, pad<R.p>, no_bias, named<"conv">>>;

template <conv_row R>
constexpr bool row_pinned() {
  static_assert(out_size(R.n, R.p, R.f, R.s) == R.out, "the table row disagrees with the seed's formula");
  static_assert(padded_row_net<R>::facts[1].output.h == R.out);
  static_assert(padded_row_net<R>::facts[1].output.w == R.out);
  static_assert(padded_row_net<R>::facts[1].output == feature_maps(R.out, R.out, 1));
  return true;
}

// Ones in, ones as the kernel: each output counts the cells of its window that are inside the image.
// The first window covers rows -p .. f-1-p, so it holds (f - p)^2 image cells; the last starts at
// (out - 1) s - p and holds min(n, start + f) - start rows (and as many columns).
constexpr float first_window_cells(conv_row r) { return static_cast<float>((r.f - r.p) * (r.f - r.p)); }
constexpr float last_window_cells(conv_row r) {
  const std::size_t start = (r.out - 1) * r.s - r.p;  // >= 0 for every row of the table
  const std::size_t rows = std::min(r.n, start + r.f) - start;
  return static_cast<float>(rows * rows);
}

template <conv_row R>
void check_padded_row() {
  using net = padded_row_net<R>;
  model<net> m;
  std::ranges::fill(conv_weights(m, "kernel"), 1.0f);
  m.pack_weights();
  const grid image(R.n * R.n, 1.0f);
  const auto out = m.forward(std::span<const float>(image));
  BOOST_TEST_CONTEXT("n=" << R.n << " p=" << R.p << " f=" << R.f << " s=" << R.s) {
    BOOST_TEST(out.size() == R.out * R.out);
    BOOST_TEST(out.front() == first_window_cells(R));
    BOOST_TEST(out.back() == last_window_cells(R));
  }
}

// 'same': out = ceil(n / s); the total padding (out - 1) s + f - n (if positive) is split with the odd
// cell at the bottom/right (TensorFlow's rule).
struct same_row {
  std::size_t n, f, s, out, before, after;
};
template <same_row R>
using same_row_net = sequential<input<R.n, R.n, 1>, conv2d<1, kernel<R.f>, strides<R.s>, same, no_bias, named<"conv">>>;

template <same_row R>
constexpr bool same_row_pinned() {
  static_assert((R.n + R.s - 1) / R.s == R.out, "the table row is not ceil(n / s)");
  static_assert(R.after == R.before || R.after == R.before + 1, "the odd cell goes bottom/right");
  static_assert((R.out - 1) * R.s + R.f <= R.n || R.before + R.after == (R.out - 1) * R.s + R.f - R.n);
  static_assert(same_row_net<R>::facts[1].output == feature_maps(R.out, R.out, 1));
  static_assert(model<same_row_net<R>>::template kernel_of<1>::geometry.pad ==
                padding2{R.before, R.after, R.before, R.after});
  // Neuron 0 sees from `before` cells above the image (0: it starts at the image's first row).
  static_assert(same_row_net<R>::facts[1].rf.y.start == -static_cast<long>(R.before));
  return true;
}

template <same_row R>
void check_same_row() {
  model<same_row_net<R>> m;
  std::ranges::fill(conv_weights(m, "kernel"), 1.0f);
  m.pack_weights();
  const grid image(R.n * R.n, 1.0f);
  const auto out = m.forward(std::span<const float>(image));
  BOOST_TEST_CONTEXT("same: n=" << R.n << " f=" << R.f << " s=" << R.s) {
    BOOST_TEST(out.size() == R.out * R.out);
    // The first window loses `before` rows and columns to padding, the last loses `after`.
    BOOST_TEST(out.front() == static_cast<float>((R.f - R.before) * (R.f - R.before)));
    BOOST_TEST(out.back() == static_cast<float>((R.f - R.after) * (R.f - R.after)));
  }
}

/// A list of table rows, as template arguments.
template <auto... Rows>
struct table {};

using padded_table = table<conv_row{5, 0, 3, 1, 3},    // the seed: no padding, n - f + 1
                           conv_row{5, 1, 3, 1, 5},    // p = 1 keeps 5x5
                           conv_row{5, 1, 3, 2, 3},    // the strided sharpen example
                           conv_row{7, 0, 3, 2, 3},    // floor(4 / 2) + 1
                           conv_row{6, 0, 3, 2, 2},    // floor(3 / 2) + 1: the floor drops the last column
                           conv_row{7, 1, 3, 2, 4},    // floor(6 / 2) + 1
                           conv_row{8, 1, 3, 3, 3},    // floor(7 / 3) + 1
                           conv_row{5, 2, 5, 1, 5},    // p = (f - 1) / 2 = 2 keeps the size
                           conv_row{6, 0, 3, 1, 4},    // convolution over volume: 6x6 with 3x3
                           conv_row{6, 0, 4, 1, 3},    // a convolution layer: 6x6 with 4x4
                           conv_row{4, 0, 2, 2, 2},    // a 2x2 window, stride 2
                           conv_row{32, 0, 5, 1, 28},  // why convolutions: 32 with 5x5
                           conv_row{39, 0, 3, 1, 37},  // the 39x39x3 example, first layer
                           conv_row{37, 0, 5, 2, 17},  // second layer
                           conv_row{17, 0, 5, 2, 7}>;  // third layer

using same_table = table<same_row{5, 3, 1, 5, 1, 1},    // total 2: one each side (the sharpen example)
                         same_row{6, 3, 2, 3, 0, 1},    // total (3-1)*2+3-6 = 1: all of it bottom/right
                         same_row{7, 3, 2, 4, 1, 1},    // total 3*2+3-7 = 2
                         same_row{5, 3, 2, 3, 1, 1},    // total 2*2+3-5 = 2
                         same_row{5, 2, 1, 5, 0, 1},    // even kernel: total 1, bottom/right
                         same_row{5, 5, 1, 5, 2, 2},    // p = (f - 1) / 2 = 2
                         same_row{6, 1, 2, 3, 0, 0},    // (3-1)*2+1 = 5 < 6: no padding at all
                         same_row{39, 5, 2, 20, 2, 2},  // total 19*2+5-39 = 4
                         same_row{32, 4, 1, 32, 1, 2}>;  // total 31+4-32 = 3: 1 top, 2 bottom

template <conv_row... Rows>
constexpr bool all_pinned(table<Rows...>) {
  return (row_pinned<Rows>() && ...);
}
template <same_row... Rows>
constexpr bool all_pinned(table<Rows...>) {
  return (same_row_pinned<Rows>() && ...);
}
template <conv_row... Rows>
void run_all(table<Rows...>) {
  (check_padded_row<Rows>(), ...);
}
template <same_row... Rows>
void run_all(table<Rows...>) {
  (check_same_row<Rows>(), ...);
}
}  // namespace
static_assert(all_pinned(padded_table{}));
static_assert(all_pinned(same_table{}));

// Non-square: the formula applies per axis (7x5 input, 3x1 kernel, stride 2x1, pad 1x0).
static_assert(sequential<input<7, 5, 1>, conv2d<1, kernel<3, 1>, strides<2, 1>, pad<1, 0>>>::output_shape ==
              feature_maps(out_size(7, 1, 3, 2), out_size(5, 0, 1, 1), 1));
static_assert(out_size(7, 1, 3, 2) == 4 && out_size(5, 0, 1, 1) == 5);

// 'same' with n = 6, f = 3, s = 2: 3x3 out, one padding row and column, both at the bottom/right.
using same_odd_net = sequential<input<6, 6, 1>, conv2d<1, kernel<3>, strides<2>, same, no_bias, named<"conv">>>;
// pad<top, bottom, left, right>: the same placement written out, and the opposite one.
using bottom_right_net =
    sequential<input<6, 6, 1>, conv2d<1, kernel<3>, strides<2>, pad<0, 1, 0, 1>, no_bias, named<"conv">>>;
using top_left_net =
    sequential<input<6, 6, 1>, conv2d<1, kernel<3>, strides<2>, pad<1, 0, 1, 0>, no_bias, named<"conv">>>;
static_assert(same_odd_net::output_shape == feature_maps(3, 3, 1));
static_assert(bottom_right_net::output_shape == feature_maps(3, 3, 1));
static_assert(top_left_net::output_shape == feature_maps(3, 3, 1));
static_assert(model<same_odd_net>::kernel_of<1>::geometry.pad == padding2{0, 1, 0, 1});

// The seed's "simple convolutional network example": 39x39x3 -> 37x37x10 -> 17x17x20 -> 7x7x40 -> 1960.
using seed_chain = sequential<input<39, 39, 3>,
                              conv2d<10, kernel<3>, strides<1>>,   // floor((39 - 3) / 1) + 1 = 37
                              conv2d<20, kernel<5>, strides<2>>,   // floor((37 - 5) / 2) + 1 = 17
                              conv2d<40, kernel<5>, strides<2>>,   // floor((17 - 5) / 2) + 1 = 7
                              flatten<>>;
static_assert(seed_chain::facts[1].output == feature_maps(37, 37, 10));
static_assert(seed_chain::facts[2].output == feature_maps(17, 17, 20));
static_assert(seed_chain::facts[3].output == feature_maps(7, 7, 40));
static_assert(seed_chain::output_shape == features(7 * 7 * 40) && 7 * 7 * 40 == 1960);
static_assert(seed_chain::facts[3].output == models::seed_39x39_example::facts[3].output);

// ---- Pooling ---------------------------------------------------------------------------------------------

using max_4x4 = sequential<input<4, 4, 1>, max_pool<pool_size<2>, strides<2>>>;
using avg_4x4 = sequential<input<4, 4, 1>, avg_pool<pool_size<2>, strides<2>>>;
using mixed_half = sequential<input<4, 4, 1>, mixed_pool<mix<1, 2>, pool_size<2>, strides<2>>>;
using mixed_one = sequential<input<4, 4, 1>, mixed_pool<mix<1, 1>, pool_size<2>, strides<2>>>;
using mixed_zero = sequential<input<4, 4, 1>, mixed_pool<mix<0, 1>, pool_size<2>, strides<2>>>;
using mixed_quarter = sequential<input<4, 4, 1>, mixed_pool<mix<1, 4>, pool_size<2>, strides<2>>>;
static_assert(max_4x4::output_shape == feature_maps(2, 2, 1));
static_assert(avg_4x4::output_shape == feature_maps(2, 2, 1));
static_assert(mixed_quarter::output_shape == feature_maps(2, 2, 1));
static_assert(max_4x4::total_params == 0 && mixed_half::total_params == 0);

// 'same' pooling of a 3x3 map with a 2x2 window, stride 2: ceil(3 / 2) = 2, total padding (2-1)*2+2-3 = 1,
// at the bottom/right.
using avg_same_keras = sequential<input<3, 3, 1>, avg_pool<pool_size<2>, strides<2>, same>>;
using avg_same_counted = sequential<input<3, 3, 1>, avg_pool<pool_size<2>, strides<2>, same, count_padding>>;
using max_same = sequential<input<3, 3, 1>, max_pool<pool_size<2>, strides<2>, same>>;
static_assert(avg_same_keras::output_shape == feature_maps(2, 2, 1));
static_assert(avg_same_counted::output_shape == feature_maps(2, 2, 1));
static_assert(model<avg_same_keras>::kernel_of<1>::geometry.pad == padding2{0, 1, 0, 1});

// ---- Convolution over volume and "A Convolution Layer" -----------------------------------------------------

using volume_net = sequential<input<6, 6, 3>, conv2d<1, kernel<3>, named<"conv">>>;
static_assert(volume_net::output_shape == feature_maps(4, 4, 1));            // (6 - 3 + 1) x (6 - 3 + 1) x 1
static_assert(volume_net::layer_named<"conv">.params == 3 * 3 * 3 + 1);

using conv_layer_net = sequential<input<6, 6, 3>, conv2d<2, kernel<4>, act::relu, named<"conv">>>;
static_assert(conv_layer_net::output_shape == feature_maps(3, 3, 2));        // (6 - 4 + 1) x (6 - 4 + 1) x n_f
static_assert(conv_layer_net::layer_named<"conv">.params == (4 * 4 * 3 + 1) * 2);
// Keras' layout: kernel [fh, fw, C_in, filters] (HWIO), then bias [filters].
static_assert(conv_layer_net::layer_named<"conv">.weights[0].dims == std::array<std::size_t, 4>{4, 4, 3, 2});
static_assert(conv_layer_net::layer_named<"conv">.weights[1].offset == 4 * 4 * 3 * 2);

// ---- Why convolutions: parameter counts ------------------------------------------------------------------

using six_filters_rgb = sequential<input<32, 32, 3>, conv2d<6, kernel<5>, named<"conv">>>;
using six_filters_gray = sequential<input<32, 32, 1>, conv2d<6, kernel<5>, named<"conv">>>;
static_assert(six_filters_rgb::output_shape == feature_maps(28, 28, 6));
static_assert(six_filters_rgb::total_params == (5 * 5 * 3 + 1) * 6 && (5 * 5 * 3 + 1) * 6 == 456);
static_assert(six_filters_gray::output_shape == feature_maps(28, 28, 6));
static_assert(six_filters_gray::total_params == (5 * 5 + 1) * 6 && 6 * 26 == 156);
// The fully connected alternative: 32*32*3 = 3072 inputs to 28*28*6 = 4704 units, 3072 * 4704 ~ 14M weights.
using fully_connected = sequential<input<32, 32, 3>, flatten<>, dense<28 * 28 * 6>>;
static_assert(fully_connected::facts[1].output == features(3072));
static_assert(fully_connected::total_params == 3072 * 4704 + 4704 && 3072 * 4704 == 14'450'688);

BOOST_AUTO_TEST_SUITE(seed_examples)

// Example 2:
//   7 2 3 3 8                1 0 -1
//   4 5 3 8 4                1 0 -1
//   3 3 2 8 4       *        1 0 -1
//   2 8 7 2 7
//   5 4 4 5 4
// The kernel adds the window's left column and subtracts its right one, so with column sums over the
// window's three rows, out = sum(col x) - sum(col x + 2):
//   rows 0-2: column sums 14 10 8 19 16  ->  14-8 =  6, 10-19 = -9,  8-16 = -8
//   rows 1-3: column sums  9 16 12 18 15 ->   9-12 = -3, 16-18 = -2, 12-15 = -3
//   rows 2-4: column sums 10 15 13 15 15 ->  10-13 = -3, 15-15 =  0, 13-15 = -2
// The top-left is the seed's 7*1 + 4*1 + 3*1 + 2*0 + 5*0 + 3*0 + 3*-1 + 3*-1 + 2*-1 = 6. It is not
// flipped: a true convolution (the seed's "flip the filter first") would give -6 here.
BOOST_AUTO_TEST_CASE(example2_vertical_edge_valid) {
  const grid image = {7, 2, 3, 3, 8,  //
                      4, 5, 3, 8, 4,  //
                      3, 3, 2, 8, 4,  //
                      2, 8, 7, 2, 7,  //
                      5, 4, 4, 5, 4};
  const grid kernel = {1, 0, -1,  //
                       1, 0, -1,  //
                       1, 0, -1};  // HWIO with I = O = 1: row-major ky, kx
  const grid out = run_conv<example2_net>(image, kernel);
  BOOST_TEST(out.size() == 3u * 3u);
  BOOST_TEST(out.at(0) == 6.0f);
  const grid expected = {6, -9, -8,  //
                         -3, -2, -3,  //
                         -3, 0, -2};
  BOOST_TEST(out == expected, boost::test_tools::per_element());
}

// "1. Convolution: the single channel version": the seed shows the output, and the first window's
// products 3*0 + 3*1 + 2*2 + 0*2 + 0*2 + 1*0 + 3*0 + 1*1 + 2*2 = 12.
BOOST_AUTO_TEST_CASE(single_channel_version) {
  const grid image = {3, 3, 2, 1, 0,  //
                      0, 0, 1, 3, 1,  //
                      3, 1, 2, 2, 3,  //
                      2, 0, 0, 2, 2,  //
                      2, 0, 0, 0, 1};
  const grid kernel = {0, 1, 2,  //
                       2, 2, 0,  //
                       0, 1, 2};
  const grid expected = {12, 12, 17,  //
                         10, 17, 19,  //
                         9, 6, 14};
  BOOST_TEST(run_conv<single_channel_net>(image, kernel) == expected, boost::test_tools::per_element());
}

// The sharpen kernel: out = 5 * centre - (up + down + left + right), zero outside the image.
//   (0,0): 5*60  - (113 + 73)            = 114  (the seed's value)
//   (0,1): 5*113 - (60 + 56 + 121)       = 328
//   (0,2): 5*56  - (113 + 139 + 54)      = -26
//   (0,3): 5*139 - (56 + 85 + 84)        = 470
//   (0,4): 5*85  - (139 + 128)           = 158
//   (1,0): 5*73  - (60 + 131 + 121)      = 53
//   (1,1): 5*121 - (113 + 99 + 73 + 54)  = 266
//   (1,2): 5*54  - (56 + 70 + 121 + 84)  = -61
//   (1,3): 5*84  - (139 + 129 + 54 + 128)= -30
//   (1,4): 5*128 - (85 + 127 + 84)       = 344
//   (2,0): 5*131 - (73 + 80 + 99)        = 403
//   (2,1): 5*99  - (121 + 57 + 131 + 70) = 116
//   (2,2): 5*70  - (54 + 115 + 99 + 129) = -47
//   (2,3): 5*129 - (84 + 69 + 70 + 127)  = 295
//   (2,4): 5*127 - (128 + 134 + 129)     = 244
//   (3,0): 5*80  - (131 + 104 + 57)      = 108
//   (3,1): 5*57  - (99 + 126 + 80 + 115) = -135
//   (3,2): 5*115 - (70 + 123 + 57 + 69)  = 256
//   (3,3): 5*69  - (129 + 95 + 115 + 134)= -128
//   (3,4): 5*134 - (127 + 130 + 69)      = 344
//   (4,0): 5*104 - (80 + 126)            = 314
//   (4,1): 5*126 - (57 + 104 + 123)      = 346
//   (4,2): 5*123 - (115 + 126 + 95)      = 279
//   (4,3): 5*95  - (69 + 123 + 130)      = 153
//   (4,4): 5*130 - (134 + 95)            = 421
namespace {
const grid sharpen_image = {60,  113, 56,  139, 85,   //
                            73,  121, 54,  84,  128,  //
                            131, 99,  70,  129, 127,  //
                            80,  57,  115, 69,  134,  //
                            104, 126, 123, 95,  130};
const grid sharpen_kernel = {0, -1, 0,  //
                             -1, 5, -1,  //
                             0, -1, 0};
}  // namespace

BOOST_AUTO_TEST_CASE(padded_sharpen_pad1_equals_same) {
  const grid with_pad = run_conv<sharpen_pad1>(sharpen_image, sharpen_kernel);
  const grid with_same = run_conv<sharpen_same>(sharpen_image, sharpen_kernel);
  BOOST_TEST(with_pad.size() == 5u * 5u);
  BOOST_TEST(with_pad.at(0) == 114.0f);
  const grid expected = {114, 328,  -26, 470,  158,  //
                         53,  266,  -61, -30,  344,  //
                         403, 116,  -47, 295,  244,  //
                         108, -135, 256, -128, 344,  //
                         314, 346,  279, 153,  421};
  BOOST_TEST(with_pad == expected, boost::test_tools::per_element());
  BOOST_TEST(with_same == with_pad, boost::test_tools::per_element());
}

// Stride 2 with p = 1: floor((5 + 2 - 3) / 2) + 1 = 3, the windows at rows/columns 0, 2, 4 of the
// stride-1 output above; the top-left is again 114.
BOOST_AUTO_TEST_CASE(strided_sharpen) {
  const grid out = run_conv<sharpen_pad1_s2>(sharpen_image, sharpen_kernel);
  BOOST_TEST(out.size() == 3u * 3u);
  BOOST_TEST(out.at(0) == 114.0f);
  const grid expected = {114, -26, 158,  //
                         403, -47, 244,  //
                         314, 279, 421};
  BOOST_TEST(out == expected, boost::test_tools::per_element());
  // 'same' at stride 2 also pads one cell on each side here (ceil(5/2) = 3, total 2).
  BOOST_TEST(run_conv<sharpen_same_s2>(sharpen_image, sharpen_kernel) == expected, boost::test_tools::per_element());
}

// Example 3: the X-shaped kernel counts the ones at the window's four corners and centre.
//   (0,0): corners 1,1,0,1 + centre 1 = 4      (0,1): corners 1,0,0,1 + centre 1 = 3
//   (0,2): corners 1,0,1,1 + centre 1 = 4      (1,0): corners 0,1,0,1 + centre 0 = 2
//   (1,1): corners 1,1,0,1 + centre 1 = 4      (1,2): corners 1,0,1,0 + centre 1 = 3
//   (2,0): corners 0,1,0,1 + centre 0 = 2      (2,1): corners 0,1,1,0 + centre 1 = 3
//   (2,2): corners 1,1,1,0 + centre 1 = 4
BOOST_AUTO_TEST_CASE(example3_binary_image) {
  const grid image = {1, 1, 1, 0, 0,  //
                      0, 1, 1, 1, 0,  //
                      0, 0, 1, 1, 1,  //
                      0, 0, 1, 1, 0,  //
                      0, 1, 1, 0, 0};
  const grid kernel = {1, 0, 1,  //
                       0, 1, 0,  //
                       1, 0, 1};
  const grid out = run_conv<binary_net>(image, kernel);
  BOOST_REQUIRE(out.size() == 3u * 3u);
  BOOST_TEST(out[0] == 4.0f);  // figure A
  BOOST_TEST(out[1] == 3.0f);  // figure B
  const grid expected = {4, 3, 4,  //
                         2, 4, 3,  //
                         2, 3, 4};
  BOOST_TEST(out == expected, boost::test_tools::per_element());
}

// Every row of the table (pinned above with static_assert) also runs: ones through a ones kernel count
// the image cells in the first and the last window.
BOOST_AUTO_TEST_CASE(output_size_formula_table_runs) { run_all(padded_table{}); }

// 'same' = ceil(n / s); the first window loses `before` rows to padding, the last loses `after`.
BOOST_AUTO_TEST_CASE(same_padding_table_runs) { run_all(same_table{}); }

// n = 6, f = 3, s = 2, 'same': total padding 1, all at the bottom/right. With v(r, c) = 6r + c + 1 and a
// ones kernel, a full window centred on (r, c) sums to 9 v(r, c) (the ring around the centre cancels).
// Output (oy, ox) covers rows 2oy .. 2oy+2 and columns 2ox .. 2ox+2; row and column 6 are padding.
//   (0,0): centre (1,1) -> 9*8  = 72      (0,1): centre (1,3) -> 9*10 = 90
//   (0,2): rows 0-2, cols 4-5: (5+6) + (11+12) + (17+18) = 69
//   (1,0): centre (3,1) -> 9*20 = 180     (1,1): centre (3,3) -> 9*22 = 198
//   (1,2): rows 2-4, cols 4-5: (17+18) + (23+24) + (29+30) = 141
//   (2,0): rows 4-5, cols 0-2: (25+26+27) + (31+32+33) = 174
//   (2,1): rows 4-5, cols 2-4: (27+28+29) + (33+34+35) = 186
//   (2,2): rows 4-5, cols 4-5: 29 + 30 + 35 + 36 = 130
// Had the padding row and column gone on top/left, output (0,0) would cover rows and columns -1 .. 1,
// i.e. 1 + 2 + 7 + 8 = 18.
BOOST_AUTO_TEST_CASE(same_odd_padding_goes_bottom_right) {
  grid image(36);
  for (std::size_t i = 0; i < image.size(); ++i) image[i] = static_cast<float>(i + 1);  // 6r + c + 1
  const grid ones(9, 1.0f);
  const grid expected = {72, 90, 69,  //
                         180, 198, 141,  //
                         174, 186, 130};
  const grid same_out = run_conv<same_odd_net>(image, ones);
  BOOST_TEST(same_out == expected, boost::test_tools::per_element());
  BOOST_TEST(run_conv<bottom_right_net>(image, ones) == expected, boost::test_tools::per_element());
  const grid top_left = run_conv<top_left_net>(image, ones);
  BOOST_TEST(top_left.at(0) == 18.0f);
  BOOST_TEST(same_out.at(0) != top_left.at(0));
}

// The seed's 39x39x3 chain, run: with every weight and bias 1 and a ones image, each output of a layer is
// (kernel cells x input channels) x (the previous layer's value) + 1:
//   37x37x10: 3*3*3  * 1    + 1 = 28
//   17x17x20: 5*5*10 * 28   + 1 = 7001
//   7x7x40:   5*5*20 * 7001 + 1 = 3500501   (< 2^24, exact)
// and flatten hands on all 7*7*40 = 1960 of them. The library's models::seed_39x39_example (with ReLU,
// which changes nothing for positive values) gives the same.
BOOST_AUTO_TEST_CASE(seed_39x39x3_chain_and_32_with_5x5) {
  const grid image(39 * 39 * 3, 1.0f);
  model<seed_chain> m;
  std::ranges::fill(m.weights(), 1.0f);
  m.pack_weights();
  const auto out = m.forward(std::span<const float>(image));
  BOOST_TEST(out.size() == 1960u);
  BOOST_TEST(std::ranges::all_of(out, [](float v) { return v == 3500501.0f; }));

  model<models::seed_39x39_example> zoo;
  std::ranges::fill(zoo.weights(), 1.0f);
  zoo.pack_weights();
  const auto zoo_out = zoo.forward(std::span<const float>(image));
  BOOST_TEST(grid(zoo_out.begin(), zoo_out.end()) == grid(out.begin(), out.end()), boost::test_tools::per_element());

  // 32x32 with a 5x5 filter: 28x28, each output 25 with ones.
  using net = sequential<input<32, 32, 1>, conv2d<1, kernel<5>, no_bias, named<"conv">>>;
  static_assert(net::output_shape == feature_maps(28, 28, 1));
  const grid out32 = run_conv<net>(grid(32 * 32, 1.0f), grid(25, 1.0f));
  BOOST_TEST(out32.size() == 28u * 28u);
  BOOST_TEST(std::ranges::all_of(out32, [](float v) { return v == 25.0f; }));
}

// Pooling a 4x4 map with 2x2 windows, stride 2:
//   1 3 | 2 1        window   values      max  sum  average
//   4 6 | 5 2        top-left  1 3 4 6     6    14   3.5
//   ----+----        top-right 2 1 5 2     5    10   2.5
//   3 1 | 1 0        bot-left  3 1 1 2     3     7   1.75
//   1 2 | 2 4        bot-right 1 0 2 4     4     7   1.75
namespace {
const grid pool_image = {1, 3, 2, 1,  //
                         4, 6, 5, 2,  //
                         3, 1, 1, 0,  //
                         1, 2, 2, 4};
}  // namespace

BOOST_AUTO_TEST_CASE(max_and_average_pooling_4x4) {
  const grid max_expected = {6, 5,  //
                             3, 4};
  const grid avg_expected = {3.5f, 2.5f,  //
                             1.75f, 1.75f};
  BOOST_TEST(run<max_4x4>(pool_image) == max_expected, boost::test_tools::per_element());
  BOOST_TEST(run<avg_4x4>(pool_image) == avg_expected, boost::test_tools::per_element());
}

// Mixed pooling, s = lambda * max + (1 - lambda) * average:
//   lambda = 1/2: 0.5*6 + 0.5*3.5 = 4.75,  0.5*5 + 0.5*2.5 = 3.75,  0.5*3 + 0.5*1.75 = 2.375,  0.5*4 + 0.5*1.75 = 2.875
//   lambda = 1/4: 0.25*6 + 0.75*3.5 = 4.125, 0.25*5 + 0.75*2.5 = 3.125, 0.25*3 + 0.75*1.75 = 2.0625,
//                 0.25*4 + 0.75*1.75 = 2.3125
//   lambda = 1 is max pooling, lambda = 0 is average pooling (the seed's two limits).
BOOST_AUTO_TEST_CASE(mixed_pooling_lambda) {
  const grid half = {4.75f, 3.75f,  //
                     2.375f, 2.875f};
  const grid quarter = {4.125f, 3.125f,  //
                        2.0625f, 2.3125f};
  BOOST_TEST(run<mixed_half>(pool_image) == half, boost::test_tools::per_element());
  BOOST_TEST(run<mixed_quarter>(pool_image) == quarter, boost::test_tools::per_element());
  BOOST_TEST(run<mixed_one>(pool_image) == run<max_4x4>(pool_image), boost::test_tools::per_element());
  BOOST_TEST(run<mixed_zero>(pool_image) == run<avg_4x4>(pool_image), boost::test_tools::per_element());
}

// 'same' average pooling of
//   1 2 3
//   4 5 6
//   7 8 9
// with 2x2 windows, stride 2; the padding row and column are at the bottom/right, so the windows are
//   (0,0): 1 2 4 5 (all inside)   (0,1): 3 6 + 2 padding   (1,0): 7 8 + 2 padding   (1,1): 9 + 3 padding
// Keras (mean over the cells inside the image): 12/4 = 3, 9/2 = 4.5, 15/2 = 7.5, 9/1 = 9.
// count_padding (PyTorch's count_include_pad=True, divide by 4): 3, 9/4 = 2.25, 15/4 = 3.75, 9/4 = 2.25.
// Max pooling: padded cells never win, even over negative values: -1, -3, -7, -9 for the negated map.
BOOST_AUTO_TEST_CASE(average_pooling_same_padding) {
  const grid image = {1, 2, 3,  //
                      4, 5, 6,  //
                      7, 8, 9};
  const grid keras = {3, 4.5f,  //
                      7.5f, 9};
  const grid counted = {3, 2.25f,  //
                        3.75f, 2.25f};
  BOOST_TEST(run<avg_same_keras>(image) == keras, boost::test_tools::per_element());
  BOOST_TEST(run<avg_same_counted>(image) == counted, boost::test_tools::per_element());

  grid negated = image;
  for (float& v : negated) v = -v;
  const grid max_expected = {-1, -3,  //
                             -7, -9};
  BOOST_TEST(run<max_same>(negated) == max_expected, boost::test_tools::per_element());
}

// Convolution over volume: a 6x6x3 image, R(y,x) = x^2, G(y,x) = y^2, B(y,x) = (y+1)(x+1), and one 3x3x3
// filter: R channel the vertical edge [1 0 -1] in every row, G channel the horizontal edge (rows 1, 0, -1),
// B channel a 1 at the centre only. One output channel, 4x4:
//   out(oy,ox) = 3(ox^2 - (ox+2)^2) + 3(oy^2 - (oy+2)^2) + (oy+2)(ox+2)
//              = -12ox - 12 - 12oy - 12 + (oy+2)(ox+2)
//   (0,0): R rows (0 - 4) * 3 = -12; G: top row 0+0+0 minus bottom row 4+4+4 = -12; B(1,1) = 4  ->  -20.
namespace {
grid rgb_image() {
  grid image(6 * 6 * 3);
  for (std::size_t y = 0; y < 6; ++y)
    for (std::size_t x = 0; x < 6; ++x) {
      float* pixel = image.data() + (y * 6 + x) * 3;  // NHWC
      pixel[0] = static_cast<float>(x * x);
      pixel[1] = static_cast<float>(y * y);
      pixel[2] = static_cast<float>((y + 1) * (x + 1));
    }
  return image;
}
}  // namespace

BOOST_AUTO_TEST_CASE(convolution_over_volume) {
  grid kernel(3 * 3 * 3 * 1, 0.0f);  // HWIO: index ((ky * 3 + kx) * 3 + ic) * 1 + 0
  for (std::size_t ky = 0; ky < 3; ++ky)
    for (std::size_t kx = 0; kx < 3; ++kx) {
      float* w = kernel.data() + (ky * 3 + kx) * 3;
      w[0] = kx == 0 ? 1.0f : kx == 2 ? -1.0f : 0.0f;
      w[1] = ky == 0 ? 1.0f : ky == 2 ? -1.0f : 0.0f;
      w[2] = ky == 1 && kx == 1 ? 1.0f : 0.0f;
    }
  const grid out = run_conv<volume_net>(rgb_image(), kernel);
  BOOST_REQUIRE(out.size() == 4u * 4u * 1u);
  BOOST_TEST(out[0] == -20.0f);
  grid expected(16);
  for (int oy = 0; oy < 4; ++oy)
    for (int ox = 0; ox < 4; ++ox)
      expected[static_cast<std::size_t>(oy * 4 + ox)] =
          static_cast<float>(-12 * ox - 12 - 12 * oy - 12 + (oy + 2) * (ox + 2));
  BOOST_TEST(out.back() == -71.0f);  // (3,3): -36 - 12 - 36 - 12 + 25
  BOOST_TEST(out == expected, boost::test_tools::per_element());
}

// "A Convolution Layer": the same 6x6x3 image, two 4x4x3 kernels, bias, then ReLU: 3x3x2.
//   kernel 0: ones on the R channel, bias -50: relu(4 * S(ox) - 50), S(k) = k^2 + (k+1)^2 + (k+2)^2 + (k+3)^2
//   kernel 1: -1 on the G channel, bias 60:   relu(60 - 4 * S(oy))
// S(0) = 0+1+4+9 = 14, S(1) = 1+4+9+16 = 30, S(2) = 4+9+16+25 = 54, so
//   channel 0 by column: 56-50 = 6, 120-50 = 70, 216-50 = 166
//   channel 1 by row:    60-56 = 4, 60-120 -> 0, 60-216 -> 0      (ReLU at work)
// Output (0,0) is (6, 4); NHWC puts the two channels of a pixel next to each other.
BOOST_AUTO_TEST_CASE(convolution_layer_two_kernels_relu) {
  grid kernel(4 * 4 * 3 * 2, 0.0f);  // HWIO: index ((ky * 4 + kx) * 3 + ic) * 2 + oc
  for (std::size_t cell = 0; cell < 16; ++cell) {
    kernel[(cell * 3 + 0) * 2 + 0] = 1.0f;   // R -> filter 0
    kernel[(cell * 3 + 1) * 2 + 1] = -1.0f;  // G -> filter 1
  }
  const grid out = run_conv<conv_layer_net>(rgb_image(), kernel, {-50, 60});
  BOOST_REQUIRE(out.size() == 3u * 3u * 2u);
  BOOST_TEST(out[0] == 6.0f);
  BOOST_TEST(out[1] == 4.0f);
  const grid expected = {6, 4, 70, 4, 166, 4,  //
                         6, 0, 70, 0, 166, 0,  //
                         6, 0, 70, 0, 166, 0};
  BOOST_TEST(out == expected, boost::test_tools::per_element());
}

// Why convolutions: six 5x5 filters on 32x32x3 give 28x28x6 with (5*5*3 + 1) * 6 = 456 parameters; the
// seed's 156 = 6 * (5*5 + 1) is the single-channel count (32x32x1). With ones everywhere each output is
// 5*5*C + 1.
BOOST_AUTO_TEST_CASE(why_convolutions_parameter_counts) {
  model<six_filters_rgb> rgb;
  static_assert(model<six_filters_rgb>::weight_floats == 456);
  BOOST_TEST(conv_weights(rgb, "kernel").size() == 5u * 5u * 3u * 6u);
  BOOST_TEST(conv_weights(rgb, "bias").size() == 6u);
  std::ranges::fill(rgb.weights(), 1.0f);
  rgb.pack_weights();
  const grid rgb_image_ones(32 * 32 * 3, 1.0f);
  const auto rgb_out = rgb.forward(std::span<const float>(rgb_image_ones));
  BOOST_TEST(rgb_out.size() == 28u * 28u * 6u);
  BOOST_TEST(std::ranges::all_of(rgb_out, [](float v) { return v == 76.0f; }));

  model<six_filters_gray> gray;
  static_assert(model<six_filters_gray>::weight_floats == 156);
  BOOST_TEST(gray.weights().size() == 156u);
  BOOST_TEST(conv_weights(gray, "kernel").size() == 5u * 5u * 1u * 6u);
  std::ranges::fill(gray.weights(), 1.0f);
  gray.pack_weights();
  const grid gray_image(32 * 32, 1.0f);
  const auto gray_out = gray.forward(std::span<const float>(gray_image));
  BOOST_TEST(gray_out.size() == 28u * 28u * 6u);
  BOOST_TEST(std::ranges::all_of(gray_out, [](float v) { return v == 26.0f; }));
}

BOOST_AUTO_TEST_SUITE_END()
