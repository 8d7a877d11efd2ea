// The SIMD shim: every backend computes the same thing as plain scalar code, tails touch only their
// lanes, and Highway really targets the vector ISA the compiler was given (Highway 1.0.3 silently drops
// to SSSE3 under -march=x86-64-v3 without -maes -mpclmul; the build's portable option adds them).

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>

#include "constnet/core/random.hpp"
#include "constnet/kernels/simd/backends.hpp"

using namespace constnet;

namespace {

template <class B>
void check_backend() {
  constexpr std::size_t w = B::width;
  random_source random(static_cast<std::uint64_t>(w) * 77 + B::name.size());
  alignas(64) std::array<float, 64> a{}, b{}, c{}, out{};
  for (std::size_t i = 0; i < 64; ++i) {
    a[i] = static_cast<float>(random.uniform(-2, 2));
    b[i] = static_cast<float>(random.uniform(-2, 2));
    c[i] = static_cast<float>(random.uniform(-2, 2));
  }
  const auto va = B::load(a.data()), vb = B::loadu(b.data()), vc = B::load(c.data());
  B::store(out.data(), B::fma(va, vb, vc));
  for (std::size_t i = 0; i < w; ++i) BOOST_TEST(out[i] == std::fma(a[i], b[i], c[i]));
  B::storeu(out.data(), B::max(va, vb));
  for (std::size_t i = 0; i < w; ++i) BOOST_TEST(out[i] == std::max(a[i], b[i]));
  B::storeu(out.data(), B::min(B::add(va, vb), B::mul(va, vc)));
  for (std::size_t i = 0; i < w; ++i) BOOST_TEST(out[i] == std::min(a[i] + b[i], a[i] * c[i]));
  B::storeu(out.data(), B::div(va, vc));
  for (std::size_t i = 0; i < w; ++i) BOOST_TEST(out[i] == a[i] / c[i]);
  B::storeu(out.data(), B::broadcast(3.5f));
  for (std::size_t i = 0; i < w; ++i) BOOST_TEST(out[i] == 3.5f);
  out.fill(-7.0f);
  B::stream(out.data() + w, va);  // the second vector: lanes [0, w) and [2w, ...) untouched
  B::stream_fence();
  for (std::size_t i = 0; i < 3 * w; ++i) BOOST_TEST(out[i] == (i >= w && i < 2 * w ? a[i - w] : -7.0f));

  double sum = 0;
  float top = a[0];
  for (std::size_t i = 0; i < w; ++i) sum += a[i], top = std::max(top, a[i]);
  BOOST_TEST(B::reduce_add(va) == sum, boost::test_tools::tolerance(1e-5));
  BOOST_TEST(B::reduce_max(va) == top);

  // Tails: n lanes in, the rest zero; n lanes out, the rest untouched.
  for (std::size_t n = 0; n <= w; ++n) {
    out.fill(-7.0f);
    B::storeu(out.data(), B::load_first(a.data(), n));
    for (std::size_t i = 0; i < w; ++i) BOOST_TEST(out[i] == (i < n ? a[i] : 0.0f));
    out.fill(-7.0f);
    B::store_first(out.data(), va, n);
    for (std::size_t i = 0; i < w + 1; ++i) BOOST_TEST(out[i] == (i < n ? a[i] : -7.0f));
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(simd_shim)

BOOST_AUTO_TEST_CASE(every_backend_matches_scalar_arithmetic) {
  check_backend<simd::scalar_backend>();
  check_backend<simd::xsimd_backend>();
  check_backend<simd::highway_backend>();
}

BOOST_AUTO_TEST_CASE(backends_use_the_vector_isa_the_compiler_targets) {
#if defined(__AVX512F__)
  constexpr std::size_t expected = 16;
#elif defined(__AVX2__)
  constexpr std::size_t expected = 8;
#else
  constexpr std::size_t expected = 4;
#endif
  BOOST_TEST(simd::xsimd_backend::width == expected);
  BOOST_TEST(simd::highway_backend::width == expected, "Highway chose " << simd::highway_backend::isa);
#if defined(__AVX2__) && !defined(__AVX512F__)
  BOOST_TEST(simd::highway_backend::isa == std::string_view("avx2"));
#endif
}

BOOST_AUTO_TEST_SUITE_END()
