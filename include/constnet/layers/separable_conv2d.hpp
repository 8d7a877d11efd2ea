#pragma once
// separable_conv2d<filters, kernel<f>, options...>: a depthwise convolution (depth_multiplier<M> filters per
// input channel, default 1, with no bias or activation of its own) followed by a 1x1 convolution to
// `filters` channels, then bias and a fused activation (Keras' SeparableConv2D).
//
// requires: an H x W x C input; filters, f, s, d, M >= 1; with valid or explicit padding,
//           d*(f-1)+1 <= n + p_begin + p_end.
// ensures:  output floor((n + p_begin + p_end - d*(f-1) - 1) / s) + 1 per axis ('same': ceil(n / s)),
//           `filters` channels; weights in Keras' order: depthwise_kernel [fh, fw, C, M], pointwise_kernel
//           [1, 1, C*M, filters], bias [filters]; params = fh*fw*C*M + C*M*filters + filters;
//           MACs = out.h*out.w*C*M*(fh*fw + filters); receptive field grows by (d*(f-1)) * jump (the
//           pointwise stage sees one pixel).

#include <cstddef>
#include <string_view>

#include "constnet/core/diagnostic.hpp"
#include "constnet/core/geometry.hpp"
#include "constnet/core/layer_facts.hpp"
#include "constnet/layers/options.hpp"
#include "constnet/layers/window.hpp"

namespace constnet {

template <std::size_t Filters, class... Options>
struct separable_conv2d {
  static_assert((detail::layer_option<Options> && ...), "separable_conv2d: options must be constnet layer options");
  static_assert(detail::options_well_formed<
                    detail::accepts<option_kind::kernel, option_kind::depth_multiplier, option_kind::strides,
                                    option_kind::dilation, option_kind::padding, option_kind::activation,
                                    option_kind::bias, option_kind::name,
                                    option_kind::inputs>,
                    Options...>,
                "separable_conv2d accepts kernel<>, depth_multiplier<>, strides<>, dilation<>, valid/same/pad<>, "
                "act::*, no_bias, named<>, from<>, each at most once");
  static_assert(detail::option_count<option_kind::kernel, Options...> == 1,
                "separable_conv2d needs a kernel size, e.g. separable_conv2d<64, kernel<3>>");

  static constexpr std::string_view type = "SeparableConv2D";
  static constexpr std::string_view default_stem = "separable_conv2d";
  static constexpr std::string_view name = detail::explicit_name<Options...>();
  static constexpr input_names inputs = detail::explicit_inputs<Options...>();
  static constexpr buffer_use buffers = buffer_use::separate;
  static constexpr std::size_t multiplier =
      detail::option_t<option_kind::depth_multiplier, depth_multiplier<1>, Options...>::value;
  static constexpr activation act = detail::option_t<option_kind::activation, act::linear, Options...>::value;
  static constexpr bool use_bias = detail::option_count<option_kind::bias, Options...> == 0;
  static constexpr detail::window_spec spec =
      detail::window_from_options<Options...>(detail::option_t<option_kind::kernel, kernel<1>, Options...>::value, {1, 1});

  static constexpr diagnostic check(const shape& in, std::string_view label) {
    diagnostic d = detail::check_window(in, spec, label, "kernel");
    if (d.failed()) return d;
    if (Filters == 0) d << label << ": the number of filters is 0; it must be at least 1";
    else if (multiplier == 0) d << label << ": the depth multiplier is 0; it must be at least 1";
    return d;
  }

  static constexpr separable_conv2d_geometry geometry(const shape& in) {
    const auto placed = detail::place(in, spec);
    return {in,         feature_maps(placed.out_hw.h, placed.out_hw.w, Filters), spec.size, spec.stride,
            spec.dilation, placed.pad, multiplier, act, use_bias};
  }
  static constexpr shape output(const shape& in) { return geometry(in).out; }
  static constexpr window2 window(const shape& in) {
    const auto g = geometry(in);
    return {{detail::effective_size(g.kernel.h, g.dilation.h), detail::effective_size(g.kernel.w, g.dilation.w)},
            g.stride, g.pad.top, g.pad.left};
  }
  /// The depthwise stage's taps, then the pointwise stage's C*M inputs, per intermediate value.
  static constexpr std::size_t macs(const shape& in) {
    const auto g = geometry(in);
    return g.out.h * g.out.w * in.c * multiplier * (g.kernel.h * g.kernel.w + Filters);
  }
  static constexpr std::size_t non_trainable(const shape&) { return 0; }
  static constexpr std::size_t weight_tensors(const shape& in, std::array<weight_tensor, 4>& w) {
    const std::size_t channels = in.c * multiplier;
    w[0] = {short_name("depthwise_kernel"), 4, {spec.size.h, spec.size.w, in.c, multiplier}, 0};
    w[1] = {short_name("pointwise_kernel"), 4, {1, 1, channels, Filters}, w[0].elements()};
    if (!use_bias) return 2;
    w[2] = {short_name("bias"), 1, {Filters, 0, 0, 0}, w[1].offset + w[1].elements()};
    return 3;
  }
};

}  // namespace constnet
