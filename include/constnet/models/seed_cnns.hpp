#pragma once
// The small networks of the seed documents, declared exactly as the seeds build them in Keras, so the
// default names (conv2d, conv2d_1, ...) and parameter counts match what Keras prints.

#include "constnet/layers/batch_norm.hpp"
#include "constnet/layers/conv2d.hpp"
#include "constnet/layers/dense.hpp"
#include "constnet/layers/flatten.hpp"
#include "constnet/layers/input.hpp"
#include "constnet/layers/pool2d.hpp"
#include "constnet/network/sequential.hpp"

namespace constnet::models {

/// The seed's CIFAR-10 classifier: 32x32x3, conv 32/64/128 (3x3, ReLU) each followed by a 2x2 max pool,
/// then dense 256, 128 and 10 (softmax). 258,762 parameters.
using cifar10_cnn = sequential<
    input<32, 32, 3>,
    conv2d<32, kernel<3>, act::relu>, max_pool<pool_size<2>>,
    conv2d<64, kernel<3>, act::relu>, max_pool<pool_size<2>>,
    conv2d<128, kernel<3>, act::relu>, max_pool<pool_size<2>>,
    flatten<>,
    dense<256, act::relu>,
    dense<128, act::relu>,
    dense<10, act::softmax>>;

/// The seed's 64x64x3 binary classifier with batch normalization (first on the input, then after each
/// convolution), dense 512, 256, 128 and 2 (softmax). 2,618,446 parameters, 454 of them (the moving statistics) non-trainable.
using bn_cnn_64 = sequential<
    input<64, 64, 3>,
    batch_norm<>,
    conv2d<32, kernel<3>, act::relu>, batch_norm<>, max_pool<pool_size<2>, strides<2>>,
    conv2d<64, kernel<3>, act::relu>, batch_norm<>, max_pool<pool_size<2>, strides<2>>,
    conv2d<128, kernel<3>, act::relu>, batch_norm<>, max_pool<pool_size<2>, strides<2>>,
    flatten<>,
    dense<512, act::relu>,
    dense<256, act::relu>,
    dense<128, act::relu>,
    dense<2, act::softmax>>;

/// The seed's "simple convolutional network example": 39x39x3 -> 37x37x10 (3x3, stride 1) ->
/// 17x17x20 (5x5, stride 2) -> 7x7x40 (5x5, stride 2) -> 1960 features for a classifier.
using seed_39x39_example = sequential<
    input<39, 39, 3>,
    conv2d<10, kernel<3>, strides<1>, act::relu>,
    conv2d<20, kernel<5>, strides<2>, act::relu>,
    conv2d<40, kernel<5>, strides<2>, act::relu>,
    flatten<>>;

}  // namespace constnet::models
