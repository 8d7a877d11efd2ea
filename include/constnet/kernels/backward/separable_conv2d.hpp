#pragma once
// Reference input gradient of a separable convolution: back through the pointwise stage, then through the
// depthwise stage, one output pixel and one depthwise channel j at a time, so no intermediate tensor is
// kept:
//   g_j = sum over f of dz[n][oy][ox][f] * pointwise[j][f]      (d objective / d depthwise output j there)
//   then g_j is scattered through depthwise filter j as backward/depthwise_conv2d.hpp does.
// Bias has no input gradient; the activation's gradient (backward/activation.hpp) is applied to dz first.

#include <algorithm>
#include <cstddef>
#include <span>
#include <string_view>
#include <type_traits>

#include "constnet/core/geometry.hpp"
#include "constnet/kernels/backward/depthwise_conv2d.hpp"

namespace constnet::kernels::backward {

struct separable_conv2d {
  static constexpr std::string_view name = "f32_separable_conv2d_input_gradient_nhwc_reference_scalar";
  static constexpr bool supports(const separable_conv2d_geometry&) { return true; }
  static constexpr std::size_t scratch_bytes(const separable_conv2d_geometry&, std::size_t) { return 0; }

  /// weights: the canonical depthwise kernel [kh][kw][in.c][multiplier], pointwise kernel [C*M][out.c]
  /// (then bias, unused). ensures: dx (batch x in) is overwritten with the gradient.
  template <class T>
  static void run(const separable_conv2d_geometry& g, std::span<const std::type_identity_t<T>> weights,
                  const std::type_identity_t<T>* dz, T* dx, std::byte*, std::size_t batch) {
    const depthwise_conv2d_geometry stage = depthwise_stage(g);
    const std::size_t middle = stage.out.c, filters = g.out.c;
    const T* depthwise = weights.data();
    const T* pointwise = depthwise + g.kernel.h * g.kernel.w * middle;
    std::fill_n(dx, batch * g.in.elements(), T(0));
    for (std::size_t n = 0; n < batch; ++n) {
      T* image = dx + n * g.in.elements();
      for (std::size_t oy = 0; oy < g.out.h; ++oy)
        for (std::size_t ox = 0; ox < g.out.w; ++ox) {
          const T* pixel = dz + n * g.out.elements() + (oy * g.out.w + ox) * filters;
          for (std::size_t j = 0; j < middle; ++j) {
            const T* row = pointwise + j * filters;
            T gradient = T(0);
            for (std::size_t f = 0; f < filters; ++f) gradient += pixel[f] * row[f];
            depthwise_conv2d::scatter<T>(stage, depthwise, gradient, image, oy, ox, j);
          }
        }
    }
  }
};

}  // namespace constnet::kernels::backward
