#pragma once
// batch_norm: inference-time batch normalization per channel (Keras' BatchNormalization),
//   y = gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta.
//
// requires: any input; normalizes the last axis (channels).
// ensures:  the same shape; may run in place on its input; weights gamma (not with no_scale: then
//           gamma = 1), beta, moving_mean, moving_variance [C]; params = 4*C (3*C without scale) of which
//           2*C (the moving statistics) are non-trainable.

#include <cstddef>
#include <string_view>

#include "constnet/core/diagnostic.hpp"
#include "constnet/core/geometry.hpp"
#include "constnet/core/layer_facts.hpp"
#include "constnet/layers/options.hpp"

namespace constnet {

template <class... Options>
struct batch_norm {
  static_assert((detail::layer_option<Options> && ...), "batch_norm: options must be constnet layer options");
  static_assert(detail::options_well_formed<detail::accepts<option_kind::epsilon, option_kind::scale, option_kind::name,
                                    option_kind::inputs>, Options...>,
                "batch_norm accepts epsilon<num, den>, no_scale, named<> and from<>, each at most once");
  static constexpr std::string_view type = "BatchNormalization";
  static constexpr std::string_view default_stem = "batch_normalization";
  static constexpr std::string_view name = detail::explicit_name<Options...>();
  static constexpr input_names inputs = detail::explicit_inputs<Options...>();
  static constexpr buffer_use buffers = buffer_use::in_place;
  static constexpr double eps = detail::option_t<option_kind::epsilon, epsilon<1, 1000>, Options...>::value;
  static constexpr bool scale = detail::option_count<option_kind::scale, Options...> == 0;

  static constexpr diagnostic check(const shape&, std::string_view) { return {}; }
  static constexpr batch_norm_geometry geometry(const shape& in) { return {in, eps, scale}; }
  static constexpr shape output(const shape& in) { return in; }
  static constexpr window2 window(const shape&) { return {}; }
  static constexpr std::size_t macs(const shape& in) { return in.elements(); }
  static constexpr std::size_t non_trainable(const shape& in) { return 2 * in.c; }
  static constexpr std::size_t weight_tensors(const shape& in, std::array<weight_tensor, 4>& w) {
    const char* names[] = {"gamma", "beta", "moving_mean", "moving_variance"};
    const std::size_t first = scale ? 0 : 1, count = 4 - first;
    for (std::size_t i = 0; i < count; ++i) w[i] = {short_name(names[first + i]), 1, {in.c, 0, 0, 0}, i * in.c};
    return count;
  }
};

}  // namespace constnet
