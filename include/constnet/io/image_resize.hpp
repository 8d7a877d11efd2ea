#pragma once
// Resizing an io::image, for feeding a network of a fixed input size.
//
// nearest: output pixel x takes source pixel floor((x + 0.5) * in / out), i.e. pixel centres are
//   matched (the half-pixel rule of tf.image.resize(method='nearest') in TF 2 and of PIL's NEAREST, which
//   Keras' load_img uses by default, so the seeds' pictures come out the same). Our own code: stb's
//   resizer has no true nearest filter. Exact, no rounding.
// bilinear: stb_image_resize's triangle filter, clamped at the edges, in linear (not sRGB) space. On
//   upsampling this is textbook bilinear interpolation with the same pixel-centre alignment; on
//   downsampling stb widens the triangle to the scale factor, so it averages the covered pixels instead
//   of aliasing (as PIL's BILINEAR does; tf.image.resize's default antialias=False does not). An alpha
//   channel (channel 1 of 2, 3 of 4) weights the colours it filters, so transparent pixels do not bleed.
//   Results are rounded to 8 bits.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include <stb_image_resize.h>

#include "constnet/core/errors.hpp"
#include "constnet/io/image.hpp"

namespace constnet::io {

enum class resize_filter { nearest, bilinear };

/// requires: a non-empty source; width, height >= 1 and within `limits` (else image_error).
/// ensures: a width x height image with the source's channel count; the source is unchanged.
inline image resize(const image& source, std::size_t width, std::size_t height, resize_filter filter,
                    image_limits limits = {}) {
  if (source.empty()) throw image_error("resize: the source image is empty");
  image::check_extent(width, height, source.channels(), limits, "resize target");
  const std::size_t n = source.channels();
  image result(width, height, n, limits);

  if (filter == resize_filter::nearest) {
    for (std::size_t y = 0; y < height; ++y) {
      const std::size_t sy = (2 * y + 1) * source.height() / (2 * height);
      for (std::size_t x = 0; x < width; ++x) {
        const std::size_t sx = (2 * x + 1) * source.width() / (2 * width);
        for (std::size_t c = 0; c < n; ++c) result.at(x, y, c) = source.at(sx, sy, c);
      }
    }
    return result;
  }

  constexpr auto int_max = static_cast<std::size_t>(std::numeric_limits<int>::max());
  if (source.width() * n > int_max || width * n > int_max || source.height() > int_max || height > int_max)
    throw image_error("resize: " + std::to_string(source.width()) + "x" + std::to_string(source.height()) + " to " +
                      std::to_string(width) + "x" + std::to_string(height) + " is beyond stb_image_resize's int sizes");
  const int alpha = (n == 2 || n == 4) ? static_cast<int>(n) - 1 : STBIR_ALPHA_CHANNEL_NONE;
  const int ok = stbir_resize_uint8_generic(
      source.pixels().data(), static_cast<int>(source.width()), static_cast<int>(source.height()),
      static_cast<int>(source.width() * n), result.pixels().data(), static_cast<int>(width),
      static_cast<int>(height), static_cast<int>(width * n), static_cast<int>(n), alpha, 0, STBIR_EDGE_CLAMP,
      STBIR_FILTER_TRIANGLE, STBIR_COLORSPACE_LINEAR, nullptr);
  if (ok == 0) throw image_error("resize: stb_image_resize failed (out of memory for its work buffers)");
  return result;
}

}  // namespace constnet::io
