#pragma once
// The image operations activation maximization regularizes with, on NHWC float images of one batch
// entry (h x w x c): circular shifts (jitter), a separable Gaussian blur, and bilinear resampling with its
// exact transpose (octaves). No allocation except where a scratch vector is passed in.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

namespace constnet::image_ops {

/// out(y, x) = in((y - dy) mod h, (x - dx) mod w): the image moved by (dy, dx), wrapping around.
/// requires: in and out do not overlap and hold h * w * c floats.
inline void roll(std::span<const float> in, std::span<float> out, std::size_t h, std::size_t w, std::size_t c,
                 long dy, long dx) {
  const long H = static_cast<long>(h), W = static_cast<long>(w);
  for (long y = 0; y < H; ++y) {
    const long sy = ((y - dy) % H + H) % H;
    for (long x = 0; x < W; ++x) {
      const long sx = ((x - dx) % W + W) % W;
      std::copy_n(in.data() + (sy * W + sx) * static_cast<long>(c), c, out.data() + (y * W + x) * static_cast<long>(c));
    }
  }
}

/// A Gaussian of standard deviation sigma, truncated at 3 sigma and normalized to sum 1.
inline std::vector<float> gaussian_taps(float sigma) {
  const long radius = std::max(1L, static_cast<long>(std::ceil(3.0f * sigma)));
  std::vector<float> taps(static_cast<std::size_t>(2 * radius + 1));
  double sum = 0;
  for (long i = -radius; i <= radius; ++i) sum += taps[static_cast<std::size_t>(i + radius)] =
      static_cast<float>(std::exp(-0.5 * static_cast<double>(i * i) / (static_cast<double>(sigma) * sigma)));
  for (float& t : taps) t = static_cast<float>(t / sum);
  return taps;
}

/// Blurs the image in place with `taps` (odd length) along y then x; edges repeat the border pixel.
/// scratch: h * w * c floats.
inline void blur(std::span<float> image, std::span<float> scratch, std::size_t h, std::size_t w, std::size_t c,
                 std::span<const float> taps) {
  const long r = static_cast<long>(taps.size() / 2), H = static_cast<long>(h), W = static_cast<long>(w);
  const long C = static_cast<long>(c);
  for (long y = 0; y < H; ++y)
    for (long x = 0; x < W; ++x)
      for (long ch = 0; ch < C; ++ch) {
        float sum = 0;
        for (long k = -r; k <= r; ++k)
          sum += taps[static_cast<std::size_t>(k + r)] * image[static_cast<std::size_t>((std::clamp(y + k, 0L, H - 1) * W + x) * C + ch)];
        scratch[static_cast<std::size_t>((y * W + x) * C + ch)] = sum;
      }
  for (long y = 0; y < H; ++y)
    for (long x = 0; x < W; ++x)
      for (long ch = 0; ch < C; ++ch) {
        float sum = 0;
        for (long k = -r; k <= r; ++k)
          sum += taps[static_cast<std::size_t>(k + r)] * scratch[static_cast<std::size_t>((y * W + std::clamp(x + k, 0L, W - 1)) * C + ch)];
        image[static_cast<std::size_t>((y * W + x) * C + ch)] = sum;
      }
}

namespace detail {
struct bilinear_tap {
  std::size_t i0, i1;
  float w1;  // the weight of i1; i0 gets 1 - w1
};
/// Output cell k of `to` cells sampling `from` cells: pixel centres aligned, edges clamped.
inline bilinear_tap bilinear(std::size_t to, std::size_t from, std::size_t k) {
  const double src = (static_cast<double>(k) + 0.5) * static_cast<double>(from) / static_cast<double>(to) - 0.5;
  const double clamped = std::clamp(src, 0.0, static_cast<double>(from - 1));
  const std::size_t i0 = static_cast<std::size_t>(std::floor(clamped));
  return {i0, std::min(i0 + 1, from - 1), static_cast<float>(clamped - static_cast<double>(i0))};
}

/// Calls f(output index, four input indices, four weights) for every output pixel of an hi x wi -> ho x wo
/// bilinear resize (indices of pixels, not floats).
template <class F>
void for_each_bilinear(std::size_t hi, std::size_t wi, std::size_t ho, std::size_t wo, F&& f) {
  for (std::size_t y = 0; y < ho; ++y) {
    const bilinear_tap ty = bilinear(ho, hi, y);
    for (std::size_t x = 0; x < wo; ++x) {
      const bilinear_tap tx = bilinear(wo, wi, x);
      f(y * wo + x, ty.i0 * wi + tx.i0, ty.i0 * wi + tx.i1, ty.i1 * wi + tx.i0, ty.i1 * wi + tx.i1,
        (1 - ty.w1) * (1 - tx.w1), (1 - ty.w1) * tx.w1, ty.w1 * (1 - tx.w1), ty.w1 * tx.w1);
    }
  }
}
}  // namespace detail

/// Bilinear resize of an hi x wi x c image to ho x wo x c (either direction); out is overwritten.
inline void resize(std::span<const float> in, std::size_t hi, std::size_t wi, std::span<float> out, std::size_t ho,
                   std::size_t wo, std::size_t c) {
  detail::for_each_bilinear(hi, wi, ho, wo, [&](std::size_t o, std::size_t a, std::size_t b, std::size_t d, std::size_t e,
                                                float wa, float wb, float wd, float we) {
    for (std::size_t ch = 0; ch < c; ++ch)
      out[o * c + ch] = wa * in[a * c + ch] + wb * in[b * c + ch] + wd * in[d * c + ch] + we * in[e * c + ch];
  });
}

/// The adjoint (transpose) of resize(hi x wi -> ho x wo): takes a gradient w.r.t. the resized ho x wo
/// image to the gradient w.r.t. the hi x wi one. grad_in is overwritten.
inline void resize_adjoint(std::span<const float> grad_out, std::size_t ho, std::size_t wo, std::span<float> grad_in,
                           std::size_t hi, std::size_t wi, std::size_t c) {
  std::fill(grad_in.begin(), grad_in.end(), 0.0f);
  detail::for_each_bilinear(hi, wi, ho, wo, [&](std::size_t o, std::size_t a, std::size_t b, std::size_t d,
                                                std::size_t e, float wa, float wb, float wd, float we) {
    for (std::size_t ch = 0; ch < c; ++ch) {
      const float g = grad_out[o * c + ch];
      grad_in[a * c + ch] += wa * g;
      grad_in[b * c + ch] += wb * g;
      grad_in[d * c + ch] += wd * g;
      grad_in[e * c + ch] += we * g;
    }
  });
}

}  // namespace constnet::image_ops
