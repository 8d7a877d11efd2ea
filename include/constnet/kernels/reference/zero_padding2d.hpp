#pragma once
// Reference zero padding, NHWC: every output image is zeroed, then each input row is copied whole into
// its place (rows are contiguous in NHWC, so this is a copy per row). Templated on the scalar (float in
// models, double in precision tests).

#include <algorithm>
#include <cstddef>
#include <span>
#include <string_view>
#include <type_traits>

#include "constnet/core/geometry.hpp"

namespace constnet::kernels::reference {

struct zero_padding2d {
  static constexpr std::string_view name = "f32_zero_padding2d_nhwc_reference_scalar";
  static constexpr bool supports(const zero_padding2d_geometry&) { return true; }
  static constexpr std::size_t scratch_bytes(const zero_padding2d_geometry&, std::size_t) { return 0; }

  template <class T>
  static void run(const zero_padding2d_geometry& g, std::span<const std::type_identity_t<T>>,
                  const std::type_identity_t<T>* in, T* out, std::byte*, std::size_t batch) {
    const std::size_t row = g.in.w * g.in.c;
    for (std::size_t n = 0; n < batch; ++n) {
      T* image = out + n * g.out.elements();
      std::fill_n(image, g.out.elements(), T(0));
      for (std::size_t y = 0; y < g.in.h; ++y)
        std::copy_n(in + n * g.in.elements() + y * row, row,
                    image + ((y + g.pad.top) * g.out.w + g.pad.left) * g.in.c);
    }
  }
};

}  // namespace constnet::kernels::reference
