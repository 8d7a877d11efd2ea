#pragma once
// Input gradient of inference batch normalization: a per-channel scale, dx = dy * gamma / sqrt(var + eps)
// (the moving statistics are constants at inference). Safe in place (dy == dx).
// Templated on the scalar: float in models, double in precision tests.

#include <cmath>
#include <cstddef>
#include <span>
#include <string_view>
#include <type_traits>

#include "constnet/core/geometry.hpp"
#include "constnet/kernels/batch_norm_weights.hpp"

namespace constnet::kernels::backward {

struct batch_norm {
  static constexpr std::string_view name = "f32_batch_norm_input_gradient_reference_scalar";
  static constexpr bool supports(const batch_norm_geometry&) { return true; }

  /// weights: [gamma,] beta, moving_mean, moving_variance, each [in.c]. ensures: dx = dy * scale.
  template <class T>
  static void run(const batch_norm_geometry& g, std::span<const std::type_identity_t<T>> weights,
                  const std::type_identity_t<T>* dy, T* dx, std::size_t batch) {
    const std::size_t c = g.in.c;
    const batch_norm_weights<T> w(g, weights);
    const std::size_t values = batch * g.in.elements();
    for (std::size_t i = 0; i < values; ++i) {
      const std::size_t ch = i % c;
      dx[i] = dy[i] * w.gamma_of(ch) / std::sqrt(w.variance[ch] + static_cast<T>(g.epsilon));
    }
  }
};

}  // namespace constnet::kernels::backward
