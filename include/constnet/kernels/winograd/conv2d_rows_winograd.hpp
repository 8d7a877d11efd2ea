#pragma once
// Winograd along each output row only, F(1 x M, 1 x 3): for 3-wide, stride-1 convolutions with few
// input channels, such as VGG16's first layer (224x224x3 -> 64). There every output needs only
// kh * 3 * cin = 27 products, so the 2D Winograd kernel's transforms cost more than they save (9.5 ms
// against direct's 3.4, see winograd/selection.hpp), while direct convolution still runs 27 FMAs per
// output. Transforming along x only keeps the input transform tiny (a row of cin channels) and the
// column direction direct (any kernel height, vertical stride, dilation and padding):
//
//   o[oy][ox0 + i] = sum_ky sum_ci A^T [ (G w[ky][.][ci]) (.) (B^T d[iy(ky)][ox0 - pad + .][ci]) ]
//
// so per tile of M outputs and alpha = M + 2 transformed values, the products are alpha * kh * cin
// instead of M * kh * 3 * cin: for M = 4, 54 instead of 108 per 4 outputs of a 3x3x3 window.
// The layer is still a set of small GEMMs, one per transform element j: for a group of Tiles tiles
// and a block of output channels, acc[tile][oc] = sum_k V_j[tile][k] U_j[k][oc] over k = (ky, ci),
// on the same register tile as the direct kernels (simd/register_tile.hpp). The output transform then
// reads the group's alpha GEMM results from a few KiB of scratch (L1) and stores y = A^T m, clamped
// (relu, relu6).
//
// Per output row (one task): each window row's input row is transformed once into a ring of
// (kh - 1) * dilation.h + 1 slots (consecutive output rows share kh - 1 of them): the row is copied
// with its zero padding into a staging buffer, then for every tile V[tile][j][ci] = (B^T d)[j] with d
// the tile's alpha columns. The transform runs on W consecutive floats at a time starting at the tile's
// first column, so lane ci of the result is channel ci; with fewer than W channels the lanes past cin
// (the next columns' channels) are overwritten by the next store, as stores go in increasing address
// order and the slot has W floats of slack. Window rows above or below the image are left out of the GEMM (they would add zeros).
//
// Filters are transformed along kx once at load (in double, rounded once) and packed per block of
// output channels as [block][j][ky][ci][OcVectors * W], then the bias, zero-padded past cout. The bias
// needs no separate add: A^T's column for the interpolation point 1 is all ones (1^i), so starting that
// element's accumulators from the bias adds it to every output of the tile.
//
// The output transform of one group of tiles runs between the next group's GEMMs (group(), a
// software pipeline over two result buffers), so its stores come a few at a time.
//
// Outputs of 8 MiB or more per image (VGG16's first layer: 12.25 MiB) are stored with streaming
// stores, which skip reading each line before writing it (streams()). The registry picks this kernel
// for 3 to 15 input channels and outputs at least 32 wide (winograd/selection.hpp has the measurements).
//
// Every output is computed by the same operations in the same order whichever task computes it, so
// results are bitwise identical for any number of threads.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "constnet/core/geometry.hpp"
#include "constnet/core/integer_math.hpp"
#include "constnet/kernels/kernel_name.hpp"
#include "constnet/kernels/reference/activation.hpp"
#include "constnet/kernels/simd/activation_in_registers.hpp"
#include "constnet/kernels/simd/backends.hpp"
#include "constnet/kernels/simd/register_tile.hpp"
#include "constnet/kernels/window_rows.hpp"
#include "constnet/kernels/winograd/tile_transform.hpp"
#include "constnet/kernels/winograd/transforms.hpp"

