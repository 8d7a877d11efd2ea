#pragma once
// Reference kernels of the merge layers (add, concatenate). They read several tensors, so `in` is an
// array of input pointers, front to back as the layer's from<> names them. Templated on the scalar
// (float in models, double in precision tests).

#include <algorithm>
#include <cstddef>
#include <span>
#include <string_view>
#include <type_traits>

#include "constnet/core/geometry.hpp"

namespace constnet::kernels::reference {

/// out = in[0] + in[1] + ... , summed left to right.
struct add {
  static constexpr std::string_view name = "f32_add_reference_scalar";
  static constexpr bool supports(const add_geometry&) { return true; }
  static constexpr std::size_t scratch_bytes(const add_geometry&, std::size_t) { return 0; }

  template <class T>
  static void run(const add_geometry& g, std::span<const std::type_identity_t<T>>,
                  const std::type_identity_t<T>* const* in, T* out, std::byte*, std::size_t batch) {
    const std::size_t values = batch * g.out.elements();
    for (std::size_t i = 0; i < values; ++i) {
      T sum = in[0][i];
      for (std::size_t k = 1; k < g.inputs; ++k) sum += in[k][i];
      out[i] = sum;
    }
  }
};

/// Each pixel's channels: input 0's, then input 1's, ...
struct concatenate {
  static constexpr std::string_view name = "f32_concatenate_nhwc_reference_scalar";
  static constexpr bool supports(const concatenate_geometry&) { return true; }
  static constexpr std::size_t scratch_bytes(const concatenate_geometry&, std::size_t) { return 0; }

  template <class T>
  static void run(const concatenate_geometry& g, std::span<const std::type_identity_t<T>>,
                  const std::type_identity_t<T>* const* in, T* out, std::byte*, std::size_t batch) {
    const std::size_t pixels = batch * g.out.h * g.out.w;
    std::size_t first = 0;
    for (std::size_t k = 0; k < g.inputs; ++k) {
      const std::size_t c = g.channels[k];
      for (std::size_t p = 0; p < pixels; ++p) std::copy_n(in[k] + p * c, c, out + p * g.out.c + first);
      first += c;
    }
  }
};

}  // namespace constnet::kernels::reference
