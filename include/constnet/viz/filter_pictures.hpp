#pragma once
// A convolution layer's filters as pictures, the three ways the seeds look at them. Every function takes
// the kernel in the model's (Keras) layout HWIO, [kh][kw][in channels][filters], and returns an RGB image
// (geometry in viz/grid.hpp); the default style draws each weight as a 16 x 16 block, because kernels
// are 3 x 3 or so.
//
//   filter_channels_figure  seed 003's figure: one row per filter, one column per input channel, gray,
//                           normalized to [0, 1] over the whole layer (all filters, all channels: the
//                           seed's (filters - filters.min()) / (filters.max() - filters.min())), so cells
//                           compare with each other;
//   filter_rgb_tiles        a first layer's filters (3 input channels) as colour tiles, input channels
//                           0, 1, 2 as R, G, B, normalized over the whole layer: the familiar picture of
//                           edge and colour detectors;
//   filter_grid             seed 000's show_filters grid for deeper layers: rows x cols filters, each
//                           showing one chosen input channel or, by default, the mean over all input
//                           channels, normalized per filter (as feature maps are: a mean over hundreds of
//                           channels spans a small range that a layer-wide scale would flatten to gray).

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "constnet/core/errors.hpp"
#include "constnet/core/shape.hpp"
#include "constnet/io/image.hpp"
#include "constnet/viz/feature_map_grid.hpp"
#include "constnet/viz/grid.hpp"

namespace constnet::viz {

/// A convolution kernel in HWIO layout; values.size() must be kh * kw * in * filters.
struct conv_kernel_view {
  std::span<const float> values;
  std::size_t kh = 0, kw = 0, in = 0, filters = 0;

  float at(std::size_t y, std::size_t x, std::size_t channel, std::size_t filter) const {
    return values[((y * kw + x) * in + channel) * filters + filter];
  }
};

inline constexpr picture_style filter_style{.scale = 16};

namespace detail {
inline void check_kernel(const char* what, const conv_kernel_view& k) {
  if (k.kh == 0 || k.kw == 0 || k.in == 0 || k.filters == 0)
    throw shape_error(std::string(what) + ": a kernel needs every dimension >= 1");
  std::size_t rest = k.values.size();  // divided out dimension by dimension: a product could overflow
  for (std::size_t d : {k.kh, k.kw, k.in, k.filters}) rest = rest % d == 0 ? rest / d : 0;
  if (rest != 1)
    throw shape_error(std::string(what) + ": " + std::to_string(k.values.size()) + " values do not make a " +
                      std::to_string(k.kh) + "x" + std::to_string(k.kw) + "x" + std::to_string(k.in) + "x" +
                      std::to_string(k.filters) + " kernel");
}
inline level_scale whole_layer_scale(const conv_kernel_view& k) {
  level_scale scale;
  for (float v : k.values) scale.include(v);
  return scale;
}
}  // namespace detail

/// Seed 003's figure: row r is filter r (of the first `filters`), column c its input channel c (of the
/// first `channels`, all by default). Throws shape_error for a malformed kernel or more filters or
/// channels than it has, image_error for zero counts or a picture past io::image_limits.
inline io::image filter_channels_figure(const conv_kernel_view& k, std::size_t filters = 6,
                                        std::optional<std::size_t> channels = std::nullopt,
                                        const picture_style& style = filter_style) {
  detail::check_kernel("filter_channels_figure", k);
  const std::size_t cols = channels.value_or(k.in);
  if (filters > k.filters || cols > k.in)
    throw shape_error("filter_channels_figure: " + std::to_string(filters) + " filters x " + std::to_string(cols) +
                      " channels asked of a kernel with " + std::to_string(k.filters) + " filters of " +
                      std::to_string(k.in) + " channels");
  detail::grid_canvas canvas("filter_channels_figure", filters, cols, k.kh, k.kw, style);
  const auto scale = detail::whole_layer_scale(k);
  for (std::size_t f = 0; f < filters; ++f)
    for (std::size_t c = 0; c < cols; ++c)
      for (std::size_t y = 0; y < k.kh; ++y)
        for (std::size_t x = 0; x < k.kw; ++x) canvas.put_level(f, c, y, x, scale(k.at(y, x, c, f)));
  return std::move(canvas).take();
}

/// First-layer filters as RGB tiles, laid out by `layout` (cells are filters). requires k.in == 3 (else
/// shape_error); style.map is not used. Other errors as filter_channels_figure.
inline io::image filter_rgb_tiles(const conv_kernel_view& k, const grid_layout& layout = {},
                                  const picture_style& style = filter_style) {
  detail::check_kernel("filter_rgb_tiles", k);
  if (k.in != 3)
    throw shape_error("filter_rgb_tiles: RGB tiles need a kernel with 3 input channels; this one has " +
                      std::to_string(k.in) + " (use filter_grid or filter_channels_figure)");
  std::size_t rows = 0;
  const auto cells = detail::chosen_cells("filter_rgb_tiles", layout, k.filters, rows);
  detail::grid_canvas canvas("filter_rgb_tiles", rows, layout.cols, k.kh, k.kw, style);
  const auto scale = detail::whole_layer_scale(k);
  for (std::size_t i = 0; i < cells.size(); ++i)
    for (std::size_t y = 0; y < k.kh; ++y)
      for (std::size_t x = 0; x < k.kw; ++x)
        canvas.put(i / layout.cols, i % layout.cols, y, x,
                   rgb{scale(k.at(y, x, 0, cells[i])), scale(k.at(y, x, 1, cells[i])), scale(k.at(y, x, 2, cells[i]))});
  return std::move(canvas).take();
}

/// Seed 000's grid: filters laid out by `layout`, each drawn from input channel `channel` or, when it is
/// nullopt, the mean over the input channels; each normalized on its own, in style.map. Throws
/// shape_error for a channel out of range; other errors as filter_channels_figure.
inline io::image filter_grid(const conv_kernel_view& k, const grid_layout& layout = {},
                             std::optional<std::size_t> channel = std::nullopt, const picture_style& style = filter_style) {
  detail::check_kernel("filter_grid", k);
  if (channel && *channel >= k.in)
    throw shape_error("filter_grid: input channel " + std::to_string(*channel) + " is out of range; the kernel has " +
                      std::to_string(k.in));
  // The chosen slice is a kh x kw x filters stack, i.e. feature maps: draw it as such.
  std::vector<float> slice(k.kh * k.kw * k.filters, 0.0f);
  for (std::size_t y = 0; y < k.kh; ++y)
    for (std::size_t x = 0; x < k.kw; ++x)
      for (std::size_t f = 0; f < k.filters; ++f) {
        float& v = slice[(y * k.kw + x) * k.filters + f];
        if (channel) {
          v = k.at(y, x, *channel, f);
        } else {
          double sum = 0.0;
          for (std::size_t c = 0; c < k.in; ++c) sum += k.at(y, x, c, f);
          v = static_cast<float>(sum / static_cast<double>(k.in));
        }
      }
  try {
    return feature_map_grid(slice, feature_maps(k.kh, k.kw, k.filters), layout, style);
  } catch (const shape_error& e) {
    throw shape_error(std::string("filter_grid: ") + e.what());
  }
}

}  // namespace constnet::viz
