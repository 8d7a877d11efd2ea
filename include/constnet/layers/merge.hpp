#pragma once
// What the merge layers (add, concatenate) share: shapes written into their messages.

#include "constnet/core/diagnostic.hpp"
#include "constnet/core/shape.hpp"

namespace constnet::detail {

/// "28x28x64", or "a vector of 10" for a flat input.
constexpr void describe(diagnostic& d, const shape& s) {
  if (s.rank == 1) d << "a vector of " << s.c;
  else d << s.h << "x" << s.w << "x" << s.c;
}

}  // namespace constnet::detail
