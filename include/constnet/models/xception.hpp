#pragma once
// Xception (Chollet 2017) as keras.applications builds it: 299x299x3 in, entry flow (blocks 1-4), middle
// flow (blocks 5-12, eight identical residual blocks of separable convolutions) and exit flow (13-14),
// with Keras' layer names. Keras leaves the four 1x1 projection shortcuts, their batch norms and the
// adds unnamed, so they carry its default names (conv2d ... conv2d_3, batch_normalization ...,
// add ... add_11), which the same declaration order gives them here.

#include <cstddef>

#include "constnet/layers/activation_layer.hpp"
#include "constnet/layers/add.hpp"
#include "constnet/layers/batch_norm.hpp"
#include "constnet/layers/conv2d.hpp"
#include "constnet/layers/dense.hpp"
#include "constnet/layers/global_pool.hpp"
#include "constnet/layers/input.hpp"
#include "constnet/layers/pool2d.hpp"
#include "constnet/layers/separable_conv2d.hpp"
#include "constnet/network/layer_run.hpp"

namespace constnet::models {

namespace xception_detail {

template <fixed_string Name>
using bn = batch_norm<named<Name>>;
template <fixed_string Name, class... Options>
using relu = activation_layer<act::relu, named<Name>, Options...>;
template <std::size_t F, fixed_string Name>
using sepconv = separable_conv2d<F, kernel<3>, same, no_bias, named<Name>>;

/// What a downsampling block's first separable convolution reads: the ReLU before it, or the block's input.
template <bool FirstRelu, fixed_string Block, fixed_string In>
constexpr auto sepconv1_input() {
  if constexpr (FirstRelu) return Block + "_sepconv1_act";
  else return In;
}

/// Entry- and exit-flow blocks: a strided 1x1 projection of In (the K-th unnamed conv2d and batch norm),
/// two separable convolutions (the first after a ReLU unless the block starts the entry flow), a 3x3
/// stride-2 max pool, and the K-th unnamed add of the two. F1, F2: the separable convolutions' filters.
template <std::size_t K, fixed_string Block, fixed_string In, std::size_t F1, std::size_t F2, bool FirstRelu>
using downsampling_block = layer_run<
    conv2d<F2, kernel<1>, strides<2>, same, no_bias, from<In>>, batch_norm<>,
    std::conditional_t<FirstRelu, layer_run<relu<Block + "_sepconv1_act", from<In>>>, layer_run<>>,
    separable_conv2d<F1, kernel<3>, same, no_bias, named<Block + "_sepconv1">, from<sepconv1_input<FirstRelu, Block, In>()>>,
    bn<Block + "_sepconv1_bn">, relu<Block + "_sepconv2_act">,
    sepconv<F2, Block + "_sepconv2">, bn<Block + "_sepconv2_bn">,
    max_pool<pool_size<3>, strides<2>, same, named<Block + "_pool">>,
    add<from<Block + "_pool", keras_default_name<"batch_normalization", K>()>>>;

/// A middle-flow block: three ReLU + separable convolution + batch norm, plus In; the K-th unnamed add.
template <std::size_t I, fixed_string In>
struct middle_block {
  static constexpr auto block = "block" + digits<I>();
  using type = layer_run<
      relu<block + "_sepconv1_act">, sepconv<728, block + "_sepconv1">, bn<block + "_sepconv1_bn">,
      relu<block + "_sepconv2_act">, sepconv<728, block + "_sepconv2">, bn<block + "_sepconv2_bn">,
      relu<block + "_sepconv3_act">, sepconv<728, block + "_sepconv3">, bn<block + "_sepconv3_bn">,
      add<from<block + "_sepconv3_bn", In>>>;
};

template <std::size_t... I>
auto middle_flow(std::index_sequence<I...>)
    -> layer_run<typename middle_block<I + 5, keras_default_name<"add", I + 2>()>::type...>;

template <std::size_t H, std::size_t W>
using features = graph_of<
    input<H, W, 3, named<"input_1">>,
    conv2d<32, kernel<3>, strides<2>, no_bias, named<"block1_conv1">>, bn<"block1_conv1_bn">, relu<"block1_conv1_act">,
    conv2d<64, kernel<3>, no_bias, named<"block1_conv2">>, bn<"block1_conv2_bn">, relu<"block1_conv2_act">,
    downsampling_block<0, "block2", "block1_conv2_act", 128, 128, false>,
    downsampling_block<1, "block3", "add", 256, 256, true>,
    downsampling_block<2, "block4", "add_1", 728, 728, true>,
    decltype(middle_flow(std::make_index_sequence<8>{})),
    downsampling_block<3, "block13", "add_10", 728, 1024, true>,
    sepconv<1536, "block14_sepconv1">, bn<"block14_sepconv1_bn">, relu<"block14_sepconv1_act">,
    sepconv<2048, "block14_sepconv2">, bn<"block14_sepconv2_bn">, relu<"block14_sepconv2_act">>;

}  // namespace xception_detail

/// keras.applications.Xception at another input size (at least 71x71), with Classes outputs.
template <std::size_t H, std::size_t W, std::size_t Classes = 1000>
using xception_at = graph_of<xception_detail::features<H, W>, global_avg_pool<named<"avg_pool">>,
                             dense<Classes, act::softmax, named<"predictions">>>;
/// keras.applications.Xception(): 299x299x3 in, 1000 classes, 22,910,480 parameters.
using xception = xception_at<299, 299>;
/// Xception(include_top=False): up to block14_sepconv2_act (10x10x2048), 20,861,480 parameters.
using xception_notop = xception_detail::features<299, 299>;

}  // namespace constnet::models
