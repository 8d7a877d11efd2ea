// PyTorch's own outputs for the layers that PyTorch and ONNX models bring (MobileNetV2, ResNet,
// GoogLeNet): the fixture tests/data/pytorch_layers/layers.safetensors, made by
// tools/make_pool_padding_fixture.py with Debian's python3-torch, holds seeded random inputs (batch 2,
// 10x11x3, NHWC) and what torch.nn's MaxPool2d (dilation, ceil_mode, padding), AvgPool2d (ceil_mode,
// padding, count_include_pad), ZeroPad2d and ReLU6 give for them. Each case runs as a one-layer network,
// once with kernels::reference_only and once with every kernel of kernels::all_kernels for its kind
// forced on the layer (for pooling the xsimd, Highway and scalar vector kernels as well as the
// reference), and must give PyTorch's output shape and values.
//
// Tolerances: max pooling, zero padding and relu6 do no arithmetic (they select, copy or clamp), so they
// must match exactly. An average of m <= 9 cells is a float sum and a division on either side, summed
// in an order that may differ: each side is within (m + 1) u sum|cells| / divisor + u |average| of the
// exact mean, u = 2^-24, and sum|cells| / divisor <= max|input| (the divisor counts at least the cells
// summed), so |constnet - PyTorch| <= 2 (m + 2) u max|input|, about 1.3e-6 max|input|. A wrong divisor
// (counting a cell past the padding, or the padding when it should not) changes a value by at least
// |average| / 9, far above that.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "constnet/constnet.hpp"
#include "constnet/io/safetensors.hpp"
#include "constnet/kernels/registry.hpp"

using namespace constnet;

namespace {

const std::filesystem::path fixture = std::filesystem::path(CONSTNET_TEST_DATA_DIR) / "pytorch_layers" / "layers.safetensors";
constexpr std::size_t images = 2;
constexpr double unit_roundoff = 0x1.0p-24;

std::vector<float> tensor_floats(const io::tensor_set& set, const std::string& name, std::vector<std::size_t>& shape) {
  const io::tensor_entry* e = set.find(name);
  BOOST_TEST_REQUIRE(e != nullptr, "layers.safetensors has no tensor " << name);
  shape = e->shape;
  std::vector<float> v(e->elements());
  io::convert_to_f32(*e, v);
  return v;
}

/// max |got - want|; infinite for a NaN.
double max_error(std::span<const float> got, const std::vector<float>& want) {
  double worst = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    const double e = std::abs(static_cast<double>(got[i]) - want[i]);
    worst = std::isnan(e) ? INFINITY : std::max(worst, e);
  }
  return worst;
}

template <class Model>
std::vector<float> run(const std::vector<float>& input) {
  auto m = std::make_unique<Model>();
  const auto out = m->forward(std::span<const float>(input));
  return {out.begin(), out.end()};
}

