#pragma once
// Direct convolution, register-blocked, written once against the SIMD shim.
//
// Activations stay NHWC end to end (the layout of the reference kernels and of Keras), so no layer
// reorders anything. The micro-kernel keeps a tile of OutPixels output pixels times OcVectors vectors
// of output channels in registers: on AVX2 (16 registers of 8 floats) 6 pixels x 16 channels is 12
// accumulators + 2 weight vectors + 1 broadcast. Each step loads 2 weight vectors and broadcasts 6
// inputs for 12 FMAs, so the FMA units, not the loads, bound it. The tile is indexed only by
// compile-time constants from the bias to the store: when a loop with a runtime bound touched it
// (a partial store, a helper that was not inlined), GCC kept it in memory instead.
//
// Weights are packed once, when they change, per block of output channels:
//   [oc_block][ky][kx][ic][block_channels] then bias [oc_block][block_channels],
// zero-padded past the last channel so tails need no special weights.
//
// Every tile is OutPixels wide (only the last of a band narrower) and its pixels are counted row after
// row, so a tile may start on one output row and end on the next. Taps that fall in the padding read a
// static row of zeros, which adds exactly nothing, so border pixels run as fast as inner ones. The loop
// over a tap's input channels is the innermost one, which suits 32 channels and more; direct::
// conv2d_rows_nhwc (one loop over the whole window) is faster for few input channels and, by a few
// percent, up to about 256; direct/selection.hpp says which runs where.

#include <algorithm>
#include <cstddef>
#include <span>
#include <string_view>
#include <utility>

#include "constnet/core/geometry.hpp"
#include "constnet/kernels/kernel_name.hpp"
#include "constnet/kernels/reference/activation.hpp"
#include "constnet/kernels/simd/backends.hpp"
#include "constnet/kernels/simd/register_tile.hpp"

namespace constnet::kernels::direct {

template <class Backend, std::size_t OcVectors, std::size_t OutPixels>
struct conv2d_nhwc {
  using B = Backend;
  using vec = typename B::vec;
  static constexpr std::size_t W = B::width;
  static constexpr std::size_t block = OcVectors * W;  // output channels per block

 private:
  static constexpr diagnostic name_storage =
      compose_name("f32_conv2d_direct_nhwc_", block, "o", OutPixels, "w_", B::name, "_", B::isa);

 public:
  static constexpr std::string_view name = name_storage.view();

  /// Out-of-image taps read a static zero row of zero_channels floats.
  static constexpr bool supports(const conv2d_geometry& g) { return g.in.c <= zero_channels; }
  static constexpr std::size_t scratch_bytes(const conv2d_geometry&, std::size_t) { return 0; }

  static constexpr std::size_t blocks(const conv2d_geometry& g) { return (g.out.c + block - 1) / block; }
  static constexpr std::size_t block_weights(const conv2d_geometry& g) {
    return g.kernel.h * g.kernel.w * g.in.c * block;
  }
  static constexpr std::size_t packed_floats(const conv2d_geometry& g) {
    return blocks(g) * (block_weights(g) + block);
  }
  /// Block b's weights and its bias (zeros for a layer without one) in a packed buffer.
  static const float* weights_of_block(const conv2d_geometry& g, const float* packed, std::size_t b) {
    return packed + b * block_weights(g);
  }
  static const float* bias_of_block(const conv2d_geometry& g, const float* packed, std::size_t b) {
    return packed + blocks(g) * block_weights(g) + b * block;
  }

  /// canonical: HWIO kernel then bias (Keras). packed: see the layout above.
  static void pack(const conv2d_geometry& g, std::span<const float> canonical, std::span<float> packed) {
    const std::size_t taps = g.kernel.h * g.kernel.w, cin = g.in.c, cout = g.out.c;
    std::fill(packed.begin(), packed.end(), 0.0f);
    float* bias = packed.data() + blocks(g) * block_weights(g);
    for (std::size_t b = 0; b < blocks(g); ++b)
      for (std::size_t t = 0; t < taps; ++t)
        for (std::size_t ic = 0; ic < cin; ++ic)
          for (std::size_t j = 0; j < block && b * block + j < cout; ++j)
            packed[b * block_weights(g) + (t * cin + ic) * block + j] = canonical[(t * cin + ic) * cout + b * block + j];
    if (g.bias)
      for (std::size_t oc = 0; oc < cout; ++oc) bias[oc] = canonical[taps * cin * cout + oc];
  }

