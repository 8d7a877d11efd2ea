#pragma once
// Pooling over a sliding window, per channel: max_pool, avg_pool and the seeds' mixed_pool
//   s_j = lambda * max_{i in R_j} a_i + (1 - lambda) * (1/|R_j|) * sum_{i in R_j} a_i.
//
// requires: an H x W x C input; window, stride and dilation >= 1; with valid or explicit padding the
//           (dilated) window fits; explicit padding smaller than the window on every side; every window
//           samples at least one input cell; dilation only on max_pool (PyTorch's AvgPool2d has none);
//           ceil_mode only with valid or explicit padding.
// ensures:  output floor((n + p_begin + p_end - f_eff) / s) + 1 per axis, f_eff = d (f - 1) + 1 ('same':
//           ceil(n / s); ceil_mode: rounded up, less the last window when it would start past the input
//           and its top/left padding, as PyTorch's ceil_mode=True), C channels; no weights. Defaults as
//           Keras: pool_size<2>, strides equal to the pool size, valid padding, no dilation, rounding down.
//           Padded cells, and the cells past the padding that a ceil_mode window reaches, never win a
//           max; the average counts only cells inside the image unless count_padding is given, then
//           |R_j| counts the window's cells inside the padded map (the whole window, as PyTorch's
//           count_include_pad=True, but for ceil_mode windows that run past the padding, where PyTorch
//           stops counting too).

#include <cstddef>
#include <string_view>

#include "constnet/core/diagnostic.hpp"
#include "constnet/core/geometry.hpp"
#include "constnet/core/layer_facts.hpp"
#include "constnet/layers/options.hpp"
#include "constnet/layers/window.hpp"

namespace constnet {

namespace detail {
/// The first output position along an axis whose window samples no input cell (only padding, or cells
/// past it), or `out` when every window samples one. n input cells, pad_begin of padding before them.
constexpr std::size_t first_window_without_input(std::size_t n, std::size_t out, std::size_t f, std::size_t s,
                                                 std::size_t d, std::size_t pad_begin) {
  for (std::size_t o = 0; o < out; ++o) {
    bool sees_input = false;
    for (std::size_t k = 0; k < f && !sees_input; ++k) {
      const std::size_t cell = o * s + k * d;  // in padded coordinates
      sees_input = cell >= pad_begin && cell - pad_begin < n;
    }
    if (!sees_input) return o;
  }
  return out;
}
}  // namespace detail

template <pool_kind Kind, class... Options>
struct pool2d : detail::weightless {
  static_assert((detail::layer_option<Options> && ...), "pooling: options must be constnet layer options");
  static_assert(Kind == pool_kind::mixed || detail::option_count<option_kind::mix, Options...> == 0,
                "only mixed_pool takes mix<num, den>");
  static_assert(detail::options_well_formed<
                    detail::accepts<option_kind::pool_size, option_kind::strides, option_kind::dilation,
                                    option_kind::padding, option_kind::mix, option_kind::count_padding,
                                    option_kind::ceil_mode, option_kind::name, option_kind::inputs>,
                    Options...>,
                "pooling layers accept pool_size<>, strides<>, dilation<> (max_pool), valid/same/pad<>, "
                "count_padding, ceil_mode, mix<> (mixed_pool), named<>, from<>, each at most once");
  static_assert(Kind != pool_kind::mixed || detail::option_count<option_kind::mix, Options...> == 1,
                "mixed_pool needs its lambda, e.g. mixed_pool<mix<1, 2>>");
  static_assert(Kind != pool_kind::max || detail::option_count<option_kind::count_padding, Options...> == 0,
                "count_padding only applies to average and mixed pooling");
  static_assert(Kind == pool_kind::max || detail::option_count<option_kind::dilation, Options...> == 0,
                "dilation<> only applies to max_pool: PyTorch's AvgPool2d has no dilation, so average and mixed "
                "pooling take none");
  static_assert(detail::option_count<option_kind::ceil_mode, Options...> == 0 ||
                    detail::option_t<option_kind::padding, valid, Options...>::mode != padding_mode::same,
                "ceil_mode rounds up the output size of valid or pad<> pooling; 'same' already gives ceil(n / s)");

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
    if (d.failed()) return d;
    // A dilated window can step over a small input from one side's padding to the other's.
    const pool2d_geometry g = geometry(in);
    const std::size_t row = detail::first_window_without_input(in.h, g.out.h, pool.h, g.stride.h, g.dilation.h, g.pad.top);
    const std::size_t column =
        detail::first_window_without_input(in.w, g.out.w, pool.w, g.stride.w, g.dilation.w, g.pad.left);
    if (row < g.out.h || column < g.out.w) {
      const bool is_row = row < g.out.h;
      d << label << ": the pool window of output " << (is_row ? "row " : "column ") << (is_row ? row : column)
        << " samples no input cell (" << (is_row ? pool.h : pool.w) << " cells " << (is_row ? g.dilation.h : g.dilation.w)
        << " apart over " << (is_row ? in.h : in.w) << (is_row ? " rows" : " columns") << " padded by "
        << (is_row ? g.pad.top : g.pad.left) << " and " << (is_row ? g.pad.bottom : g.pad.right) << ")";
    }
    return d;
  }
  static constexpr pool2d_geometry geometry(const shape& in) {
    const auto placed = detail::place(in, spec);
    return {in,   placed.out_hw, spec.size, spec.stride, spec.dilation, placed.pad,
            Kind, lambda,        count_padding, spec.ceil_mode};
  }
  static constexpr shape output(const shape& in) { return geometry(in).out; }
  /// The dilated window's extent: receptive fields grow by d (f - 1) input cells of the layer.
  static constexpr window2 window(const shape& in) {
    const auto g = geometry(in);
    return {{detail::effective_size(g.window.h, g.dilation.h), detail::effective_size(g.window.w, g.dilation.w)},
            g.stride, g.pad.top, g.pad.left};
  }
};

/// max_pool<pool_size<2>, strides<2>>: the largest value in each window (Keras' MaxPooling2D; with
/// dilation<d> and ceil_mode, PyTorch's MaxPool2d(dilation=d, ceil_mode=True)).
template <class... Options>
using max_pool = pool2d<pool_kind::max, Options...>;

/// avg_pool<pool_size<2>>: the mean of each window (Keras' AveragePooling2D; with pad<>, count_padding and
/// ceil_mode, PyTorch's AvgPool2d(padding, count_include_pad=True, ceil_mode=True)).
template <class... Options>
using avg_pool = pool2d<pool_kind::average, Options...>;

/// mixed_pool<mix<1, 2>, pool_size<2>>: lambda * max + (1 - lambda) * average; lambda 1 is max_pool,
/// lambda 0 is avg_pool.
template <class... Options>
using mixed_pool = pool2d<pool_kind::mixed, Options...>;

}  // namespace constnet