/// Case `name` of the fixture through sequential<input<10, 11, 3>, Layer> (Layer named "layer"): the
/// reference, then every kernel of its kind forced on the layer. exact: no arithmetic, no tolerance;
/// else averages of at most 9 cells (see the top of the file).
template <class Layer>
void check_case(const io::tensor_set& golden, const std::string& name, bool exact) {
  using net = sequential<input<10, 11, 3>, Layer>;
  using geometry = std::remove_cvref_t<decltype(Layer::geometry(net::input_shape))>;
  std::vector<std::size_t> in_shape, out_shape;
  const std::vector<float> x = tensor_floats(golden, name + ".input", in_shape);
  const std::vector<float> want = tensor_floats(golden, name + ".output", out_shape);
  BOOST_TEST_CONTEXT(name) {
    BOOST_TEST_REQUIRE((in_shape == std::vector<std::size_t>{images, 10, 11, 3}));
    // PyTorch's output size, from its own formula, against the compile-time shape.
    const shape s = net::output_shape;
    BOOST_TEST((out_shape == std::vector<std::size_t>{images, s.h, s.w, s.c}));
    if (out_shape != std::vector<std::size_t>{images, s.h, s.w, s.c}) return;
    double largest_input = 0;
    for (float v : x) largest_input = std::max(largest_input, static_cast<double>(std::abs(v)));
    const double tolerance = exact ? 0.0 : 2 * (9 + 2) * unit_roundoff * largest_input;

    const double reference_error = max_error(run<model<net, batch<images>, kernels::reference_only>>(x), want);
    BOOST_TEST(reference_error <= tolerance, "reference: max |constnet - PyTorch| = " << reference_error
                                                                                      << ", allowed " << tolerance);
    // Every kernel of the kind must take these shapes: a vector kernel may decline a shape (the
    // registry then runs the next), but none of these pool kernels does.
    std::size_t kernels_run = 0, kernels_listed = 0;
    [&]<class... K>(kernels::kernel_list<K...>) {
      kernels_listed = sizeof...(K);
      (
          [&] {
            if constexpr (K::supports(Layer::geometry(net::input_shape))) {
              const double e = max_error(run<model<net, batch<images>, force_kernel<"layer", K>>>(x), want);
              BOOST_TEST(e <= tolerance, K::name << ": max |constnet - PyTorch| = " << e << ", allowed " << tolerance);
              ++kernels_run;
            }
          }(),
          ...);
    }(typename kernels::all_kernels<geometry>::type{});
    BOOST_TEST(kernels_run == kernels_listed);
    BOOST_TEST_MESSAGE(name << ": " << out_shape[1] << "x" << out_shape[2] << "x" << out_shape[3] << ", reference_only and "
                            << kernels_run << " kernels forced, max error " << reference_error);
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pytorch_layers)

BOOST_AUTO_TEST_CASE(max_pooling_matches_pytorch_exactly) {
  const io::tensor_set golden = io::read_safetensors(fixture);
  check_case<max_pool<pool_size<3>, strides<2>, pad<1>, dilation<2>, named<"layer">>>(golden, "max_dilated", true);
  check_case<max_pool<pool_size<3>, strides<2>, ceil_mode, named<"layer">>>(golden, "max_ceil", true);
  check_case<max_pool<pool_size<3>, strides<2>, pad<1>, ceil_mode, named<"layer">>>(golden, "max_ceil_padded", true);
  check_case<max_pool<pool_size<2>, strides<2>, dilation<2>, ceil_mode, named<"layer">>>(golden, "max_ceil_dilated", true);
}

BOOST_AUTO_TEST_CASE(average_pooling_matches_pytorch) {
  const io::tensor_set golden = io::read_safetensors(fixture);
  check_case<avg_pool<pool_size<3>, strides<2>, ceil_mode, named<"layer">>>(golden, "avg_ceil", false);
  check_case<avg_pool<pool_size<3>, strides<2>, pad<1>, ceil_mode, count_padding, named<"layer">>>(
      golden, "avg_ceil_padded_count", false);
  check_case<avg_pool<pool_size<3>, strides<2>, pad<1>, ceil_mode, named<"layer">>>(golden, "avg_ceil_padded", false);
  check_case<avg_pool<pool_size<3>, strides<2>, pad<1>, count_padding, named<"layer">>>(golden, "avg_padded_count", false);
}

BOOST_AUTO_TEST_CASE(zero_padding_and_relu6_match_pytorch_exactly) {
  const io::tensor_set golden = io::read_safetensors(fixture);
  check_case<zero_padding2d<pad<1, 3, 2, 0>, named<"layer">>>(golden, "zero_padding", true);
  check_case<relu6<named<"layer">>>(golden, "relu6", true);
  // The relu6 case tests the clamp only if PyTorch's outputs reach both ends.
  std::vector<std::size_t> shape;
  const std::vector<float> y = tensor_floats(golden, "relu6.output", shape);
  BOOST_TEST(std::count(y.begin(), y.end(), 6.0f) > 20);
  BOOST_TEST(std::count(y.begin(), y.end(), 0.0f) > 20);
}

BOOST_AUTO_TEST_SUITE_END()
