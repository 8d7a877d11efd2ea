#pragma once
// Deterministic synthetic weights: He-normal kernels (std = sqrt(2 / fan_in); depthwise and pointwise
// kernels too), zero biases, and the identity for batch_norm (gamma 1, beta 0, mean 0, variance 1). For
// demos, tests and benchmarks.

#include <cmath>
#include <cstdint>
#include <string_view>

#include "constnet/core/random.hpp"
#include "constnet/engine/model.hpp"

namespace constnet {

template <class Model>
void he_normal(Model& m, std::uint64_t seed) {
  random_source random(seed);
  for (const layer_facts& f : Model::network_type::facts) {
    auto w = m.layer_weights(f.index);
    for (std::size_t t = 0; t < f.weight_tensor_count; ++t) {
      const weight_tensor& tensor = f.weights[t];
      auto values = w.subspan(tensor.offset, tensor.elements());
      const std::string_view name = tensor.name.view();
      if (name == "kernel" || name == "depthwise_kernel" || name == "pointwise_kernel") {
        // fan_in, the number of inputs one output sums: every dimension but the last (HWIO: kh*kw*cin;
        // dense: in; pointwise [1, 1, C*M, filters]: C*M), except for a depthwise kernel [kh, kw, C, M],
        // whose outputs each sum kh*kw taps of one channel. (Keras' initializers count kh*kw*C there,
        // which would shrink the weights, and the activations, with the channel count.)
        const std::size_t fan_in = name == "depthwise_kernel"
                                       ? tensor.dims[0] * tensor.dims[1]
                                       : tensor.elements() / tensor.dims[static_cast<std::size_t>(tensor.rank - 1)];
        const double stddev = std::sqrt(2.0 / static_cast<double>(fan_in));
        for (float& v : values) v = static_cast<float>(stddev * random.normal());
      } else {
        const float fill = (name == "gamma" || name == "moving_variance") ? 1.0f : 0.0f;
        for (float& v : values) v = fill;
      }
    }
  }
  m.pack_weights();
}

}  // namespace constnet
