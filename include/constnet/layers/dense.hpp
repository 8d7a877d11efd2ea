#pragma once
// dense<units, options...>: a fully connected layer, y = act(x W + b) (Keras' Dense).
//
// requires: a flat input vector (put flatten or a global pool after feature maps); units >= 1.
// ensures:  a flat vector of `units`; weights kernel [in, units] and bias [units];
//           params = in*units + units; the receptive field is unchanged (it already spans the input).

#include <cstddef>
#include <string_view>

#include "constnet/core/diagnostic.hpp"
#include "constnet/core/geometry.hpp"
#include "constnet/core/layer_facts.hpp"
#include "constnet/layers/options.hpp"

namespace constnet {

template <std::size_t Units, class... Options>
struct dense {
  static_assert((detail::layer_option<Options> && ...), "dense: options must be constnet layer options");
  static_assert(detail::options_well_formed<
                    detail::accepts<option_kind::activation, option_kind::bias, option_kind::name,
                                    option_kind::inputs>, Options...>,
                "dense accepts act::*, no_bias, named<> and from<>, each at most once");

  static constexpr std::string_view type = "Dense";
  static constexpr std::string_view default_stem = "dense";
  static constexpr std::string_view name = detail::explicit_name<Options...>();
  static constexpr input_names inputs = detail::explicit_inputs<Options...>();
  static constexpr buffer_use buffers = buffer_use::separate;
  static constexpr activation act = detail::option_t<option_kind::activation, act::linear, Options...>::value;
  static constexpr bool use_bias = detail::option_count<option_kind::bias, Options...> == 0;

  static constexpr diagnostic check(const shape& in, std::string_view label) {
    diagnostic d;
    if (in.rank != 1)
      d << label << ": dense after a " << in.h << "x" << in.w << "x" << in.c
        << " feature map needs flatten (or a global pool) first";
    else if (Units == 0)
      d << label << ": the number of units is 0; it must be at least 1";
    return d;
  }
  static constexpr dense_geometry geometry(const shape& in) { return {in.c, Units, act, use_bias}; }
  static constexpr shape output(const shape&) { return features(Units); }
  static constexpr window2 window(const shape&) { return {}; }
  static constexpr std::size_t macs(const shape& in) { return in.c * Units; }
  static constexpr std::size_t non_trainable(const shape&) { return 0; }
  static constexpr std::size_t weight_tensors(const shape& in, std::array<weight_tensor, 4>& w) {
    w[0] = {short_name("kernel"), 2, {in.c, Units, 0, 0}, 0};
    if (!use_bias) return 1;
    w[1] = {short_name("bias"), 1, {Units, 0, 0, 0}, w[0].elements()};
    return 2;
  }
};

}  // namespace constnet
