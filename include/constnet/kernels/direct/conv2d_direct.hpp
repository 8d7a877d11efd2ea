#pragma once
// Direct convolution, register-blocked, written once against the SIMD shim.
//
// Activations stay NHWC end to end (the layout of the reference kernels and of Keras), so no layer
// reorders anything. The micro-kernel keeps a tile of OutPixels output pixels (along x) times
// OcVectors vectors of output channels in registers: on AVX2 (16 registers of 8 floats) 6 pixels x 16
// channels is 12 accumulators + 2 weight vectors + 1 broadcast. Each step loads 2 weight vectors and
// broadcasts 6 inputs for 12 FMAs, so the FMA units, not the loads, bound it.
//
// Weights are packed once, when they change, per block of output channels:
//   [oc_block][ky][kx][ic][block_channels] then bias [oc_block][block_channels],
// zero-padded past the last channel so tails need no special weights.
//
// Each output row is one task (rows never share outputs, so results do not depend on the number of
// threads). Every tile is OutPixels wide (the last of a row narrower): taps that fall in the padding
// read a static row of zeros, which adds exactly nothing, so border pixels run as fast as inner ones.
// Inside the image with dilation 1 the (kx, ic) loops fuse into one run of kw*cin floats, which keeps
// layers with few input channels (VGG16's first has 3) out of loop overhead.

#include <algorithm>
#include <cstddef>
#include <span>
#include <string_view>

