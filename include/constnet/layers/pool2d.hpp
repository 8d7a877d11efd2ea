#pragma once
// Pooling over a sliding window, per channel: max_pool, avg_pool and the seeds' mixed_pool
//   s_j = lambda * max_{i in R_j} a_i + (1 - lambda) * (1/|R_j|) * sum_{i in R_j} a_i.
//
// requires: an H x W x C input; window and stride >= 1; with valid or explicit padding the window fits.
// ensures:  output floor((n + p_begin + p_end - f) / s) + 1 per axis ('same': ceil(n / s)), C channels;
//           no weights. Defaults as Keras: pool_size<2>, strides equal to the pool size, valid padding.
//           Padded cells never win a max; the average counts only cells inside the image unless
//           count_padding is given (then |R_j| is the whole window, as PyTorch's default).

#include <cstddef>
#include <string_view>

#include "constnet/core/diagnostic.hpp"
#include "constnet/core/geometry.hpp"
#include "constnet/core/layer_facts.hpp"
#include "constnet/layers/options.hpp"
#include "constnet/layers/window.hpp"

namespace constnet {

template <pool_kind Kind, class... Options>
struct pool2d : detail::weightless {
  static_assert((detail::layer_option<Options> && ...), "pooling: options must be constnet layer options");
  static_assert(Kind == pool_kind::mixed || detail::option_count<option_kind::mix, Options...> == 0,
                "only mixed_pool takes mix<num, den>");
  static_assert(detail::options_well_formed<
                    detail::accepts<option_kind::pool_size, option_kind::strides, option_kind::padding,
                                    option_kind::mix, option_kind::count_padding, option_kind::name,
                                    option_kind::inputs>,
                    Options...>,
                "pooling layers accept pool_size<>, strides<>, valid/same/pad<>, count_padding, mix<> "
                "(mixed_pool), named<>, from<>, each at most once");
  static_assert(Kind != pool_kind::mixed || detail::option_count<option_kind::mix, Options...> == 1,
                "mixed_pool needs its lambda, e.g. mixed_pool<mix<1, 2>>");
  static_assert(Kind != pool_kind::max || detail::option_count<option_kind::count_padding, Options...> == 0,
                "count_padding only applies to average and mixed pooling");

  static constexpr std::string_view type =
      Kind == pool_kind::max ? "MaxPooling2D" : Kind == pool_kind::average ? "AveragePooling2D" : "MixedPooling2D";
  static constexpr std::string_view default_stem =
      Kind == pool_kind::max ? "max_pooling2d" : Kind == pool_kind::average ? "average_pooling2d" : "mixed_pooling2d";
  static constexpr std::string_view name = detail::explicit_name<Options...>();
  static constexpr input_names inputs = detail::explicit_inputs<Options...>();
  static constexpr buffer_use buffers = buffer_use::separate;
  static constexpr extent2 pool = detail::option_t<option_kind::pool_size, pool_size<2>, Options...>::value;
  static constexpr detail::window_spec spec = detail::window_from_options<Options...>(pool, pool);
  static constexpr double lambda = [] {
    if constexpr (Kind == pool_kind::mixed) return detail::option_t<option_kind::mix, mix<1, 2>, Options...>::value;
    else return Kind == pool_kind::max ? 1.0 : 0.0;
  }();
  static constexpr bool count_padding = detail::option_count<option_kind::count_padding, Options...> == 1;

  static constexpr diagnostic check(const shape& in, std::string_view label) {
    diagnostic d = detail::check_window(in, spec, label, "pool window");
    const padding2 p = spec.explicit_pad;
    if (!d.failed() && spec.mode == padding_mode::explicit_cells &&
        (p.top >= pool.h || p.bottom >= pool.h || p.left >= pool.w || p.right >= pool.w))
      d << label << ": padding " << p.top << "," << p.bottom << "," << p.left << "," << p.right
        << " (top, bottom, left, right) must be smaller than the " << pool.h << "x" << pool.w
        << " pool window, or some windows would hold only padding";
    return d;
  }
  static constexpr pool2d_geometry geometry(const shape& in) {
    const auto placed = detail::place(in, spec);
    return {in, placed.out_hw, spec.size, spec.stride, placed.pad, Kind, lambda, count_padding};
  }
  static constexpr shape output(const shape& in) { return geometry(in).out; }
  static constexpr window2 window(const shape& in) {
    const auto g = geometry(in);
    return {g.window, g.stride, g.pad.top, g.pad.left};
  }
};

/// max_pool<pool_size<2>, strides<2>>: the largest value in each window (Keras' MaxPooling2D).
template <class... Options>
using max_pool = pool2d<pool_kind::max, Options...>;

/// avg_pool<pool_size<2>>: the mean of each window (Keras' AveragePooling2D).
template <class... Options>
using avg_pool = pool2d<pool_kind::average, Options...>;

/// mixed_pool<mix<1, 2>, pool_size<2>>: lambda * max + (1 - lambda) * average; lambda 1 is max_pool,
/// lambda 0 is avg_pool.
template <class... Options>
using mixed_pool = pool2d<pool_kind::mixed, Options...>;

}  // namespace constnet
