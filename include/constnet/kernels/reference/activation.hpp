#pragma once
// Activation epilogue of the reference kernels. Softmax normalizes over the channels of one pixel
// (the last axis), so it takes the whole group at once.

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "constnet/core/activation.hpp"

namespace constnet::kernels::reference {

inline void apply_activation(activation act, float* values, std::size_t count) {
  switch (act) {
    case activation::linear: return;
    case activation::relu:
      for (std::size_t i = 0; i < count; ++i) values[i] = std::max(values[i], 0.0f);
      return;
    case activation::tanh:
      for (std::size_t i = 0; i < count; ++i) values[i] = std::tanh(values[i]);
      return;
    case activation::sigmoid:
      for (std::size_t i = 0; i < count; ++i) values[i] = 1.0f / (1.0f + std::exp(-values[i]));
      return;
    case activation::softmax: {
      // Subtracting the maximum keeps exp() finite; the result is mathematically unchanged.
      const float top = *std::max_element(values, values + count);
      float sum = 0.0f;
      for (std::size_t i = 0; i < count; ++i) sum += values[i] = std::exp(values[i] - top);
      for (std::size_t i = 0; i < count; ++i) values[i] /= sum;
      return;
    }
  }
}

}  // namespace constnet::kernels::reference
