#pragma once
// Direct convolution, one output row per task over every block of output channels, each pixel's window
// read through a table of offsets: written against the SIMD shim, NHWC like every other kernel. Written
// for VGG16's first layer (224x224x3 -> 64, 3x3), where a window has only kh*kw*cin values (27), so
// the work around the FMAs decides the speed; it is also 2-5% faster than direct::conv2d_nhwc on 64-128
// input channels. Its cost is the schedule: every output row reads all of the layer's weights, which
// only stay in L2 for small layers, so on narrow outputs with large weights (VGG16's blocks 4-5) it
// loses 15-20% to conv2d_nhwc's blocked schedule (direct/selection.hpp chooses between them). Here:
//   * No gather. In NHWC the kw taps of one window row are kw*cin consecutive floats of an input row,
//     so a pixel's window is kh runs at fixed distances from its first value: a table holds, for every
//     k of the window, the distance of its value from the pixel's first value, and one loop over k
//     serves every tile. Tiles whose windows lie inside the image along x read the image itself (their
//     table's row distance is the image's row). Tiles that reach into the left or right padding read
//     slots instead: for each output row, the columns of its window rows these tiles need are copied
//     into kh slots of scratch (slot ky for window row ky) with zeros for the padding, and the table's
//     row distance is the slot's. Copying whole rows into slots for every tile cost 2-3% at
//     224x224x3; a ring of slots that copied each input row once was slower still, as its slots were
//     visited out of address order (so was a fixed permutation of freshly copied slots, for reasons
//     not found). Window rows above or below the image are left out of the loop (they would add
//     zeros); they are always the first or last ones, so the loop stays one range of k.
//   * The tile (OutPixels pixels x OcVectors vectors of output channels) is indexed only by
//     compile-time constants from the bias to the store, so the compiler keeps it in registers.
//     Any loop over a runtime bound that touches it (a partial store, say) makes GCC keep it in memory
//     instead, which halved the speed.
// 2x6 tiles (16 channels x 6 pixels, 12 accumulators + 2 weight vectors + 1 broadcast) were the fastest
// on AVX2: 4x3 and 3x4 need 16 registers and the compiler spills; 8x1 and 4x2 load too much per FMA.
//
// Weights are packed as direct::conv2d_nhwc packs them: [oc_block][ky][kx][ic][block] then the bias,
// zero-padded past the last output channel. Every output value is summed in the window's k order, from
// the bias, whichever task computes it, so results do not depend on the number of threads.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>

#include "constnet/core/geometry.hpp"
#include "constnet/kernels/direct/conv2d_direct.hpp"
#include "constnet/kernels/kernel_name.hpp"
#include "constnet/kernels/reference/activation.hpp"
#include "constnet/kernels/simd/activation_in_registers.hpp"
#include "constnet/kernels/simd/backends.hpp"
#include "constnet/kernels/simd/register_tile.hpp"
#include "constnet/kernels/window_rows.hpp"

namespace constnet::kernels::direct {

template <class Backend, std::size_t OcVectors, std::size_t OutPixels>
struct conv2d_rows_nhwc {
  using B = Backend;
  using vec = typename B::vec;
  static constexpr std::size_t W = B::width;
  static constexpr std::size_t block = OcVectors * W;  // output channels per block

 private:
  using packing = conv2d_nhwc<Backend, OcVectors, OutPixels>;
  static constexpr diagnostic name_storage =
      compose_name("f32_conv2d_direct_rows_nhwc_", block, "o", OutPixels, "w_", B::name, "_", B::isa);

 public:
  static constexpr std::string_view name = name_storage.view();

  /// Marks the kernel for the registry's selection (direct/selection.hpp).
  static constexpr bool row_tasks = true;
  /// Scratch stays bounded (and the table's offsets fit in 32 bits).
  static constexpr std::size_t max_scratch_floats = std::size_t{1} << 22;

  /// Floats of one slot: the input row from the first column any window reads to the last.
  static constexpr std::size_t slot_floats(const conv2d_geometry& g) {
    if (g.out.w == 0) return 0;
    return ((g.out.w - 1) * g.stride.w + (g.kernel.w - 1) * g.dilation.w + 1) * g.in.c;
  }
  static constexpr std::size_t window(const conv2d_geometry& g) { return g.kernel.h * g.kernel.w * g.in.c; }
  static constexpr std::size_t scratch_floats(const conv2d_geometry& g) {
    return g.kernel.h * slot_floats(g) + 2 * window(g);  // the slots, then two offset tables (32-bit each)
  }