  /// Work is split into tasks of (image, group of channel blocks, band of output pixels); see schedule.
  /// Tasks write disjoint outputs and every output value is summed in the same order whichever task
  /// computes it, so results do not depend on the number of threads.
  struct schedule {
    std::size_t group_blocks, groups, band_pixels, bands;
  };
  /// Bands are a few tiles of output pixels counted row after row (so a tile may continue on the next
  /// row: a 14-pixel row wastes no third of a 6-pixel tile). A task runs its group's blocks one after the
  /// other over its band: the band's input (kh rows of a few tiles) stays in L1/L2 across the blocks.
  /// Groups hold as many blocks as fit in l2_weight_bytes, so the deep layers (512 input channels:
  /// 295 KB per block) run one block per task, and the tasks of one thread take the bands of one block
  /// in a row, reading that block's weights from L2 instead of once per output row from L3.
  static constexpr std::size_t l2_weight_bytes = 512 * 1024;
  static constexpr std::size_t band_tiles = 4;
  static constexpr schedule schedule_of(const conv2d_geometry& g) {
    const std::size_t pixels = g.out.h * g.out.w, all_blocks = blocks(g);
    const std::size_t per_block = std::max<std::size_t>(1, block_weights(g) * sizeof(float));
    const std::size_t fit = std::clamp<std::size_t>(l2_weight_bytes / per_block, 1, std::max<std::size_t>(all_blocks, 1));
    // Softmax needs all of a pixel's channels: one group, and the activation after the last block.
    const std::size_t groups = g.act == activation::softmax ? 1 : (all_blocks + fit - 1) / fit;
    const std::size_t band = band_tiles * OutPixels;
    return {groups == 0 ? 0 : (all_blocks + groups - 1) / groups, groups, band, (pixels + band - 1) / band};
  }

  static void run(const conv2d_geometry& g, std::span<const float> packed, const float* in, float* out,
                  std::byte* scratch, std::size_t batch) {
    run_tasks(g, packed, in, out, scratch, batch, 0, tasks(g, batch));
  }
  static constexpr std::size_t tasks(const conv2d_geometry& g, std::size_t batch) {
    const schedule s = schedule_of(g);
    return batch * s.groups * s.bands;
  }
  static void run_tasks(const conv2d_geometry& g, std::span<const float> packed, const float* in, float* out,
                        std::byte*, std::size_t, std::size_t begin, std::size_t end) {
    const schedule s = schedule_of(g);
    const std::size_t pixels = g.out.h * g.out.w;
    const auto inside = interior(g);  // output columns whose windows lie inside the image along x
    for (std::size_t task = begin; task < end; ++task) {
      const std::size_t band = task % s.bands, group = task / s.bands % s.groups, n = task / (s.bands * s.groups);
      const float* image = in + n * g.in.elements();
      float* out_image = out + n * g.out.elements();
      const std::size_t first = band * s.band_pixels, last = std::min(pixels, first + s.band_pixels);
      const std::size_t block_end = std::min(blocks(g), (group + 1) * s.group_blocks);
      for (std::size_t b = group * s.group_blocks; b < block_end; ++b) {
        std::size_t q = first;
        for (; q + OutPixels <= last; q += OutPixels) tile<OutPixels>(g, packed.data(), image, out_image, q, b, inside);
        simd::tile::with_width<OutPixels>(
            last - q, [&]<std::size_t Width>() { tile<Width>(g, packed.data(), image, out_image, q, b, inside); });
      }
      if (g.act == activation::softmax)
        for (std::size_t p = first; p < last; ++p) reference::apply_activation(g.act, out_image + p * g.out.c, g.out.c);
    }
  }

 private:
  /// Taps outside the image read zeros from here, so border pixels use the same full-width tiles.
  static constexpr std::size_t zero_channels = 8192;
  alignas(64) static inline const float zeros[zero_channels] = {};

  /// acc[p][v] += sum over i < count of x[p][i] * w[i][v-th vector]: the FMA loop everything runs in.
  /// Unrolled twice: 2-4% faster than not on VGG16's 64-256-channel layers (4 times was slower).
  template <std::size_t Pixels>
  [[gnu::always_inline]] static inline void accumulate(vec (&acc)[Pixels][OcVectors],
                                                       const float* const (&x)[Pixels], const float* w,
                                                       std::size_t count) {
#pragma GCC unroll 2
    for (std::size_t i = 0; i < count; ++i) simd::tile::fma_step<B>(acc, x, i, w + i * block);
  }

  /// Output columns [first, last) whose windows lie entirely inside the image along x.
  static constexpr std::pair<std::size_t, std::size_t> interior(const conv2d_geometry& g) {
    const std::size_t reach = (g.kernel.w - 1) * g.dilation.w;
    const std::size_t first = (g.pad.left + g.stride.w - 1) / g.stride.w;
    if (g.in.w + g.pad.left < reach + 1) return {g.out.w, g.out.w};
    const std::size_t last = std::min(g.out.w, (g.in.w + g.pad.left - reach - 1) / g.stride.w + 1);
    return {std::min(first, last), last};
  }

