#pragma once
// Everything a kernel needs to know about one layer, fixed at compile time by the network.
// Kernels see only these structs, never the layer templates, so a kernel can be tested on any shape.

#include <cstddef>

#include <array>

#include "constnet/core/activation.hpp"
#include "constnet/core/layer_inputs.hpp"
#include "constnet/core/shape.hpp"

namespace constnet {

struct conv2d_geometry {
  shape in{}, out{};
  extent2 kernel{}, stride{}, dilation{};
  padding2 pad{};
  activation act = activation::linear;
  bool bias = true;
  friend constexpr bool operator==(const conv2d_geometry&, const conv2d_geometry&) = default;
};

/// A convolution per input channel: out.c == in.c * multiplier, and output channel c * multiplier + m
/// reads input channel c only (Keras' DepthwiseConv2D).
struct depthwise_conv2d_geometry {
  shape in{}, out{};
  extent2 kernel{}, stride{}, dilation{};
  padding2 pad{};
  std::size_t multiplier = 1;
  activation act = activation::linear;
  bool bias = true;
  friend constexpr bool operator==(const depthwise_conv2d_geometry&, const depthwise_conv2d_geometry&) = default;
};

/// A depthwise convolution to in.c * multiplier channels (no bias, no activation), then a 1x1 convolution
/// to out.c filters, bias and activation (Keras' SeparableConv2D).
struct separable_conv2d_geometry {
  shape in{}, out{};
  extent2 kernel{}, stride{}, dilation{};
  padding2 pad{};
  std::size_t multiplier = 1;
  activation act = activation::linear;
  bool bias = true;
  friend constexpr bool operator==(const separable_conv2d_geometry&, const separable_conv2d_geometry&) = default;
};

/// The depthwise stage of a separable convolution, as a layer of its own: what its kernels run first.
constexpr depthwise_conv2d_geometry depthwise_stage(const separable_conv2d_geometry& g) {
  return {g.in,       feature_maps(g.out.h, g.out.w, g.in.c * g.multiplier), g.kernel, g.stride, g.dilation, g.pad,
          g.multiplier, activation::linear, false};
}

enum class pool_kind { max, average, mixed };

/// Window (oy, ox) samples input cells (oy * stride.h + ky * dilation.h - pad.top, ox * stride.w +
/// kx * dilation.w - pad.left) for ky < window.h, kx < window.w. Cells outside the image take no part in
/// a max; an average sums the cells inside the image and divides by their count, or with count_padding
/// by the count of cells inside the padded map [-pad.top, in.h + pad.bottom) x [-pad.left, in.w +
/// pad.right) (the whole window, except the last ones of a ceil_mode layer, which may run past it).
struct pool2d_geometry {
  shape in{}, out{};
  extent2 window{}, stride{}, dilation{};
  padding2 pad{};
  pool_kind kind = pool_kind::max;
  double lambda = 1.0;         // mixed: lambda * max + (1 - lambda) * average
  bool count_padding = false;  // average: divide by the cells inside the padded map, not only the image
  bool ceil_mode = false;      // out was rounded up: the last windows may run past the bottom/right padding
  friend constexpr bool operator==(const pool2d_geometry&, const pool2d_geometry&) = default;
};

/// zero_padding2d: the input placed `pad` cells in from the top and left of an otherwise zero map.
struct zero_padding2d_geometry {
  shape in{}, out{};  // out: in.h + pad.top + pad.bottom by in.w + pad.left + pad.right, in.c channels
  padding2 pad{};
  friend constexpr bool operator==(const zero_padding2d_geometry&, const zero_padding2d_geometry&) = default;
};

struct global_pool_geometry {
  shape in{};
  pool_kind kind = pool_kind::average;
  friend constexpr bool operator==(const global_pool_geometry&, const global_pool_geometry&) = default;
};

struct dense_geometry {
  std::size_t in = 0, units = 0;
  activation act = activation::linear;
  bool bias = true;
  friend constexpr bool operator==(const dense_geometry&, const dense_geometry&) = default;
};

struct batch_norm_geometry {
  shape in{};
  double epsilon = 1e-3;
  bool scale = true;  // false: no gamma (Keras' scale=False), the normalized value is only shifted by beta
  friend constexpr bool operator==(const batch_norm_geometry&, const batch_norm_geometry&) = default;
};

struct activation_geometry {
  shape in{};
  activation act = activation::linear;
  friend constexpr bool operator==(const activation_geometry&, const activation_geometry&) = default;
};

/// add: the element-wise sum of `inputs` tensors of shape `out`.
struct add_geometry {
  shape out{};
  std::size_t inputs = 2;
  friend constexpr bool operator==(const add_geometry&, const add_geometry&) = default;
};

/// concatenate: the inputs' channels side by side, input k's channels first at offset sum(channels[< k]).
/// Every input has out.h x out.w pixels (or is a flat vector when out is).
struct concatenate_geometry {
  shape out{};
  std::size_t inputs = 2;
  std::array<std::size_t, max_layer_inputs> channels{};
  friend constexpr bool operator==(const concatenate_geometry&, const concatenate_geometry&) = default;
};

/// flatten and dropout: the output is the input buffer, so no kernel runs.
struct identity_geometry {
  shape in{};
  friend constexpr bool operator==(const identity_geometry&, const identity_geometry&) = default;
};

}  // namespace constnet
