#pragma once
// Resizing an io::image, for feeding a network of a fixed input size.
//
// nearest: output pixel x takes source pixel floor((x + 0.5) * in / out), i.e. pixel centres are
//   matched (the half-pixel rule of tf.image.resize(method='nearest') in TF 2 and of PIL's NEAREST, which
//   Keras' load_img uses by default, so the seeds' pictures come out the same). Our own code: stb's
//   resizer has no true nearest filter. Exact, no rounding.
// bilinear: a triangle filter, separable, clamped at the edges, in linear (not sRGB) space, computed in
//   double and rounded to 8 bits. On upsampling this is textbook bilinear interpolation with the same
//   pixel-centre alignment; on downsampling the triangle widens to the scale factor, so it averages the
//   covered pixels instead of aliasing (as PIL's BILINEAR does; tf.image.resize's default
//   antialias=False does not). An alpha channel (channel 1 of 2, 3 of 4) weights the colours it
//   filters, so transparent pixels do not bleed. This was stb_image_resize's STBIR_FILTER_TRIANGLE,
//   until fuzzing found that Debian's build of it aborts the process on ordinary downsamplings (an
//   assertion on its coefficient sums: 263-283 rows to 224, 36-47 to 32, 45 to 3; nothings/stb#1449,
//   open): here the weights are normalized by their sum, whatever it is.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "constnet/core/errors.hpp"
#include "constnet/io/image.hpp"

namespace constnet::io {

enum class resize_filter { nearest, bilinear };

namespace detail {

/// The triangle filter's taps for resizing one axis from `in` to `out` samples: output i takes
/// weight[t] of source sample index[t] for t in [first[i], first[i + 1]); weights sum to 1.
struct filter_taps {
  std::vector<std::size_t> first, index;
  std::vector<double> weight;
};

inline filter_taps triangle_taps(std::size_t in, std::size_t out) {
  filter_taps taps;
  taps.first.reserve(out + 1);
  const double scale = static_cast<double>(out) / static_cast<double>(in);
  const double radius = scale >= 1.0 ? 1.0 : 1.0 / scale;  // in source samples
  const auto last = static_cast<long>(in) - 1;
  for (std::size_t i = 0; i < out; ++i) {
    taps.first.push_back(taps.index.size());
    const double centre = (static_cast<double>(i) + 0.5) / scale - 0.5;  // pixel centres aligned
    const auto lo = static_cast<long>(std::floor(centre - radius)), hi = static_cast<long>(std::ceil(centre + radius));
    double sum = 0.0;
    const std::size_t begin = taps.index.size();
    for (long j = lo; j <= hi; ++j) {
      const double w = 1.0 - std::abs(static_cast<double>(j) - centre) / radius;
      if (w <= 0.0) continue;
      taps.index.push_back(static_cast<std::size_t>(std::clamp(j, 0L, last)));  // edges clamped
      taps.weight.push_back(w);
      sum += w;
    }
    for (std::size_t t = begin; t < taps.weight.size(); ++t) taps.weight[t] /= sum;
  }
  taps.first.push_back(taps.index.size());
  return taps;
}

}  // namespace detail

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

  const bool has_alpha = n == 2 || n == 4;
  const std::size_t alpha = n - 1;
  // Rows of the source as floats, colours premultiplied by alpha; then along x, then along y.
  std::vector<double> source_row(source.width() * n), across(width * source.height() * n, 0.0);
  const detail::filter_taps along_x = detail::triangle_taps(source.width(), width);
  for (std::size_t y = 0; y < source.height(); ++y) {
    for (std::size_t x = 0; x < source.width(); ++x) {
      const double a = has_alpha ? source.at(x, y, alpha) / 255.0 : 1.0;
      for (std::size_t c = 0; c < n; ++c)
        source_row[x * n + c] = has_alpha && c != alpha ? source.at(x, y, c) * a : source.at(x, y, c);
    }
    double* out = across.data() + y * width * n;
    for (std::size_t x = 0; x < width; ++x)
      for (std::size_t t = along_x.first[x]; t < along_x.first[x + 1]; ++t)
        for (std::size_t c = 0; c < n; ++c) out[x * n + c] += along_x.weight[t] * source_row[along_x.index[t] * n + c];
  }
  const detail::filter_taps along_y = detail::triangle_taps(source.height(), height);
  std::vector<double> pixel(n);
  for (std::size_t y = 0; y < height; ++y)
    for (std::size_t x = 0; x < width; ++x) {
      std::fill(pixel.begin(), pixel.end(), 0.0);
      for (std::size_t t = along_y.first[y]; t < along_y.first[y + 1]; ++t)
        for (std::size_t c = 0; c < n; ++c) pixel[c] += along_y.weight[t] * across[(along_y.index[t] * width + x) * n + c];
      const double a = has_alpha ? pixel[alpha] / 255.0 : 1.0;
      for (std::size_t c = 0; c < n; ++c) {
        // Un-premultiply; a pixel that came out fully transparent keeps its (invisible) premultiplied colour.
        const double v = has_alpha && c != alpha && a > 0.0 ? pixel[c] / a : pixel[c];
        result.at(x, y, c) = static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L));
      }
    }
  return result;
}

}  // namespace constnet::io