  /// The taps of a tile that reaches into the padding or spans two output rows, one (ky, kx) at a time.
  template <std::size_t Pixels>
  [[gnu::always_inline]] static inline void border_taps(const conv2d_geometry& g, vec (&acc)[Pixels][OcVectors],
                                                        const float* image, const float* weights,
                                                        const std::ptrdiff_t (&y0)[Pixels],
                                                        const std::ptrdiff_t (&x0)[Pixels]) {
    const std::size_t cin = g.in.c;
    const float* x[Pixels];
    const auto in_h = static_cast<std::ptrdiff_t>(g.in.h), in_w = static_cast<std::ptrdiff_t>(g.in.w);
    for (std::size_t ky = 0; ky < g.kernel.h; ++ky) {
      const auto dy = static_cast<std::ptrdiff_t>(ky * g.dilation.h);
      bool any_row = false;
#pragma GCC unroll 16
      for (std::size_t p = 0; p < Pixels; ++p) any_row |= y0[p] + dy >= 0 && y0[p] + dy < in_h;
      if (!any_row) continue;
      for (std::size_t kx = 0; kx < g.kernel.w; ++kx) {
        const auto dx = static_cast<std::ptrdiff_t>(kx * g.dilation.w);
#pragma GCC unroll 16
        for (std::size_t p = 0; p < Pixels; ++p) {
          const std::ptrdiff_t iy = y0[p] + dy, ix = x0[p] + dx;
          x[p] = iy >= 0 && iy < in_h && ix >= 0 && ix < in_w
                     ? image + (static_cast<std::size_t>(iy) * g.in.w + static_cast<std::size_t>(ix)) * cin
                     : zeros;
        }
        accumulate<Pixels>(acc, x, weights + (ky * g.kernel.w + kx) * cin * block, cin);
      }
    }
  }

  /// Output pixels [q, q + Pixels) (counted row after row over the image), channels of block b:
  /// bias, every tap of the window, activation, store. A tap outside the image reads zeros; a tap
  /// row outside the image for every pixel of the tile is skipped (it would add zeros).
  template <std::size_t Pixels>
  static void tile(const conv2d_geometry& g, const float* packed, const float* image, float* out_image,
                   std::size_t q, std::size_t b, std::pair<std::size_t, std::size_t> inside) {
    if constexpr (Pixels > 0) {
      const std::size_t cin = g.in.c, cout = g.out.c;
      const float* weights = weights_of_block(g, packed, b);
      std::ptrdiff_t y0[Pixels], x0[Pixels];  // the window's top-left input position, per pixel
      const std::size_t ox0 = q % g.out.w;
      {
        std::size_t oy = q / g.out.w, ox = ox0;
#pragma GCC unroll 16
        for (std::size_t p = 0; p < Pixels; ++p) {
          y0[p] = static_cast<std::ptrdiff_t>(oy * g.stride.h) - static_cast<std::ptrdiff_t>(g.pad.top);
          x0[p] = static_cast<std::ptrdiff_t>(ox * g.stride.w) - static_cast<std::ptrdiff_t>(g.pad.left);
          if (++ox == g.out.w) ox = 0, ++oy;
        }
      }
      vec acc[Pixels][OcVectors];
      simd::tile::start<B>(acc, bias_of_block(g, packed, b));
      if (g.dilation.w == 1 && ox0 >= inside.first && ox0 + Pixels <= inside.second) {
        // One output row, every window inside the image along x: a window row's kw taps are kw*cin
        // consecutive floats (as are their weights), so one FMA loop runs them (same order, same sums).
        for (std::size_t ky = 0; ky < g.kernel.h; ++ky) {
          const std::ptrdiff_t iy = y0[0] + static_cast<std::ptrdiff_t>(ky * g.dilation.h);
          if (iy < 0 || iy >= static_cast<std::ptrdiff_t>(g.in.h)) continue;
          const float* image_row = image + static_cast<std::size_t>(iy) * g.in.w * cin;
          const float* x[Pixels];
#pragma GCC unroll 16
          for (std::size_t p = 0; p < Pixels; ++p) x[p] = image_row + static_cast<std::size_t>(x0[p]) * cin;
          accumulate<Pixels>(acc, x, weights + ky * g.kernel.w * cin * block, g.kernel.w * cin);
        }
      } else {
        border_taps<Pixels>(g, acc, image, weights, y0, x0);
      }
      const std::size_t valid = std::min(block, cout - b * block);  // the last block may be narrower
      simd::tile::finish<B>(acc, g.act, out_image + q * cout + b * block, cout, valid);
      // Other element-wise activations run over the stored values (they are not all in the shim).
      if (g.act == activation::tanh || g.act == activation::sigmoid)
        for (std::size_t p = 0; p < Pixels; ++p)
          reference::apply_activation(g.act, out_image + (q + p) * cout + b * block, valid);
    }
  }
};

}  // namespace constnet::kernels::direct
