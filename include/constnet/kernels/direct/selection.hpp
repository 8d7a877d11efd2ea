#pragma once
// Which direct kernel the default policy runs on a convolution that Winograd does not take:
// direct::conv2d_rows_nhwc (one output row per task, all channel blocks, the window through an offset
// table) or direct::conv2d_nhwc (tasks of one group of channel blocks over a band of pixels).
//
// The row schedule reads all of a layer's weights once per output row: 2 / out.w bytes per FLOP
// whatever the channel counts (weights K*cout*4 bytes per row of out.w*cout*K*2 FLOPs). While the
// weights fit in L2 that costs nothing; beyond, it streams them from L3. Measured on this machine
// (AMD Zen 3, 512 KiB L2 per core, AVX2), 3x3 same relu, 1 thread, best of 5, rows / blocked ms:
//   224x224x64->64 38.8 / 38.8-40.3   112x112x64->128 18.9 / 19.2-19.9   112x112x128->128 38.2-38.7 /
//   38.9-41.3   56x56x256->256 38.8-39.3 / 38.5-39.9   28x28x512->512 44.4-47.9 / 37.8-38.8
//   14x14x512->512 11.2-12.8 / 9.8-10.1
// and with few input channels the blocked kernel's per-tap loop over 1-16 channels costs 10-40%
// (112x112x4->64 1x1: 0.16 / 0.23 ms; 3x3 with 16 channels: 2.38 / 2.58 ms). So: rows for up to
// 16 input channels, for weights that fit in L2, and for outputs at least 48 wide (at most 0.04 bytes
// of weights per FLOP, about 4 GB/s at full speed); blocked otherwise.

#include <cstddef>

#include "constnet/core/geometry.hpp"

namespace constnet::kernels::direct {

inline constexpr std::size_t rows_max_few_channels = 16;
inline constexpr std::size_t rows_max_l2_weight_bytes = 512 * 1024;
inline constexpr std::size_t rows_min_output_width = 48;

constexpr bool prefers_row_tasks(const conv2d_geometry& g) {
  const std::size_t weight_bytes = g.kernel.h * g.kernel.w * g.in.c * g.out.c * sizeof(float);
  return g.in.c <= rows_max_few_channels || weight_bytes <= rows_max_l2_weight_bytes ||
         g.out.w >= rows_min_output_width;
}

}  // namespace constnet::kernels::direct
