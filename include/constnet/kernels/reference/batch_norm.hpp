#pragma once
// Reference inference batch normalization over the channel axis. Safe in place (in == out).
// Templated on the scalar (float in models, double in precision tests).

#include <cmath>
#include <cstddef>
#include <span>
#include <string_view>
#include <type_traits>

#include "constnet/core/geometry.hpp"
#include "constnet/kernels/batch_norm_weights.hpp"

namespace constnet::kernels::reference {

struct batch_norm {
  static constexpr std::string_view name = "f32_batch_norm_reference_scalar";
  static constexpr bool supports(const batch_norm_geometry&) { return true; }
  static constexpr std::size_t scratch_bytes(const batch_norm_geometry&, std::size_t) { return 0; }

  /// weights: [gamma,] beta, moving_mean, moving_variance, each [in.c] (kernels/batch_norm_weights.hpp).
  template <class T>
  static void run(const batch_norm_geometry& g, std::span<const std::type_identity_t<T>> weights,
                  const std::type_identity_t<T>* in, T* out, std::byte*, std::size_t batch) {
    const std::size_t c = g.in.c;
    const batch_norm_weights<T> w(g, weights);
    const std::size_t values = batch * g.in.elements();
    for (std::size_t i = 0; i < values; ++i) {
      const std::size_t ch = i % c;
      out[i] = w.gamma_of(ch) * (in[i] - w.mean[ch]) / std::sqrt(w.variance[ch] + static_cast<T>(g.epsilon)) + w.beta[ch];
    }
  }
};

}  // namespace constnet::kernels::reference
