#pragma once
// Fully connected layer over packed weights, written once against the SIMD shim.
//
// Keras' kernel is [in][units]; a GEMV that walks it row by row reads `units` floats per input and
// keeps every output in memory. Instead the weights are packed once into blocks of `block` units
// (BlockVectors vectors):
//   [unit_block][in][block], then bias [unit_block][block]
// zero-padded past the last unit, so one block of outputs is one contiguous stream of in * block floats
// and its accumulators stay in registers across the whole `in` loop.
//
//   batch 1 (GEMV): one pass, one load and one FMA per weight vector, `streams` unit blocks read side
//                   by side (streams x BlockVectors accumulators): the weights stream through once, and
//                   several streams keep more misses in flight than one (fc1 of VGG16, 411 MB, on a Zen 3
//                   core: 19.1-19.5 ms one block at a time, 15.0-15.2 ms three at a time, as oneDNN).
//   batch 2, 3:     one pass of 2 or 3 rows x BlockVectors accumulators sharing each weight vector.
//   batch > 3:      passes of RowBlock rows (the first takes the odd row: 3 rows). `in` is cut into
//                   chunks of 16 KiB of weights that every pass reuses from L1 (the accumulators go
//                   through the output between chunks), so the weights are read from memory once
//                   whatever the batch; meanwhile the passes prefetch the next chunk, each a share at
//                   an even pace, so memory reads overlap the arithmetic.
//
// Every output starts at its bias and adds x[i] * w[i] for i = 0, 1, ... in order, one fused
// multiply-add each, whatever the batch, the blocking or the threads: a row's result does not depend on
// the batch it came in, and it equals the reference's (which GCC contracts to the same FMAs).
//
// Threading: one task per block of units (each task computes its units for all rows); tanh and sigmoid
// are applied per task to its own units. Softmax needs every unit of a row, so it runs in finish(),
// which the engine calls once all tasks are done.

#include <algorithm>
#include <cstddef>
#include <span>
#include <string_view>
#include <utility>

#include "constnet/core/geometry.hpp"
#include "constnet/kernels/kernel_name.hpp"
#include "constnet/kernels/reference/activation.hpp"
#include "constnet/kernels/simd/activation_in_registers.hpp"
#include "constnet/kernels/simd/backends.hpp"

namespace constnet::kernels::direct {

template <class Backend, std::size_t BlockVectors = 4, std::size_t RowBlock = 2>
struct dense_packed {
  using B = Backend;
  using vec = typename B::vec;
  static constexpr std::size_t W = B::width;
  static constexpr std::size_t block = BlockVectors * W;  // units per block
  /// Inputs per chunk when there are several passes: 16 KiB of weights, reused from L1 by every pass.
  static constexpr std::size_t chunk = std::max<std::size_t>(1, 4096 / block);

 private:
  static constexpr diagnostic name_storage =
      compose_name("f32_dense_packed_", block, "u", RowBlock, "r_", B::name, "_", B::isa);

 public:
  static constexpr std::string_view name = name_storage.view();

  static constexpr bool supports(const dense_geometry&) { return true; }
  static constexpr std::size_t scratch_bytes(const dense_geometry&, std::size_t) { return 0; }

  static constexpr std::size_t blocks(const dense_geometry& g) { return (g.units + block - 1) / block; }
  static constexpr std::size_t block_weights(const dense_geometry& g) { return g.in * block; }
  static constexpr std::size_t packed_floats(const dense_geometry& g) { return blocks(g) * (block_weights(g) + block); }

  /// canonical: kernel [in][units], then bias [units] when g.bias. packed: see the layout above.
  /// A transposition of 64-byte pieces: walking the canonical rows once and scattering each piece to its
  /// block touched blocks(g) pages per row (VGG16's fc1: 411 MB in about 0.3 s); blocks are done
  /// pack_blocks at a time instead, so each pass reads 1 KiB runs of every row and writes 16 streams.
  static constexpr std::size_t pack_blocks = 16;
  static void pack(const dense_geometry& g, std::span<const float> canonical, std::span<float> packed) {
    if (g.units % block != 0 || !g.bias) std::fill(packed.begin(), packed.end(), 0.0f);  // padding, no bias
    for (std::size_t b0 = 0; b0 < blocks(g); b0 += pack_blocks) {
      const std::size_t b1 = std::min(blocks(g), b0 + pack_blocks);
      for (std::size_t i = 0; i < g.in; ++i)
        for (std::size_t b = b0; b < b1; ++b) {
          const std::size_t units = std::min(block, g.units - b * block);
          std::copy_n(canonical.data() + i * g.units + b * block, units, packed.data() + b * block_weights(g) + i * block);
        }
    }
    if (g.bias)
      std::copy_n(canonical.data() + g.in * g.units, g.units, packed.data() + blocks(g) * block_weights(g));
  }