namespace constnet::kernels::winograd {

template <class Backend, std::size_t M, std::size_t OcVectors = 2, std::size_t Tiles = 6>
struct conv2d_rows_nhwc {
  using B = Backend;
  using vec = typename B::vec;
  using tf = transform<M>;
  static constexpr std::size_t W = B::width;
  static constexpr std::size_t block = OcVectors * W;  // output channels per register tile
  static constexpr std::size_t alpha = tf::alpha;
  /// Outputs per tile along x; also marks the kernel as Winograd (winograd/kernel_kind.hpp).
  static constexpr std::size_t row_output_tile = M;
  static constexpr std::size_t max_scratch_bytes = std::size_t{2} << 20;
  /// Outputs of at least this many bytes per image are stored with streaming stores (see
  /// store_tile()); smaller ones stay in cache for the next layer.
  static constexpr std::size_t stream_min_output_bytes = std::size_t{8} << 20;

 private:
  static constexpr diagnostic name_storage = compose_name("f32_conv2d_winograd_f1x", M, "_rows_nhwc_", block, "o",
                                                          Tiles, "t_", B::name, "_", B::isa);

  /// The transform element whose column of A^T is all ones (the point 1): where the bias goes in.
  static constexpr std::size_t ones_column = [] {
    for (std::size_t j = 0; j < alpha; ++j) {
      bool ones = true;
      for (std::size_t i = 0; i < M; ++i) ones = ones && tf::AT[i][j] == 1.0f;
      if (ones) return j;
    }
    return alpha;
  }();
  static_assert(ones_column < alpha, "the interpolation points must include 1");

 public:
  static constexpr std::string_view name = name_storage.view();

  // ---- sizes ----------------------------------------------------------------------------------------
  static constexpr std::size_t tiles(const conv2d_geometry& g) { return ceil_div(g.out.w, M); }
  static constexpr std::size_t ring_slots(const conv2d_geometry& g) { return (g.kernel.h - 1) * g.dilation.h + 1; }
  /// Scratch regions start on cache lines (so the tags after them are aligned for any backend).
  static constexpr std::size_t line_floats = std::max<std::size_t>(W, 64 / sizeof(float));
  /// Floats of one transformed row: V[tile][j][ci] for every tile, and W floats of slack.
  static constexpr std::size_t slot_floats(const conv2d_geometry& g) {
    return round_up(tiles(g) * alpha * g.in.c + W, line_floats);
  }
  /// Floats of the staging row: every column the tiles read (zeros outside the image), and W of slack.
  static constexpr std::size_t staging_floats(const conv2d_geometry& g) {
    return round_up((tiles(g) * M + 2) * g.in.c + W, line_floats);
  }
  static constexpr std::size_t window_k(const conv2d_geometry& g) { return g.kernel.h * g.in.c; }
  static constexpr std::size_t results_floats() { return round_up(alpha * Tiles * block, line_floats); }
  /// Scratch, in this order: two groups' GEMM results (aligned), ring, staging row, ring tags (64-bit),
  /// k offsets.
  static constexpr std::size_t scratch_floats(const conv2d_geometry& g) {
    return 2 * results_floats() + ring_slots(g) * slot_floats(g) + staging_floats(g) + 2 * ring_slots(g) +
           window_k(g);
  }

  static constexpr bool supports(const conv2d_geometry& g) {
    return g.kernel.w == 3 && g.stride.w == 1 && g.dilation.w == 1 && g.kernel.h >= 1 && g.stride.h >= 1 &&
           g.dilation.h >= 1 && g.in.c >= 1 && g.out.c >= 1 && g.out.w >= 1 &&
           scratch_floats(g) * sizeof(float) <= max_scratch_bytes;
  }
  static constexpr std::size_t scratch_bytes(const conv2d_geometry& g, std::size_t) {
    return scratch_floats(g) * sizeof(float);
  }

  /// Whether a layer's whole tiles are stored with streaming stores: large outputs, which are not in
  /// cache when the layer runs (in a network the arena was written a forward ago) and would not stay
  /// there. Ordinary stores of such lines stall on reading them first: 224x224x3 -> 64 took 2.2-3.0 ms
  /// with its output evicted between calls, 1.77 ms streamed (1.67 / 1.71 with the output in cache).
  static constexpr bool streams(const conv2d_geometry& g) {
    return g.out.elements() * sizeof(float) >= stream_min_output_bytes;
  }

