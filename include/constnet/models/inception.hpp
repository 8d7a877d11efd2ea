#pragma once
// InceptionV3 (Szegedy et al. 2015) as keras.applications builds it: 299x299x3 in, mixed0 to mixed10.
// Keras names only the concatenations (mixed0, ..., mixed9_0, ...) and leaves every convolution, batch
// norm, activation and pool unnamed, so they carry Keras' default names (conv2d, conv2d_1, ...,
// batch_normalization_93, activation_93, average_pooling2d_8, ...), which the same declaration order
// gives them here. A branch's first layer names its input with from<>; concatenations name their
// branches' last layers (the K-th activation: keras_default_name<"activation", K>).
//
// Every convolution is Keras' conv2d_bn: no bias, then a batch norm without gamma (scale=False), then
// ReLU.

#include <cstddef>

#include "constnet/layers/activation_layer.hpp"
#include "constnet/layers/batch_norm.hpp"
#include "constnet/layers/concatenate.hpp"
#include "constnet/layers/conv2d.hpp"
#include "constnet/layers/dense.hpp"
#include "constnet/layers/global_pool.hpp"
#include "constnet/layers/input.hpp"
#include "constnet/layers/pool2d.hpp"
#include "constnet/network/layer_run.hpp"

namespace constnet::models {

namespace inception_detail {

/// keras.applications.inception_v3.conv2d_bn with name=None.
template <std::size_t Filters, std::size_t KH, std::size_t KW, class... Options>
using conv_bn = layer_run<conv2d<Filters, kernel<KH, KW>, no_bias, Options...>, batch_norm<no_scale>,
                          activation_layer<act::relu>>;

/// The output of the K-th conv_bn (counted from 0 over the whole network).
template <std::size_t K>
inline constexpr auto out = keras_default_name<"activation", K>();

template <fixed_string In>
using avg_3x3 = avg_pool<pool_size<3>, strides<1>, same, from<In>>;

/// mixed0-2 (35x35): 1x1 | 1x1-5x5 | 1x1-3x3-3x3 | avg-1x1, first conv_bn the K-th.
template <std::size_t K, fixed_string In, std::size_t PoolFilters, fixed_string Name>
using mixed_35 = layer_run<
    conv_bn<64, 1, 1, same, from<In>>,
    conv_bn<48, 1, 1, same, from<In>>, conv_bn<64, 5, 5, same>,
    conv_bn<64, 1, 1, same, from<In>>, conv_bn<96, 3, 3, same>, conv_bn<96, 3, 3, same>,
    avg_3x3<In>, conv_bn<PoolFilters, 1, 1, same>,
    concatenate<named<Name>, from<out<K>, out<K + 2>, out<K + 5>, out<K + 6>>>>;

/// mixed3 (35x35 to 17x17): strided 3x3 | 1x1-3x3-strided 3x3 | max pool.
template <std::size_t K, fixed_string In>
using mixed_3 = layer_run<
    conv_bn<384, 3, 3, strides<2>, valid, from<In>>,
    conv_bn<64, 1, 1, same, from<In>>, conv_bn<96, 3, 3, same>, conv_bn<96, 3, 3, strides<2>, valid>,
    max_pool<pool_size<3>, strides<2>, from<In>>,
    concatenate<named<"mixed3">, from<out<K>, out<K + 3>, keras_default_name<"max_pooling2d", 2>()>>>;

/// mixed4-7 (17x17): 1x1 | 1x1-1x7-7x1 | 1x1-7x1-1x7-7x1-1x7 | avg-1x1, C channels inside the 7x7 branches.
template <std::size_t K, fixed_string In, std::size_t C, fixed_string Name>
using mixed_17 = layer_run<
    conv_bn<192, 1, 1, same, from<In>>,
    conv_bn<C, 1, 1, same, from<In>>, conv_bn<C, 1, 7, same>, conv_bn<192, 7, 1, same>,
    conv_bn<C, 1, 1, same, from<In>>, conv_bn<C, 7, 1, same>, conv_bn<C, 1, 7, same>, conv_bn<C, 7, 1, same>,
    conv_bn<192, 1, 7, same>,
    avg_3x3<In>, conv_bn<192, 1, 1, same>,
    concatenate<named<Name>, from<out<K>, out<K + 3>, out<K + 8>, out<K + 9>>>>;

/// mixed8 (17x17 to 8x8): 1x1-strided 3x3 | 1x1-1x7-7x1-strided 3x3 | max pool.
template <std::size_t K, fixed_string In>
using mixed_8 = layer_run<
    conv_bn<192, 1, 1, same, from<In>>, conv_bn<320, 3, 3, strides<2>, valid>,
    conv_bn<192, 1, 1, same, from<In>>, conv_bn<192, 1, 7, same>, conv_bn<192, 7, 1, same>,
    conv_bn<192, 3, 3, strides<2>, valid>,
    max_pool<pool_size<3>, strides<2>, from<In>>,
    concatenate<named<"mixed8">, from<out<K + 1>, out<K + 5>, keras_default_name<"max_pooling2d", 3>()>>>;

/// mixed9 and mixed10 (8x8): 1x1 | 1x1-(1x3, 3x1) | 1x1-3x3-(1x3, 3x1) | avg-1x1; the inner pairs are
/// concatenated first (mixed9_I, and the Cat-th unnamed concatenate).
template <std::size_t K, std::size_t Cat, fixed_string In, fixed_string Inner, fixed_string Name>
using mixed_8x8 = layer_run<
    conv_bn<320, 1, 1, same, from<In>>,
    conv_bn<384, 1, 1, same, from<In>>, conv_bn<384, 1, 3, same, from<out<K + 1>>>,
    conv_bn<384, 3, 1, same, from<out<K + 1>>>,
    concatenate<named<Inner>, from<out<K + 2>, out<K + 3>>>,
    conv_bn<448, 1, 1, same, from<In>>, conv_bn<384, 3, 3, same>, conv_bn<384, 1, 3, same, from<out<K + 5>>>,
    conv_bn<384, 3, 1, same, from<out<K + 5>>>,
    concatenate<from<out<K + 6>, out<K + 7>>>,
    avg_3x3<In>, conv_bn<192, 1, 1, same>,
    concatenate<named<Name>, from<out<K>, Inner, keras_default_name<"concatenate", Cat>(), out<K + 8>>>>;

template <std::size_t H, std::size_t W>
using features = graph_of<
    input<H, W, 3, named<"input_1">>,
    conv_bn<32, 3, 3, strides<2>, valid>, conv_bn<32, 3, 3, valid>, conv_bn<64, 3, 3, same>,
    max_pool<pool_size<3>, strides<2>>,
    conv_bn<80, 1, 1, valid>, conv_bn<192, 3, 3, valid>,
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
    mixed_8x8<85, 1, "mixed9", "mixed9_1", "mixed10">>;

}  // namespace inception_detail

/// keras.applications.InceptionV3 at another input size (at least 75x75), with Classes outputs.
template <std::size_t H, std::size_t W, std::size_t Classes = 1000>
using inception_v3_at = graph_of<inception_detail::features<H, W>, global_avg_pool<named<"avg_pool">>,
                                 dense<Classes, act::softmax, named<"predictions">>>;
/// keras.applications.InceptionV3(): 299x299x3 in, 1000 classes, 23,851,784 parameters.
using inception_v3 = inception_v3_at<299, 299>;
/// InceptionV3(include_top=False): up to mixed10 (8x8x2048 at 299x299), 21,802,784 parameters.
using inception_v3_notop = inception_detail::features<299, 299>;

}  // namespace constnet::models
