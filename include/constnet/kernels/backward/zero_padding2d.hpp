#pragma once
// Input gradient of zero padding: the padded cells are constants, so dx is dy cropped to where the input
// sits (rows [top, top + H), columns [left, left + W)). Templated on the scalar: float in models, double
// in precision tests.

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include "constnet/core/geometry.hpp"

namespace constnet::kernels::backward {

struct zero_padding2d {
  static constexpr std::string_view name = "f32_zero_padding2d_input_gradient_nhwc_reference_scalar";
  static constexpr bool supports(const zero_padding2d_geometry&) { return true; }

  /// dy: the gradient w.r.t. the output (batch x out). ensures: dx (batch x in) overwritten.
  template <class T>
  static void run(const zero_padding2d_geometry& g, const std::type_identity_t<T>* dy, T* dx, std::size_t batch) {
    const std::size_t row = g.in.w * g.in.c;
    for (std::size_t n = 0; n < batch; ++n)
      for (std::size_t y = 0; y < g.in.h; ++y)
        std::copy_n(dy + n * g.out.elements() + ((y + g.pad.top) * g.out.w + g.pad.left) * g.in.c, row,
                    dx + n * g.in.elements() + y * row);
  }
};

}  // namespace constnet::kernels::backward
