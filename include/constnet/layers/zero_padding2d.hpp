#pragma once
// zero_padding2d<pad<p>>: zeros around a feature map (Keras' ZeroPadding2D, PyTorch's ZeroPad2d), as
// MobileNetV2 and ResNet put before a strided 'valid' convolution or pool. pad<p> pads every side by p,
// pad<ph, pw> the top and bottom by ph and the left and right by pw, pad<top, bottom, left, right> each
// side by its own amount (Keras' padding=((top, bottom), (left, right))); the default is pad<1>, as Keras.
//
// requires: an H x W x C input.
// ensures:  output (H + top + bottom) x (W + left + right) x C, the input at rows [top, top + H) and
//           columns [left, left + W), zeros elsewhere; no weights; receptive fields keep their size and
//           jump and start `top` (`left`) input pixels earlier.

#include <cstddef>
#include <string_view>

#include "constnet/core/diagnostic.hpp"
#include "constnet/core/geometry.hpp"
#include "constnet/core/layer_facts.hpp"
#include "constnet/layers/options.hpp"

namespace constnet {

template <class... Options>
struct zero_padding2d : detail::weightless {
  static_assert((detail::layer_option<Options> && ...), "zero_padding2d: options must be constnet layer options");
  static_assert(detail::options_well_formed<detail::accepts<option_kind::padding, option_kind::name, option_kind::inputs>, Options...>,
                "zero_padding2d accepts pad<>, named<> and from<>, each at most once");
  using padding = detail::option_t<option_kind::padding, pad<1>, Options...>;
  static_assert(padding::mode == padding_mode::explicit_cells,
                "zero_padding2d takes pad<p>, pad<ph, pw> or pad<top, bottom, left, right>; valid and same "
                "describe where a window goes, and zero_padding2d has none");

  static constexpr std::string_view type = "ZeroPadding2D";
  static constexpr std::string_view default_stem = "zero_padding2d";
  static constexpr std::string_view name = detail::explicit_name<Options...>();
  static constexpr input_names inputs = detail::explicit_inputs<Options...>();
  static constexpr buffer_use buffers = buffer_use::separate;
  static constexpr padding2 cells = padding::cells;

  static constexpr diagnostic check(const shape& in, std::string_view label) {
    diagnostic d;
    if (in.rank != 3)
      d << label << ": needs an H x W x C feature map, but its input is a flat vector of " << in.c << " features";
    return d;
  }
  static constexpr zero_padding2d_geometry geometry(const shape& in) {
    return {in, feature_maps(in.h + cells.top + cells.bottom, in.w + cells.left + cells.right, in.c), cells};
  }
  static constexpr shape output(const shape& in) { return geometry(in).out; }
  /// A 1x1 window at stride 1, `top` and `left` cells of padding before it.
  static constexpr window2 window(const shape&) { return {{1, 1}, {1, 1}, cells.top, cells.left}; }
};

}  // namespace constnet
