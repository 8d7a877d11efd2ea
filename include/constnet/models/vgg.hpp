#pragma once
// VGG16 and VGG19 (Simonyan & Zisserman 2014) with Keras' layer names, so weights converted from
// keras.applications map one to one. 3x3 'same' convolutions with ReLU, 2x2 max pools with stride 2.
// vgg16_at<H, W> keeps the topology at another input size (H and W multiples of 32 keep the pools exact);
// the fully connected head then sees (H/32) x (W/32) x 512 features.

#include <cstddef>

#include "constnet/layers/conv2d.hpp"
#include "constnet/layers/dense.hpp"
#include "constnet/layers/flatten.hpp"
#include "constnet/layers/input.hpp"
#include "constnet/layers/pool2d.hpp"
#include "constnet/network/sequential.hpp"

namespace constnet::models {

template <std::size_t Filters, fixed_string Name>
using vgg_conv = conv2d<Filters, kernel<3>, same, act::relu, named<Name>>;
template <fixed_string Name>
using vgg_pool = max_pool<pool_size<2>, strides<2>, named<Name>>;

template <std::size_t H, std::size_t W, std::size_t Classes = 1000>
using vgg16_at = sequential<
    input<H, W, 3, named<"input_1">>,
    vgg_conv<64, "block1_conv1">, vgg_conv<64, "block1_conv2">, vgg_pool<"block1_pool">,
    vgg_conv<128, "block2_conv1">, vgg_conv<128, "block2_conv2">, vgg_pool<"block2_pool">,
    vgg_conv<256, "block3_conv1">, vgg_conv<256, "block3_conv2">, vgg_conv<256, "block3_conv3">, vgg_pool<"block3_pool">,
    vgg_conv<512, "block4_conv1">, vgg_conv<512, "block4_conv2">, vgg_conv<512, "block4_conv3">, vgg_pool<"block4_pool">,
    vgg_conv<512, "block5_conv1">, vgg_conv<512, "block5_conv2">, vgg_conv<512, "block5_conv3">, vgg_pool<"block5_pool">,
    flatten<named<"flatten">>,
    dense<4096, act::relu, named<"fc1">>,
    dense<4096, act::relu, named<"fc2">>,
    dense<Classes, act::softmax, named<"predictions">>>;

template <std::size_t H, std::size_t W, std::size_t Classes = 1000>
using vgg19_at = sequential<
    input<H, W, 3, named<"input_1">>,
    vgg_conv<64, "block1_conv1">, vgg_conv<64, "block1_conv2">, vgg_pool<"block1_pool">,
    vgg_conv<128, "block2_conv1">, vgg_conv<128, "block2_conv2">, vgg_pool<"block2_pool">,
    vgg_conv<256, "block3_conv1">, vgg_conv<256, "block3_conv2">, vgg_conv<256, "block3_conv3">,
    vgg_conv<256, "block3_conv4">, vgg_pool<"block3_pool">,
    vgg_conv<512, "block4_conv1">, vgg_conv<512, "block4_conv2">, vgg_conv<512, "block4_conv3">,
    vgg_conv<512, "block4_conv4">, vgg_pool<"block4_pool">,
    vgg_conv<512, "block5_conv1">, vgg_conv<512, "block5_conv2">, vgg_conv<512, "block5_conv3">,
    vgg_conv<512, "block5_conv4">, vgg_pool<"block5_pool">,
    flatten<named<"flatten">>,
    dense<4096, act::relu, named<"fc1">>,
    dense<4096, act::relu, named<"fc2">>,
    dense<Classes, act::softmax, named<"predictions">>>;

/// keras.applications.VGG16(): 224x224x3 in, 1000 ImageNet classes out, 138,357,544 parameters.
using vgg16 = vgg16_at<224, 224>;
/// keras.applications.VGG19(): 143,667,240 parameters.
using vgg19 = vgg19_at<224, 224>;

/// keras.applications.VGG16(include_top=False): the convolutional part up to block5_pool (7x7x512 at
/// 224x224), 14,714,688 parameters. Keras' vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5 (58 MB)
/// loads into it directly; it is all feature maps, filters and activation maximization need.
template <std::size_t H, std::size_t W>
using vgg16_notop_at = truncate_at<vgg16_at<H, W>, "block5_pool">;
using vgg16_notop = vgg16_notop_at<224, 224>;
/// keras.applications.VGG19(include_top=False): 20,024,384 parameters.
template <std::size_t H, std::size_t W>
using vgg19_notop_at = truncate_at<vgg19_at<H, W>, "block5_pool">;
using vgg19_notop = vgg19_notop_at<224, 224>;

}  // namespace constnet::models
