#pragma once
// Which cells a pooling window samples, per axis: shared by the vector pool kernel
// (direct/pool2d_simd.hpp) and the pooling backward (backward/pool2d.hpp). The reference forward
// (reference/pool2d.hpp) enumerates every cell instead, so the tests compare two ways of counting.
//
// Along an axis, window o samples padded-map cells o * stride + k * dilation, k < window; the image
// starts pad_begin cells into the padded map. Those inside the image have consecutive k, so they are a
// run: its first image cell and its length.

#include <algorithm>
#include <cstddef>

#include "constnet/core/geometry.hpp"

namespace constnet::kernels {

struct sampled_axis {
  std::size_t first = 0;   // the first sampled cell inside the image (image coordinates)
  std::size_t count = 0;   // sampled cells inside the image, dilation apart
  std::size_t padded = 0;  // sampled cells inside the padded map: count_padding's share of the divisor
};

/// requires stride, dilation >= 1. A ceil_mode window may reach past the padded map: those cells count
/// nowhere.
constexpr sampled_axis sample_axis(std::size_t o, std::size_t stride, std::size_t window, std::size_t dilation,
                                   std::size_t pad_begin, std::size_t n, std::size_t pad_end) {
  const std::size_t start = o * stride;  // padded-map coordinates, never negative
  // ceil(x / dilation), without a division for the usual undilated pool (the vector kernel asks per pixel).
  auto steps = [&](std::size_t x) { return dilation == 1 ? x : (x + dilation - 1) / dilation; };
  auto cells_below = [&](std::size_t limit) {  // sampled cells before `limit`: k with start + k d < limit
    return start < limit ? std::min(window, steps(limit - start)) : std::size_t{0};
  };
  // The first k at or past the image's first cell, and the k past the image's last cell.
  const std::size_t k0 = start >= pad_begin ? 0 : std::min(window, steps(pad_begin - start));
  const std::size_t k1 = cells_below(pad_begin + n);
  sampled_axis a;
  a.padded = cells_below(pad_begin + n + pad_end);
  if (k1 > k0) {
    a.first = start + k0 * dilation - pad_begin;
    a.count = k1 - k0;
  }
  return a;
}

constexpr sampled_axis sample_rows(const pool2d_geometry& g, std::size_t oy) {
  return sample_axis(oy, g.stride.h, g.window.h, g.dilation.h, g.pad.top, g.in.h, g.pad.bottom);
}
constexpr sampled_axis sample_columns(const pool2d_geometry& g, std::size_t ox) {
  return sample_axis(ox, g.stride.w, g.window.w, g.dilation.w, g.pad.left, g.in.w, g.pad.right);
}

/// An average's divisor: the cells inside the image, or with count_padding those inside the padded map.
constexpr std::size_t average_divisor(const pool2d_geometry& g, const sampled_axis& rows, const sampled_axis& columns) {
  return g.count_padding ? rows.padded * columns.padded : rows.count * columns.count;
}

}  // namespace constnet::kernels
