#pragma once
// activation_layer<act::relu>: an activation on its own (Keras' Activation layer), as in the
// conv2d -> batch_norm -> activation pattern of networks trained with batch normalization.
//
// requires: any input.  ensures: the same shape; runs in place on its input; no weights. Softmax
// normalizes over the last axis (channels).

#include <cstddef>
#include <string_view>

#include "constnet/core/diagnostic.hpp"
#include "constnet/core/geometry.hpp"
#include "constnet/core/layer_facts.hpp"
#include "constnet/layers/options.hpp"

namespace constnet {

template <class Activation, class... Options>
struct activation_layer : detail::weightless {
  static_assert(detail::layer_option<Activation> && Activation::kind == option_kind::activation,
                "activation_layer<act::relu> takes an activation first");
  static_assert((detail::layer_option<Options> && ...), "activation_layer: options must be constnet layer options");
  static_assert(detail::options_well_formed<detail::accepts<option_kind::name,
                                    option_kind::inputs>, Options...>,
                "activation_layer accepts only named<> and from<> (each once) after its activation");
  static constexpr std::string_view type = "Activation";
  static constexpr std::string_view default_stem = "activation";
  static constexpr std::string_view name = detail::explicit_name<Options...>();
  static constexpr input_names inputs = detail::explicit_inputs<Options...>();
  static constexpr buffer_use buffers = buffer_use::in_place;

  static constexpr diagnostic check(const shape&, std::string_view) { return {}; }
  static constexpr activation_geometry geometry(const shape& in) { return {in, Activation::value}; }
  static constexpr shape output(const shape& in) { return in; }
  static constexpr window2 window(const shape&) { return {}; }
};

}  // namespace constnet
