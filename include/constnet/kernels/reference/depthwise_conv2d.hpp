#pragma once
// Reference depthwise convolution (Keras' DepthwiseConv2D): NHWC activations, kernel [kh][kw][C][M] then
// bias [C*M]. Output channel oc = c*M + m is input channel c cross-correlated with filter (c, m): the bias,
// then the taps in (ky, kx) order, then the activation over each output pixel. Templated on the scalar:
// float in models, double in precision tests.

#include <cstddef>
#include <span>
#include <string_view>
#include <type_traits>

#include "constnet/core/geometry.hpp"
#include "constnet/kernels/reference/activation.hpp"

namespace constnet::kernels::reference {

struct depthwise_conv2d {
  static constexpr std::string_view name = "f32_depthwise_conv2d_nhwc_reference_scalar";
  static constexpr bool supports(const depthwise_conv2d_geometry&) { return true; }
  static constexpr std::size_t scratch_bytes(const depthwise_conv2d_geometry&, std::size_t) { return 0; }

  /// `start` plus output channel oc's taps at (oy, ox) of one NHWC image, summed in Acc in (ky, kx) order;
  /// padding cells are zero and skipped. Also the depthwise stage of separable_conv2d, and what an
  /// objective's logit recomputes in double from float activations (explain/gradient_model.hpp).
  template <class Acc, class T>
  static Acc window_sum(const depthwise_conv2d_geometry& g, const T* kernel, const T* image, std::size_t oy,
                        std::size_t ox, std::size_t oc, Acc start) {
    const T* channel = image + oc / g.multiplier;  // every cell of input channel c, a stride of in.c apart
    const T* filter = kernel + oc;                 // every tap of filter (c, m), a stride of C*M apart
    for (std::size_t ky = 0; ky < g.kernel.h; ++ky) {
      const std::ptrdiff_t iy = static_cast<std::ptrdiff_t>(oy * g.stride.h + ky * g.dilation.h) -
                                static_cast<std::ptrdiff_t>(g.pad.top);
      if (iy < 0 || iy >= static_cast<std::ptrdiff_t>(g.in.h)) continue;
      for (std::size_t kx = 0; kx < g.kernel.w; ++kx) {
        const std::ptrdiff_t ix = static_cast<std::ptrdiff_t>(ox * g.stride.w + kx * g.dilation.w) -
                                  static_cast<std::ptrdiff_t>(g.pad.left);
        if (ix < 0 || ix >= static_cast<std::ptrdiff_t>(g.in.w)) continue;
        const std::size_t cell = static_cast<std::size_t>(iy) * g.in.w + static_cast<std::size_t>(ix);
        start += static_cast<Acc>(channel[cell * g.in.c]) * static_cast<Acc>(filter[(ky * g.kernel.w + kx) * g.out.c]);
      }
    }
    return start;
  }

  /// weights: kernel [kh][kw][in.c][multiplier], then bias [out.c] when g.bias.
  template <class T>
  static void run(const depthwise_conv2d_geometry& g, std::span<const std::type_identity_t<T>> weights,
                  const std::type_identity_t<T>* in, T* out, std::byte*, std::size_t batch) {
    const std::size_t channels = g.out.c;
    const T* kernel = weights.data();
    const T* bias = g.bias ? kernel + g.kernel.h * g.kernel.w * channels : nullptr;
    for (std::size_t n = 0; n < batch; ++n) {
      const T* image = in + n * g.in.elements();
      for (std::size_t oy = 0; oy < g.out.h; ++oy)
        for (std::size_t ox = 0; ox < g.out.w; ++ox) {
          T* pixel = out + n * g.out.elements() + (oy * g.out.w + ox) * channels;
          for (std::size_t oc = 0; oc < channels; ++oc)
            pixel[oc] = window_sum<T>(g, kernel, image, oy, ox, oc, bias ? bias[oc] : T(0));
          apply_activation(g.act, pixel, channels);
        }
    }
  }
};

}  // namespace constnet::kernels::reference
