#pragma once
// Pictures of what neurons want (seed 002): images synthesized by activation maximization
// (explain/maximize.hpp), and receptive-field boxes drawn on images.
//
//   synthesized_grid        one cell per synthesized image (e.g. one per filter of a list), row by row
//   neuron_picture          a single neuron's synthesized image, its receptive-field box outlined, and
//                           beside it the zoomed crop of that box (nearest upscaling)
//   receptive_field_overlay a neuron's receptive-field box as a rectangle on a real image, the box scaled
//                           from the network's input size to the image's size
//   gray_canvas             the neutral picture the box is drawn on when there is no image
//
// Display normalization (display_range): each synthesized image on its own, clipped to mean +- 3
// standard deviations (and to its min and max), then that range linearly to 0..255. Ascent leaves a few
// extreme pixels (a min-max scale would spend the whole gray range on them and show the rest as flat
// gray); three standard deviations keep every structure the eye sees while ignoring those outliers.
// The three channels of an RGB image share one range, so colours are not distorted; one-channel images
// are drawn gray. A constant image draws black (level 0), as level_scale does.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>

#include "constnet/core/errors.hpp"
#include "constnet/explain/receptive_field.hpp"
#include "constnet/io/image.hpp"
#include "constnet/viz/colormap.hpp"
#include "constnet/viz/grid.hpp"

namespace constnet::viz {

/// h x w x c values, NHWC without the N: one synthesized image (c is 1 or 3).
struct float_image {
  std::span<const float> values;
  std::size_t h = 0, w = 0, c = 0;

  float at(std::size_t y, std::size_t x, std::size_t ch) const { return values[(y * w + x) * c + ch]; }
};

/// The value range [lo, hi] an image is displayed with (see the top of the file); NaN and infinities ignored.
struct display_range {
  double lo = 0, hi = 0;

  static display_range of(std::span<const float> values) {
    double sum = 0, squares = 0, min = INFINITY, max = -INFINITY;
    std::size_t n = 0;
    for (float v : values) {
      if (!std::isfinite(v)) continue;
      sum += v;
      squares += static_cast<double>(v) * v;
      min = std::min<double>(min, v);
      max = std::max<double>(max, v);
      ++n;
    }
    if (n == 0) return {};
    const double mean = sum / static_cast<double>(n);
    const double sd = std::sqrt(std::max(0.0, squares / static_cast<double>(n) - mean * mean));
    return {std::max(min, mean - 3 * sd), std::min(max, mean + 3 * sd)};
  }

