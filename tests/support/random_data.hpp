#pragma once
// Test data shared by the suites: deterministic, so a failure reproduces exactly.

#include <cstdint>
#include <string_view>
#include <vector>

#include "constnet/core/random.hpp"
#include "constnet/engine/init.hpp"

namespace constnet::testing {

/// `count` values uniform in [0, 1), like images scaled to [0, 1].
inline std::vector<float> random_images(std::size_t count, std::uint64_t seed) {
  random_source random(seed);
  std::vector<float> v(count);
  for (float& x : v) x = static_cast<float>(random.uniform());
  return v;
}

/// Where randomize_weights draws the weights He-normal leaves trivial.
struct weight_ranges {
  double shift = 0.3;                              // biases, betas and moving means: uniform in +-shift
  double gamma_low = 0.5, gamma_high = 1.5;
  double variance_low = 0.5, variance_high = 1.5;  // moving variances
  float kernel_gain = 1.0f;                        // kernels are He-normal times this
};

/// He-normal kernels, then biases and batch-norm statistics away from their trivial values, so that
/// every term of every layer matters (a bias of 0 or an identity batch norm would hide a bug in it).
template <class Model>
void randomize_weights(Model& m, std::uint64_t seed, const weight_ranges& r = {}) {
  he_normal(m, seed);
  random_source random(seed + 1);
  for (const layer_facts& f : Model::network_type::facts) {
    auto w = m.layer_weights(f.index);
    for (std::size_t t = 0; t < f.weight_tensor_count; ++t) {
      const std::string_view name = f.weights[t].name.view();
      for (float& v : w.subspan(f.weights[t].offset, f.weights[t].elements())) {
        if (name == "kernel") v *= r.kernel_gain;
        if (name == "bias" || name == "beta" || name == "moving_mean") v = static_cast<float>(random.uniform(-r.shift, r.shift));
        if (name == "gamma") v = static_cast<float>(random.uniform(r.gamma_low, r.gamma_high));
        if (name == "moving_variance") v = static_cast<float>(random.uniform(r.variance_low, r.variance_high));
      }
    }
  }
  m.pack_weights();
}

}  // namespace constnet::testing
