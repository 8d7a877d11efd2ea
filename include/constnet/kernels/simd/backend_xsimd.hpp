#pragma once
// The xsimd backend of the SIMD shim (the primary one): xsimd's batch<float> for the best instruction
// set the compiler targets. Debian's xsimd 8.1 has no masked loads, reduce_add or reduce_max; they are
// written here (reduce_add is 8.1's hadd), so kernels never see the version difference. Nor has it a
// fused multiply-add for AVX-512: its avx512f batches fall back to the generic `x * y + z`, which GCC
// contracts into vfmadd only from -O2 (the contraction pass is an "expensive optimization"), so at -O1
// (the sanitize preset) every product was rounded before the add. fma() below says what it means.

#include <xsimd/xsimd.hpp>

#if defined(__SSE__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cstddef>
#include <string_view>

namespace constnet::simd {

struct xsimd_backend {
  using vec = xsimd::batch<float>;
  static constexpr std::string_view name = "xsimd";
  static constexpr std::string_view isa = vec::arch_type::name();
  static constexpr std::size_t width = vec::size;

  static vec zero() { return vec(0.0f); }
  static vec broadcast(float x) { return vec(x); }
  static vec load(const float* p) { return vec::load_aligned(p); }
  static vec loadu(const float* p) { return vec::load_unaligned(p); }
  static void store(float* p, vec v) { v.store_aligned(p); }
  static void storeu(float* p, vec v) { v.store_unaligned(p); }
  /// A store that bypasses the caches (p aligned to the vector): for outputs too large to stay in
  /// cache, it saves reading each line before writing it. stream_fence() before others read them.
  static void stream(float* p, vec v) {
    // xsimd's batch<float> is the widest register the compiler targets (checked in unit.simd_shim).
#if defined(__AVX512F__)
    _mm512_stream_ps(p, v);
#elif defined(__AVX__)
    _mm256_stream_ps(p, v);
#elif defined(__SSE__)
    _mm_stream_ps(p, v);
#else
    v.store_aligned(p);
#endif
  }
  /// Orders earlier stream() stores before later stores (x86's streaming stores are weakly ordered).
  static void stream_fence() {
#if defined(__SSE__)
    _mm_sfence();
#endif
  }
  /// Lanes [0, n) from p, the rest zero; reads nothing past p + n.
  static vec load_first(const float* p, std::size_t n) {
    alignas(64) float lanes[width] = {};
    std::copy_n(p, std::min(n, width), lanes);
    return vec::load_aligned(lanes);
  }
  /// Writes lanes [0, n) to p and nothing past p + n.
  static void store_first(float* p, vec v, std::size_t n) {
    alignas(64) float lanes[width];
    v.store_aligned(lanes);
    std::copy_n(lanes, std::min(n, width), p);
  }
  static vec fma(vec a, vec b, vec c) {
#if defined(__AVX512F__)
    return _mm512_fmadd_ps(a, b, c);
#elif defined(__FMA__)
    return _mm256_fmadd_ps(a, b, c);
#else
    return xsimd::fma(a, b, c);  // SSE or no FMA unit: xsimd's own (fused where the target has one)
#endif
  }
  static vec add(vec a, vec b) { return a + b; }
  static vec sub(vec a, vec b) { return a - b; }
  static vec mul(vec a, vec b) { return a * b; }
  static vec div(vec a, vec b) { return a / b; }
  static vec max(vec a, vec b) { return xsimd::max(a, b); }
  static vec min(vec a, vec b) { return xsimd::min(a, b); }
  static float reduce_add(vec v) { return xsimd::hadd(v); }
  static float reduce_max(vec v) {
    alignas(64) float lanes[width];
    v.store_aligned(lanes);
    return *std::max_element(lanes, lanes + width);
  }
};

}  // namespace constnet::simd
