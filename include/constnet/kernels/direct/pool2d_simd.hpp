#pragma once
// Max / average / mixed pooling, NHWC, vectorized over channels, written once against the SIMD shim.
//
// The semantics are the reference's, operation for operation: for each output pixel the window's
// sampled cells (every dilation-th) are clipped to the image once (padded cells, and those past the
// padding a ceil_mode window reaches, never win a max and are never summed), each channel's maximum
// starts at -inf, its sum starts at 0 and adds the cells in (ky, kx) order, and the average divides by
// the cells inside the image (or, with count_padding, those inside the padded map). Mixed pooling is
// lambda * max + (1 - lambda) * average. Max and average are therefore bit-identical to the reference.
//
// Channels go Vectors vectors at a time (independent accumulators), then one vector at a time, then a
// masked tail, so any channel count works. One task per output row: rows never share outputs.

#include <algorithm>
#include <cstddef>
#include <limits>
#include <span>
#include <string_view>

#include "constnet/core/geometry.hpp"
#include "constnet/kernels/kernel_name.hpp"
#include "constnet/kernels/pool_window.hpp"
#include "constnet/kernels/simd/backends.hpp"

namespace constnet::kernels::direct {

namespace detail {
/// a / d lane by lane: a true division, so averages round exactly as the reference's sum / count.
template <class B>
inline typename B::vec divide(typename B::vec a, float d) {
  return B::div(a, B::broadcast(d));
}
}  // namespace detail

template <class Backend, std::size_t Vectors = 4>
struct pool2d_nhwc {
  using B = Backend;
  using vec = typename B::vec;
  static constexpr std::size_t W = B::width;

 private:
  static constexpr diagnostic name_storage =
      compose_name("f32_pool2d_nhwc_", Vectors * W, "c_", B::name, "_", B::isa);

 public:
  static constexpr std::string_view name = name_storage.view();

  static constexpr bool supports(const pool2d_geometry&) { return true; }
  static constexpr std::size_t scratch_bytes(const pool2d_geometry&, std::size_t) { return 0; }

  static void run(const pool2d_geometry& g, std::span<const float> weights, const float* in, float* out, std::byte*,
                  std::size_t batch) {
    run_tasks(g, weights, in, out, batch, 0, tasks(g, batch));
  }
  /// Threading: one task per output row (of batch * out.h); tasks write disjoint outputs.
  static constexpr std::size_t tasks(const pool2d_geometry& g, std::size_t batch) { return batch * g.out.h; }
  static void run_tasks(const pool2d_geometry& g, std::span<const float>, const float* in, float* out, std::size_t,
                        std::size_t begin, std::size_t end) {
    for (std::size_t row = begin; row < end; ++row) {
      switch (g.kind) {
        case pool_kind::max: run_row<pool_kind::max>(g, in, out, row); break;
        case pool_kind::average: run_row<pool_kind::average>(g, in, out, row); break;
        case pool_kind::mixed: run_row<pool_kind::mixed>(g, in, out, row); break;
      }
    }
  }

 private:
  /// What one output pixel needs besides its channels: the clipped window and the final scaling.
  struct window {
    const float* first;           // the first sampled cell inside the image, channel 0
    std::size_t rows, cols;       // sampled cells inside the image
    std::size_t row_step;         // floats between sampled rows
    std::size_t col_step;         // floats between sampled columns
    float divisor, lambda, rest;  // average divisor; mixed: lambda * max + rest * average
  };

  template <pool_kind Kind>
  static void run_row(const pool2d_geometry& g, const float* in, float* out, std::size_t row) {
    const std::size_t c = g.in.c, n = row / g.out.h, oy = row % g.out.h;
    const std::size_t wide = c / (Vectors * W) * (Vectors * W), whole = c / W * W;  // channel loops' ends
    const float* image = in + n * g.in.elements();
    float* out_row = out + n * g.out.elements() + oy * g.out.w * c;
    const sampled_axis rows = sample_rows(g, oy);
    for (std::size_t ox = 0; ox < g.out.w; ++ox) {
      const sampled_axis columns = sample_columns(g, ox);
      const window w{image + (rows.first * g.in.w + columns.first) * c,
                     rows.count,
                     columns.count,
                     g.dilation.h * g.in.w * c,
                     g.dilation.w * c,
                     static_cast<float>(average_divisor(g, rows, columns)),
                     static_cast<float>(g.lambda),
                     static_cast<float>(1.0 - g.lambda)};
      float* dst = out_row + ox * c;
      for (std::size_t ch = 0; ch < wide; ch += Vectors * W) channels<Kind, Vectors, false>(w, ch, dst, W);
      for (std::size_t ch = wide; ch < whole; ch += W) channels<Kind, 1, false>(w, ch, dst, W);
      if (whole < c) channels<Kind, 1, true>(w, whole, dst, c - whole);
    }
  }

  /// Channels [ch, ch + Vn * W) of one output pixel, or with Tail the last `last` (< W) channels.
  template <pool_kind Kind, std::size_t Vn, bool Tail>
  static void channels(const window& w, std::size_t ch, float* dst, std::size_t last) {
    constexpr bool wants_max = Kind != pool_kind::average, wants_sum = Kind != pool_kind::max;
    vec largest[Vn], sum[Vn];
    for (std::size_t v = 0; v < Vn; ++v) {
      if constexpr (wants_max) largest[v] = B::broadcast(-std::numeric_limits<float>::infinity());
      if constexpr (wants_sum) sum[v] = B::zero();
    }
    const float* cell_row = w.first + ch;
    for (std::size_t ky = 0; ky < w.rows; ++ky, cell_row += w.row_step) {
      const float* cell = cell_row;
      for (std::size_t kx = 0; kx < w.cols; ++kx, cell += w.col_step) {
#pragma GCC unroll 8
        for (std::size_t v = 0; v < Vn; ++v) {
          const vec x = Tail ? B::load_first(cell + v * W, last) : B::loadu(cell + v * W);
          if constexpr (wants_max) largest[v] = B::max(largest[v], x);
          if constexpr (wants_sum) sum[v] = B::add(sum[v], x);
        }
      }
    }
    for (std::size_t v = 0; v < Vn; ++v) {
      vec r;
      if constexpr (Kind == pool_kind::max) r = largest[v];
      else if constexpr (Kind == pool_kind::average) r = detail::divide<B>(sum[v], w.divisor);
      else r = B::fma(B::broadcast(w.lambda), largest[v], B::mul(B::broadcast(w.rest), detail::divide<B>(sum[v], w.divisor)));
      if constexpr (Tail) B::store_first(dst + ch + v * W, r, last);
      else B::storeu(dst + ch + v * W, r);
    }
  }
};

}  // namespace constnet::kernels::direct