  std::uint8_t level(float v) const {
    if (std::isnan(v) || !(hi > lo)) return 0;
    const double t = (static_cast<double>(v) - lo) / (hi - lo);
    return static_cast<std::uint8_t>(std::clamp(t, 0.0, 1.0) * 255.0 + 0.5);
  }
};

namespace detail {

inline void check_float_image(const char* what, const float_image& im) {
  if (im.h == 0 || im.w == 0 || (im.c != 1 && im.c != 3))
    throw shape_error(std::string(what) + ": a synthesized image is h x w x 1 or 3 with h, w >= 1; got " +
                      std::to_string(im.h) + "x" + std::to_string(im.w) + "x" + std::to_string(im.c));
  if (im.values.size() != im.h * im.w * im.c)
    throw shape_error(std::string(what) + ": " + std::to_string(im.values.size()) + " values are not one " +
                      std::to_string(im.h) + "x" + std::to_string(im.w) + "x" + std::to_string(im.c) + " image");
}

inline rgb display_colour(const float_image& im, const display_range& r, std::size_t y, std::size_t x) {
  if (im.c == 1) {
    const std::uint8_t l = r.level(im.at(y, x, 0));
    return {l, l, l};
  }
  return {r.level(im.at(y, x, 0)), r.level(im.at(y, x, 1)), r.level(im.at(y, x, 2))};
}

inline void set_rgb(io::image& picture, std::size_t x, std::size_t y, rgb c) {
  picture.at(x, y, 0) = c.r;
  picture.at(x, y, 1) = c.g;
  picture.at(x, y, 2) = c.b;
}

/// Outlines rows [y0, y1) x columns [x0, x1) of an RGB picture with a `thickness`-pixel rectangle drawn
/// inside the box (a box thinner than twice the thickness is filled).
inline void outline(io::image& picture, std::size_t y0, std::size_t y1, std::size_t x0, std::size_t x1,
                    std::size_t thickness, rgb colour) {
  for (std::size_t y = y0; y < y1; ++y)
    for (std::size_t x = x0; x < x1; ++x)
      if (y < y0 + thickness || y + thickness >= y1 || x < x0 + thickness || x + thickness >= x1)
        set_rgb(picture, x, y, colour);
}

}  // namespace detail

/// The synthesized images of `images` (count images of h x w x c, one after the other) in a grid of
/// `cols` columns and as many rows as needed, each normalized on its own (display_range), each value a
/// style.scale block; geometry and separators as viz/grid.hpp. Throws shape_error for a malformed
/// image list, image_error for cols == 0 or a picture too large.
inline io::image synthesized_grid(std::span<const float> images, std::size_t count, std::size_t h, std::size_t w,
                                  std::size_t c, std::size_t cols, const picture_style& style = {.scale = 4}) {
  if (count == 0 || cols == 0) throw image_error("synthesized_grid: count and cols must be at least 1");
  if (h == 0 || w == 0 || images.size() % count != 0)
    throw shape_error("synthesized_grid: " + std::to_string(images.size()) + " values are not " +
                      std::to_string(count) + " images");
  const std::size_t per_image = images.size() / count;
  const std::size_t rows = (count + cols - 1) / cols;
  detail::grid_canvas canvas("synthesized_grid", rows, std::min(cols, count), h, w, style);
  for (std::size_t i = 0; i < count; ++i) {
    const float_image im{images.subspan(i * per_image, per_image), h, w, c};
    detail::check_float_image("synthesized_grid", im);
    const display_range range = display_range::of(im.values);
    for (std::size_t y = 0; y < h; ++y)
      for (std::size_t x = 0; x < w; ++x)
        canvas.put(i / cols, i % cols, y, x, detail::display_colour(im, range, y, x));
  }
  return std::move(canvas).take();
}

/// What neuron_picture draws besides the image.
struct neuron_picture_style {
  std::size_t scale = 4;                 // the synthesized image: pixels per value
  std::size_t separator = 4;             // pixels between the two panels
  rgb background{255, 255, 255};         // the separator, and below a crop shorter than the image
  rgb box_colour{255, 0, 0};
  std::size_t box_thickness = 1;         // the box outlined on the image; 0: no outline
};

/// Left: the synthesized image at style.scale, its receptive-field box outlined. Right: the crop of
/// that box, upscaled by the largest whole factor that keeps it within the left panel's height and
/// width (at least 1), top-aligned. Both panels share the image's display_range, so the crop shows
/// the same values as the box. Picture: width = w*s + separator + box.width()*zoom, height = h*s.
/// requires: box non-empty and inside the image (else shape_error); image as synthesized_grid.
inline io::image neuron_picture(const float_image& image, const pixel_box& box, const neuron_picture_style& style = {}) {
  detail::check_float_image("neuron_picture", image);
  if (box.area() == 0 || box.y1 > image.h || box.x1 > image.w)
    throw shape_error("neuron_picture: the box rows [" + std::to_string(box.y0) + ", " + std::to_string(box.y1) +
                      ") x columns [" + std::to_string(box.x0) + ", " + std::to_string(box.x1) +
                      ") is empty or outside the " + std::to_string(image.h) + "x" + std::to_string(image.w) + " image");
  if (style.scale == 0) throw image_error("neuron_picture: scale must be at least 1");
  const std::size_t s = style.scale, left_w = image.w * s, height = image.h * s;
  const std::size_t zoom = std::max<std::size_t>(1, std::min(height / box.height(), left_w / box.width()));
  const std::size_t crop_left = left_w + style.separator;
  io::image picture(crop_left + box.width() * zoom, std::max(height, box.height() * zoom), 3);
  for (std::size_t y = 0; y < picture.height(); ++y)
    for (std::size_t x = 0; x < picture.width(); ++x) detail::set_rgb(picture, x, y, style.background);

  const display_range range = display_range::of(image.values);
  for (std::size_t y = 0; y < image.h; ++y)
    for (std::size_t x = 0; x < image.w; ++x) {
      const rgb c = detail::display_colour(image, range, y, x);
      for (std::size_t dy = 0; dy < s; ++dy)
        for (std::size_t dx = 0; dx < s; ++dx) detail::set_rgb(picture, x * s + dx, y * s + dy, c);
    }
  for (std::size_t y = 0; y < box.height() * zoom; ++y)
    for (std::size_t x = 0; x < box.width() * zoom; ++x)
      detail::set_rgb(picture, crop_left + x, y, detail::display_colour(image, range, box.y0 + y / zoom, box.x0 + x / zoom));
  if (style.box_thickness > 0)
    detail::outline(picture, box.y0 * s, box.y1 * s, box.x0 * s, box.x1 * s, style.box_thickness, style.box_colour);
  return picture;
}

/// A box of a from_h x from_w image scaled to a to_h x to_w resizing of it, rounding outwards (rows
/// [floor(y0*to_h/from_h), ceil(y1*to_h/from_h)), and so for columns), so it covers at least the same area.
inline pixel_box scale_box(const pixel_box& box, std::size_t from_h, std::size_t from_w, std::size_t to_h,
                           std::size_t to_w) {
  auto down = [](std::size_t v, std::size_t to, std::size_t from) { return v * to / from; };
  auto up = [](std::size_t v, std::size_t to, std::size_t from) { return (v * to + from - 1) / from; };
  return {down(box.y0, to_h, from_h), up(box.y1, to_h, from_h), down(box.x0, to_w, from_w), up(box.x1, to_w, from_w)};
}

/// A copy of `picture` as RGB (gray replicated, alpha dropped) with `box` outlined: the box is in the
/// coordinates of the network's input_h x input_w input and is scaled to the picture's size (the picture
/// was resized to the input), rounding outwards (rows [floor(y0*H/input_h), ceil(y1*H/input_h)), and so
/// for columns) so the rectangle never cuts into the field. The rectangle is `thickness` pixels wide,
/// inside the scaled box. Throws image_error for an empty picture, shape_error for an empty box or
/// one outside the input.
inline io::image receptive_field_overlay(const io::image& picture, const pixel_box& box, std::size_t input_h,
                                         std::size_t input_w, rgb colour = {255, 0, 0}, std::size_t thickness = 2) {
  if (picture.empty()) throw image_error("receptive_field_overlay: the picture is empty");
  if (box.area() == 0 || box.y1 > input_h || box.x1 > input_w)
    throw shape_error("receptive_field_overlay: the box is empty or outside the " + std::to_string(input_h) + "x" +
                      std::to_string(input_w) + " input");
  io::image out(picture.width(), picture.height(), 3, io::image_limits::unchecked());
  for (std::size_t y = 0; y < picture.height(); ++y)
    for (std::size_t x = 0; x < picture.width(); ++x)
      for (std::size_t c = 0; c < 3; ++c) out.at(x, y, c) = picture.at(x, y, picture.channels() >= 3 ? c : 0);
  const pixel_box scaled = scale_box(box, input_h, input_w, picture.height(), picture.width());
  detail::outline(out, scaled.y0, scaled.y1, scaled.x0, scaled.x1, thickness, colour);
  return out;
}

/// A neutral mid-gray RGB picture (level 128), for drawing a receptive field when there is no image.
inline io::image gray_canvas(std::size_t height, std::size_t width) {
  io::image out(width, height, 3);
  std::fill(out.pixels().begin(), out.pixels().end(), std::uint8_t{128});
  return out;
}

}  // namespace constnet::viz
