#pragma once
// What every picture of viz/ shares: a grid of equal cells (feature maps or filters) drawn with nearest
// upscaling and separators, its style and layout, and the min-max normalization of values to 8 bits.
//
// Geometry: a grid of R x C cells of h x w values at scale s with separator p is
//   width  = C * w * s + (C - 1) * p,   height = R * h * s + (R - 1) * p
// pixels, RGB. Separators go only between cells (no outer border); cells left empty (a list of maps that
// does not fill the last row) show the separator colour.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "constnet/core/errors.hpp"
#include "constnet/io/image.hpp"
#include "constnet/viz/colormap.hpp"

namespace constnet::viz {

struct picture_style {
  std::size_t scale = 1;                 // each value becomes scale x scale pixels (nearest neighbour)
  std::size_t separator = 1;             // pixels between cells
  rgb separator_colour{255, 255, 255};
  colormap map = colormap::gray;         // ignored by pictures that are RGB by nature (filter_rgb_tiles)
};

/// Which cells to draw: the first rows x cols maps (or filters), or the listed ones in order, row by row,
/// in `cols` columns and as many rows as they need (then `rows` is ignored).
struct grid_layout {
  std::size_t rows = 1;
  std::size_t cols = 6;                  // the seeds' show_feature_maps(rows=1, cols=6)
  std::vector<std::size_t> indices{};
};

namespace detail {

/// Maps values to 8-bit levels: lo -> 0, hi -> 255, linearly, rounded. Built from the finite values of a
/// range; NaN and -inf draw as 0, +inf as 255; a constant range (hi == lo, or no finite value) draws
/// every value as 0, the colormap's lowest colour, as matplotlib's Normalize does.
class level_scale {
 public:
  void include(float v) {
    if (!std::isfinite(v)) return;
    lo_ = std::min(lo_, v);
    hi_ = std::max(hi_, v);
  }
  std::uint8_t operator()(float v) const {
    if (std::isnan(v) || !(hi_ > lo_)) return 0;
    const double t = (static_cast<double>(v) - lo_) / (static_cast<double>(hi_) - lo_);
    return static_cast<std::uint8_t>(std::clamp(t, 0.0, 1.0) * 255.0 + 0.5);
  }

 private:
  float lo_ = std::numeric_limits<float>::infinity();
  float hi_ = -std::numeric_limits<float>::infinity();
};

/// An RGB picture of rows x cols cells of cell_h x cell_w values, filled with the separator colour.
class grid_canvas {
 public:
  grid_canvas(const char* what, std::size_t rows, std::size_t cols, std::size_t cell_h, std::size_t cell_w,
              const picture_style& style)
      : style_(style), cell_h_(cell_h), cell_w_(cell_w) {
    if (rows == 0 || cols == 0 || style.scale == 0)
      throw image_error(std::string(what) + ": rows, cols and scale must be at least 1");
    const std::size_t width = extent(what, cols, cell_w), height = extent(what, rows, cell_h);
    image_ = io::image(width, height, 3);  // image_error past io::image_limits' defaults
    for (std::size_t i = 0; i < width * height; ++i) set_pixel(i % width, i / width, style.separator_colour);
  }

  /// Paints value (y, x) of cell (row, col) in colour c, as a scale x scale block.
  void put(std::size_t row, std::size_t col, std::size_t y, std::size_t x, rgb c) {
    const std::size_t s = style_.scale;
    const std::size_t top = row * (cell_h_ * s + style_.separator) + y * s;
    const std::size_t left = col * (cell_w_ * s + style_.separator) + x * s;
    for (std::size_t dy = 0; dy < s; ++dy)
      for (std::size_t dx = 0; dx < s; ++dx) set_pixel(left + dx, top + dy, c);
  }
  /// Paints a level through the style's colormap.
  void put_level(std::size_t row, std::size_t col, std::size_t y, std::size_t x, std::uint8_t level) {
    put(row, col, y, x, colour_of(style_.map, level));
  }

  io::image take() && { return std::move(image_); }

 private:
  /// cells * size * scale + (cells - 1) * separator, refusing sizes whose arithmetic would overflow.
  std::size_t extent(const char* what, std::size_t cells, std::size_t size) const {
    constexpr std::size_t cap = std::size_t{1} << 31;  // far past any image limit, far from overflow
    if (size > cap || style_.scale > cap / std::max<std::size_t>(size, 1) || cells > cap ||
        style_.separator > cap)
      throw image_error(std::string(what) + ": the picture would be too large");
    const std::size_t cell = size * style_.scale;
    if (cells > cap / (cell + style_.separator)) throw image_error(std::string(what) + ": the picture would be too large");
    return cells * cell + (cells - 1) * style_.separator;
  }
  void set_pixel(std::size_t x, std::size_t y, rgb c) {
    image_.at(x, y, 0) = c.r;
    image_.at(x, y, 1) = c.g;
    image_.at(x, y, 2) = c.b;
  }

  picture_style style_;
  std::size_t cell_h_, cell_w_;
  io::image image_;
};

/// The cells a layout draws out of `available` maps or filters; throws shape_error for an index out of
/// range or a request for more than exist. `rows` receives the grid's row count.
inline std::vector<std::size_t> chosen_cells(const char* what, const grid_layout& layout, std::size_t available,
                                             std::size_t& rows) {
  if (layout.cols == 0) throw image_error(std::string(what) + ": cols must be at least 1");
  if (layout.indices.empty()) {
    if (layout.rows == 0) throw image_error(std::string(what) + ": rows must be at least 1");
    if (layout.cols > available || layout.rows > available / layout.cols)
      throw shape_error(std::string(what) + ": " + std::to_string(layout.rows) + "x" + std::to_string(layout.cols) +
                        " cells, but there are only " + std::to_string(available) + " to show");
    rows = layout.rows;
    std::vector<std::size_t> all(layout.rows * layout.cols);
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    return all;
  }
  for (std::size_t i : layout.indices)
    if (i >= available)
      throw shape_error(std::string(what) + ": index " + std::to_string(i) + " is out of range; there are " +
                        std::to_string(available));
  rows = (layout.indices.size() + layout.cols - 1) / layout.cols;
  return layout.indices;
}

}  // namespace detail
}  // namespace constnet::viz
