#pragma once
// Reference max / average / mixed pooling, NHWC, as core/geometry.hpp defines it: window (oy, ox) samples
// cells oy * stride + k * dilation - pad. Cells outside the image never win a max and are never summed;
// the average divides by the cells inside the image, or with count_padding by the cells inside the padded
// map (a ceil_mode window may reach past it). A max takes the first of equal values in (ky, kx) order
// (std::max keeps its first argument on ties), which is the cell the input gradient is routed to.
// Templated on the scalar (float in models, double in precision tests).

#include <algorithm>
#include <cstddef>
#include <limits>
#include <span>
#include <string_view>
#include <type_traits>

#include "constnet/core/geometry.hpp"

namespace constnet::kernels::reference {

struct pool2d {
  static constexpr std::string_view name = "f32_pool2d_nhwc_reference_scalar";
  static constexpr bool supports(const pool2d_geometry&) { return true; }
  static constexpr std::size_t scratch_bytes(const pool2d_geometry&, std::size_t) { return 0; }

  template <class T>
  static void run(const pool2d_geometry& g, std::span<const std::type_identity_t<T>>, const std::type_identity_t<T>* in,
                  T* out, std::byte*, std::size_t batch) {
    const std::size_t c = g.in.c;
    for (std::size_t n = 0; n < batch; ++n)
      for (std::size_t oy = 0; oy < g.out.h; ++oy)
        for (std::size_t ox = 0; ox < g.out.w; ++ox)
          for (std::size_t ch = 0; ch < c; ++ch) {
            T largest = -std::numeric_limits<T>::infinity();
            T sum = T(0);
            std::size_t inside = 0, padded_rows = 0, padded_columns = 0;
            for (std::size_t ky = 0; ky < g.window.h; ++ky) {
              const std::ptrdiff_t iy = static_cast<std::ptrdiff_t>(oy * g.stride.h + ky * g.dilation.h) -
                                        static_cast<std::ptrdiff_t>(g.pad.top);
              padded_rows += oy * g.stride.h + ky * g.dilation.h < g.pad.top + g.in.h + g.pad.bottom;
              if (iy < 0 || iy >= static_cast<std::ptrdiff_t>(g.in.h)) continue;
              for (std::size_t kx = 0; kx < g.window.w; ++kx) {
                const std::ptrdiff_t ix = static_cast<std::ptrdiff_t>(ox * g.stride.w + kx * g.dilation.w) -
                                          static_cast<std::ptrdiff_t>(g.pad.left);
                if (ix < 0 || ix >= static_cast<std::ptrdiff_t>(g.in.w)) continue;
                const T v = in[n * g.in.elements() +
                                   (static_cast<std::size_t>(iy) * g.in.w + static_cast<std::size_t>(ix)) * c + ch];
                largest = std::max(largest, v);
                sum += v;
                ++inside;
              }
            }
            // The window's cells inside the padded map: no window starts before the map's top-left
            // corner, so only the bottom and right of ceil_mode windows can overhang it.
            for (std::size_t kx = 0; kx < g.window.w; ++kx)
              padded_columns += ox * g.stride.w + kx * g.dilation.w < g.pad.left + g.in.w + g.pad.right;
            const std::size_t divisor = g.count_padding ? padded_rows * padded_columns : inside;
            const T average = sum / static_cast<T>(divisor);
            T result = average;
            if (g.kind == pool_kind::max) result = largest;
            if (g.kind == pool_kind::mixed)
              result = static_cast<T>(g.lambda) * largest + static_cast<T>(1.0 - g.lambda) * average;
            out[n * g.out.elements() + (oy * g.out.w + ox) * c + ch] = result;
          }
  }
};

struct global_pool {
  static constexpr std::string_view name = "f32_global_pool_nhwc_reference_scalar";
  static constexpr bool supports(const global_pool_geometry&) { return true; }
  static constexpr std::size_t scratch_bytes(const global_pool_geometry&, std::size_t) { return 0; }

  template <class T>
  static void run(const global_pool_geometry& g, std::span<const std::type_identity_t<T>>,
                  const std::type_identity_t<T>* in, T* out, std::byte*, std::size_t batch) {
    const std::size_t c = g.in.c, cells = g.in.h * g.in.w;
    for (std::size_t n = 0; n < batch; ++n)
      for (std::size_t ch = 0; ch < c; ++ch) {
        T largest = -std::numeric_limits<T>::infinity();
        T sum = T(0);
        for (std::size_t i = 0; i < cells; ++i) {
          const T v = in[n * g.in.elements() + i * c + ch];
          largest = std::max(largest, v);
          sum += v;
        }
        out[n * c + ch] = g.kind == pool_kind::max ? largest : sum / static_cast<T>(cells);
      }
  }
};

}  // namespace constnet::kernels::reference