  static void run(const dense_geometry& g, std::span<const float> packed, const float* in, float* out, std::byte*,
                  std::size_t batch) {
    run_tasks(g, packed, in, out, batch, 0, tasks(g, batch));
    finish(g, out, batch);
  }
  static constexpr std::size_t tasks(const dense_geometry& g, std::size_t) { return blocks(g); }
  /// After every task: the softmax over each row's units.
  static void finish(const dense_geometry& g, float* out, std::size_t batch) {
    if (g.act == activation::softmax)
      for (std::size_t n = 0; n < batch; ++n) reference::apply_activation(g.act, out + n * g.units, g.units);
  }
  /// Tasks [begin, end): unit blocks [begin, end), every row.
  static void run_tasks(const dense_geometry& g, std::span<const float> packed, const float* in, float* out,
                        std::size_t batch, std::size_t begin, std::size_t end) {
    const std::size_t b0 = begin, b1 = end;
    if (b0 >= b1) return;
    if (batch == 1) {  // a GEMV: `streams` unit blocks side by side
      std::size_t ub = b0;
      for (; ub + streams <= b1; ub += streams) single_row<streams>(g, packed.data(), in, out, ub);
      for (; ub < b1; ++ub) single_row<1>(g, packed.data(), in, out, ub);
    } else {
      // Passes over a unit block's weights: the first covers `first` rows (batch mod RowBlock, plus
      // RowBlock when there are more rows: a single row would be a slow latency-bound pass of its own),
      // every other pass RowBlock rows. With one pass the weights stream straight through; with more,
      // `in` is cut into chunks that every pass reuses from L1.
      const std::size_t first = batch % RowBlock + (batch > RowBlock && batch % RowBlock != 0 ? RowBlock : 0);
      const std::size_t passes = (first != 0) + (batch - first) / RowBlock;
      const std::size_t step = passes == 1 ? g.in : chunk;
      for (std::size_t ub = b0; ub < b1; ++ub) {
        const float* weights = packed.data() + ub * block_weights(g);
        const float* bias = packed.data() + blocks(g) * block_weights(g) + ub * block;
        const std::size_t valid = std::min(block, g.units - ub * block);
        float* y = out + ub * block;
        std::size_t k0 = 0;
        do {
          const std::size_t k1 = std::min(g.in, k0 + step);
          // With several passes, they together prefetch the next chunk of weights (of this unit block or
          // the next: they are contiguous) into L2, each sweeping its share at an even pace, so the memory
          // reads overlap the arithmetic instead of stalling the next chunk's first pass.
          const float* next = passes > 1 && (k1 < g.in || ub + 1 < b1) ? weights + k1 * block : nullptr;
          const pass_args a{g, weights, bias, k0, k1, valid, next, passes};
          std::size_t pass = 0;
          if (first != 0) dispatch_rows(first, a, in, y, pass++, std::make_index_sequence<2 * RowBlock - 1>{});
          for (std::size_t n = first; n < batch; n += RowBlock)
            dispatch_rows(RowBlock, a, in + n * g.in, y + n * g.units, pass++, std::make_index_sequence<2 * RowBlock - 1>{});
          k0 = k1;
        } while (k0 < g.in);
      }
    }
    if (g.act == activation::tanh || g.act == activation::sigmoid) {
      const std::size_t u0 = b0 * block, u1 = std::min(g.units, b1 * block);
      for (std::size_t n = 0; n < batch; ++n) reference::apply_activation(g.act, out + n * g.units + u0, u1 - u0);
    }
  }

 private:
  /// Unit blocks read side by side at batch 1. One core streams 17-18 GB/s from one sequential run of
  /// weights and 22, 24 and 25 GB/s from 2, 3 and 4 interleaved ones (Zen 3, huge pages: more misses
  /// in flight); streams x BlockVectors accumulators and the broadcast input must fit 16 registers.
  static constexpr std::size_t streams = std::max<std::size_t>(1, 12 / BlockVectors);

