#pragma once
// flatten: an H x W x C map read as H*W*C features in H, W, C order (Keras' channels_last Flatten).
// Because activations are stored channels_last, this is the same buffer: no kernel runs.
//
// requires: any input.  ensures: a flat vector of H*W*C features; no weights; the receptive field
// covers every input pixel the map's neurons see.

#include <cstddef>
#include <string_view>

#include "constnet/core/diagnostic.hpp"
#include "constnet/core/geometry.hpp"
#include "constnet/core/layer_facts.hpp"
#include "constnet/layers/options.hpp"

namespace constnet {

template <class... Options>
struct flatten : detail::weightless {
  static_assert((detail::layer_option<Options> && ...), "flatten: options must be constnet layer options");
  static_assert(detail::options_well_formed<detail::accepts<option_kind::name,
                                    option_kind::inputs>, Options...>,
                "flatten accepts only named<> and from<>, each at most once");
  static constexpr std::string_view type = "Flatten";
  static constexpr std::string_view default_stem = "flatten";
  static constexpr std::string_view name = detail::explicit_name<Options...>();
  static constexpr input_names inputs = detail::explicit_inputs<Options...>();
  static constexpr buffer_use buffers = buffer_use::alias;

  static constexpr diagnostic check(const shape&, std::string_view) { return {}; }
  static constexpr identity_geometry geometry(const shape& in) { return {in}; }
  static constexpr shape output(const shape& in) { return features(in.elements()); }
  static constexpr window2 window(const shape& in) { return {{in.h, in.w}, {1, 1}, 0, 0}; }
};

}  // namespace constnet
