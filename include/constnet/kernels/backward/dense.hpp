#pragma once
// Input gradient of a fully connected layer: dx = W dz, with W stored [in][units] (Keras' layout), so
// each input's gradient is the dot product of one contiguous weight row with dz. The activation's own
// gradient (backward/activation.hpp) is applied to dz beforehand.
//   dense       the scalar reference, templated on the scalar (double in precision tests)
//   dense_rows  the same rows with the SIMD shim, one task per block of inputs (threads)

#include <algorithm>
#include <cstddef>
#include <span>
#include <string_view>
#include <type_traits>

#include "constnet/core/geometry.hpp"
#include "constnet/kernels/kernel_name.hpp"
#include "constnet/kernels/simd/backends.hpp"

namespace constnet::kernels::backward {

struct dense {
  static constexpr std::string_view name = "f32_dense_input_gradient_reference_scalar";
  static constexpr bool supports(const dense_geometry&) { return true; }
  static constexpr std::size_t scratch_bytes(const dense_geometry&, std::size_t) { return 0; }

  /// weights: canonical kernel [in][units] (then bias, unused). ensures: dx (batch x in) overwritten.
  template <class T>
  static void run(const dense_geometry& g, std::span<const std::type_identity_t<T>> weights,
                  const std::type_identity_t<T>* dz, T* dx, std::byte*, std::size_t batch) {
    for (std::size_t n = 0; n < batch; ++n)
      for (std::size_t i = 0; i < g.in; ++i) {
        const T* row = weights.data() + i * g.units;
        T sum = T(0);
        for (std::size_t u = 0; u < g.units; ++u) sum += row[u] * dz[n * g.units + u];
        dx[n * g.in + i] = sum;
      }
  }
};

template <class Backend>
struct dense_rows {
  using B = Backend;
  using vec = typename B::vec;
  static constexpr std::size_t W = B::width;
  static constexpr std::size_t rows_per_task = 64;

 private:
  static constexpr diagnostic name_storage = compose_name("f32_dense_input_gradient_rows_", B::name, "_", B::isa);

 public:
  static constexpr std::string_view name = name_storage.view();
  static constexpr bool supports(const dense_geometry&) { return true; }
  static constexpr std::size_t scratch_bytes(const dense_geometry&, std::size_t) { return 0; }

  static void run(const dense_geometry& g, std::span<const float> weights, const float* dz, float* dx, std::byte*,
                  std::size_t batch) {
    run_tasks(g, weights, dz, dx, batch, 0, tasks(g, batch));
  }
  /// One task per block of rows_per_task inputs, for every image: tasks write disjoint inputs.
  static constexpr std::size_t tasks(const dense_geometry& g, std::size_t) {
    return (g.in + rows_per_task - 1) / rows_per_task;
  }
  static void run_tasks(const dense_geometry& g, std::span<const float> weights, const float* dz, float* dx,
                        std::size_t batch, std::size_t begin, std::size_t end) {
    const std::size_t whole = g.units / (2 * W) * (2 * W);
    for (std::size_t n = 0; n < batch; ++n) {
      const float* d = dz + n * g.units;
      for (std::size_t i = begin * rows_per_task; i < std::min(g.in, end * rows_per_task); ++i) {
        const float* row = weights.data() + i * g.units;
        vec a = B::zero(), b = B::zero();  // two chains hide the FMA latency
        std::size_t u = 0;
        for (; u < whole; u += 2 * W) {
          a = B::fma(B::loadu(row + u), B::loadu(d + u), a);
          b = B::fma(B::loadu(row + u + W), B::loadu(d + u + W), b);
        }
        float sum = B::reduce_add(B::add(a, b));
        for (; u < g.units; ++u) sum += row[u] * d[u];
        dx[n * g.in + i] = sum;
      }
    }
  }
};

}  // namespace constnet::kernels::backward
