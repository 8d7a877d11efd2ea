#pragma once
// A batch normalization's weights as every kernel that reads them sees them: Keras' order, gamma (absent
// when the layer has no scale, as InceptionV3's batch norms: then gamma is 1), beta, moving_mean,
// moving_variance, each [C].

#include <cstddef>
#include <span>

#include "constnet/core/geometry.hpp"

namespace constnet::kernels {

template <class T>
struct batch_norm_weights {
  const T* gamma = nullptr;  // null without scale
  const T* beta = nullptr;
  const T* mean = nullptr;
  const T* variance = nullptr;

  batch_norm_weights(const batch_norm_geometry& g, std::span<const T> weights) {
    const std::size_t c = g.in.c;
    const T* next = weights.data();
    if (g.scale) gamma = next, next += c;
    beta = next;
    mean = beta + c;
    variance = mean + c;
  }
  T gamma_of(std::size_t channel) const { return gamma ? gamma[channel] : T(1); }
};

}  // namespace constnet::kernels
