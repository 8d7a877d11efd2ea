#pragma once
// relu<>: the rectifier as a layer of its own (Keras' ReLU layer, default name "re_lu"), and
// relu<max_value<6>> (or relu6<>), the ReLU6 layer MobileNetV2 puts after its convolutions (Keras'
// ReLU(6.), PyTorch's ReLU6).
//
// requires: any input; max_value, when given, is 6 (the only ceiling the kernels have: activation::relu6).
// ensures:  the same shape; max(x, 0), or min(max(x, 0), 6), element by element; runs in place on its
//           input; no weights.

#include <cstddef>
#include <string_view>

#include "constnet/core/diagnostic.hpp"
#include "constnet/core/geometry.hpp"
#include "constnet/core/layer_facts.hpp"
#include "constnet/layers/options.hpp"

namespace constnet {

template <class... Options>
struct relu : detail::weightless {
  static_assert((detail::layer_option<Options> && ...), "relu: options must be constnet layer options");
  static_assert(detail::options_well_formed<detail::accepts<option_kind::max_value, option_kind::name, option_kind::inputs>, Options...>,
                "relu accepts max_value<6>, named<> and from<>, each at most once");
  static constexpr bool capped = detail::option_count<option_kind::max_value, Options...> == 1;
  static_assert(!capped || detail::option_t<option_kind::max_value, max_value<6>, Options...>::value == 6,
                "relu<max_value<N>>: only max_value<6> (ReLU6) is supported");

  static constexpr std::string_view type = "ReLU";
  static constexpr std::string_view default_stem = "re_lu";
  static constexpr std::string_view name = detail::explicit_name<Options...>();
  static constexpr input_names inputs = detail::explicit_inputs<Options...>();
  static constexpr buffer_use buffers = buffer_use::in_place;
  static constexpr activation act = capped ? activation::relu6 : activation::relu;

  static constexpr diagnostic check(const shape&, std::string_view) { return {}; }
  static constexpr activation_geometry geometry(const shape& in) { return {in, act}; }
  static constexpr shape output(const shape& in) { return in; }
  static constexpr window2 window(const shape&) { return {}; }
};

/// relu6<named<"Conv1_relu">>: relu<max_value<6>, ...>.
template <class... Options>
using relu6 = relu<max_value<6>, Options...>;

}  // namespace constnet
