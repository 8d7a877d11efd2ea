#pragma once
// Input gradients of pooling, NHWC, from the forward's input x (the backward pass keeps it).
//   max      each output's gradient goes to the cell that won its window: the first cell in (ky, kx)
//            order holding the maximum, the one the forward's running std::max keeps on ties (padded
//            cells never win), so the gradient is that of the function the reference computes.
//   average  each cell inside the image gets dy / divisor, the divisor of the forward (cells inside the
//            image, or the whole window with count_padding).
//   mixed    lambda times the max routing plus (1 - lambda) times the average spreading.
// Overlapping windows (stride < window) add up. Global pools: the same over the whole map.
// Templated on the scalar: float in models, double in precision tests.

#include <algorithm>
#include <cstddef>
#include <span>
#include <string_view>
#include <type_traits>

#include "constnet/core/geometry.hpp"

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
          // The window clipped to the image: padded cells take no part in either the max or the average.
          const std::ptrdiff_t top = static_cast<std::ptrdiff_t>(oy * g.stride.h) - static_cast<std::ptrdiff_t>(g.pad.top);
          const std::ptrdiff_t left = static_cast<std::ptrdiff_t>(ox * g.stride.w) - static_cast<std::ptrdiff_t>(g.pad.left);
          const std::size_t y0 = static_cast<std::size_t>(std::max<std::ptrdiff_t>(top, 0));
          const std::size_t x0 = static_cast<std::size_t>(std::max<std::ptrdiff_t>(left, 0));
          const std::size_t y1 = static_cast<std::size_t>(
              std::min<std::ptrdiff_t>(top + static_cast<std::ptrdiff_t>(g.window.h), static_cast<std::ptrdiff_t>(g.in.h)));
          const std::size_t x1 = static_cast<std::size_t>(
              std::min<std::ptrdiff_t>(left + static_cast<std::ptrdiff_t>(g.window.w), static_cast<std::ptrdiff_t>(g.in.w)));
          const std::size_t inside = (y1 - y0) * (x1 - x0);
          const T divisor = static_cast<T>(g.count_padding ? g.window.h * g.window.w : inside);
          for (std::size_t ch = 0; ch < c; ++ch) {
            const T d = dy[n * g.out.elements() + (oy * g.out.w + ox) * c + ch];
            if (lambda != T(0)) {
              std::size_t winner = (y0 * g.in.w + x0) * c + ch;
              for (std::size_t iy = y0; iy < y1; ++iy)
                for (std::size_t ix = x0; ix < x1; ++ix) {
                  const std::size_t at = (iy * g.in.w + ix) * c + ch;
                  if (image[winner] < image[at]) winner = at;  // strictly larger: ties keep the first
                }
              grad[winner] += lambda * d;
            }
            if (lambda != T(1)) {
              const T share = (T(1) - lambda) * d / divisor;
              for (std::size_t iy = y0; iy < y1; ++iy)
                for (std::size_t ix = x0; ix < x1; ++ix) grad[(iy * g.in.w + ix) * c + ch] += share;
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
