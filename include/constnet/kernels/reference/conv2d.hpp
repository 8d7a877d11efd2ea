#pragma once
// Reference 2-D convolution (cross-correlation, as every framework computes it): NHWC activations,
// HWIO kernel then bias, accumulation in (ky, kx, ic) order, activation over each output pixel. Templated
// on the scalar: float in models, double in precision tests.

#include <cstddef>
#include <span>
#include <string_view>
#include <type_traits>

#include "constnet/core/geometry.hpp"
#include "constnet/kernels/reference/activation.hpp"

namespace constnet::kernels::reference {

struct conv2d {
  static constexpr std::string_view name = "f32_conv2d_nhwc_reference_scalar";
  static constexpr bool supports(const conv2d_geometry&) { return true; }
  static constexpr std::size_t scratch_bytes(const conv2d_geometry&, std::size_t) { return 0; }

  /// weights: kernel [kh][kw][in.c][out.c], then bias [out.c] when g.bias.
  template <class T>
  static void run(const conv2d_geometry& g, std::span<const std::type_identity_t<T>> weights,
                  const std::type_identity_t<T>* in, T* out, std::byte*, std::size_t batch) {
    const std::size_t cin = g.in.c, cout = g.out.c;
    const T* kernel = weights.data();
    const T* bias = g.bias ? kernel + g.kernel.h * g.kernel.w * cin * cout : nullptr;
    for (std::size_t n = 0; n < batch; ++n) {
      const T* image = in + n * g.in.elements();
      for (std::size_t oy = 0; oy < g.out.h; ++oy)
        for (std::size_t ox = 0; ox < g.out.w; ++ox) {
          T* pixel = out + n * g.out.elements() + (oy * g.out.w + ox) * cout;
          for (std::size_t oc = 0; oc < cout; ++oc) pixel[oc] = bias ? bias[oc] : T(0);
          for (std::size_t ky = 0; ky < g.kernel.h; ++ky) {
            // Row in the unpadded input; padding cells are zero, so they are skipped.
            const std::ptrdiff_t iy = static_cast<std::ptrdiff_t>(oy * g.stride.h + ky * g.dilation.h) -
                                      static_cast<std::ptrdiff_t>(g.pad.top);
            if (iy < 0 || iy >= static_cast<std::ptrdiff_t>(g.in.h)) continue;
            for (std::size_t kx = 0; kx < g.kernel.w; ++kx) {
              const std::ptrdiff_t ix = static_cast<std::ptrdiff_t>(ox * g.stride.w + kx * g.dilation.w) -
                                        static_cast<std::ptrdiff_t>(g.pad.left);
              if (ix < 0 || ix >= static_cast<std::ptrdiff_t>(g.in.w)) continue;
              const T* x = image + (static_cast<std::size_t>(iy) * g.in.w + static_cast<std::size_t>(ix)) * cin;
              const T* w = kernel + (ky * g.kernel.w + kx) * cin * cout;
              for (std::size_t ic = 0; ic < cin; ++ic)
                for (std::size_t oc = 0; oc < cout; ++oc) pixel[oc] += x[ic] * w[ic * cout + oc];
            }
          }
          apply_activation(g.act, pixel, cout);
        }
    }
  }
};

}  // namespace constnet::kernels::reference