  // ---- weights --------------------------------------------------------------------------------------
  static constexpr std::size_t blocks(const conv2d_geometry& g) { return ceil_div(g.out.c, block); }
  static constexpr std::size_t block_weights(const conv2d_geometry& g) { return alpha * window_k(g) * block; }
  static constexpr std::size_t packed_floats(const conv2d_geometry& g) { return blocks(g) * (block_weights(g) + block); }

  /// canonical: HWIO kernel (kh x 3 x cin x cout) then the bias (Keras). packed: see above.
  static void pack(const conv2d_geometry& g, std::span<const float> canonical, std::span<float> packed) {
    const std::size_t cin = g.in.c, cout = g.out.c, K = window_k(g);
    std::fill(packed.begin(), packed.end(), 0.0f);
    double gm[alpha][3];
    for (std::size_t j = 0; j < alpha; ++j)
      for (std::size_t kx = 0; kx < 3; ++kx) gm[j][kx] = tf::G_exact[j][kx].to_double();
    for (std::size_t ky = 0; ky < g.kernel.h; ++ky)
      for (std::size_t ci = 0; ci < cin; ++ci)
        for (std::size_t oc = 0; oc < cout; ++oc) {
          double w[3];
          for (std::size_t kx = 0; kx < 3; ++kx) w[kx] = canonical[((ky * 3 + kx) * cin + ci) * cout + oc];
          for (std::size_t j = 0; j < alpha; ++j) {
            double u = 0;
            for (std::size_t kx = 0; kx < 3; ++kx) u += gm[j][kx] * w[kx];
            const std::size_t b = oc / block;
            packed[b * block_weights(g) + (j * K + ky * cin + ci) * block + oc % block] = static_cast<float>(u);
          }
        }
    if (g.bias)
      for (std::size_t oc = 0; oc < cout; ++oc)
        packed[blocks(g) * block_weights(g) + oc] = canonical[g.kernel.h * 3 * cin * cout + oc];
  }

  // ---- running --------------------------------------------------------------------------------------
  static void run(const conv2d_geometry& g, std::span<const float> packed, const float* in, float* out,
                  std::byte* scratch, std::size_t batch) {
    run_tasks(g, packed, in, out, scratch, batch, 0, tasks(g, batch));
  }
  /// One task per output row; tasks write disjoint outputs. scratch: this thread's own.
  static constexpr std::size_t tasks(const conv2d_geometry& g, std::size_t batch) { return batch * g.out.h; }
  static void run_tasks(const conv2d_geometry& g, std::span<const float> packed, const float* in, float* out,
                        std::byte* scratch, std::size_t, std::size_t begin, std::size_t end) {
    float* results = reinterpret_cast<float*>(scratch);
    float* ring = results + 2 * results_floats();  // two groups' GEMM results: see group()
    float* staging = ring + ring_slots(g) * slot_floats(g);
    auto* tags = reinterpret_cast<std::int64_t*>(staging + staging_floats(g));  // which row each slot holds
    auto* offsets = reinterpret_cast<std::uint32_t*>(tags + ring_slots(g));
    std::fill_n(tags, ring_slots(g), std::int64_t{-1});
    const std::size_t cin = g.in.c;
    for (std::size_t row = begin; row < end; ++row) {
      const std::size_t n = row / g.out.h, oy = row % g.out.h;
      const auto [first, last] = window_rows_inside(g, oy);
      for (std::size_t ky = first; ky < last; ++ky) {
        const auto iy = static_cast<std::size_t>(window_input_row(g, oy, ky));
        const std::size_t slot = iy % ring_slots(g);
        const auto tag = static_cast<std::int64_t>(n * g.in.h + iy);
        if (tags[slot] != tag) {
          transform_row(g, in + n * g.in.elements() + iy * g.in.w * cin, staging, ring + slot * slot_floats(g));
          tags[slot] = tag;
        }
        for (std::size_t ci = 0; ci < cin; ++ci)
          offsets[ky * cin + ci] = static_cast<std::uint32_t>(slot * slot_floats(g) + ci);
      }
      float* out_row = out + n * g.out.elements() + oy * g.out.w * g.out.c;
      run_row(g, packed.data(), ring, offsets, first * cin, last * cin, results, out_row);
    }
    B::stream_fence();  // before the thread pool hands the output to others
  }

