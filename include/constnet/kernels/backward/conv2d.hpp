#pragma once
// Reference input gradient of a convolution: the transposed convolution with the flipped kernel, written
// as its scatter form (every output pixel sends its gradient back along each tap that produced it), which
// covers every stride, padding and dilation with the forward's own index arithmetic:
//   dx[n][iy][ix][ic] = sum over (oy, ox, ky, kx) with iy = oy*s + ky*d - pad_top (same for x),
//                       sum over oc of dz[n][oy][ox][oc] * w[ky][kx][ic][oc].
// Padded taps have no input cell and receive nothing. Bias has no input gradient. The activation's own
// gradient (backward/activation.hpp) is applied to dz beforehand.

#include <algorithm>
#include <cstddef>
#include <span>
#include <string_view>
#include <type_traits>

#include "constnet/core/geometry.hpp"

namespace constnet::kernels::backward {

struct conv2d {
  static constexpr std::string_view name = "f32_conv2d_input_gradient_nhwc_reference_scalar";
  static constexpr bool supports(const conv2d_geometry&) { return true; }
  static constexpr std::size_t scratch_bytes(const conv2d_geometry&, std::size_t) { return 0; }

  /// weights: the canonical kernel [kh][kw][in.c][out.c] (then bias, unused). dz: batch x out (the
  /// gradient w.r.t. the pre-activation). ensures: dx (batch x in) is overwritten with the gradient.
  template <class T>
  static void run(const conv2d_geometry& g, std::span<const std::type_identity_t<T>> weights,
                  const std::type_identity_t<T>* dz, T* dx, std::byte*, std::size_t batch) {
    const std::size_t cin = g.in.c, cout = g.out.c;
    std::fill_n(dx, batch * g.in.elements(), T(0));
    for (std::size_t n = 0; n < batch; ++n) {
      T* image = dx + n * g.in.elements();
      for (std::size_t oy = 0; oy < g.out.h; ++oy)
        for (std::size_t ox = 0; ox < g.out.w; ++ox) {
          const T* pixel = dz + n * g.out.elements() + (oy * g.out.w + ox) * cout;
          for (std::size_t ky = 0; ky < g.kernel.h; ++ky) {
            const std::ptrdiff_t iy = static_cast<std::ptrdiff_t>(oy * g.stride.h + ky * g.dilation.h) -
                                      static_cast<std::ptrdiff_t>(g.pad.top);
            if (iy < 0 || iy >= static_cast<std::ptrdiff_t>(g.in.h)) continue;
            for (std::size_t kx = 0; kx < g.kernel.w; ++kx) {
              const std::ptrdiff_t ix = static_cast<std::ptrdiff_t>(ox * g.stride.w + kx * g.dilation.w) -
                                        static_cast<std::ptrdiff_t>(g.pad.left);
              if (ix < 0 || ix >= static_cast<std::ptrdiff_t>(g.in.w)) continue;
              T* x = image + (static_cast<std::size_t>(iy) * g.in.w + static_cast<std::size_t>(ix)) * cin;
              const T* w = weights.data() + (ky * g.kernel.w + kx) * cin * cout;
              for (std::size_t ic = 0; ic < cin; ++ic) {
                T sum = T(0);
                for (std::size_t oc = 0; oc < cout; ++oc) sum += pixel[oc] * w[ic * cout + oc];
                x[ic] += sum;
              }
            }
          }
        }
    }
  }
};

}  // namespace constnet::kernels::backward
