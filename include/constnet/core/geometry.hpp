#pragma once
// Everything a kernel needs to know about one layer, fixed at compile time by the network.
// Kernels see only these structs, never the layer templates, so a kernel can be tested on any shape.

#include <cstddef>

#include "constnet/core/activation.hpp"
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
  friend constexpr bool operator==(const batch_norm_geometry&, const batch_norm_geometry&) = default;
};

struct activation_geometry {
  shape in{};
  activation act = activation::linear;
  friend constexpr bool operator==(const activation_geometry&, const activation_geometry&) = default;
};

/// flatten and dropout: the output is the input buffer, so no kernel runs.
struct identity_geometry {
  shape in{};
  friend constexpr bool operator==(const identity_geometry&, const identity_geometry&) = default;
};

}  // namespace constnet
