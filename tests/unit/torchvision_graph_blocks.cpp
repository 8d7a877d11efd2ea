// Graph networks against PyTorch: torchvision's own ResNet, MobileNetV2 and Inception building blocks
// (at reduced width, with seeded weights and batch-norm statistics; tools/make_graph_blocks_fixture.py
// writes tests/data/graph_blocks/) declared here as constnet graphs under the names the script's
// converter (tools/torchvision_to_constnet.py, shared with the full-network check) gives them. Each
// network runs with the reference kernels and with the default ones (batch norms folded into the
// convolutions, vector kernels) on 1 and 2 threads; every block's output and the logits must match
// PyTorch's.
//
// Tolerance: |constnet - PyTorch| <= 2e-5 * max(1, max |PyTorch|) per tensor. Both sides sum float32
// products in different orders (PyTorch's own convolution kernels; constnet's reference loops, or its
// direct kernels with the batch norm folded into the weights), each rounding a dot product of K terms
// within about K u (u = 2^-24 = 6e-8) of the sum of its terms' magnitudes, and that error travels
// through the following layers. The longest dot products here are InceptionA's 5x5 over 6 channels (150
// terms) and MobileNetV2's 1x1 over 60; batch-norm scales up to 6 / sqrt(0.5) (before the ReLU6s)
// amplify what comes before them; 6 to 9 layers deep, values reach 16 in magnitude. A worst case of
// 150 u times a few such scales is of order 1e-5; observed (printed per tensor and policy): at most
// 8.5e-7 (mobilenet's block_2_add in the release build, 7.3e-7 at -O1), 2.5e-7 for resnet, 3.2e-7 for
// inception. Every mistake tried below (a weight in the wrong place, TensorFlow's 'same' padding, Keras'
// average pool, Keras' ResNet v1 block) moves some tensor by at least 0.11 relative, over 100 times the
// tolerance (the test asks for that), and the zoo's resnet50_v1_5 with 'same' on its stride-2
// convolutions, as it was, missed by 0.38.
//
// torchvision's ResNet batch norms use epsilon 1e-5, the zoo's ResNet blocks (reused here, so the test
// pins the zoo's v1.5 declaration) Keras' 1.001e-5: with moving variances of at least 0.5 that changes
// 1/sqrt(var + eps) by at most 1e-8 relative, below float32's resolution.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "constnet/constnet.hpp"
#include "constnet/io/load_weights.hpp"
#include "constnet/models/resnet.hpp"
#include "constnet/network/layer_run.hpp"

using namespace constnet;

