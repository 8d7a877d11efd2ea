#pragma once
// The SIMD shim: three interchangeable backends with one interface (vec, width, zero, broadcast,
// load/loadu, store/storeu, load_first/store_first for tails, fma, add, sub, mul, div, max, min, reduce_add,
// reduce_max). Kernels are written once as templates over a backend. xsimd is the default; Highway and
// scalar are there to compare against and to run where xsimd cannot.

#include "constnet/kernels/simd/backend_highway.hpp"
#include "constnet/kernels/simd/backend_scalar.hpp"
#include "constnet/kernels/simd/backend_xsimd.hpp"

namespace constnet::simd {

using default_backend = xsimd_backend;

template <class B>
concept backend = requires(const float* p, float* q, typename B::vec v, float x, std::size_t n) {
  { B::width } -> std::convertible_to<std::size_t>;
  B::zero();
  B::broadcast(x);
  B::loadu(p);
  B::storeu(q, v);
  B::load_first(p, n);
  B::store_first(q, v, n);
  B::fma(v, v, v);
  B::sub(v, v);
  B::div(v, v);
  { B::reduce_add(v) } -> std::convertible_to<float>;
};

static_assert(backend<scalar_backend> && backend<xsimd_backend> && backend<highway_backend>);

}  // namespace constnet::simd
