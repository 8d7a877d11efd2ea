#pragma once
// ResNet50 (He et al. 2015) and ResNet50V2 (He et al. 2016, pre-activation) as keras.applications builds
// them, with its layer names (conv2_block1_0_conv, ..., predictions), so Keras weights map one to one.
//
// ResNet50 is Keras' "v1": in a block that downsamples, the stride sits on the first 1x1 convolution (and
// on the 1x1 projection shortcut). torchvision's resnet50 is "v1.5" (the stride on the 3x3 convolution);
// resnet50_v1_5 declares that variant under the same names, for checking against PyTorch.
//
// Within a block the shortcut is declared first, then the main path, each convolution directly followed
// by its batch_norm: the order changes nothing in the graph (each layer names what it reads) but lets the
// engine fold every batch_norm into its convolution. Keras lists the same layers in another order.

#include <cstddef>
#include <type_traits>

#include "constnet/layers/activation_layer.hpp"
#include "constnet/layers/add.hpp"
#include "constnet/layers/batch_norm.hpp"
#include "constnet/layers/conv2d.hpp"
#include "constnet/layers/dense.hpp"
#include "constnet/layers/global_pool.hpp"
#include "constnet/layers/input.hpp"
#include "constnet/layers/pool2d.hpp"
#include "constnet/layers/zero_padding2d.hpp"
#include "constnet/network/layer_run.hpp"

