#pragma once
// The scalar backend of the SIMD shim: one lane. Every kernel written against the shim also runs here,
// which keeps kernels portable and lets the tests check the blocking logic without vector code.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string_view>

namespace constnet::simd {

struct scalar_backend {
  static constexpr std::string_view name = "scalar";
  static constexpr std::string_view isa = "scalar";
  using vec = float;
  static constexpr std::size_t width = 1;

  static vec zero() { return 0.0f; }
  static vec broadcast(float x) { return x; }
  static vec load(const float* p) { return *p; }
  static vec loadu(const float* p) { return *p; }
  static void store(float* p, vec v) { *p = v; }
  static void storeu(float* p, vec v) { *p = v; }
  static void stream(float* p, vec v) { *p = v; }  // no streaming stores without vectors
  static void stream_fence() {}
  static vec load_first(const float* p, std::size_t n) { return n > 0 ? *p : 0.0f; }
  static void store_first(float* p, vec v, std::size_t n) {
    if (n > 0) *p = v;
  }
  static vec fma(vec a, vec b, vec c) { return std::fma(a, b, c); }
  static vec add(vec a, vec b) { return a + b; }
  static vec sub(vec a, vec b) { return a - b; }
  static vec mul(vec a, vec b) { return a * b; }
  static vec div(vec a, vec b) { return a / b; }
  static vec max(vec a, vec b) { return std::max(a, b); }
  static vec min(vec a, vec b) { return std::min(a, b); }
  static float reduce_add(vec v) { return v; }
  static float reduce_max(vec v) { return v; }
};

}  // namespace constnet::simd
