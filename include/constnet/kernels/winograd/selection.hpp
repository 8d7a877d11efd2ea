#pragma once
// Which algorithm the default policy runs on a convolution: direct (0) or Winograd F(m x m, 3 x 3) with
// m = 2, 4 or 6, from the layer's shape, at compile time. force_kernel<"layer", K> overrides it.
//
// Thresholds measured on this machine (AMD Zen 3, 2 cores, AVX2+FMA, 512 KiB L2 per core), 1 thread,
// best of 5-7 runs by thread CPU time (other processes shared the cores), relu, same padding:
//   input channels: 3 -> 64 at 224x224 (VGG16's first layer): direct 3.4 ms, F4 9.5 ms (the transforms
//     and the zero-padded 8-lane channel vectors dominate); 16 -> 64 at 56x56: direct 1.5 ms, F2 0.9,
//     F4 0.5; 32 -> 64: direct 2.1, F4 0.6. So Winograd from 16 input channels on.
//   output size, 512 -> 512 channels: 2x2 direct 0.5 ms, F2 1.3; 4x4 direct 1.1, F2 1.4, F4 3.2; 7x7
//     direct 6.2, F2 3.7, F4 4.3; 14x14 (VGG16 block 5) F2 10-11.5, F4 9.6-11.5 (a tie within the
//     noise; 256 channels at 14x14: F2 1.5, F4 1.7); 28x28 F2 33, F4 27.5. 128 channels at 28x28:
//     F2 1.5, F4 0.9. Tiles that overhang the image waste work and small images give F4's large
//     transformed filters (36 cin cout floats) little reuse, so: direct up to 4, F2 below 24, F4 from 24.
//   F6 never won clearly: at 112x112x128 it tied F4 (18.6 vs 19.4 ms), at 56, 28 and 14 it lost by
//     10-50% (64 GEMMs whose filters are re-read per tile block, and twice F4's transform work per tile).
// (oneDNN chose F2 at 224, 112 and 14 and F4 at 56 and 28 on an AVX-512 machine; here F4 wins at 224 and
// 112 too, as its filter reuse per block is larger with 64-128 channels.) bench/README.md has the table.
//
// Below 16 input channels, Winograd along rows only (F(1 x 4, 1 x 3), winograd/conv2d_rows_winograd.hpp)
// against direct::conv2d_rows_nhwc, 3x3 same relu, 1 thread, ms; "warm": the output buffer still in
// cache from the previous call, "cold": 64 MiB written in between (as in a network, where the arena
// was last written a forward ago, and in the benchmark's vs_onednn rows, where oneDNN runs between):
//   224x224x3->64   warm 1.67-1.95 / 1.93-2.10   cold 2.2-3.0 / 1.93-2.13, streamed 1.77 cold, 1.71 warm
//                   (bench vs_onednn, streamed: 0.96-0.98 of oneDNN on a shared machine, direct 1.02-1.11;
//                   quiet: 0.93-1.07 in two groups of runs, direct 1.01-1.02; the groups were 4 KiB
//                   pages landing well or badly: on huge pages (core/aligned_buffer.hpp) 1.66-1.75
//                   cold, and 0.87-0.94 of oneDNN in 9 of 9 runs, direct 1.00-1.05)
//   112x112x3->64   warm 0.41 / 0.48             cold 0.66 / 0.70
//   112x112x8->64   warm 0.76 / 1.19             cold 0.91 / 1.27
//   56x56x12->128   warm 0.60 / 0.90             cold 1.04 / 0.98
//   28x28x3->32     warm 0.017 / 0.016           32x32x1->16 warm 0.008 / 0.006
// It does half the multiplications, but stores a group's outputs in bursts, which stall when the lines
// are not in cache: outputs of 8 MiB or more per image are therefore streamed past the caches
// (conv2d_rows_nhwc::streams). F(1 x 2) and F(1 x 6) were slower than F(1 x 4) everywhere. So
// Winograd along rows from 3 to 15 input channels (one and two channels: direct) and outputs at least
// 32 wide (28 wide lost, 56 won; small maps also keep direct's exact sums, which the seeds' worked
// examples check).

#include <algorithm>
#include <cstddef>

#include "constnet/core/geometry.hpp"

namespace constnet::kernels::winograd {

inline constexpr std::size_t min_input_channels = 16;
inline constexpr std::size_t max_direct_size = 4;   // output side at or below which direct wins
inline constexpr std::size_t min_f4_size = 24;      // output side from which F4 beats F2
inline constexpr std::size_t min_row_channels = 3;  // input channels from which F(1 x 4) beats direct
inline constexpr std::size_t min_row_output_width = 32;
inline constexpr std::size_t row_tile = 4;

constexpr std::size_t output_tile_for(const conv2d_geometry& g) {
  const bool winograd_shape = g.kernel.h == 3 && g.kernel.w == 3 && g.stride.h == 1 && g.stride.w == 1 &&
                              g.dilation.h == 1 && g.dilation.w == 1;
  const std::size_t side = std::min(g.out.h, g.out.w);
  if (!winograd_shape || g.in.c < min_input_channels || side <= max_direct_size) return 0;
  return side >= min_f4_size ? 4 : 2;
}

/// The tile of Winograd along rows for a layer the 2D kernel does not take (0: direct).
constexpr std::size_t row_output_tile_for(const conv2d_geometry& g) {
  const bool row_shape = g.kernel.w == 3 && g.stride.w == 1 && g.dilation.w == 1;
  if (!row_shape || output_tile_for(g) != 0 || g.in.c < min_row_channels || g.in.c >= min_input_channels ||
      g.out.w < min_row_output_width)
    return 0;
  return row_tile;
}

}  // namespace constnet::kernels::winograd