#include "constnet/core/geometry.hpp"
#include "constnet/kernels/kernel_name.hpp"
#include "constnet/kernels/reference/activation.hpp"
#include "constnet/kernels/simd/backends.hpp"

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
  /// Layers with few input channels gather each output row's windows into one strip (see run_row).
  static constexpr bool uses_strips(const conv2d_geometry& g) {
    return g.kernel.w * g.in.c < 32 && g.kernel.h * g.kernel.w * g.in.c <= 256;
  }
  static constexpr std::size_t scratch_bytes(const conv2d_geometry& g, std::size_t) {
    return uses_strips(g) ? g.out.w * g.kernel.h * g.kernel.w * g.in.c * sizeof(float) : 0;
  }

  static constexpr std::size_t blocks(const conv2d_geometry& g) { return (g.out.c + block - 1) / block; }
  static constexpr std::size_t block_weights(const conv2d_geometry& g) {
    return g.kernel.h * g.kernel.w * g.in.c * block;
  }
  static constexpr std::size_t packed_floats(const conv2d_geometry& g) {
    return blocks(g) * (block_weights(g) + block);
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

  static void run(const conv2d_geometry& g, std::span<const float> packed, const float* in, float* out,
                  std::byte* scratch, std::size_t batch) {
    run_tasks(g, packed, in, out, scratch, batch, 0, tasks(g, batch));
  }
  /// Threading: one task per output row; tasks write disjoint outputs. scratch: this thread's own.
  static constexpr std::size_t tasks(const conv2d_geometry& g, std::size_t batch) { return batch * g.out.h; }
  static void run_tasks(const conv2d_geometry& g, std::span<const float> packed, const float* in, float* out,
                        std::byte* scratch, std::size_t, std::size_t begin, std::size_t end) {
    for (std::size_t row = begin; row < end; ++row)
      run_row(g, packed.data(), in, out, row, reinterpret_cast<float*>(scratch));
  }

  /// One task: output row `row` (of batch * out.h rows), every output channel.
  static void run_row(const conv2d_geometry& g, const float* packed, const float* in, float* out, std::size_t row,
                      float* strip) {
    const std::size_t n = row / g.out.h, oy = row % g.out.h;
    const float* image = in + n * g.in.elements();
    float* out_row = out + n * g.out.elements() + oy * g.out.w * g.out.c;
    if (uses_strips(g)) {
      strip_row(g, packed, image, out_row, oy, strip);
    } else {
      window_row(g, packed, image, out_row, oy);
    }
    if (g.act != activation::linear && g.act != activation::relu)
      for (std::size_t ox = 0; ox < g.out.w; ++ox) reference::apply_activation(g.act, out_row + ox * g.out.c, g.out.c);
  }

 private:
  /// Few input channels (VGG16's first layer: 3, so 27 values per window): gather every pixel's window
  /// of the row into `strip` once, zeros where it falls in the padding; every channel block then runs
  /// the whole window as one FMA sequence, matching the weights' [ky][kx][ic] order.
  static void strip_row(const conv2d_geometry& g, const float* packed, const float* image, float* out_row,
                        std::size_t oy, float* strip) {
    const std::size_t cin = g.in.c, window = g.kernel.h * g.kernel.w * cin;
    const auto [first, last] = interior(g);
    const std::size_t run = g.kernel.w * cin;  // one window row, contiguous in NHWC when dilation.w is 1
    for (std::size_t ox = 0; ox < g.out.w; ++ox) {
      float* dst = strip + ox * window;
      for (std::size_t ky = 0; ky < g.kernel.h; ++ky) {
        const std::ptrdiff_t iy = static_cast<std::ptrdiff_t>(oy * g.stride.h + ky * g.dilation.h) -
                                  static_cast<std::ptrdiff_t>(g.pad.top);
        const bool row_inside = iy >= 0 && iy < static_cast<std::ptrdiff_t>(g.in.h);
        if (g.dilation.w == 1 && (!row_inside || (ox >= first && ox < last))) {
          // The common case: the whole window row is inside the image (or the row is all padding).
          const float* src = image + (static_cast<std::size_t>(row_inside ? iy : 0) * g.in.w +
                                      (row_inside ? ox * g.stride.w - g.pad.left : 0)) * cin;
          for (std::size_t k = 0; k < run; ++k) dst[k] = row_inside ? src[k] : 0.0f;
          dst += run;
          continue;
        }
        for (std::size_t kx = 0; kx < g.kernel.w; ++kx, dst += cin) {
          const std::ptrdiff_t ix = static_cast<std::ptrdiff_t>(ox * g.stride.w + kx * g.dilation.w) -
                                    static_cast<std::ptrdiff_t>(g.pad.left);
          const bool inside = iy >= 0 && iy < static_cast<std::ptrdiff_t>(g.in.h) && ix >= 0 &&
                              ix < static_cast<std::ptrdiff_t>(g.in.w);
          if (inside)
            std::copy_n(image + (static_cast<std::size_t>(iy) * g.in.w + static_cast<std::size_t>(ix)) * cin, cin, dst);
          else
            std::fill_n(dst, cin, 0.0f);
        }
      }
    }
    for (std::size_t b = 0; b < blocks(g); ++b) {
      const float* weights = packed + b * block_weights(g);
      const float* bias = packed + blocks(g) * block_weights(g) + b * block;
      std::size_t ox = 0;
      for (; ox + OutPixels <= g.out.w; ox += OutPixels) strip_tile<OutPixels>(g, strip, weights, bias, out_row, ox, b);
      [&]<std::size_t... Width>(std::index_sequence<Width...>) {
        ((g.out.w - ox == Width ? (strip_tile<Width>(g, strip, weights, bias, out_row, ox, b), true) : false) || ...);
      }(std::make_index_sequence<OutPixels>{});
    }
  }

  template <std::size_t Pixels>
  static void strip_tile(const conv2d_geometry& g, const float* strip, const float* weights, const float* bias,
                         float* out_row, std::size_t ox0, std::size_t b) {
    if constexpr (Pixels > 0) {
      const std::size_t window = g.kernel.h * g.kernel.w * g.in.c;
      vec acc[Pixels][OcVectors];
      start_tile<Pixels>(g, acc, bias);
      const float* x[Pixels];
      for (std::size_t p = 0; p < Pixels; ++p) x[p] = strip + (ox0 + p) * window;
      accumulate<Pixels>(acc, x, weights, window);
      finish_tile<Pixels>(g, acc, out_row, ox0, b);
    }
  }

  template <std::size_t Pixels>
  static void start_tile(const conv2d_geometry& g, vec (&acc)[Pixels][OcVectors], const float* bias) {
    for (std::size_t v = 0; v < OcVectors; ++v) {
      const vec start = g.bias ? B::loadu(bias + v * W) : B::zero();
      for (std::size_t p = 0; p < Pixels; ++p) acc[p][v] = start;
    }
  }

  /// Bias was the accumulators' start; here ReLU (other activations run over the finished row) and
  /// the store, masked for a last block narrower than `block`.
  template <std::size_t Pixels>
  static void finish_tile(const conv2d_geometry& g, vec (&acc)[Pixels][OcVectors], float* out_row, std::size_t ox0,
                          std::size_t b) {
    const std::size_t cout = g.out.c;
    const std::size_t valid = std::min(block, cout - b * block);
    for (std::size_t p = 0; p < Pixels; ++p) {
      float* dst = out_row + (ox0 + p) * cout + b * block;
      for (std::size_t v = 0; v < OcVectors; ++v) {
        vec r = acc[p][v];
        if (g.act == activation::relu) r = B::max(r, B::zero());
        if ((v + 1) * W <= valid) B::storeu(dst + v * W, r);
        else if (v * W < valid) B::store_first(dst + v * W, r, valid - v * W);
      }
    }
  }

  /// Many input channels: each tile walks the kernel window tap by tap.
  static void window_row(const conv2d_geometry& g, const float* packed, const float* image, float* out_row,
                         std::size_t oy) {
    const auto [first, last] = interior(g);
    for (std::size_t b = 0; b < blocks(g); ++b) {
      const float* weights = packed + b * block_weights(g);
      const float* bias = packed + blocks(g) * block_weights(g) + b * block;
      std::size_t ox = 0;
      for (; ox + OutPixels <= g.out.w; ox += OutPixels)
        tile<OutPixels>(g, image, weights, bias, out_row, oy, ox, b, ox >= first && ox + OutPixels <= last);
      if (ox < g.out.w)
        remainder_tile(g, image, weights, bias, out_row, oy, ox, b, ox >= first && g.out.w <= last,
                       std::make_index_sequence<OutPixels>{});
    }
  }

  /// Taps outside the image read zeros from here, so border pixels use the same full-width tiles.
  static constexpr std::size_t zero_channels = 8192;
  alignas(64) static inline const float zeros[zero_channels] = {};

  /// Output columns [first, last) whose windows lie entirely inside the image along x.
  static constexpr std::pair<std::size_t, std::size_t> interior(const conv2d_geometry& g) {
    const std::size_t reach = (g.kernel.w - 1) * g.dilation.w;
    const std::size_t first = (g.pad.left + g.stride.w - 1) / g.stride.w;
    if (g.in.w + g.pad.left < reach + 1) return {g.out.w, g.out.w};
    const std::size_t last = std::min(g.out.w, (g.in.w + g.pad.left - reach - 1) / g.stride.w + 1);
    return {std::min(first, last), last};
  }

  template <std::size_t... Width>
  static void remainder_tile(const conv2d_geometry& g, const float* image, const float* weights, const float* bias,
                             float* out_row, std::size_t oy, std::size_t ox, std::size_t b, bool inside,
                             std::index_sequence<Width...>) {
    const std::size_t left = g.out.w - ox;
    ((left == Width ? (tile<Width>(g, image, weights, bias, out_row, oy, ox, b, inside), true) : false) || ...);
  }

  /// acc[p][v] += sum over i < count of x[p][i] * w[i][v-th vector]: the FMA loop everything runs in.
  template <std::size_t Pixels>
  static void accumulate(vec (&acc)[Pixels][OcVectors], const float* const (&x)[Pixels], const float* w,
                         std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
      vec wv[OcVectors];
#pragma GCC unroll 4
      for (std::size_t v = 0; v < OcVectors; ++v) wv[v] = B::load(w + i * block + v * W);
#pragma GCC unroll 8
      for (std::size_t p = 0; p < Pixels; ++p) {
        const vec xv = B::broadcast(x[p][i]);
#pragma GCC unroll 4
        for (std::size_t v = 0; v < OcVectors; ++v) acc[p][v] = B::fma(xv, wv[v], acc[p][v]);
      }
    }
  }

  template <std::size_t Pixels>
  static void tile(const conv2d_geometry& g, const float* image, const float* weights, const float* bias,
                   float* out_row, std::size_t oy, std::size_t ox0, std::size_t b, bool inside) {
    if constexpr (Pixels == 0) {
      return;
    } else {
      const std::size_t cin = g.in.c;
      vec acc[Pixels][OcVectors];
      start_tile<Pixels>(g, acc, bias);
      const float* x[Pixels];
      for (std::size_t ky = 0; ky < g.kernel.h; ++ky) {
        const std::ptrdiff_t iy = static_cast<std::ptrdiff_t>(oy * g.stride.h + ky * g.dilation.h) -
                                  static_cast<std::ptrdiff_t>(g.pad.top);
        if (iy < 0 || iy >= static_cast<std::ptrdiff_t>(g.in.h)) continue;  // a zero row adds nothing
        const float* image_row = image + static_cast<std::size_t>(iy) * g.in.w * cin;
        const float* w = weights + ky * g.kernel.w * cin * block;
        if (inside && g.dilation.w == 1) {
          // The taps kx = 0..kw-1 of one pixel are kw*cin consecutive floats, as are their weights.
          for (std::size_t p = 0; p < Pixels; ++p)
            x[p] = image_row + ((ox0 + p) * g.stride.w - g.pad.left) * cin;
          accumulate<Pixels>(acc, x, w, g.kernel.w * cin);
          continue;
        }
        for (std::size_t kx = 0; kx < g.kernel.w; ++kx) {
          for (std::size_t p = 0; p < Pixels; ++p) {
            const std::ptrdiff_t ix = static_cast<std::ptrdiff_t>((ox0 + p) * g.stride.w + kx * g.dilation.w) -
                                      static_cast<std::ptrdiff_t>(g.pad.left);
            x[p] = ix >= 0 && ix < static_cast<std::ptrdiff_t>(g.in.w) ? image_row + static_cast<std::size_t>(ix) * cin
                                                                       : zeros;
          }
          accumulate<Pixels>(acc, x, w + kx * cin * block, cin);
        }
      }
      finish_tile<Pixels>(g, acc, out_row, ox0, b);
    }
  }
};

}  // namespace constnet::kernels::direct
