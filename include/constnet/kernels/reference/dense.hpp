#pragma once
// Reference fully connected layer: y = act(x W + b) with W stored [in][units] (Keras' layout). Templated on the scalar
// (float in models, double in precision tests).

#include <cstddef>
#include <span>
#include <string_view>
#include <type_traits>

#include "constnet/core/geometry.hpp"
#include "constnet/kernels/reference/activation.hpp"

namespace constnet::kernels::reference {

struct dense {
  static constexpr std::string_view name = "f32_dense_reference_scalar";
  static constexpr bool supports(const dense_geometry&) { return true; }
  static constexpr std::size_t scratch_bytes(const dense_geometry&, std::size_t) { return 0; }

  /// weights: kernel [in][units], then bias [units] when g.bias.
  template <class T>
  static void run(const dense_geometry& g, std::span<const std::type_identity_t<T>> weights,
                  const std::type_identity_t<T>* in, T* out, std::byte*, std::size_t batch) {
    const T* kernel = weights.data();
    const T* bias = g.bias ? kernel + g.in * g.units : nullptr;
    for (std::size_t n = 0; n < batch; ++n) {
      const T* x = in + n * g.in;
      T* y = out + n * g.units;
      for (std::size_t u = 0; u < g.units; ++u) y[u] = bias ? bias[u] : T(0);
      for (std::size_t i = 0; i < g.in; ++i)
        for (std::size_t u = 0; u < g.units; ++u) y[u] += x[i] * kernel[i * g.units + u];
      apply_activation(g.act, y, g.units);
    }
  }
};

}  // namespace constnet::kernels::reference
