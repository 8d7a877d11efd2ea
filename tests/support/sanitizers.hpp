#pragma once
// Whether this test binary runs under AddressSanitizer: suites then run smaller inputs (the sanitized
// build is about 10x slower), never weaker checks. GCC defines __SANITIZE_ADDRESS__, clang answers
// __has_feature(address_sanitizer).

#if defined(__SANITIZE_ADDRESS__)
#define CONSTNET_TESTS_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CONSTNET_TESTS_SANITIZED 1
#endif
#endif

namespace constnet::testing {

#ifdef CONSTNET_TESTS_SANITIZED
inline constexpr bool sanitized = true;
#else
inline constexpr bool sanitized = false;
#endif

}  // namespace constnet::testing
