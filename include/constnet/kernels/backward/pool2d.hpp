#pragma once
// Input gradients of pooling, NHWC, from the forward's input x (the backward pass keeps it).
//   max      each output's gradient goes to the cell that won its window: the first sampled cell in
//            (ky, kx) order holding the maximum, the one the forward's running std::max keeps on ties
//            (cells outside the image never win), so the gradient is that of the function the
//            reference computes.
//   average  each sampled cell inside the image gets dy / divisor, the divisor of the forward (cells
//            inside the image, or with count_padding those inside the padded map).
//   mixed    lambda times the max routing plus (1 - lambda) times the average spreading.
// Overlapping windows (stride < window) add up. Global pools: the same over the whole map.
// Templated on the scalar: float in models, double in precision tests.

#include <algorithm>
#include <cstddef>
#include <span>
#include <string_view>
#include <type_traits>

#include "constnet/core/geometry.hpp"
#include "constnet/kernels/pool_window.hpp"

namespace constnet::kernels::backward {

struct pool2d {
  static constexpr std::string_view name = "f32_pool2d_input_gradient_nhwc_reference_scalar";
  static constexpr bool supports(const pool2d_geometry&) { return true; }

  /// x: the forward input (batch x in); dy: the gradient w.r.t. the output (batch x out).
  /// ensures: dx (batch x in) is overwritten with the gradient w.r.t. x.
  template <class T>
  static void run(const pool2d_geometry& g, const std::type_identity_t<T>* x, const std::type_identity_t<T>* dy, T* dx,
                  std::size_t batch) {
    const std::size_t c = g.in.c;
    std::fill_n(dx, batch * g.in.elements(), T(0));
    const T lambda = g.kind == pool_kind::max ? T(1) : g.kind == pool_kind::average ? T(0) : static_cast<T>(g.lambda);
    for (std::size_t n = 0; n < batch; ++n) {
      const T* image = x + n * g.in.elements();
      T* grad = dx + n * g.in.elements();
      for (std::size_t oy = 0; oy < g.out.h; ++oy)
        for (std::size_t ox = 0; ox < g.out.w; ++ox) {
          // The window's sampled cells inside the image, the only ones in the max and the sum.
          const sampled_axis rows = sample_rows(g, oy), columns = sample_columns(g, ox);
          const T divisor = static_cast<T>(average_divisor(g, rows, columns));
          const auto cell = [&](std::size_t i, std::size_t j) {  // the j-th sampled column of the i-th sampled row
            return ((rows.first + i * g.dilation.h) * g.in.w + columns.first + j * g.dilation.w) * c;
          };
          for (std::size_t ch = 0; ch < c; ++ch) {
            const T d = dy[n * g.out.elements() + (oy * g.out.w + ox) * c + ch];
            if (lambda != T(0)) {
              std::size_t winner = cell(0, 0) + ch;
              for (std::size_t i = 0; i < rows.count; ++i)
                for (std::size_t j = 0; j < columns.count; ++j) {
                  const std::size_t at = cell(i, j) + ch;
                  if (image[winner] < image[at]) winner = at;  // strictly larger: ties keep the first
                }
              grad[winner] += lambda * d;
            }
            if (lambda != T(1)) {
              const T share = (T(1) - lambda) * d / divisor;
              for (std::size_t i = 0; i < rows.count; ++i)
                for (std::size_t j = 0; j < columns.count; ++j) grad[cell(i, j) + ch] += share;
            }
          }
        }
    }
  }
};

struct global_pool {
  static constexpr std::string_view name = "f32_global_pool_input_gradient_nhwc_reference_scalar";
  static constexpr bool supports(const global_pool_geometry&) { return true; }

  /// x: the forward input (batch x in); dy: batch x in.c. ensures: dx (batch x in) overwritten.
  template <class T>
  static void run(const global_pool_geometry& g, const std::type_identity_t<T>* x, const std::type_identity_t<T>* dy,
                  T* dx, std::size_t batch) {
    const std::size_t c = g.in.c, cells = g.in.h * g.in.w;
    for (std::size_t n = 0; n < batch; ++n) {
      const T* image = x + n * g.in.elements();
      T* grad = dx + n * g.in.elements();
      for (std::size_t ch = 0; ch < c; ++ch) {
        const T d = dy[n * c + ch];
        if (g.kind == pool_kind::max) {
          std::size_t winner = ch;
          for (std::size_t i = 0; i < cells; ++i)
            if (image[winner] < image[i * c + ch]) winner = i * c + ch;
          for (std::size_t i = 0; i < cells; ++i) grad[i * c + ch] = T(0);
          grad[winner] = d;
        } else {
          const T share = d / static_cast<T>(cells);
          for (std::size_t i = 0; i < cells; ++i) grad[i * c + ch] = share;
        }
      }
    }
  }
};

}  // namespace constnet::kernels::backward
