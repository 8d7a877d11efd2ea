#pragma once
// Kernel names that say what a kernel is: dtype, operation, layout, tile and ISA, e.g.
// "f32_conv2d_direct_nhwc_16o6w_xsimd_fma3+avx2" (16 output channels x 6 output pixels per tile).

#include <cstddef>
#include <string_view>

#include "constnet/core/diagnostic.hpp"

namespace constnet::kernels {

/// A constexpr string assembled from parts; diagnostic doubles as the fixed-capacity buffer.
template <class... Parts>
constexpr diagnostic compose_name(const Parts&... parts) {
  diagnostic d;
  ((d << parts), ...);
  return d;
}

}  // namespace constnet::kernels
