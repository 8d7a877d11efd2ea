#pragma once
// MobileNetV2 (Sandler et al. 2018) as keras.applications builds it at alpha 1.0, with its layer names
// (Conv1, expanded_conv_depthwise, block_1_expand, ..., out_relu), so Keras weights map one to one.
// Inverted residual blocks: a 1x1 expansion (6x), a 3x3 depthwise convolution, a linear 1x1 projection,
// and an identity shortcut when the block keeps its shape; ReLU6 throughout.

#include <cstddef>

#include "constnet/layers/add.hpp"
#include "constnet/layers/batch_norm.hpp"
#include "constnet/layers/conv2d.hpp"
#include "constnet/layers/dense.hpp"
#include "constnet/layers/depthwise_conv2d.hpp"
#include "constnet/layers/global_pool.hpp"
#include "constnet/layers/input.hpp"
#include "constnet/layers/relu.hpp"
#include "constnet/layers/zero_padding2d.hpp"
#include "constnet/network/layer_run.hpp"

namespace constnet::models {

namespace mobilenet_detail {

template <fixed_string Name>
using bn = batch_norm<named<Name>>;  // Keras: epsilon 1e-3, the default

/// The rows (or columns) after a block that downsamples a map of n: Keras pads (n % 2, 1) before a valid
/// 3x3 stride-2 depthwise convolution (imagenet_utils.correct_pad), so the output is ceil(n / 2).
constexpr std::size_t halved(std::size_t n) { return (n + n % 2 + 1 - 3) / 2 + 1; }

/// keras.applications.mobilenet_v2._inverted_res_block number Id: In names its input (C channels, an
/// H x W map), F the output channels.
template <std::size_t Id, fixed_string In, std::size_t C, std::size_t F, std::size_t Stride, std::size_t H, std::size_t W>
struct inverted_residual {
  static constexpr auto prefix = "block_" + digits<Id>() + "_";
  using expand = layer_run<conv2d<6 * C, kernel<1>, same, no_bias, named<prefix + "expand">, from<In>>,
                           bn<prefix + "expand_BN">, relu6<named<prefix + "expand_relu">>>;
  using depthwise_stride_1 = depthwise_conv2d<kernel<3>, same, no_bias, named<prefix + "depthwise">>;
  using depthwise_stride_2 = layer_run<zero_padding2d<pad<H % 2, 1, W % 2, 1>, named<prefix + "pad">>,
                                       depthwise_conv2d<kernel<3>, strides<2>, valid, no_bias, named<prefix + "depthwise">>>;
  static constexpr bool adds = C == F && Stride == 1;
  using type = layer_run<
      expand, std::conditional_t<Stride == 1, layer_run<depthwise_stride_1>, depthwise_stride_2>,
      bn<prefix + "depthwise_BN">, relu6<named<prefix + "depthwise_relu">>,
      conv2d<F, kernel<1>, same, no_bias, named<prefix + "project">>, bn<prefix + "project_BN">,
      std::conditional_t<adds, layer_run<add<named<prefix + "add">, from<In, prefix + "project_BN">>>, layer_run<>>>;
  static constexpr auto out = [] {
    if constexpr (adds) return prefix + "add";
    else return prefix + "project_BN";
  }();
  static constexpr std::size_t out_h = Stride == 2 ? halved(H) : H, out_w = Stride == 2 ? halved(W) : W;
};

/// Blocks 1 to 16 from block Id on, following Keras' table of (channels, stride): each reads the one before.
template <std::size_t Id, fixed_string In, std::size_t C, std::size_t H, std::size_t W>
struct blocks_from {
  static constexpr std::size_t filters[] = {16, 24, 24, 32, 32, 32, 64, 64, 64, 64, 96, 96, 96, 160, 160, 160, 320};
  static constexpr std::size_t strides_of[] = {1, 2, 1, 2, 1, 1, 2, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1};
  using block = inverted_residual<Id, In, C, filters[Id], strides_of[Id], H, W>;
  using next = blocks_from<Id + 1, block::out, filters[Id], block::out_h, block::out_w>;
  using type = layer_run<typename block::type, typename next::type>;
  static constexpr std::size_t out_h = next::out_h, out_w = next::out_w;
};
template <fixed_string In, std::size_t C, std::size_t H, std::size_t W>
struct blocks_from<17, In, C, H, W> {
  using type = layer_run<>;
  static constexpr std::size_t out_h = H, out_w = W;
};

template <std::size_t H, std::size_t W>
using features = graph_of<
    input<H, W, 3, named<"input_1">>,
    conv2d<32, kernel<3>, strides<2>, same, no_bias, named<"Conv1">>, bn<"bn_Conv1">, relu6<named<"Conv1_relu">>,
    // Block 0 has no expansion and its own prefix.
    depthwise_conv2d<kernel<3>, same, no_bias, named<"expanded_conv_depthwise">>, bn<"expanded_conv_depthwise_BN">,
    relu6<named<"expanded_conv_depthwise_relu">>,
    conv2d<16, kernel<1>, same, no_bias, named<"expanded_conv_project">>, bn<"expanded_conv_project_BN">,
    typename blocks_from<1, "expanded_conv_project_BN", 16, (H + 1) / 2, (W + 1) / 2>::type,
    conv2d<1280, kernel<1>, no_bias, named<"Conv_1">>, bn<"Conv_1_bn">, relu6<named<"out_relu">>>;

}  // namespace mobilenet_detail

/// keras.applications.MobileNetV2 (alpha 1.0) at another input size (at least 32x32), with Classes outputs.
template <std::size_t H, std::size_t W, std::size_t Classes = 1000>
using mobilenet_v2_at = graph_of<mobilenet_detail::features<H, W>, global_avg_pool<>,
                                 dense<Classes, act::softmax, named<"predictions">>>;
/// keras.applications.MobileNetV2(): 224x224x3 in, 1000 classes, 3,538,984 parameters.
using mobilenet_v2 = mobilenet_v2_at<224, 224>;
/// MobileNetV2(include_top=False): up to out_relu (7x7x1280), 2,257,984 parameters.
using mobilenet_v2_notop = mobilenet_detail::features<224, 224>;

}  // namespace constnet::models