  static constexpr bool supports(const conv2d_geometry& g) {
    return g.in.c >= 1 && scratch_floats(g) <= max_scratch_floats &&
           g.kernel.h * g.dilation.h * g.in.w * g.in.c <= max_scratch_floats;
  }
  static constexpr std::size_t scratch_bytes(const conv2d_geometry& g, std::size_t) {
    return scratch_floats(g) * sizeof(float);
  }

  static constexpr std::size_t packed_floats(const conv2d_geometry& g) { return packing::packed_floats(g); }
  static void pack(const conv2d_geometry& g, std::span<const float> canonical, std::span<float> packed) {
    packing::pack(g, canonical, packed);
  }

  static void run(const conv2d_geometry& g, std::span<const float> packed, const float* in, float* out,
                  std::byte* scratch, std::size_t batch) {
    run_tasks(g, packed, in, out, scratch, batch, 0, tasks(g, batch));
  }
  /// One task per output row; tasks write disjoint outputs. scratch: this thread's own.
  static constexpr std::size_t tasks(const conv2d_geometry& g, std::size_t batch) { return batch * g.out.h; }
  static void run_tasks(const conv2d_geometry& g, std::span<const float> packed, const float* in, float* out,
                        std::byte* scratch, std::size_t, std::size_t begin, std::size_t end) {
    const std::size_t cin = g.in.c, floats = slot_floats(g), K = window(g);
    float* slots = reinterpret_cast<float*>(scratch);
    auto* slot_offsets = reinterpret_cast<std::uint32_t*>(slots + g.kernel.h * floats);
    std::uint32_t* image_offsets = slot_offsets + K;
    const auto fill = [&](std::uint32_t* offsets, std::size_t first, std::size_t row_floats) {
      for (std::size_t ky = first; ky < g.kernel.h; ++ky)
        for (std::size_t kx = 0; kx < g.kernel.w; ++kx)
          for (std::size_t ic = 0; ic < cin; ++ic)
            offsets[(ky * g.kernel.w + kx) * cin + ic] =
                static_cast<std::uint32_t>((ky - first) * row_floats + kx * g.dilation.w * cin + ic);
    };
    fill(slot_offsets, 0, floats);
    std::size_t image_first = g.kernel.h;  // the first window row image_offsets are relative to (none yet)
    const columns c = border_columns(g);
    for (std::size_t row = begin; row < end; ++row) {
      const std::size_t n = row / g.out.h, oy = row % g.out.h;
      const auto [first, last] = window_rows_inside(g, oy);
      const float* image = in + n * g.in.elements();
      float* out_row = out + n * g.out.elements() + oy * g.out.w * g.out.c;
      if (first < last && first != image_first)
        fill(image_offsets, image_first = first, g.dilation.h * g.in.w * cin);
      for (std::size_t ky = first; ky < last; ++ky) {
        const float* source = image + static_cast<std::size_t>(window_input_row(g, oy, ky)) * g.in.w * cin;
        copy_columns(g, source, slots + ky * floats, 0, c.left_end);
        copy_columns(g, source, slots + ky * floats, c.right_begin, floats / cin);
      }
      const float* image_first_row =
          first < last ? image + static_cast<std::size_t>(window_input_row(g, oy, first)) * g.in.w * cin : image;
      run_row(g, packed.data(), slots, slot_offsets, image_first_row, image_offsets, first, last, c, out_row);
    }
  }

 private:
  /// Tiles [0, left_tiles) and [right_tiles, all) reach into the left or right padding and read slots,
  /// whose padded columns [0, left_end) and [right_begin, width) they need; the others read the image.
  /// A tile is clear of the left padding from some tile on and of the right padding up to some tile, so
  /// the tiles that read the image are one range.
  struct columns {
    std::size_t left_tiles, right_tiles, left_end, right_begin;
  };
  static constexpr columns border_columns(const conv2d_geometry& g) {
    const std::size_t tiles = (g.out.w + OutPixels - 1) / OutPixels;
    const auto inside = [&](std::size_t t) {
      const std::size_t ox0 = t * OutPixels, ox1 = std::min(g.out.w, ox0 + OutPixels) - 1;
      return ox0 * g.stride.w >= g.pad.left &&
             ox1 * g.stride.w + (g.kernel.w - 1) * g.dilation.w < g.pad.left + g.in.w;
    };
    std::size_t left = 0;
    while (left < tiles && !inside(left)) ++left;
    std::size_t right = tiles;
    while (right > left && !inside(right - 1)) --right;
    const std::size_t width = slot_floats(g) / g.in.c, reach = (g.kernel.w - 1) * g.dilation.w + 1;
    const std::size_t left_end =
        left == 0 ? 0 : std::min(width, (std::min(g.out.w, left * OutPixels) - 1) * g.stride.w + reach);
    const std::size_t right_begin = right == tiles ? width : std::max(left_end, right * OutPixels * g.stride.w);
    return {left, right, left_end, right_begin};
  }

