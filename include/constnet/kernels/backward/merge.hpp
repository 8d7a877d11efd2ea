#pragma once
// Input gradients where tensors meet. A tensor that feeds several layers gets the sum of their input
// gradients: the first backward to reach it writes, the others add (`accumulate`). add passes its
// output's gradient to each input; concatenate hands each input its own channels' slice.
// Templated on the scalar (float in models, double in precision tests).

#include <cstddef>
#include <type_traits>

#include "constnet/core/geometry.hpp"

namespace constnet::kernels::backward {

/// dx = g (the first contribution) or dx += g.
template <class T>
void contribute(const std::type_identity_t<T>* g, T* dx, std::size_t values, bool accumulate) {
  if (accumulate)
    for (std::size_t i = 0; i < values; ++i) dx[i] += g[i];
  else
    for (std::size_t i = 0; i < values; ++i) dx[i] = g[i];
}

struct add {
  /// dx[k] gets dy, for each input k; accumulate[k] says whether dx[k] already holds a contribution.
  template <class T>
  static void run(const add_geometry& g, const std::type_identity_t<T>* dy, T* const* dx, const bool* accumulate,
                  std::size_t batch) {
    for (std::size_t k = 0; k < g.inputs; ++k) contribute<T>(dy, dx[k], batch * g.out.elements(), accumulate[k]);
  }
};

struct concatenate {
  /// dx[k] gets input k's channels of dy.
  template <class T>
  static void run(const concatenate_geometry& g, const std::type_identity_t<T>* dy, T* const* dx, const bool* accumulate,
                  std::size_t batch) {
    const std::size_t pixels = batch * g.out.h * g.out.w;
    std::size_t first = 0;
    for (std::size_t k = 0; k < g.inputs; ++k) {
      const std::size_t c = g.channels[k];
      for (std::size_t p = 0; p < pixels; ++p) contribute<T>(dy + p * g.out.c + first, dx[k] + p * c, c, accumulate[k]);
      first += c;
    }
  }
};

}  // namespace constnet::kernels::backward