namespace constnet::models {

namespace resnet_detail {

/// Keras' ResNets use epsilon 1.001e-5 in every batch normalization.
template <fixed_string Name, class... Options>
using bn = batch_norm<epsilon<1001, 100000000>, named<Name>, Options...>;
template <fixed_string Name, class... Options>
using relu = activation_layer<act::relu, named<Name>, Options...>;

/// keras.applications.resnet.block1: 1x1 (stride S) -> 3x3 -> 1x1 to 4F, plus the shortcut (a strided 1x1
/// projection when Project), then ReLU. V1_5 moves the stride to the 3x3 convolution and pads it as
/// torchvision does, one cell on every side: at the even sizes ResNet50 sees, TensorFlow's 'same' would
/// pad only the bottom and right of a stride-2 3x3 convolution, shifting every window by a pixel (at
/// stride 1 the two paddings agree).
template <fixed_string Name, fixed_string In, std::size_t F, std::size_t S, bool Project, bool V1_5 = false>
struct block1 {
  static constexpr std::size_t first_stride = V1_5 ? 1 : S, middle_stride = V1_5 ? S : 1;
  using middle_padding = std::conditional_t<V1_5, pad<1>, same>;
  using main_path = layer_run<
      conv2d<F, kernel<1>, strides<first_stride>, named<Name + "_1_conv">, from<In>>, bn<Name + "_1_bn">,
      relu<Name + "_1_relu">,
      conv2d<F, kernel<3>, strides<middle_stride>, middle_padding, named<Name + "_2_conv">>, bn<Name + "_2_bn">,
      relu<Name + "_2_relu">,
      conv2d<4 * F, kernel<1>, named<Name + "_3_conv">>, bn<Name + "_3_bn">>;
  using projected = layer_run<conv2d<4 * F, kernel<1>, strides<S>, named<Name + "_0_conv">, from<In>>, bn<Name + "_0_bn">,
                              main_path, add<named<Name + "_add">, from<Name + "_0_bn", Name + "_3_bn">>,
                              relu<Name + "_out">>;
  using identity = layer_run<main_path, add<named<Name + "_add">, from<In, Name + "_3_bn">>, relu<Name + "_out">>;
  using type = std::conditional_t<Project, projected, identity>;
};

/// keras.applications.resnet.block2 (pre-activation): BN-ReLU first, 1x1 -> pad -> 3x3 (stride S) -> 1x1
/// to 4F, added to the shortcut: a 1x1 projection of the pre-activation (Project), a 1x1 stride-S max pool
/// of the input (Pool names it: Keras leaves it unnamed, so it has a default name), or the input itself.
template <fixed_string Name, fixed_string In, std::size_t F, std::size_t S, bool Project, fixed_string Pool = "">
struct block2 {
  static constexpr bool pools = !Project && S > 1;
  using shortcut = std::conditional_t<
      Project, layer_run<conv2d<4 * F, kernel<1>, strides<S>, named<Name + "_0_conv">, from<Name + "_preact_relu">>>,
      std::conditional_t<pools, layer_run<max_pool<pool_size<1>, strides<S>, named<Pool>, from<In>>>, layer_run<>>>;
  static constexpr auto shortcut_name = [] {
    if constexpr (Project) return Name + "_0_conv";
    else if constexpr (pools) return Pool;
    else return In;
  }();
  using type = layer_run<
      bn<Name + "_preact_bn", from<In>>, relu<Name + "_preact_relu">, shortcut,
      conv2d<F, kernel<1>, no_bias, named<Name + "_1_conv">, from<Name + "_preact_relu">>, bn<Name + "_1_bn">,
      relu<Name + "_1_relu">, zero_padding2d<pad<1>, named<Name + "_2_pad">>,
      conv2d<F, kernel<3>, strides<S>, no_bias, named<Name + "_2_conv">>, bn<Name + "_2_bn">, relu<Name + "_2_relu">,
      conv2d<4 * F, kernel<1>, named<Name + "_3_conv">>, add<named<Name + "_out">, from<shortcut_name, Name + "_3_conv">>>;
};

template <fixed_string Stage, std::size_t I>
constexpr auto block_name() {
  static_assert(I >= 1 && I <= 9);
  constexpr char digit[2] = {static_cast<char>('0' + I), '\0'};
  return Stage + "_block" + fixed_string<2>(digit);
}

/// Keras' stack1: a projecting block with stride S, then Blocks - 1 identity blocks.
template <fixed_string Stage, fixed_string In, std::size_t F, std::size_t Blocks, std::size_t S, bool V1_5>
struct stack1 {
  template <std::size_t... I>
  static auto build(std::index_sequence<I...>)
      -> layer_run<typename block1<block_name<Stage, 1>(), In, F, S, true, V1_5>::type,
                   typename block1<block_name<Stage, I + 2>(), block_name<Stage, I + 1>() + "_out", F, 1, false,
                                   V1_5>::type...>;
  using type = decltype(build(std::make_index_sequence<Blocks - 1>{}));
  static constexpr auto out = block_name<Stage, Blocks>() + "_out";
};

/// Keras' stack2: a projecting block, identity blocks, and a last block with stride S (its shortcut a
/// max pool called Pool).
template <fixed_string Stage, fixed_string In, std::size_t F, std::size_t Blocks, std::size_t S, fixed_string Pool>
struct stack2 {
  template <std::size_t... I>
  static auto build(std::index_sequence<I...>)
      -> layer_run<typename block2<block_name<Stage, 1>(), In, F, 1, true>::type,
                   typename block2<block_name<Stage, I + 2>(), block_name<Stage, I + 1>() + "_out", F, 1, false>::type...,
                   typename block2<block_name<Stage, Blocks>(), block_name<Stage, Blocks - 1>() + "_out", F, S, false,
                                   Pool>::type>;
  using type = decltype(build(std::make_index_sequence<Blocks - 2>{}));
  static constexpr auto out = block_name<Stage, Blocks>() + "_out";
};

template <std::size_t H, std::size_t W, bool V1_5>
using resnet50_features = graph_of<
    input<H, W, 3, named<"input_1">>,
    zero_padding2d<pad<3>, named<"conv1_pad">>,
    conv2d<64, kernel<7>, strides<2>, named<"conv1_conv">>, bn<"conv1_bn">, relu<"conv1_relu">,
    zero_padding2d<pad<1>, named<"pool1_pad">>,
    max_pool<pool_size<3>, strides<2>, named<"pool1_pool">>,
    typename stack1<"conv2", "pool1_pool", 64, 3, 1, V1_5>::type,
    typename stack1<"conv3", "conv2_block3_out", 128, 4, 2, V1_5>::type,
    typename stack1<"conv4", "conv3_block4_out", 256, 6, 2, V1_5>::type,
    typename stack1<"conv5", "conv4_block6_out", 512, 3, 2, V1_5>::type>;

template <std::size_t H, std::size_t W>
using resnet50v2_features = graph_of<
    input<H, W, 3, named<"input_1">>,
    zero_padding2d<pad<3>, named<"conv1_pad">>,
    conv2d<64, kernel<7>, strides<2>, named<"conv1_conv">>,
    zero_padding2d<pad<1>, named<"pool1_pad">>,
    max_pool<pool_size<3>, strides<2>, named<"pool1_pool">>,
    typename stack2<"conv2", "pool1_pool", 64, 3, 2, "max_pooling2d">::type,
    typename stack2<"conv3", "conv2_block3_out", 128, 4, 2, "max_pooling2d_1">::type,
    typename stack2<"conv4", "conv3_block4_out", 256, 6, 2, "max_pooling2d_2">::type,
    typename stack2<"conv5", "conv4_block6_out", 512, 3, 1, "max_pooling2d_3">::type,
    bn<"post_bn">, relu<"post_relu">>;

template <class Features, std::size_t Classes>
using with_top = graph_of<Features, global_avg_pool<named<"avg_pool">>,
                          dense<Classes, act::softmax, named<"predictions">>>;

}  // namespace resnet_detail

/// keras.applications.ResNet50 at another input size (at least 32x32), with Classes outputs.
template <std::size_t H, std::size_t W, std::size_t Classes = 1000>
using resnet50_at = resnet_detail::with_top<resnet_detail::resnet50_features<H, W, false>, Classes>;
/// keras.applications.ResNet50(): 224x224x3 in, 1000 classes, 25,636,712 parameters (53,120 of them
/// batch normalization's moving statistics).
using resnet50 = resnet50_at<224, 224>;
/// ResNet50(include_top=False): up to conv5_block3_out (7x7x2048 at 224x224), 23,587,712 parameters.
using resnet50_notop = resnet_detail::resnet50_features<224, 224, false>;
/// torchvision's resnet50 ("v1.5": strides on the 3x3 convolutions, padded 1 on every side) under Keras'
/// names. Its convolutions keep Keras' biases (zero for torchvision's weights, whose convolutions have
/// none) and Keras' batch-norm epsilon 1.001e-5 (torchvision's is 1e-5).
template <std::size_t H, std::size_t W, std::size_t Classes = 1000>
using resnet50_v1_5_at = resnet_detail::with_top<resnet_detail::resnet50_features<H, W, true>, Classes>;
using resnet50_v1_5 = resnet50_v1_5_at<224, 224>;

/// keras.applications.ResNet50V2 at another input size, with Classes outputs.
template <std::size_t H, std::size_t W, std::size_t Classes = 1000>
using resnet50v2_at = resnet_detail::with_top<resnet_detail::resnet50v2_features<H, W>, Classes>;
/// keras.applications.ResNet50V2(): 224x224x3 in, 1000 classes, 25,613,800 parameters.
using resnet50v2 = resnet50v2_at<224, 224>;
/// ResNet50V2(include_top=False): up to post_relu (7x7x2048), 23,564,800 parameters.
using resnet50v2_notop = resnet_detail::resnet50v2_features<224, 224>;

}  // namespace constnet::models
