#pragma once
// Test data shared by the suites: deterministic, so a failure reproduces exactly.

#include <cstdint>
#include <vector>

#include "constnet/core/random.hpp"

namespace constnet::testing {

/// `count` values uniform in [0, 1), like images scaled to [0, 1].
inline std::vector<float> random_images(std::size_t count, std::uint64_t seed) {
  random_source random(seed);
  std::vector<float> v(count);
  for (float& x : v) x = static_cast<float>(random.uniform());
  return v;
}

}  // namespace constnet::testing