 private:
  /// slot[tile][j][ci] = (B^T d)[j] for one input row, d the tile's alpha columns (zeros outside).
  static void transform_row(const conv2d_geometry& g, const float* source, float* staging, float* slot) {
    const std::size_t cin = g.in.c, length = staging_floats(g);
    const std::size_t left = std::min(g.pad.left * cin, length), used = std::min(g.in.w * cin, length - left);
    std::fill_n(staging, left, 0.0f);
    std::copy_n(source, used, staging + left);
    std::fill(staging + left + used, staging + length, 0.0f);
    const std::size_t tile_floats = alpha * cin;
    vec d[alpha], v[alpha];
    for (std::size_t t = 0; t < tiles(g); ++t)
      for (std::size_t c = 0; c < cin; c += W) {
        const float* column = staging + t * M * cin + c;
#pragma GCC unroll 8
        for (std::size_t i = 0; i < alpha; ++i) d[i] = B::loadu(column + i * cin);
        constant_matrix<B, tf::BT>::apply(d, 1, v, 1);
        float* dst = slot + t * tile_floats + c;
        if (c + W <= cin || c == 0) {
#pragma GCC unroll 8
          for (std::size_t j = 0; j < alpha; ++j) B::storeu(dst + j * cin, v[j]);
        } else {  // a last partial chunk: lanes past cin would overwrite channels [0, W) of element j + 1
          for (std::size_t j = 0; j < alpha; ++j) B::store_first(dst + j * cin, v[j], cin - c);
        }
      }
  }

  /// A group whose GEMMs are done and whose tiles still wait for their output transform.
  struct pending_group {
    const float* results = nullptr;
    std::size_t t0 = 0, b = 0, count = 0;
  };

  static void run_row(const conv2d_geometry& g, const float* packed, const float* ring, const std::uint32_t* offsets,
                      std::size_t k_begin, std::size_t k_end, float* results, float* out_row) {
    const std::size_t all = tiles(g);
    pending_group pending;  // none yet: count 0
    std::size_t buffer = 0;
    for (std::size_t b = 0; b < blocks(g); ++b) {
      const float* weights = packed + b * block_weights(g);
      const float* bias = packed + blocks(g) * block_weights(g) + b * block;
      for (std::size_t t0 = 0; t0 < all; t0 += Tiles, buffer ^= 1) {
        float* mine = results + buffer * results_floats();
        const std::size_t count = std::min(Tiles, all - t0);
        if (count == Tiles) {
          group<Tiles>(g, ring, offsets, k_begin, k_end, weights, bias, t0, mine, pending, out_row);
        } else {
          simd::tile::with_width<Tiles>(count, [&]<std::size_t Width>() {
            group<Width>(g, ring, offsets, k_begin, k_end, weights, bias, t0, mine, pending, out_row);
          });
        }
        pending = {mine, t0, b, count};
      }
    }
    for (std::size_t p = 0; p < pending.count; ++p) store_tile(g, pending, p, out_row);
    if (!simd::applied_in_registers(g.act))
      for (std::size_t ox = 0; ox < g.out.w; ++ox) reference::apply_activation(g.act, out_row + ox * g.out.c, g.out.c);
  }

