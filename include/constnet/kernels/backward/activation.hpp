#pragma once
// Input gradients of the activations, from their outputs: the backward pass keeps each layer's output
// y = act(z), and every derivative here is a function of y alone, so the pre-activation z is never
// stored.
//   relu     dz = y > 0 ? dy : 0      (the derivative at z = 0 is taken as 0, as TensorFlow does)
//   relu6    dz = 0 < y < 6 ? dy : 0  (0 at both kinks, as TensorFlow's Relu6Grad; y = 6 for every z >= 6)
//   tanh     dz = dy * (1 - y^2)
//   sigmoid  dz = dy * y * (1 - y)
//   softmax  dz_i = y_i * (dy_i - sum_j dy_j * y_j)   (over the channels of one pixel, as the forward)
//   linear   dz = dy
// Templated on the scalar: float in models, double in precision tests.

#include <cstddef>

#include "constnet/core/activation.hpp"

namespace constnet::kernels::backward {

/// requires: y and grad hold `values` numbers, a whole number of groups of `channels` (softmax
/// normalizes each group). ensures: grad, the gradient w.r.t. the activation's output, becomes the
/// gradient w.r.t. its input, in place.
template <class T>
void activation_gradient(activation act, const T* y, T* grad, std::size_t values, std::size_t channels) {
  switch (act) {
    case activation::linear: return;
    case activation::relu:
      for (std::size_t i = 0; i < values; ++i)
        if (!(y[i] > T(0))) grad[i] = T(0);
      return;
    case activation::relu6:
      for (std::size_t i = 0; i < values; ++i)
        if (!(y[i] > T(0) && y[i] < T(6))) grad[i] = T(0);
      return;
    case activation::tanh:
      for (std::size_t i = 0; i < values; ++i) grad[i] *= T(1) - y[i] * y[i];
      return;
    case activation::sigmoid:
      for (std::size_t i = 0; i < values; ++i) grad[i] *= y[i] * (T(1) - y[i]);
      return;
    case activation::softmax:
      for (std::size_t group = 0; group < values; group += channels) {
        T weighted = T(0);
        for (std::size_t c = 0; c < channels; ++c) weighted += grad[group + c] * y[group + c];
        for (std::size_t c = 0; c < channels; ++c) grad[group + c] = y[group + c] * (grad[group + c] - weighted);
      }
      return;
  }
}

}  // namespace constnet::kernels::backward