namespace {

constexpr std::size_t images = 2;
constexpr std::size_t classes = 10;
constexpr double relative_tolerance = 2e-5;
// A deliberate mistake must move some tensor by this many tolerances: far from rounding.
constexpr double caught_factor = 100;

template <class Features>
using with_logits = graph_of<Features, global_avg_pool<named<"avg_pool">>, dense<classes, named<"predictions">>>;

// --- ResNet: two of torchvision's Bottleneck blocks (v1.5) as the zoo declares them -------------------

/// The zoo's block1: V1_5 puts the stride on the 3x3 convolution (torchvision), otherwise on the first
/// 1x1 (Keras' ResNet50).
template <bool V1_5>
using resnet_stage = with_logits<graph_of<
    input<16, 12, 8, named<"input_1">>,
    typename models::resnet_detail::block1<"conv2_block1", "input_1", 4, 2, true, V1_5>::type,
    typename models::resnet_detail::block1<"conv2_block2", "conv2_block1_out", 4, 1, false, V1_5>::type>>;
using resnet_torchvision = resnet_stage<true>;

static_assert(resnet_torchvision::layer_named<"conv2_block1_out">.output == feature_maps(8, 6, 16));

// --- MobileNetV2: three of torchvision's InvertedResidual blocks under Keras' names ------------------

template <fixed_string Name>
using bn_1e5 = batch_norm<epsilon<1, 100000>, named<Name>>;  // torchvision's BatchNorm2d default

/// Stride2Padding: the stride-2 depthwise convolution's padding, pad<1> as torchvision's
/// Conv2dNormActivation (padding (k - 1) / 2 on every side), or pad<0, 1, 0, 1> as Keras' ZeroPadding2D
/// before it at even sizes (TensorFlow's 'same').
template <class Stride2Padding>
using mobilenet_blocks = with_logits<graph_of<
    input<16, 14, 8, named<"input_1">>,
    // expand ratio 1, 8 -> 6 channels: no expansion, no shortcut
    depthwise_conv2d<kernel<3>, pad<1>, no_bias, named<"expanded_conv_depthwise">>,
    bn_1e5<"expanded_conv_depthwise_BN">, relu6<named<"expanded_conv_depthwise_relu">>,
    conv2d<6, kernel<1>, no_bias, named<"expanded_conv_project">>, bn_1e5<"expanded_conv_project_BN">,
    // expand ratio 6, stride 2, 6 -> 10 channels
    conv2d<36, kernel<1>, no_bias, named<"block_1_expand">>, bn_1e5<"block_1_expand_BN">,
    relu6<named<"block_1_expand_relu">>,
    depthwise_conv2d<kernel<3>, strides<2>, Stride2Padding, no_bias, named<"block_1_depthwise">>,
    bn_1e5<"block_1_depthwise_BN">, relu6<named<"block_1_depthwise_relu">>,
    conv2d<10, kernel<1>, no_bias, named<"block_1_project">>, bn_1e5<"block_1_project_BN">,
    // expand ratio 6, 10 -> 10 channels with the residual add
    conv2d<60, kernel<1>, no_bias, named<"block_2_expand">>, bn_1e5<"block_2_expand_BN">,
    relu6<named<"block_2_expand_relu">>,
    depthwise_conv2d<kernel<3>, pad<1>, no_bias, named<"block_2_depthwise">>, bn_1e5<"block_2_depthwise_BN">,
    relu6<named<"block_2_depthwise_relu">>,
    conv2d<10, kernel<1>, no_bias, named<"block_2_project">>, bn_1e5<"block_2_project_BN">,
    add<named<"block_2_add">, from<"block_1_project_BN", "block_2_project_BN">>>>;
using mobilenet_torchvision = mobilenet_blocks<pad<1>>;

static_assert(mobilenet_torchvision::layer_named<"block_1_project_BN">.output == feature_maps(8, 7, 10));

// --- Inception: torchvision's InceptionA, C and E with narrowed BasicConv2d --------------------------

/// torchvision's BasicConv2d: convolution without bias, batch norm with gamma and epsilon 1e-3 (the
/// default here), ReLU; unnamed, so the k-th is conv2d_k, batch_normalization_k, activation_k, the
/// order the converter numbers torchvision's BasicConv2d modules in.
template <std::size_t Filters, std::size_t KH, std::size_t KW, class... Options>
using basic_conv = layer_run<conv2d<Filters, kernel<KH, KW>, no_bias, Options...>, batch_norm<>,
                             activation_layer<act::relu>>;
template <std::size_t K>
inline constexpr auto out = keras_default_name<"activation", K>();

/// F.avg_pool2d(x, 3, stride 1, padding 1) counts the padded cells (count_include_pad); Keras' 'same'
/// average pool does not (PoolPadding = nothing).
template <fixed_string In, class... PoolPadding>
using branch_pool = avg_pool<pool_size<3>, strides<1>, pad<1>, PoolPadding..., from<In>>;

/// InceptionA / 8: 1x1 8 | 1x1 6, 5x5 8 | 1x1 8, 3x3 12, 3x3 12 | pool, 1x1 4; convolutions K to K + 6.
template <std::size_t K, fixed_string In, class... PoolPadding>
using inception_a = layer_run<
    basic_conv<8, 1, 1, from<In>>,
    basic_conv<6, 1, 1, from<In>>, basic_conv<8, 5, 5, pad<2>>,
    basic_conv<8, 1, 1, from<In>>, basic_conv<12, 3, 3, pad<1>>, basic_conv<12, 3, 3, pad<1>>,
    branch_pool<In, PoolPadding...>, basic_conv<4, 1, 1>,
    concatenate<named<"mixed_a">, from<out<K>, out<K + 2>, out<K + 5>, out<K + 6>>>>;

/// InceptionC / 32 (channels_7x7 128 -> 4): 1x1 6 | 1x1, 1x7, 7x1 | 1x1, 7x1, 1x7, 7x1, 1x7 | pool, 1x1 6.
template <std::size_t K, fixed_string In, class... PoolPadding>
using inception_c = layer_run<
    basic_conv<6, 1, 1, from<In>>,
    basic_conv<4, 1, 1, from<In>>, basic_conv<4, 1, 7, pad<0, 3>>, basic_conv<6, 7, 1, pad<3, 0>>,
    basic_conv<4, 1, 1, from<In>>, basic_conv<4, 7, 1, pad<3, 0>>, basic_conv<4, 1, 7, pad<0, 3>>,
    basic_conv<4, 7, 1, pad<3, 0>>, basic_conv<6, 1, 7, pad<0, 3>>,
    branch_pool<In, PoolPadding...>, basic_conv<6, 1, 1>,
    concatenate<named<"mixed_c">, from<out<K>, out<K + 3>, out<K + 8>, out<K + 9>>>>;

/// InceptionE / 64: 1x1 5 | 1x1 6, (1x3 6, 3x1 6) | 1x1 7, 3x3 6, (1x3 6, 3x1 6) | pool, 1x1 3: the
/// parenthesized pairs read the same input and are concatenated first, as torchvision's torch.cat.
template <std::size_t K, fixed_string In, class... PoolPadding>
using inception_e = layer_run<
    basic_conv<5, 1, 1, from<In>>,
    basic_conv<6, 1, 1, from<In>>, basic_conv<6, 1, 3, pad<0, 1>>, basic_conv<6, 3, 1, pad<1, 0>, from<out<K + 1>>>,
    concatenate<named<"mixed_e_3x3">, from<out<K + 2>, out<K + 3>>>,
    basic_conv<7, 1, 1, from<In>>, basic_conv<6, 3, 3, pad<1>>, basic_conv<6, 1, 3, pad<0, 1>>,
    basic_conv<6, 3, 1, pad<1, 0>, from<out<K + 5>>>,
    concatenate<named<"mixed_e_3x3dbl">, from<out<K + 6>, out<K + 7>>>,
    branch_pool<In, PoolPadding...>, basic_conv<3, 1, 1>,
    concatenate<named<"mixed_e">, from<out<K>, "mixed_e_3x3", "mixed_e_3x3dbl", out<K + 8>>>>;

template <class... PoolPadding>
using inception_blocks = with_logits<graph_of<
    input<7, 9, 16, named<"input_1">>,
    inception_a<0, "input_1", PoolPadding...>,
    inception_c<7, "mixed_a", PoolPadding...>,
    inception_e<17, "mixed_c", PoolPadding...>>>;
using inception_torchvision = inception_blocks<count_padding>;

static_assert(inception_torchvision::layer_named<"mixed_c">.output == feature_maps(7, 9, 24));
static_assert(inception_torchvision::layer_named<"mixed_e">.output == feature_maps(7, 9, 32));
static_assert(inception_torchvision::layer_named<"conv2d_25">.output == feature_maps(7, 9, 3));  // 26 BasicConv2d

// --- the comparison ----------------------------------------------------------------------------------

const std::filesystem::path fixture_dir = std::filesystem::path(CONSTNET_TEST_DATA_DIR) / "graph_blocks";

std::vector<float> tensor_floats(const io::tensor_set& set, const std::string& name) {
  const io::tensor_entry* e = set.find(name);
  BOOST_TEST_REQUIRE(e != nullptr, "the fixture has no tensor " << name);
  std::vector<float> v(e->elements());
  io::convert_to_f32(*e, v);
  return v;
}

/// max |got - want| / max(1, max |want|).
double relative_error(std::span<const float> got, const std::vector<float>& want) {
  BOOST_TEST_REQUIRE(got.size() == want.size());
  double scale = 1, worst = 0;
  for (float v : want) scale = std::max(scale, static_cast<double>(std::abs(v)));
  for (std::size_t i = 0; i < want.size(); ++i)
    worst = std::max(worst, std::abs(static_cast<double>(got[i]) - want[i]));
  return worst / scale;
}

/// One fixture network: its files, the blocks' output layers (the model's taps) and the model types.
template <class Network, fixed_string... Blocks>
struct fixture {
  template <class... Options>
  using model_type = model<Network, batch<images>, taps<Blocks...>, Options...>;
  static constexpr std::array<std::string_view, sizeof...(Blocks)> blocks{Blocks.view()...};

