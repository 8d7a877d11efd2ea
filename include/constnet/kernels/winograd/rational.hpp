#pragma once
// Exact rational numbers for compile-time derivations (the Winograd transform matrices): a 64-bit
// numerator and a positive denominator, always in lowest terms, so equal values compare equal.
// Overflow is not silent: in a constant expression it stops compilation (the throw below).

#include <cstdint>
#include <limits>

namespace constnet::kernels::winograd {

struct rational {
  std::int64_t num = 0;
  std::int64_t den = 1;

  constexpr rational() : num(0), den(1) {}
  constexpr rational(std::int64_t n) : num(n) {}  // NOLINT: integers are rationals
  constexpr rational(std::int64_t n, std::int64_t d) : num(n), den(d) {
    if (d == 0) throw "rational: zero denominator";
    normalize();
  }

  constexpr double to_double() const { return static_cast<double>(num) / static_cast<double>(den); }
  constexpr float to_float() const { return static_cast<float>(to_double()); }

  friend constexpr rational operator+(rational a, rational b) { return {add(mul(a.num, b.den), mul(b.num, a.den)), mul(a.den, b.den)}; }
  friend constexpr rational operator-(rational a) { return {-a.num, a.den}; }
  friend constexpr rational operator-(rational a, rational b) { return a + (-b); }
  friend constexpr rational operator*(rational a, rational b) { return {mul(a.num, b.num), mul(a.den, b.den)}; }
  friend constexpr rational operator/(rational a, rational b) { return {mul(a.num, b.den), mul(a.den, b.num)}; }
  friend constexpr bool operator==(rational a, rational b) { return a.num == b.num && a.den == b.den; }

 private:
  static constexpr std::int64_t abs(std::int64_t a) { return a < 0 ? -a : a; }
  static constexpr std::int64_t gcd(std::int64_t a, std::int64_t b) {
    if (a < 0) a = -a;
    if (b < 0) b = -b;
    while (b != 0) {
      const std::int64_t t = a % b;
      a = b;
      b = t;
    }
    return a;
  }
  static constexpr std::int64_t mul(std::int64_t a, std::int64_t b) {
    // (GCC 12 miscomputes __builtin_mul_overflow in constant expressions, hence by hand.)
    constexpr std::int64_t limit = std::numeric_limits<std::int64_t>::max();
    if (a != 0 && (b > limit / abs(a) || b < -(limit / abs(a)))) throw "rational: 64-bit overflow";
    return a * b;
  }
  static constexpr std::int64_t add(std::int64_t a, std::int64_t b) {
    constexpr std::int64_t limit = std::numeric_limits<std::int64_t>::max();
    if ((b > 0 && a > limit - b) || (b < 0 && a < -limit - b)) throw "rational: 64-bit overflow";
    return a + b;
  }
  constexpr void normalize() {
    if (den < 0) {
      num = -num;
      den = -den;
    }
    const std::int64_t g = gcd(num, den);
    if (g > 1) {
      num /= g;
      den /= g;
    }
    if (num == 0) den = 1;
  }
};

}  // namespace constnet::kernels::winograd
