// constnet's side of tools/check_torchvision_graphs.py: runs one of torchvision's whole graph networks,
// declared with constnet's (Keras') layer names and torchvision's arithmetic, on an image from a
// safetensors file and writes its probabilities and a few block outputs for the script to compare with
// PyTorch's. A maintainer tool, not run in CI: the three networks, each with the default and the
// reference kernels, took 2 min 17 s of CPU (3 min 40 s on the shared machine) to compile at -O2.
//
//   cmake --build --preset release --target constnet_check_graph_networks
//   build/release/tools/check_graph_networks NETWORK WEIGHTS INPUT OUTPUT [--reference]
//
// NETWORK   resnet50_v1_5     models::resnet50_v1_5 from the zoo (torchvision's resnet50)
//           mobilenet_v2_tv   torchvision's mobilenet_v2, declared below
//           inception_v3_tv   torchvision's inception_v3 (aux_logits=False), declared below
// WEIGHTS   safetensors in the pytorch convention (tools/torchvision_to_constnet.py)
// INPUT     safetensors holding "images": one NHWC image of the network's size
// OUTPUT    safetensors to write: "probabilities" [1, 1000] and each tap below, NHWC
// --reference  the reference kernels instead of the default ones (slower; no batch-norm folding)
//
// Why the zoo's MobileNetV2 and InceptionV3 are not used as they are: keras.applications' MobileNetV2
// pads its stride-2 convolutions TensorFlow's way (nothing top/left, one cell bottom/right at even sizes)
// where torchvision pads one cell on every side, and uses batch-norm epsilon 1e-3 (torchvision 1e-5);
// Keras' InceptionV3 has batch norms without gamma (scale=False) and average pools that leave the padded
// cells out of the count, where torchvision's BasicConv2d has an affine BatchNorm2d and F.avg_pool2d
// counts them. The declarations below are the zoo's with those differences, under the zoo's names, so
// weights converted for them hold the same tensors as for the zoo's networks (plus gamma for Inception).

#include <array>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "constnet/constnet.hpp"
#include "constnet/io/load_weights.hpp"
#include "constnet/io/safetensors.hpp"
#include "constnet/models/resnet.hpp"
#include "constnet/network/layer_run.hpp"

using namespace constnet;