  std::string stem;
  io::tensor_set golden = io::read_safetensors(fixture_dir / (stem + "_outputs.safetensors"));
  std::vector<float> input = tensor_floats(golden, "images");

  template <class... Options>
  std::unique_ptr<model_type<Options...>> loaded() const {
    auto m = std::make_unique<model_type<Options...>>();
    io::load_weights(*m, fixture_dir / (stem + "_weights.safetensors"), io::convention::pytorch,
                     {.reject_non_finite = true});
    return m;
  }

  /// Runs m on the fixture's images; returns the largest relative error over the blocks and the logits,
  /// each printed.
  template <class Model>
  double worst_error(Model& m, std::string_view label) const {
    BOOST_TEST_REQUIRE(input.size() == Model::input_elements);
    const auto logits = m.forward(std::span<const float, Model::input_elements>(input));
    double worst = relative_error(logits, tensor_floats(golden, "logits"));
    BOOST_TEST_MESSAGE(stem << ", " << label << ": logits " << worst);
    for (std::size_t b = 0; b < blocks.size(); ++b) {
      const double e = relative_error(m.output(m.index_of(blocks[b])), tensor_floats(golden, std::string(blocks[b])));
      BOOST_TEST_MESSAGE(stem << ", " << label << ": " << blocks[b] << " " << e);
      worst = std::max(worst, e);
    }
    return worst;
  }

