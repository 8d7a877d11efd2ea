#pragma once
// Integer rounding for blocking and tiling sizes.

#include <cstddef>

namespace constnet {

/// ceil(x / d) for d > 0.
constexpr std::size_t ceil_div(std::size_t x, std::size_t d) { return (x + d - 1) / d; }
/// x rounded up to a multiple of `to` (> 0).
constexpr std::size_t round_up(std::size_t x, std::size_t to) { return ceil_div(x, to) * to; }

}  // namespace constnet