namespace {

// --- torchvision's MobileNetV2 under Keras' names ----------------------------------------------------

namespace tv_mobilenet {

template <fixed_string Name>
using bn = batch_norm<epsilon<1, 100000>, named<Name>>;  // torchvision's BatchNorm2d default

/// torchvision's InvertedResidual (expansion 6) as Keras' block Id: every depthwise convolution padded
/// one cell on each side, whatever its stride.
template <std::size_t Id, fixed_string In, std::size_t C, std::size_t F, std::size_t Stride>
struct inverted_residual {
  static constexpr auto prefix = "block_" + digits<Id>() + "_";
  static constexpr bool adds = C == F && Stride == 1;
  using type = layer_run<
      conv2d<6 * C, kernel<1>, no_bias, named<prefix + "expand">, from<In>>, bn<prefix + "expand_BN">,
      relu6<named<prefix + "expand_relu">>,
      depthwise_conv2d<kernel<3>, strides<Stride>, pad<1>, no_bias, named<prefix + "depthwise">>,
      bn<prefix + "depthwise_BN">, relu6<named<prefix + "depthwise_relu">>,
      conv2d<F, kernel<1>, no_bias, named<prefix + "project">>, bn<prefix + "project_BN">,
      std::conditional_t<adds, layer_run<add<named<prefix + "add">, from<In, prefix + "project_BN">>>, layer_run<>>>;
  static constexpr auto out = [] {
    if constexpr (adds) return prefix + "add";
    else return prefix + "project_BN";
  }();
};

/// Blocks Id to 16, each reading the one before: torchvision's (and Keras') table of channels and strides.
template <std::size_t Id, fixed_string In, std::size_t C>
struct blocks_from {
  static constexpr std::size_t filters[] = {16, 24, 24, 32, 32, 32, 64, 64, 64, 64, 96, 96, 96, 160, 160, 160, 320};
  static constexpr std::size_t strides_of[] = {1, 2, 1, 2, 1, 1, 2, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1};
  using block = inverted_residual<Id, In, C, filters[Id], strides_of[Id]>;
  using type = layer_run<typename block::type, typename blocks_from<Id + 1, block::out, filters[Id]>::type>;
};
template <fixed_string In, std::size_t C>
struct blocks_from<17, In, C> {
  using type = layer_run<>;
};

using network = graph_of<
    input<224, 224, 3, named<"input_1">>,
    conv2d<32, kernel<3>, strides<2>, pad<1>, no_bias, named<"Conv1">>, bn<"bn_Conv1">, relu6<named<"Conv1_relu">>,
    depthwise_conv2d<kernel<3>, pad<1>, no_bias, named<"expanded_conv_depthwise">>, bn<"expanded_conv_depthwise_BN">,
    relu6<named<"expanded_conv_depthwise_relu">>,
    conv2d<16, kernel<1>, no_bias, named<"expanded_conv_project">>, bn<"expanded_conv_project_BN">,
    typename blocks_from<1, "expanded_conv_project_BN", 16>::type,
    conv2d<1280, kernel<1>, no_bias, named<"Conv_1">>, bn<"Conv_1_bn">, relu6<named<"out_relu">>,
    global_avg_pool<named<"global_average_pooling2d">>, dense<1000, act::softmax, named<"predictions">>>;

// Keras' count, as the zoo's: torchvision's 3,504,872 parameters plus 2 x 17,056 moving statistics.
static_assert(network::total_params == 3'538'984);

}  // namespace tv_mobilenet

// --- torchvision's InceptionV3 under Keras' names ----------------------------------------------------

namespace tv_inception {

/// torchvision's BasicConv2d: no bias, an affine batch norm (epsilon 1e-3), ReLU; unnamed, so the k-th is
/// Keras' conv2d_k, batch_normalization_k, activation_k.
template <std::size_t Filters, std::size_t KH, std::size_t KW, class... Options>
using conv_bn = layer_run<conv2d<Filters, kernel<KH, KW>, no_bias, Options...>, batch_norm<>, activation_layer<act::relu>>;

template <std::size_t K>
inline constexpr auto out = keras_default_name<"activation", K>();

/// F.avg_pool2d(x, 3, stride 1, padding 1): the padded cells count.
template <fixed_string In>
using avg_3x3 = avg_pool<pool_size<3>, strides<1>, pad<1>, count_padding, from<In>>;

// The blocks as models/inception.hpp declares them; torchvision's Inception A to E in the same order.
template <std::size_t K, fixed_string In, std::size_t PoolFilters, fixed_string Name>
using mixed_35 = layer_run<
    conv_bn<64, 1, 1, from<In>>,
    conv_bn<48, 1, 1, from<In>>, conv_bn<64, 5, 5, pad<2>>,
    conv_bn<64, 1, 1, from<In>>, conv_bn<96, 3, 3, pad<1>>, conv_bn<96, 3, 3, pad<1>>,
    avg_3x3<In>, conv_bn<PoolFilters, 1, 1>,
    concatenate<named<Name>, from<out<K>, out<K + 2>, out<K + 5>, out<K + 6>>>>;

template <std::size_t K, fixed_string In>
using mixed_3 = layer_run<
    conv_bn<384, 3, 3, strides<2>, from<In>>,
    conv_bn<64, 1, 1, from<In>>, conv_bn<96, 3, 3, pad<1>>, conv_bn<96, 3, 3, strides<2>>,
    max_pool<pool_size<3>, strides<2>, from<In>>,
    concatenate<named<"mixed3">, from<out<K>, out<K + 3>, keras_default_name<"max_pooling2d", 2>()>>>;

template <std::size_t K, fixed_string In, std::size_t C, fixed_string Name>
using mixed_17 = layer_run<
    conv_bn<192, 1, 1, from<In>>,
    conv_bn<C, 1, 1, from<In>>, conv_bn<C, 1, 7, pad<0, 3>>, conv_bn<192, 7, 1, pad<3, 0>>,
    conv_bn<C, 1, 1, from<In>>, conv_bn<C, 7, 1, pad<3, 0>>, conv_bn<C, 1, 7, pad<0, 3>>, conv_bn<C, 7, 1, pad<3, 0>>,
    conv_bn<192, 1, 7, pad<0, 3>>,
    avg_3x3<In>, conv_bn<192, 1, 1>,
    concatenate<named<Name>, from<out<K>, out<K + 3>, out<K + 8>, out<K + 9>>>>;

template <std::size_t K, fixed_string In>
using mixed_8 = layer_run<
    conv_bn<192, 1, 1, from<In>>, conv_bn<320, 3, 3, strides<2>>,
    conv_bn<192, 1, 1, from<In>>, conv_bn<192, 1, 7, pad<0, 3>>, conv_bn<192, 7, 1, pad<3, 0>>,
    conv_bn<192, 3, 3, strides<2>>,
    max_pool<pool_size<3>, strides<2>, from<In>>,
    concatenate<named<"mixed8">, from<out<K + 1>, out<K + 5>, keras_default_name<"max_pooling2d", 3>()>>>;

template <std::size_t K, std::size_t Cat, fixed_string In, fixed_string Inner, fixed_string Name>
using mixed_8x8 = layer_run<
    conv_bn<320, 1, 1, from<In>>,
    conv_bn<384, 1, 1, from<In>>, conv_bn<384, 1, 3, pad<0, 1>, from<out<K + 1>>>,
    conv_bn<384, 3, 1, pad<1, 0>, from<out<K + 1>>>,
    concatenate<named<Inner>, from<out<K + 2>, out<K + 3>>>,
    conv_bn<448, 1, 1, from<In>>, conv_bn<384, 3, 3, pad<1>>, conv_bn<384, 1, 3, pad<0, 1>, from<out<K + 5>>>,
    conv_bn<384, 3, 1, pad<1, 0>, from<out<K + 5>>>,
    concatenate<from<out<K + 6>, out<K + 7>>>,
    avg_3x3<In>, conv_bn<192, 1, 1>,
    concatenate<named<Name>, from<out<K>, Inner, keras_default_name<"concatenate", Cat>(), out<K + 8>>>>;

using network = graph_of<
    input<299, 299, 3, named<"input_1">>,
    conv_bn<32, 3, 3, strides<2>>, conv_bn<32, 3, 3>, conv_bn<64, 3, 3, pad<1>>,
    max_pool<pool_size<3>, strides<2>>,
    conv_bn<80, 1, 1>, conv_bn<192, 3, 3>,
    max_pool<pool_size<3>, strides<2>>,
    mixed_35<5, "max_pooling2d_1", 32, "mixed0">,
    mixed_35<12, "mixed0", 64, "mixed1">,
    mixed_35<19, "mixed1", 64, "mixed2">,
    mixed_3<26, "mixed2">,
    mixed_17<30, "mixed3", 128, "mixed4">,
    mixed_17<40, "mixed4", 160, "mixed5">,
    mixed_17<50, "mixed5", 160, "mixed6">,
    mixed_17<60, "mixed6", 192, "mixed7">,
    mixed_8<70, "mixed7">,
    mixed_8x8<76, 0, "mixed8", "mixed9_0", "mixed9">,
    mixed_8x8<85, 1, "mixed9", "mixed9_1", "mixed10">,
    global_avg_pool<named<"avg_pool">>, dense<1000, act::softmax, named<"predictions">>>;

// Keras' 23,851,784 plus the 94 batch norms' 17,216 gammas: torchvision's 23,834,568 parameters (without
// the auxiliary head) plus 2 x 17,216 moving statistics.
static_assert(network::total_params == 23'851'784 + 17'216);

}  // namespace tv_inception

// --- running one ---------------------------------------------------------------------------------------

/// The taps written next to the probabilities: one block output per stage, to locate a disagreement.
template <class Network>
struct taps_of;
template <>
struct taps_of<models::resnet50_v1_5> {
  using type = taps<"conv2_block3_out", "conv3_block4_out", "conv4_block6_out", "conv5_block3_out">;
};
template <>
struct taps_of<tv_mobilenet::network> {
  using type = taps<"expanded_conv_project_BN", "block_2_add", "block_5_add", "block_12_add", "out_relu">;
};
template <>
struct taps_of<tv_inception::network> {
  using type = taps<"max_pooling2d_1", "mixed2", "mixed3", "mixed7", "mixed8", "mixed10">;
};

template <class>
struct tap_names;
template <fixed_string... Names>
struct tap_names<taps<Names...>> {
  static constexpr std::array<std::string_view, sizeof...(Names)> names{Names.view()...};
};

struct owned_tensors {
  io::tensor_set set;
  void add(std::string name, std::vector<std::size_t> shape, std::span<const float> values) {
    auto copy = std::make_shared<std::vector<float>>(values.begin(), values.end());
    set.add(std::move(name), std::move(shape), io::dtype::f32, std::as_bytes(std::span<const float>(*copy)));
    set.keep_alive(copy);
  }
};

template <class Network, class Policy>
int run(const char* weights, const char* input_path, const char* output_path) {
  using tapped = typename taps_of<Network>::type;
  auto m = std::make_unique<model<Network, Policy, tapped>>();
  io::load_weights(*m, weights, io::convention::pytorch, {.reject_non_finite = true});
  const io::tensor_set input_file = io::read_safetensors(input_path);
  const io::tensor_entry* images = input_file.find("images");
  if (images == nullptr) throw shape_error(std::string(input_path) + " has no tensor \"images\"");
  std::vector<float> image(images->elements());
  io::convert_to_f32(*images, image);
  const auto probabilities = m->forward(std::span<const float>(image));

  owned_tensors out;
  out.add("probabilities", {1, probabilities.size()}, probabilities);
  for (std::string_view tap : tap_names<tapped>::names) {
    const shape s = Network::facts[Network::find(tap)].output;
    out.add(std::string(tap), {1, s.h, s.w, s.c}, m->output(m->index_of(tap)));
  }
  io::write_safetensors(output_path, out.set);
  return 0;
}

template <class Network>
int run_with_policy(bool reference, char** argv) {
  if (reference) return run<Network, kernels::reference_only>(argv[2], argv[3], argv[4]);
  return run<Network, kernels::best_available>(argv[2], argv[3], argv[4]);
}

}  // namespace

int main(int argc, char** argv) {
  const bool reference = argc == 6 && std::strcmp(argv[5], "--reference") == 0;
  if (argc != 5 && !reference) {
    std::fprintf(stderr, "usage: %s resnet50_v1_5|mobilenet_v2_tv|inception_v3_tv WEIGHTS INPUT OUTPUT [--reference]\n",
                 argv[0]);
    return 2;
  }
  const std::string_view network = argv[1];
  try {
    if (network == "resnet50_v1_5") return run_with_policy<models::resnet50_v1_5>(reference, argv);
    if (network == "mobilenet_v2_tv") return run_with_policy<tv_mobilenet::network>(reference, argv);
    if (network == "inception_v3_tv") return run_with_policy<tv_inception::network>(reference, argv);
    std::fprintf(stderr, "check_graph_networks: no network %s (resnet50_v1_5, mobilenet_v2_tv, inception_v3_tv)\n",
                 argv[1]);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "check_graph_networks: %s\n", e.what());
    return 1;
  }
}
