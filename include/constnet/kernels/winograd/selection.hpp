#pragma once
// Which algorithm the default policy runs on a 3x3 convolution: direct (0) or Winograd F(m x m, 3 x 3)
// with m = 2, 4 or 6, from the layer's shape, at compile time.
//
// PROVISIONAL thresholds, replaced by measured ones below.

#include <cstddef>

#include "constnet/core/geometry.hpp"

namespace constnet::kernels::winograd {

constexpr std::size_t output_tile_for(const conv2d_geometry& g) {
  const bool winograd_shape = g.kernel.h == 3 && g.kernel.w == 3 && g.stride.h == 1 && g.stride.w == 1 &&
                              g.dilation.h == 1 && g.dilation.w == 1;
  if (!winograd_shape || g.in.c < 16) return 0;
  return 4;
}

}  // namespace constnet::kernels::winograd
