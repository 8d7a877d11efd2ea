#pragma once
// A layer's feature maps as one picture, as the seeds' show_feature_maps draws them: a grid of maps, each
// min-max normalized on its own (so every map uses the full range of gray or of the colormap), upscaled
// with nearest neighbour, separated by thin lines. Geometry and empty cells: viz/grid.hpp.

#include <cstddef>
#include <span>
#include <string>

#include "constnet/core/errors.hpp"
#include "constnet/core/shape.hpp"
#include "constnet/io/image.hpp"
#include "constnet/viz/grid.hpp"

namespace constnet::viz {

/// requires: `maps` holds one image's activations, NHWC of shape `s` (rank 3: H x W x C), so
///   maps.size() == s.elements() (else shape_error; a flat rank-1 layer output is a shape_error too);
///   the layout's maps exist (else shape_error); rows, cols and scale >= 1 (else image_error).
/// ensures: an RGB image (geometry in viz/grid.hpp); cell k shows channel indices[k] (or k), each value
///   v at level round(255 * (v - min) / (max - min)) over that map's finite values; a constant map is
///   all level 0 (black in gray, dark purple in viridis).
inline io::image feature_map_grid(std::span<const float> maps, shape s, const grid_layout& layout = {},
                                  const picture_style& style = {}) {
  if (s.rank != 3 || s.elements() == 0)
    throw shape_error("feature_map_grid: needs H x W x C feature maps, not a flat vector of " +
                      std::to_string(s.elements()) + " features");
  if (maps.size() != s.elements())
    throw shape_error("feature_map_grid: expected " + std::to_string(s.elements()) + " floats (" + std::to_string(s.h) +
                      "x" + std::to_string(s.w) + "x" + std::to_string(s.c) + "), got " + std::to_string(maps.size()));
  std::size_t rows = 0;
  const auto cells = detail::chosen_cells("feature_map_grid", layout, s.c, rows);
  detail::grid_canvas canvas("feature_map_grid", rows, layout.cols, s.h, s.w, style);
  for (std::size_t k = 0; k < cells.size(); ++k) {
    const std::size_t channel = cells[k];
    detail::level_scale scale;
    for (std::size_t p = 0; p < s.h * s.w; ++p) scale.include(maps[p * s.c + channel]);
    for (std::size_t y = 0; y < s.h; ++y)
      for (std::size_t x = 0; x < s.w; ++x)
        canvas.put_level(k / layout.cols, k % layout.cols, y, x, scale(maps[(y * s.w + x) * s.c + channel]));
  }
  return std::move(canvas).take();
}

}  // namespace constnet::viz
