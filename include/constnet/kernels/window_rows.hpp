#pragma once
// Which input rows a convolution's output row reads: shared by the kernels that run one output row per
// task (direct/conv2d_rows.hpp, winograd/conv2d_rows_winograd.hpp).

#include <cstddef>
#include <utility>

#include "constnet/core/geometry.hpp"

namespace constnet::kernels {

/// The input row of window row ky of output row oy (negative or past in.h in the padding).
constexpr std::ptrdiff_t window_input_row(const conv2d_geometry& g, std::size_t oy, std::size_t ky) {
  return static_cast<std::ptrdiff_t>(oy * g.stride.h + ky * g.dilation.h) - static_cast<std::ptrdiff_t>(g.pad.top);
}

/// The window rows [first, last) of output row oy that lie inside the image: the input row grows with
/// ky, so they are one range (empty when the window sees only padding).
constexpr std::pair<std::size_t, std::size_t> window_rows_inside(const conv2d_geometry& g, std::size_t oy) {
  std::size_t first = 0;
  while (first < g.kernel.h && window_input_row(g, oy, first) < 0) ++first;
  std::size_t last = first;
  while (last < g.kernel.h && window_input_row(g, oy, last) < static_cast<std::ptrdiff_t>(g.in.h)) ++last;
  return {first, last};
}

}  // namespace constnet::kernels
