#pragma once
// A small, portable random source: the same seed gives the same numbers on every compiler and library
// (std::normal_distribution does not promise that), so synthetic weights and tests are reproducible.

#include <cmath>
#include <cstdint>
#include <numbers>

namespace constnet {

class random_source {
 public:
  explicit random_source(std::uint64_t seed) : state_(seed) {}

  /// splitmix64: passes BigCrush, one multiply-xorshift chain per number.
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, 1), 53 bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double low, double high) { return low + (high - low) * uniform(); }
  /// Standard normal by Box-Muller (one of the pair; simplicity over speed).
  double normal() {
    const double u1 = 1.0 - uniform();  // in (0, 1], so log() is finite
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }

 private:
  std::uint64_t state_;
};

}  // namespace constnet
