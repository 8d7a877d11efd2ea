#pragma once
// The batched GEMM of the Winograd convolution: for one transform element t, a block of tiles times
// the packed transformed filters, C[tiles x oc] = A[tiles x k] * B[k x oc]. Its register-blocked
// micro-kernel keeps Rows tiles x OcVectors vectors of output channels in accumulators: on AVX2 (16
// registers of 8 floats) 6 x 2 = 12 accumulators, 2 filter vectors and 1 broadcast. Each step of k
// loads 2 filter vectors and broadcasts 6 inputs for 12 FMAs (the FMA pipes, not the loads, bound it).
//
// Layouts: A row-major with row stride a_stride (the tiles' transformed inputs, k channels per row);
// B packed as [k][OcVectors * W] (one block of output channels, contiguous along k); C row-major with
// row stride c_stride.

#include <cstddef>

#include "constnet/kernels/simd/register_tile.hpp"

namespace constnet::kernels::winograd {

template <class B, std::size_t Rows, std::size_t OcVectors>
struct gemm_micro_kernel {
  using vec = typename B::vec;
  static constexpr std::size_t W = B::width, block = OcVectors * W;

  /// C[Rows x block] = A[Rows x k] * B[k x block]. B and C aligned for the backend's vectors.
  /// prefetch: the next B panel (k x block floats), fetched into cache a line per step while this one
  /// is computed, or nullptr. Filters come from L3 or memory the first time a panel is used.
  static void run(const float* a, std::size_t a_stride, const float* b, std::size_t k, float* c, std::size_t c_stride,
                  const float* prefetch = nullptr) {
    vec acc[Rows][OcVectors];
    simd::tile::start<B>(acc, nullptr);
    const float* row[Rows];
#pragma GCC unroll 8
    for (std::size_t p = 0; p < Rows; ++p) row[p] = a + p * a_stride;
    if (prefetch != nullptr)
      for (std::size_t i = 0; i < k; ++i) step(acc, row, b, i, prefetch);
    else
      for (std::size_t i = 0; i < k; ++i) step(acc, row, b, i, nullptr);
#pragma GCC unroll 8
    for (std::size_t p = 0; p < Rows; ++p)
#pragma GCC unroll 4
      for (std::size_t v = 0; v < OcVectors; ++v) B::store(c + p * c_stride + v * W, acc[p][v]);
  }

 private:
  [[gnu::always_inline]] static inline void step(vec (&acc)[Rows][OcVectors], const float* const (&row)[Rows],
                                                 const float* b, std::size_t i, const float* prefetch) {
    constexpr std::size_t line = 64 / sizeof(float);
    if (prefetch != nullptr && (i * block) % line == 0) __builtin_prefetch(prefetch + i * block, 0, 3);
    simd::tile::fma_step<B>(acc, row, i, b + i * block);
  }
};

}  // namespace constnet::kernels::winograd
