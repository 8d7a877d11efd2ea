#pragma once
// The register tile every convolution and GEMM micro-kernel runs on: Pixels rows (output pixels, or
// Winograd tiles) x OcVectors vectors of output channels, held as vec acc[Pixels][OcVectors].
//
// Each function is always inlined and indexes the tile with compile-time constants only (every loop
// below is fully unrolled), so the accumulators stay in registers across the caller's runtime loops.
// GCC keeps the tile in memory as soon as a loop with a runtime bound touches it, or a function
// taking it by reference is not inlined; either halved the direct kernels' speed.

#include <cstddef>
#include <utility>

#include "constnet/core/activation.hpp"
#include "constnet/kernels/simd/activation_in_registers.hpp"

namespace constnet::simd::tile {

/// Every pixel starts from `start` (a block of OcVectors vectors, aligned), or from zero when null.
template <class B, std::size_t Pixels, std::size_t OcVectors>
[[gnu::always_inline]] inline void start(typename B::vec (&acc)[Pixels][OcVectors], const float* start) {
#pragma GCC unroll 16
  for (std::size_t v = 0; v < OcVectors; ++v) {
    const typename B::vec s = start != nullptr ? B::load(start + v * B::width) : B::zero();
#pragma GCC unroll 16
    for (std::size_t p = 0; p < Pixels; ++p) acc[p][v] = s;
  }
}

/// One step of the FMA loop: acc[p][v] += x[p][at] * w[v-th vector] (w aligned). OcVectors loads and
/// Pixels broadcasts for Pixels x OcVectors FMAs.
template <class B, std::size_t Pixels, std::size_t OcVectors>
[[gnu::always_inline]] inline void fma_step(typename B::vec (&acc)[Pixels][OcVectors], const float* const (&x)[Pixels],
                                            std::size_t at, const float* w) {
  typename B::vec wv[OcVectors];
#pragma GCC unroll 16
  for (std::size_t v = 0; v < OcVectors; ++v) wv[v] = B::load(w + v * B::width);
#pragma GCC unroll 16
  for (std::size_t p = 0; p < Pixels; ++p) {
    const typename B::vec xv = B::broadcast(x[p][at]);
#pragma GCC unroll 16
    for (std::size_t v = 0; v < OcVectors; ++v) acc[p][v] = B::fma(xv, wv[v], acc[p][v]);
  }
}

/// The clamp when `act` is relu or relu6 (other activations are the caller's), then pixel p's channels
/// to dst + p * pixel_stride: the first `valid` of them (a last block of channels may be narrower).
template <class B, std::size_t Pixels, std::size_t OcVectors>
[[gnu::always_inline]] inline void finish(typename B::vec (&acc)[Pixels][OcVectors], activation act, float* dst,
                                          std::size_t pixel_stride, std::size_t valid) {
  constexpr std::size_t W = B::width;
  if (act == activation::relu || act == activation::relu6) {
#pragma GCC unroll 16
    for (std::size_t p = 0; p < Pixels; ++p)
#pragma GCC unroll 16
      for (std::size_t v = 0; v < OcVectors; ++v) acc[p][v] = apply_in_registers<B>(act, acc[p][v]);
  }
#pragma GCC unroll 16
  for (std::size_t p = 0; p < Pixels; ++p)
#pragma GCC unroll 16
    for (std::size_t v = 0; v < OcVectors; ++v) {
      if ((v + 1) * W <= valid) B::storeu(dst + p * pixel_stride + v * W, acc[p][v]);
      else if (v * W < valid) B::store_first(dst + p * pixel_stride + v * W, acc[p][v], valid - v * W);
    }
}

/// Calls f.template operator()<Width>() with Width == width, for 0 <= width < Max: a last tile narrower
/// than the others still gets its width as a compile-time constant (a runtime bound on the tile's loops
/// would put it in memory, see above).
template <std::size_t Max, class F>
[[gnu::always_inline]] inline void with_width(std::size_t width, F&& f) {
  [&]<std::size_t... Width>(std::index_sequence<Width...>) {
    ((width == Width ? (f.template operator()<Width>(), true) : false) || ...);
  }(std::make_index_sequence<Max>{});
}

}  // namespace constnet::simd::tile
