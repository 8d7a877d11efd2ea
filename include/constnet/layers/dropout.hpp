#pragma once
// dropout: the identity at inference, accepted so Keras topologies read line for line.
//
// requires: any input.  ensures: the same shape and the same buffer; no weights; no work.

#include <cstddef>
#include <string_view>

#include "constnet/core/diagnostic.hpp"
#include "constnet/core/geometry.hpp"
#include "constnet/core/layer_facts.hpp"
#include "constnet/layers/options.hpp"

namespace constnet {

template <class... Options>
struct dropout : detail::weightless {
  static_assert((detail::layer_option<Options> && ...), "dropout: options must be constnet layer options");
  static_assert(detail::options_well_formed<detail::accepts<option_kind::rate, option_kind::name,
                                    option_kind::inputs>, Options...>,
                "dropout accepts rate<num, den>, named<> and from<>, each at most once");
  static constexpr std::string_view type = "Dropout";
  static constexpr std::string_view default_stem = "dropout";
  static constexpr std::string_view name = detail::explicit_name<Options...>();
  static constexpr input_names inputs = detail::explicit_inputs<Options...>();
  static constexpr buffer_use buffers = buffer_use::alias;
  static constexpr double drop_rate = detail::option_t<option_kind::rate, rate<0, 1>, Options...>::value;

  static constexpr diagnostic check(const shape&, std::string_view) { return {}; }
  static constexpr identity_geometry geometry(const shape& in) { return {in}; }
  static constexpr shape output(const shape& in) { return in; }
  static constexpr window2 window(const shape&) { return {}; }
};

}  // namespace constnet