  /// Batch 1, unit blocks [ub0, ub0 + S): out = act(bias + sum over i of x[i] w[i]), one FMA per weight
  /// vector in order of i, as rows<1> does.
  template <std::size_t S>
  static void single_row(const dense_geometry& g, const float* packed, const float* x, float* out, std::size_t ub0) {
    vec acc[S][BlockVectors];
    const float* w[S];
#pragma GCC unroll 4
    for (std::size_t s = 0; s < S; ++s) {
      w[s] = packed + (ub0 + s) * block_weights(g);
      const float* bias = packed + blocks(g) * block_weights(g) + (ub0 + s) * block;  // padded to the block
#pragma GCC unroll 8
      for (std::size_t v = 0; v < BlockVectors; ++v) acc[s][v] = B::loadu(bias + v * W);
    }
    for (std::size_t i = 0; i < g.in; ++i) {
      const vec xv = B::broadcast(x[i]);
#pragma GCC unroll 4
      for (std::size_t s = 0; s < S; ++s)
#pragma GCC unroll 8
        for (std::size_t v = 0; v < BlockVectors; ++v) acc[s][v] = B::fma(xv, B::loadu(w[s] + i * block + v * W), acc[s][v]);
    }
    for (std::size_t s = 0; s < S; ++s)
      store_units(acc[s], out + (ub0 + s) * block, std::min(block, g.units - (ub0 + s) * block), g.act);
  }

  /// One row's accumulators of a unit block into y: units [0, valid), clamped when act is relu or relu6
  /// (linear when the chunk is not the last: the sum is not finished).
  static void store_units(const vec (&acc)[BlockVectors], float* y, std::size_t valid, activation act) {
    for (std::size_t v = 0; v < BlockVectors; ++v) {
      const vec result = simd::apply_in_registers<B>(act, acc[v]);
      if ((v + 1) * W <= valid) B::storeu(y + v * W, result);
      else if (v * W < valid) B::store_first(y + v * W, result, valid - v * W);
    }
  }

  /// What every pass over one chunk of one unit block shares.
  struct pass_args {
    const dense_geometry& g;
    const float* weights;  // the unit block's [in][block]
    const float* bias;     // the unit block's [block]
    std::size_t k0, k1;    // the chunk of inputs
    std::size_t valid;     // units of the block that exist
    const float* next;     // the next chunk's weights to prefetch, or nullptr
    std::size_t passes;    // passes over this chunk (prefetch shares)
  };

  /// rows<r> for a run-time r in [1, sizeof...(R)].
  template <std::size_t... R>
  static void dispatch_rows(std::size_t r, const pass_args& a, const float* x, float* y, std::size_t pass,
                            std::index_sequence<R...>) {
    const bool prefetch = a.next != nullptr;
    (void)((r == R + 1 && (prefetch ? rows<R + 1, true>(a, x, y, pass) : rows<R + 1, false>(a, x, y, pass), true)) ||
           ...);
  }

  /// Rows [0, R) from x (stride g.in) into y (stride g.units), units [0, valid) of one block, inputs
  /// [k0, k1). The accumulators start at the bias (k0 == 0) or at what the previous chunk left in y.
  template <std::size_t R, bool Prefetch>
  static void rows(const pass_args& a, const float* x, float* y, std::size_t pass) {
    const dense_geometry& g = a.g;
    const std::size_t k0 = a.k0, k1 = a.k1, valid = a.valid;
    vec acc[R][BlockVectors];
    for (std::size_t r = 0; r < R; ++r)
      for (std::size_t v = 0; v < BlockVectors; ++v) {
        if (k0 == 0) acc[r][v] = B::loadu(a.bias + v * W);
        else if ((v + 1) * W <= valid) acc[r][v] = B::loadu(y + r * g.units + v * W);
        else if (v * W < valid) acc[r][v] = B::load_first(y + r * g.units + v * W, valid - v * W);
        else acc[r][v] = B::zero();
      }
    // Prefetch sweep (16.16 fixed point): this pass covers floats [pass, pass + 1) * span / passes of the
    // next chunk's span = (k1 - k0) * block floats, advancing block / passes floats per step.
    const std::size_t span = (k1 - k0) * block, sweep = (block << 16) / a.passes;
    const float* pf = Prefetch ? a.next + pass * span / a.passes : nullptr;
    std::size_t pf_pos = 0;
    const float* w = a.weights + k0 * block;
    for (std::size_t i = k0; i < k1; ++i, w += block) {
      if constexpr (Prefetch) {
        __builtin_prefetch(pf + (pf_pos >> 16), 0, 2);  // read, into L2
        pf_pos += sweep;
      }
      vec wv[BlockVectors];
#pragma GCC unroll 8
      for (std::size_t v = 0; v < BlockVectors; ++v) wv[v] = B::loadu(w + v * W);
#pragma GCC unroll 8
      for (std::size_t r = 0; r < R; ++r) {
        const vec xv = B::broadcast(x[r * g.in + i]);
#pragma GCC unroll 8
        for (std::size_t v = 0; v < BlockVectors; ++v) acc[r][v] = B::fma(xv, wv[v], acc[r][v]);
      }
    }
    const activation act = k1 == g.in ? g.act : activation::linear;
    for (std::size_t r = 0; r < R; ++r) store_units(acc[r], y + r * g.units, valid, act);
  }
};

}  // namespace constnet::kernels::direct
