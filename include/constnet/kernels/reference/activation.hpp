#pragma once
// Activation epilogue of the reference kernels. Softmax normalizes over the channels of one pixel
// (the last axis), so it takes the whole group at once. Templated on the scalar so that tests can run
// the same forward pass in double precision (e.g. against finite differences of input gradients).

#include <algorithm>
#include <cmath>
#include <cstddef>

#include <span>
#include <string_view>
#include <type_traits>

#include "constnet/core/activation.hpp"
#include "constnet/core/geometry.hpp"

namespace constnet::kernels::reference {

template <class T>
void apply_activation(activation act, T* values, std::size_t count) {
  switch (act) {
    case activation::linear: return;
    case activation::relu:
      for (std::size_t i = 0; i < count; ++i) values[i] = std::max(values[i], T(0));
      return;
    case activation::relu6:
      for (std::size_t i = 0; i < count; ++i) values[i] = std::min(std::max(values[i], T(0)), T(6));
      return;
    case activation::tanh:
      for (std::size_t i = 0; i < count; ++i) values[i] = std::tanh(values[i]);
      return;
    case activation::sigmoid:
      for (std::size_t i = 0; i < count; ++i) values[i] = T(1) / (T(1) + std::exp(-values[i]));
      return;
    case activation::softmax: {
      // Subtracting the maximum keeps exp() finite; the result is mathematically unchanged.
      const T top = *std::max_element(values, values + count);
      T sum = T(0);
      for (std::size_t i = 0; i < count; ++i) sum += values[i] = std::exp(values[i] - top);
      for (std::size_t i = 0; i < count; ++i) values[i] /= sum;
      return;
    }
  }
}

/// Keras' Activation layer: the activation over each pixel's channels, in place or not.
struct activation_layer {
  static constexpr std::string_view name = "f32_activation_reference_scalar";
  static constexpr bool supports(const activation_geometry&) { return true; }
  static constexpr std::size_t scratch_bytes(const activation_geometry&, std::size_t) { return 0; }

  template <class T>
  static void run(const activation_geometry& g, std::span<const std::type_identity_t<T>>, const std::type_identity_t<T>* in,
                  T* out, std::byte*, std::size_t batch) {
    const std::size_t values = batch * g.in.elements();
    if (in != out) std::copy_n(in, values, out);
    for (std::size_t i = 0; i < values; i += g.in.c) apply_activation(g.act, out + i, g.in.c);
  }
};

}  // namespace constnet::kernels::reference
