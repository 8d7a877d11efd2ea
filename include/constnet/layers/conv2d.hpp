#pragma once
// conv2d<filters, kernel<f>, options...>: 2-D cross-correlation over all input channels, plus bias and a
// fused activation (Keras' Conv2D).
//
// requires: an H x W x C input; f, s, d >= 1; with valid or explicit padding, d*(f-1)+1 <= n + p_begin + p_end.
// ensures:  output floor((n + p_begin + p_end - d*(f-1) - 1) / s) + 1 per axis ('same': ceil(n / s)),
//           `filters` channels; weights kernel [fh, fw, C, filters] (HWIO) and bias [filters];
//           params = fh*fw*C*filters + filters; receptive field grows by (d*(f-1)) * jump.

#include <cstddef>
#include <string_view>

#include "constnet/core/diagnostic.hpp"
#include "constnet/core/geometry.hpp"
#include "constnet/core/layer_facts.hpp"
#include "constnet/layers/options.hpp"
#include "constnet/layers/window.hpp"

namespace constnet {

template <std::size_t Filters, class... Options>
struct conv2d {
  static_assert((detail::layer_option<Options> && ...), "conv2d: options must be constnet layer options");
  static_assert(detail::options_well_formed<
                    detail::accepts<option_kind::kernel, option_kind::strides, option_kind::dilation,
                                    option_kind::padding, option_kind::activation, option_kind::bias,
                                    option_kind::name,
                                    option_kind::inputs>,
                    Options...>,
                "conv2d accepts kernel<>, strides<>, dilation<>, valid/same/pad<>, act::*, no_bias, named<>, from<>, "
                "each at most once");
  static_assert(detail::option_count<option_kind::kernel, Options...> == 1,
                "conv2d needs a kernel size, e.g. conv2d<64, kernel<3>>");

  static constexpr std::string_view type = "Conv2D";
  static constexpr std::string_view default_stem = "conv2d";
  static constexpr std::string_view name = detail::explicit_name<Options...>();
  static constexpr input_names inputs = detail::explicit_inputs<Options...>();
  static constexpr buffer_use buffers = buffer_use::separate;
  static constexpr activation act = detail::option_t<option_kind::activation, act::linear, Options...>::value;
  static constexpr bool use_bias = detail::option_count<option_kind::bias, Options...> == 0;
  static constexpr detail::window_spec spec =
      detail::window_from_options<Options...>(detail::option_t<option_kind::kernel, kernel<1>, Options...>::value, {1, 1});

  static constexpr diagnostic check(const shape& in, std::string_view label) {
    diagnostic d = detail::check_window(in, spec, label, "kernel");
    if (!d.failed() && Filters == 0) d << label << ": the number of filters is 0; it must be at least 1";
    return d;
  }

  static constexpr conv2d_geometry geometry(const shape& in) {
    const auto placed = detail::place(in, spec);
    return {in, feature_maps(placed.out_hw.h, placed.out_hw.w, Filters), spec.size, spec.stride, spec.dilation,
            placed.pad, act, use_bias};
  }
  static constexpr shape output(const shape& in) { return geometry(in).out; }
  static constexpr window2 window(const shape& in) {
    const auto g = geometry(in);
    return {{detail::effective_size(g.kernel.h, g.dilation.h), detail::effective_size(g.kernel.w, g.dilation.w)},
            g.stride, g.pad.top, g.pad.left};
  }
  static constexpr std::size_t macs(const shape& in) {
    const auto g = geometry(in);
    return g.out.elements() * g.kernel.h * g.kernel.w * in.c;
  }
  static constexpr std::size_t non_trainable(const shape&) { return 0; }
  static constexpr std::size_t weight_tensors(const shape& in, std::array<weight_tensor, 4>& w) {
    w[0] = {short_name("kernel"), 4, {spec.size.h, spec.size.w, in.c, Filters}, 0};
    if (!use_bias) return 1;
    w[1] = {short_name("bias"), 1, {Filters, 0, 0, 0}, w[0].elements()};
    return 2;
  }
};

}  // namespace constnet
