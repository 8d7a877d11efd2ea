#pragma once
// Reference input gradient of a depthwise convolution, in the scatter form of backward/conv2d.hpp: every
// output value sends its gradient back along each tap that produced it, into its own input channel only
// (output channel oc = c*M + m reads input channel c):
//   dx[n][iy][ix][c] = sum over (oy, ox, ky, kx) with iy = oy*s + ky*d - pad_top (same for x),
//                      sum over m of dz[n][oy][ox][c*M + m] * w[ky][kx][c][m].
// Padded taps have no input cell and receive nothing. Bias has no input gradient. The activation's own
// gradient (backward/activation.hpp) is applied to dz beforehand.

#include <algorithm>
#include <cstddef>
#include <span>
#include <string_view>
#include <type_traits>

#include "constnet/core/geometry.hpp"

namespace constnet::kernels::backward {

struct depthwise_conv2d {
  static constexpr std::string_view name = "f32_depthwise_conv2d_input_gradient_nhwc_reference_scalar";
  static constexpr bool supports(const depthwise_conv2d_geometry&) { return true; }
  static constexpr std::size_t scratch_bytes(const depthwise_conv2d_geometry&, std::size_t) { return 0; }

  /// Adds `gradient` (d objective / d output channel oc at (oy, ox)) times each tap of oc's filter to the
  /// input cell under it, in input channel oc / M of one image's dx. Also the depthwise stage of
  /// backward::separable_conv2d.
  template <class T>
  static void scatter(const depthwise_conv2d_geometry& g, const T* kernel, T gradient, T* image, std::size_t oy,
                      std::size_t ox, std::size_t oc) {
    T* channel = image + oc / g.multiplier;
    const T* filter = kernel + oc;
    for (std::size_t ky = 0; ky < g.kernel.h; ++ky) {
      const std::ptrdiff_t iy = static_cast<std::ptrdiff_t>(oy * g.stride.h + ky * g.dilation.h) -
                                static_cast<std::ptrdiff_t>(g.pad.top);
      if (iy < 0 || iy >= static_cast<std::ptrdiff_t>(g.in.h)) continue;
      for (std::size_t kx = 0; kx < g.kernel.w; ++kx) {
        const std::ptrdiff_t ix = static_cast<std::ptrdiff_t>(ox * g.stride.w + kx * g.dilation.w) -
                                  static_cast<std::ptrdiff_t>(g.pad.left);
        if (ix < 0 || ix >= static_cast<std::ptrdiff_t>(g.in.w)) continue;
        const std::size_t cell = static_cast<std::size_t>(iy) * g.in.w + static_cast<std::size_t>(ix);
        channel[cell * g.in.c] += gradient * filter[(ky * g.kernel.w + kx) * g.out.c];
      }
    }
  }

  /// weights: the canonical kernel [kh][kw][in.c][multiplier] (then bias, unused). dz: batch x out (the
  /// gradient w.r.t. the pre-activation). ensures: dx (batch x in) is overwritten with the gradient.
  template <class T>
  static void run(const depthwise_conv2d_geometry& g, std::span<const std::type_identity_t<T>> weights,
                  const std::type_identity_t<T>* dz, T* dx, std::byte*, std::size_t batch) {
    std::fill_n(dx, batch * g.in.elements(), T(0));
    for (std::size_t n = 0; n < batch; ++n) {
      T* image = dx + n * g.in.elements();
      for (std::size_t oy = 0; oy < g.out.h; ++oy)
        for (std::size_t ox = 0; ox < g.out.w; ++ox) {
          const T* pixel = dz + n * g.out.elements() + (oy * g.out.w + ox) * g.out.c;
          for (std::size_t oc = 0; oc < g.out.c; ++oc) scatter<T>(g, weights.data(), pixel[oc], image, oy, ox, oc);
        }
    }
  }
};

}  // namespace constnet::kernels::backward
