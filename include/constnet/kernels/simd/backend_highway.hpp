#pragma once
// The Highway backend of the SIMD shim, with static dispatch only: a header-only library cannot use
// Highway's dynamic dispatch (it needs a compiled .cc and -lhwy). HWY_COMPILE_ONLY_STATIC also avoids
// Highway 1.0.3's "best baseline should be included in dynamic targets" error with -march=native on
// AVX-512 machines. Beware: with -march=x86-64-v3 alone Highway silently targets SSSE3; add -maes
// -mpclmul (the build's portable option does).

#ifndef HWY_COMPILE_ONLY_STATIC
#define HWY_COMPILE_ONLY_STATIC 1
#endif
#include <hwy/cache_control.h>
#include <hwy/highway.h>

#include <cstddef>
#include <string_view>

namespace constnet::simd {

struct highway_backend {
 private:
  using tag = hwy::HWY_NAMESPACE::ScalableTag<float>;
  static constexpr tag d{};

 public:
  using vec = hwy::HWY_NAMESPACE::Vec<tag>;
  static constexpr std::string_view name = "highway";
  // Highway's TargetName() is not constexpr; these are the x86 targets a static build can pick.
  static constexpr std::string_view isa = HWY_STATIC_TARGET == HWY_AVX3_DL ? "avx512_dl"
                                          : HWY_STATIC_TARGET == HWY_AVX3  ? "avx512"
                                          : HWY_STATIC_TARGET == HWY_AVX2  ? "avx2"
                                          : HWY_STATIC_TARGET == HWY_SSE4  ? "sse4"
                                          : HWY_STATIC_TARGET == HWY_SSSE3 ? "ssse3"
                                                                           : "other";
  static constexpr std::size_t width = HWY_LANES(float);

  static vec zero() { return hwy::HWY_NAMESPACE::Zero(d); }
  static vec broadcast(float x) { return hwy::HWY_NAMESPACE::Set(d, x); }
  static vec load(const float* p) { return hwy::HWY_NAMESPACE::Load(d, p); }
  static vec loadu(const float* p) { return hwy::HWY_NAMESPACE::LoadU(d, p); }
  static void store(float* p, vec v) { hwy::HWY_NAMESPACE::Store(v, d, p); }
  static void storeu(float* p, vec v) { hwy::HWY_NAMESPACE::StoreU(v, d, p); }
  /// A store that bypasses the caches (p aligned); stream_fence() before others read it.
  static void stream(float* p, vec v) { hwy::HWY_NAMESPACE::Stream(v, d, p); }
  static void stream_fence() { hwy::FlushStream(); }
  static vec load_first(const float* p, std::size_t n) {
    return hwy::HWY_NAMESPACE::MaskedLoad(hwy::HWY_NAMESPACE::FirstN(d, n), d, p);
  }
  static void store_first(float* p, vec v, std::size_t n) {
    hwy::HWY_NAMESPACE::BlendedStore(v, hwy::HWY_NAMESPACE::FirstN(d, n), d, p);
  }
  static vec fma(vec a, vec b, vec c) { return hwy::HWY_NAMESPACE::MulAdd(a, b, c); }
  static vec add(vec a, vec b) { return a + b; }
  static vec sub(vec a, vec b) { return a - b; }
  static vec mul(vec a, vec b) { return a * b; }
  static vec div(vec a, vec b) { return a / b; }
  static vec max(vec a, vec b) { return hwy::HWY_NAMESPACE::Max(a, b); }
  static vec min(vec a, vec b) { return hwy::HWY_NAMESPACE::Min(a, b); }
  static float reduce_add(vec v) { return hwy::HWY_NAMESPACE::GetLane(hwy::HWY_NAMESPACE::SumOfLanes(d, v)); }
  static float reduce_max(vec v) { return hwy::HWY_NAMESPACE::GetLane(hwy::HWY_NAMESPACE::MaxOfLanes(d, v)); }
};

}  // namespace constnet::simd