  /// Padded columns [begin, end) of one input row into a slot: zeros left and right of the image.
  static void copy_columns(const conv2d_geometry& g, const float* source, float* slot, std::size_t begin,
                           std::size_t end) {
    if (begin >= end) return;
    const std::size_t cin = g.in.c;
    const std::size_t image_begin = std::clamp(g.pad.left, begin, end);
    const std::size_t image_end = std::clamp(g.pad.left + g.in.w, image_begin, end);
    std::fill(slot + begin * cin, slot + image_begin * cin, 0.0f);
    std::copy_n(source + (image_begin - g.pad.left) * cin, (image_end - image_begin) * cin, slot + image_begin * cin);
    std::fill(slot + image_end * cin, slot + end * cin, 0.0f);
  }

  /// image_first_row: the input row of window row `first`, which image_offsets are relative to.
  static void run_row(const conv2d_geometry& g, const float* packed, const float* slots,
                      const std::uint32_t* slot_offsets, const float* image_first_row,
                      const std::uint32_t* image_offsets, std::size_t first, std::size_t last, const columns& c,
                      float* out_row) {
    const std::size_t run = g.kernel.w * g.in.c, k_begin = first * run, k_end = std::max(first, last) * run;
    const std::size_t step = g.stride.w * g.in.c, tiles = (g.out.w + OutPixels - 1) / OutPixels;
    for (std::size_t b = 0; b < packing::blocks(g); ++b) {
      const float* weights = packing::weights_of_block(g, packed, b);
      const float* bias = packing::bias_of_block(g, packed, b);
      for (std::size_t t = 0; t < tiles; ++t) {
        const std::size_t ox = t * OutPixels;
        const bool border = t < c.left_tiles || t >= c.right_tiles;
        const float* x = border ? slots + ox * step : image_first_row + (ox * g.stride.w - g.pad.left) * g.in.c;
        const std::uint32_t* offsets = border ? slot_offsets : image_offsets;
        if (ox + OutPixels <= g.out.w) {
          tile<OutPixels>(g, x, offsets, k_begin, k_end, weights, bias, out_row, ox, b);
        } else {
          simd::tile::with_width<OutPixels>(g.out.w - ox, [&]<std::size_t Width>() {
            tile<Width>(g, x, offsets, k_begin, k_end, weights, bias, out_row, ox, b);
          });
        }
      }
    }
    if (!simd::applied_in_registers(g.act))
      for (std::size_t ox = 0; ox < g.out.w; ++ox) reference::apply_activation(g.act, out_row + ox * g.out.c, g.out.c);
  }

  /// Output pixels [ox0, ox0 + Pixels) of one row, channels of block b: bias, window, clamp, store.
  template <std::size_t Pixels>
  static void tile(const conv2d_geometry& g, const float* x0, const std::uint32_t* offsets, std::size_t k_begin,
                   std::size_t k_end, const float* weights, const float* bias, float* out_row, std::size_t ox0,
                   std::size_t b) {
    if constexpr (Pixels > 0) {
      const std::size_t step = g.stride.w * g.in.c, cout = g.out.c;
      const float* x[Pixels];
#pragma GCC unroll 16
      for (std::size_t p = 0; p < Pixels; ++p) x[p] = x0 + p * step;
      vec acc[Pixels][OcVectors];
      simd::tile::start<B>(acc, bias);
      // Unrolled 3 times (window rows of 3 taps or 3 channels): ~1% faster at 224x224x3, in the same
      // loop as oneDNN too; 2, 4 and 9 were no better.
#pragma GCC unroll 3
      for (std::size_t k = k_begin; k < k_end; ++k) simd::tile::fma_step<B>(acc, x, offsets[k], weights + k * block);
      const std::size_t valid = std::min(block, cout - b * block);  // the last block may be narrower
      simd::tile::finish<B>(acc, g.act, out_row + ox0 * cout + b * block, cout, valid);
    }
  }
};

}  // namespace constnet::kernels::direct
