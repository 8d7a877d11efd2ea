#pragma once
// Reference separable convolution (Keras' SeparableConv2D): NHWC activations; weights depthwise kernel
// [kh][kw][C][M], pointwise kernel [C*M][filters] (Keras' [1][1][C*M][filters]), then bias [filters].
// Per output pixel: the bias, then for each depthwise channel j in order its value (depthwise_conv2d's
// window sum, rounded to the scalar as the intermediate tensor is) times row j of the pointwise kernel,
// then the activation. The depthwise values are used as they are made, so no scratch is needed.
// Templated on the scalar: float in models, double in precision tests.

#include <cstddef>
#include <span>
#include <string_view>
#include <type_traits>

#include "constnet/core/geometry.hpp"
#include "constnet/kernels/reference/activation.hpp"
#include "constnet/kernels/reference/depthwise_conv2d.hpp"

namespace constnet::kernels::reference {

struct separable_conv2d {
  static constexpr std::string_view name = "f32_separable_conv2d_nhwc_reference_scalar";
  static constexpr bool supports(const separable_conv2d_geometry&) { return true; }
  static constexpr std::size_t scratch_bytes(const separable_conv2d_geometry&, std::size_t) { return 0; }

  template <class T>
  static void run(const separable_conv2d_geometry& g, std::span<const std::type_identity_t<T>> weights,
                  const std::type_identity_t<T>* in, T* out, std::byte*, std::size_t batch) {
    const depthwise_conv2d_geometry stage = depthwise_stage(g);
    const std::size_t middle = stage.out.c, filters = g.out.c;
    const T* depthwise = weights.data();
    const T* pointwise = depthwise + g.kernel.h * g.kernel.w * middle;
    const T* bias = g.bias ? pointwise + middle * filters : nullptr;
    for (std::size_t n = 0; n < batch; ++n) {
      const T* image = in + n * g.in.elements();
      for (std::size_t oy = 0; oy < g.out.h; ++oy)
        for (std::size_t ox = 0; ox < g.out.w; ++ox) {
          T* pixel = out + n * g.out.elements() + (oy * g.out.w + ox) * filters;
          for (std::size_t f = 0; f < filters; ++f) pixel[f] = bias ? bias[f] : T(0);
          for (std::size_t j = 0; j < middle; ++j) {
            const T value = depthwise_conv2d::window_sum<T>(stage, depthwise, image, oy, ox, j, T(0));
            const T* row = pointwise + j * filters;
            for (std::size_t f = 0; f < filters; ++f) pixel[f] += value * row[f];
          }
          apply_activation(g.act, pixel, filters);
        }
    }
  }
};

}  // namespace constnet::kernels::reference