  /// The alpha GEMMs of Count tiles of one output row (the row's next group), results[j][tile][block];
  /// after GEMM j, the output transform of the previous group's tile j. Stores then come a few at a time
  /// between FMAs, as in the direct kernels: transforming a whole group after its GEMMs stored 4 x
  /// Tiles x block floats at once, and the stores waited for their lines (224x224x3 -> 64: 2.6-2.9 ms
  /// that way, 1.7 ms with the output in L1).
  template <std::size_t Count>
  static void group(const conv2d_geometry& g, const float* ring, const std::uint32_t* offsets, std::size_t k_begin,
                    std::size_t k_end, const float* weights, const float* bias, std::size_t t0, float* results,
                    const pending_group& previous, float* out_row) {
    if constexpr (Count > 0) {
      const std::size_t cin = g.in.c, K = window_k(g);
      for (std::size_t j = 0; j < alpha; ++j) {
        const float* x[Count];
#pragma GCC unroll 16
        for (std::size_t p = 0; p < Count; ++p) x[p] = ring + ((t0 + p) * alpha + j) * cin;
        vec acc[Count][OcVectors];
        simd::tile::start<B>(acc, j == ones_column ? bias : nullptr);
        const float* u = weights + j * K * block;
#pragma GCC unroll 3
        for (std::size_t k = k_begin; k < k_end; ++k) simd::tile::fma_step<B>(acc, x, offsets[k], u + k * block);
#pragma GCC unroll 16
        for (std::size_t p = 0; p < Count; ++p)
#pragma GCC unroll 4
          for (std::size_t v = 0; v < OcVectors; ++v) B::store(results + (j * Tiles + p) * block + v * W, acc[p][v]);
        if (j < previous.count) store_tile(g, previous, j, out_row);
      }
      for (std::size_t p = alpha; p < previous.count; ++p) store_tile(g, previous, p, out_row);
    }
  }

  /// Output transform of tile p of a finished group: y = A^T m, clamped, stored (pixels inside the row,
  /// channels below cout).
  static void store_tile(const conv2d_geometry& g, const pending_group& done, std::size_t p, float* out_row) {
    const std::size_t cout = g.out.c, valid = std::min(block, cout - done.b * block);
    const std::size_t ox0 = (done.t0 + p) * M, pixels = std::min(M, g.out.w - ox0);
    float* dst = out_row + ox0 * cout + done.b * block;
    if (pixels == M && valid == block) {
      // Every tile but a row's last and every block but a layer's last: no runtime bound on y.
      const bool stream = streams(g) && cout % W == 0 && reinterpret_cast<std::uintptr_t>(out_row) % sizeof(vec) == 0;
#pragma GCC unroll 4
      for (std::size_t v = 0; v < OcVectors; ++v) {
        vec y[M];
        output_transform(done.results, p, v, g.act, y);
        if (stream) {
#pragma GCC unroll 8
          for (std::size_t i = 0; i < M; ++i) B::stream(dst + i * cout + v * W, y[i]);
        } else {
#pragma GCC unroll 8
          for (std::size_t i = 0; i < M; ++i) B::storeu(dst + i * cout + v * W, y[i]);
        }
      }
    } else {
      for (std::size_t v = 0; v * W < valid; ++v) {
        vec y[M];
        output_transform(done.results, p, v, g.act, y);
        const std::size_t lanes = std::min(W, valid - v * W);
        for (std::size_t i = 0; i < pixels; ++i) {
          if (lanes == W) B::storeu(dst + i * cout + v * W, y[i]);
          else B::store_first(dst + i * cout + v * W, y[i], lanes);
        }
      }
    }
  }

  /// y = A^T m for tile p's vector v of the GEMM results, then the clamp when act is one.
  [[gnu::always_inline]] static inline void output_transform(const float* results, std::size_t p, std::size_t v,
                                                             activation act, vec (&y)[M]) {
    vec m[alpha];
#pragma GCC unroll 8
    for (std::size_t j = 0; j < alpha; ++j) m[j] = B::load(results + (j * Tiles + p) * block + v * W);
    constant_matrix<B, tf::AT>::apply(m, 1, y, 1);
    if (act == activation::relu || act == activation::relu6)
#pragma GCC unroll 8
      for (std::size_t i = 0; i < M; ++i) y[i] = simd::apply_in_registers<B>(act, y[i]);
  }
};

}  // namespace constnet::kernels::winograd