  /// The reference kernels, the default ones on 1 thread and on 2 (bit for bit the same as on 1) all give
  /// PyTorch's outputs.
  void matches_pytorch() const {
    auto reference = loaded<kernels::reference_only>();
    BOOST_TEST(worst_error(*reference, "reference kernels") <= relative_tolerance);
    auto fast = loaded<>();
    BOOST_TEST(worst_error(*fast, "default kernels") <= relative_tolerance);
    auto fast2 = loaded<threads<2>>();
    BOOST_TEST(worst_error(*fast2, "default kernels, 2 threads") <= relative_tolerance);
    BOOST_TEST((std::ranges::equal(fast->output(Network::size - 1), fast2->output(Network::size - 1))));
    for (std::string_view block : blocks)
      BOOST_TEST((std::ranges::equal(fast->output(fast->index_of(block)), fast2->output(fast2->index_of(block)))), block);
  }
};

fixture<resnet_torchvision, "conv2_block1_out", "conv2_block2_out"> resnet_fixture() { return {"resnet"}; }
fixture<mobilenet_torchvision, "expanded_conv_project_BN", "block_1_project_BN", "block_2_add"> mobilenet_fixture() {
  return {"mobilenet"};
}
fixture<inception_torchvision, "mixed_a", "mixed_c", "mixed_e"> inception_fixture() { return {"inception"}; }

/// Swaps input channels 0 and 1 of an HWIO kernel (every tap and output channel): the slip of a
/// converter that reads OIHW as OHWI or forgets a transpose.
void swap_input_channels(std::span<float> kernel, std::size_t cin, std::size_t cout) {
  for (std::size_t tap = 0; tap < kernel.size() / (cin * cout); ++tap)
    for (std::size_t o = 0; o < cout; ++o) std::swap(kernel[(tap * cin + 0) * cout + o], kernel[(tap * cin + 1) * cout + o]);
}

/// Reverses the taps of an HWIO kernel: a convolution where a correlation was meant (or a flipped
/// 1x7 / 7x1 kernel).
void reverse_taps(std::span<float> kernel, std::size_t taps) {
  const std::size_t per_tap = kernel.size() / taps;
  for (std::size_t t = 0; t < taps / 2; ++t)
    std::swap_ranges(kernel.begin() + static_cast<std::ptrdiff_t>(t * per_tap),
                     kernel.begin() + static_cast<std::ptrdiff_t>((t + 1) * per_tap),
                     kernel.begin() + static_cast<std::ptrdiff_t>((taps - 1 - t) * per_tap));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(torchvision_graph_blocks)

BOOST_AUTO_TEST_CASE(resnet_bottlenecks_match_pytorch) { resnet_fixture().matches_pytorch(); }
BOOST_AUTO_TEST_CASE(mobilenet_inverted_residuals_match_pytorch) { mobilenet_fixture().matches_pytorch(); }
BOOST_AUTO_TEST_CASE(inception_blocks_match_pytorch) { inception_fixture().matches_pytorch(); }

// The tolerance is not vacuous: a weight in the wrong place fails it by far, in each network.
BOOST_AUTO_TEST_CASE(a_misplaced_weight_is_caught) {
  const auto resnet = resnet_fixture();
  auto r = resnet.loaded<kernels::reference_only>();
  swap_input_channels(r->weight("conv2_block1_2_conv", "kernel"), 4, 4);
  r->pack_weights();
  BOOST_TEST(resnet.worst_error(*r, "input channels 0 and 1 of conv2_block1_2_conv swapped") >
             caught_factor * relative_tolerance);

  const auto mobilenet = mobilenet_fixture();
  auto m = mobilenet.loaded<kernels::reference_only>();
  reverse_taps(m->weight("block_1_depthwise", "depthwise_kernel"), 9);
  m->pack_weights();
  BOOST_TEST(mobilenet.worst_error(*m, "block_1_depthwise's taps reversed") > caught_factor * relative_tolerance);

  const auto inception = inception_fixture();
  auto i = inception.loaded<kernels::reference_only>();
  reverse_taps(i->weight("conv2d_9", "kernel"), 7);  // InceptionC's first 1x7
  i->pack_weights();
  BOOST_TEST(inception.worst_error(*i, "conv2d_9's 1x7 taps reversed") > caught_factor * relative_tolerance);
}

// The fixture tells the conventions where Keras' networks differ from torchvision's apart, so passing
// above means the torchvision variant was declared, not merely something close to it.
BOOST_AUTO_TEST_CASE(keras_conventions_are_caught) {
  // TensorFlow's 'same' on the stride-2 depthwise convolution (pad bottom/right only at even sizes).
  fixture<mobilenet_blocks<pad<0, 1, 0, 1>>, "block_1_project_BN"> keras_padding{"mobilenet"};
  auto m = keras_padding.loaded<kernels::reference_only>();
  BOOST_TEST(keras_padding.worst_error(*m, "TensorFlow's 'same' padding") > caught_factor * relative_tolerance);

  // Keras' average pool excludes the padded cells from the count.
  fixture<inception_blocks<>, "mixed_a"> keras_pool{"inception"};
  auto i = keras_pool.loaded<kernels::reference_only>();
  BOOST_TEST(keras_pool.worst_error(*i, "Keras' average pool") > caught_factor * relative_tolerance);

  // Keras' ResNet50 (v1): the stride on the first 1x1 convolution. Same weights, another network.
  fixture<resnet_stage<false>, "conv2_block1_out"> keras_v1{"resnet"};
  auto r = keras_v1.loaded<kernels::reference_only>();
  BOOST_TEST(keras_v1.worst_error(*r, "Keras' v1 blocks") > caught_factor * relative_tolerance);
}

BOOST_AUTO_TEST_SUITE_END()
