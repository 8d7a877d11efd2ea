#pragma once
// Inference batch normalization as one fused multiply-add per element, written once against the SIMD
// shim. Safe in place (in == out): every element is read and then written at the same position.
//
// At pack time, per channel (in double, then rounded once):
//   scale = gamma / sqrt(variance + epsilon),   shift = beta - mean * scale
// so y = x * scale + shift. This rounds differently from the reference's
// gamma * (x - mean) / sqrt(variance + epsilon) + beta (a few ulp of |x * scale| + |shift|).
//
// NHWC makes the channel of element i simply i mod C, so the tensor is one flat stream. The packed
// scale and shift repeat the C channels over a period of `period(g)` floats, a multiple of both C and
// the vector width (and at least Vectors vectors long): every vector of the stream lines up with a
// vector of the pattern and no pixel needs a channel tail. Packed layout: scale[period], shift[period].
//
// Tasks are runs of whole periods (about 8K floats each); only the very end of the tensor has a tail.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <span>
#include <string_view>

#include "constnet/core/geometry.hpp"
#include "constnet/kernels/batch_norm_weights.hpp"
#include "constnet/kernels/kernel_name.hpp"
#include "constnet/kernels/simd/backends.hpp"

namespace constnet::kernels::direct {

template <class Backend, std::size_t Vectors = 4>
struct batch_norm_nhwc {
  using B = Backend;
  using vec = typename B::vec;
  static constexpr std::size_t W = B::width;

 private:
  static constexpr diagnostic name_storage = compose_name("f32_batch_norm_nhwc_fma_", B::name, "_", B::isa);

 public:
  static constexpr std::string_view name = name_storage.view();

  static constexpr bool supports(const batch_norm_geometry&) { return true; }
  static constexpr std::size_t scratch_bytes(const batch_norm_geometry&, std::size_t) { return 0; }

  /// Length of the repeated scale/shift pattern: a multiple of C and of W, at least Vectors * W.
  static constexpr std::size_t period(const batch_norm_geometry& g) {
    const std::size_t base = std::lcm(g.in.c, W);
    return base * ((Vectors * W + base - 1) / base);
  }
  static constexpr std::size_t packed_floats(const batch_norm_geometry& g) { return 2 * period(g); }

  /// canonical: [gamma,] beta, moving_mean, moving_variance, each [C]. packed: scale[period], shift[period].
  static void pack(const batch_norm_geometry& g, std::span<const float> canonical, std::span<float> packed) {
    const std::size_t c = g.in.c, p = period(g);
    const batch_norm_weights<float> w(g, canonical);
    for (std::size_t j = 0; j < p; ++j) {
      const std::size_t ch = j % c;
      const float scale = static_cast<float>(static_cast<double>(w.gamma_of(ch)) /
                                             std::sqrt(static_cast<double>(w.variance[ch]) + g.epsilon));
      packed[j] = scale;
      packed[p + j] = static_cast<float>(static_cast<double>(w.beta[ch]) -
                                         static_cast<double>(w.mean[ch]) * static_cast<double>(scale));
    }
  }

  /// Floats per task: whole periods, about 8K floats (32 KiB in and out).
  static constexpr std::size_t task_floats(const batch_norm_geometry& g) {
    const std::size_t p = period(g);
    return p * (p < 8192 ? 8192 / p : 1);
  }
  static constexpr std::size_t tasks(const batch_norm_geometry& g, std::size_t batch) {
    return (batch * g.in.elements() + task_floats(g) - 1) / task_floats(g);
  }

  static void run(const batch_norm_geometry& g, std::span<const float> packed, const float* in, float* out,
                  std::byte*, std::size_t batch) {
    run_tasks(g, packed, in, out, batch, 0, tasks(g, batch));
  }
  /// Threading: task t normalizes floats [t * task_floats, (t + 1) * task_floats); disjoint outputs.
  static void run_tasks(const batch_norm_geometry& g, std::span<const float> packed, const float* in, float* out,
                        std::size_t batch, std::size_t begin, std::size_t end) {
    const std::size_t p = period(g), total = batch * g.in.elements(), per_task = task_floats(g);
    const float* scale = packed.data();
    const float* shift = scale + p;
    const std::size_t first = begin * per_task, last = std::min(total, end * per_task);
    if (first >= last) return;
    // Whole periods: the pattern starts over at every multiple of the period.
    const std::size_t periods_end = first + (last - first) / p * p;
    for (std::size_t i = first; i < periods_end; i += p) {
      const float* x = in + i;
      float* y = out + i;
#pragma GCC unroll 4
      for (std::size_t j = 0; j < p; j += W) B::storeu(y + j, B::fma(B::loadu(x + j), B::loadu(scale + j), B::loadu(shift + j)));
    }
    // The end of the tensor: part of a period.
    const std::size_t i = periods_end, rest = last - i, whole = rest / W * W;
    for (std::size_t j = 0; j < whole; j += W)
      B::storeu(out + i + j, B::fma(B::loadu(in + i + j), B::loadu(scale + j), B::loadu(shift + j)));
    if (whole < rest)
      B::store_first(out + i + whole,
                     B::fma(B::load_first(in + i + whole, rest - whole), B::loadu(scale + whole), B::loadu(shift + whole)),
                     rest - whole);
  }
};

}  // namespace constnet::kernels::direct
