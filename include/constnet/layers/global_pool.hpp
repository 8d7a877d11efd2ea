#pragma once
// global_avg_pool / global_max_pool: one value per channel over the whole map (Keras'
// GlobalAveragePooling2D / GlobalMaxPooling2D, keepdims=False).
//
// requires: an H x W x C input.  ensures: a flat vector of C features; no weights; the receptive field
// covers every input pixel the map's neurons see.

#include <cstddef>
#include <string_view>

#include "constnet/core/diagnostic.hpp"
#include "constnet/core/geometry.hpp"
#include "constnet/core/layer_facts.hpp"
#include "constnet/layers/options.hpp"

namespace constnet {

template <pool_kind Kind, class... Options>
struct global_pool2d : detail::weightless {
  static_assert(Kind != pool_kind::mixed, "global pooling is average or max");
  static_assert((detail::layer_option<Options> && ...), "global pooling: options must be constnet layer options");
  static_assert(detail::options_well_formed<detail::accepts<option_kind::name,
                                    option_kind::inputs>, Options...>,
                "global pooling layers accept only named<> and from<>, each at most once");

  static constexpr std::string_view type = Kind == pool_kind::max ? "GlobalMaxPooling2D" : "GlobalAveragePooling2D";
  static constexpr std::string_view default_stem =
      Kind == pool_kind::max ? "global_max_pooling2d" : "global_average_pooling2d";
  static constexpr std::string_view name = detail::explicit_name<Options...>();
  static constexpr input_names inputs = detail::explicit_inputs<Options...>();
  static constexpr buffer_use buffers = buffer_use::separate;

  static constexpr diagnostic check(const shape& in, std::string_view label) {
    diagnostic d;
    if (in.rank != 3)
      d << label << ": needs an H x W x C feature map, but its input is a flat vector of " << in.c << " features";
    return d;
  }
  static constexpr global_pool_geometry geometry(const shape& in) { return {in, Kind}; }
  static constexpr shape output(const shape& in) { return features(in.c); }
  static constexpr window2 window(const shape& in) { return {{in.h, in.w}, {1, 1}, 0, 0}; }
};

template <class... Options>
using global_avg_pool = global_pool2d<pool_kind::average, Options...>;
template <class... Options>
using global_max_pool = global_pool2d<pool_kind::max, Options...>;

}  // namespace constnet
