#pragma once
// Global average / max pooling, NHWC, vectorized over channels, written once against the SIMD shim.
//
// As the reference: per channel the maximum starts at -inf, the sum starts at 0 and adds the cells in
// order, and the average is sum / cells, so results are bit-identical to the reference.
//
// A task is one image's block of Vectors * W channels, accumulated in registers over every cell (a
// strided walk through the image that the prefetchers follow); the last block of an image takes the
// remaining whole vectors one by one and then a masked tail, so any channel count works.

#include <algorithm>
#include <cstddef>
#include <limits>
#include <span>
#include <string_view>

#include "constnet/core/geometry.hpp"
#include "constnet/kernels/direct/pool2d_simd.hpp"
#include "constnet/kernels/kernel_name.hpp"
#include "constnet/kernels/simd/backends.hpp"

namespace constnet::kernels::direct {

template <class Backend, std::size_t Vectors = 4>
struct global_pool_nhwc {
  using B = Backend;
  using vec = typename B::vec;
  static constexpr std::size_t W = B::width;
  static constexpr std::size_t block = Vectors * W;  // channels per task

 private:
  static constexpr diagnostic name_storage =
      compose_name("f32_global_pool_nhwc_", block, "c_", B::name, "_", B::isa);

 public:
  static constexpr std::string_view name = name_storage.view();

  static constexpr bool supports(const global_pool_geometry&) { return true; }
  static constexpr std::size_t scratch_bytes(const global_pool_geometry&, std::size_t) { return 0; }

  static constexpr std::size_t blocks(const global_pool_geometry& g) { return (g.in.c + block - 1) / block; }

  static void run(const global_pool_geometry& g, std::span<const float> weights, const float* in, float* out,
                  std::byte*, std::size_t batch) {
    run_tasks(g, weights, in, out, batch, 0, tasks(g, batch));
  }
  /// Threading: one task per image and block of channels; tasks write disjoint outputs.
  static constexpr std::size_t tasks(const global_pool_geometry& g, std::size_t batch) { return batch * blocks(g); }
  static void run_tasks(const global_pool_geometry& g, std::span<const float>, const float* in, float* out,
                        std::size_t, std::size_t begin, std::size_t end) {
    const std::size_t c = g.in.c;
    for (std::size_t t = begin; t < end; ++t) {
      const std::size_t n = t / blocks(g), ch0 = (t % blocks(g)) * block, ch1 = std::min(c, ch0 + block);
      const float* image = in + n * g.in.elements();
      float* dst = out + n * c;
      if (g.kind == pool_kind::max) channel_block<true>(g, image, dst, ch0, ch1);
      else channel_block<false>(g, image, dst, ch0, ch1);
    }
  }

 private:
  template <bool Max>
  static void channel_block(const global_pool_geometry& g, const float* image, float* dst, std::size_t ch0,
                            std::size_t ch1) {
    if (ch1 - ch0 == block) {
      channels<Max, Vectors, false>(g, image, dst, ch0, W);
      return;
    }
    const std::size_t whole = ch0 + (ch1 - ch0) / W * W;
    for (std::size_t ch = ch0; ch < whole; ch += W) channels<Max, 1, false>(g, image, dst, ch, W);
    if (whole < ch1) channels<Max, 1, true>(g, image, dst, whole, ch1 - whole);
  }

  /// Channels [ch, ch + Vn * W), or with Tail the last `last` (< W) channels.
  template <bool Max, std::size_t Vn, bool Tail>
  static void channels(const global_pool_geometry& g, const float* image, float* dst, std::size_t ch,
                       std::size_t last) {
    const std::size_t c = g.in.c, cells = g.in.h * g.in.w;
    vec acc[Vn];
    for (std::size_t v = 0; v < Vn; ++v)
      acc[v] = Max ? B::broadcast(-std::numeric_limits<float>::infinity()) : B::zero();
    const float* cell = image + ch;
    for (std::size_t i = 0; i < cells; ++i, cell += c) {
#pragma GCC unroll 8
      for (std::size_t v = 0; v < Vn; ++v) {
        const vec x = Tail ? B::load_first(cell + v * W, last) : B::loadu(cell + v * W);
        acc[v] = Max ? B::max(acc[v], x) : B::add(acc[v], x);
      }
    }
    for (std::size_t v = 0; v < Vn; ++v) {
      const vec r = Max ? acc[v] : detail::divide<B>(acc[v], static_cast<float>(cells));
      if constexpr (Tail) B::store_first(dst + ch + v * W, r, last);
      else B::storeu(dst + ch + v * W, r);
    }
  }
};

}  // namespace constnet::kernels::direct
