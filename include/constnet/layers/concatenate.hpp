#pragma once
// concatenate<from<"a", "b", ...>>: the inputs' channels side by side, in from<> order (Keras'
// Concatenate on the last axis, as InceptionV3's mixed blocks and DenseNet join their branches).
//
// requires: 2 to 8 inputs (named with from<>), all H x W x C maps of one height and width, or all flat
//           vectors.
// ensures:  H x W x (C_1 + ... + C_k) (or a vector of the summed lengths); input k's channels start at
//           C_1 + ... + C_(k-1); no weights, no MACs; the receptive field is the union of the inputs'.

#include <cstddef>
#include <span>
#include <string_view>

#include "constnet/core/diagnostic.hpp"
#include "constnet/core/geometry.hpp"
#include "constnet/core/layer_facts.hpp"
#include "constnet/layers/merge.hpp"
#include "constnet/layers/options.hpp"

namespace constnet {

template <class... Options>
struct concatenate {
  static_assert((detail::layer_option<Options> && ...), "concatenate: options must be constnet layer options");
  static_assert(detail::options_well_formed<detail::accepts<option_kind::name, option_kind::inputs>, Options...>,
                "concatenate accepts named<> and from<>, each at most once");
  static constexpr std::string_view type = "Concatenate";
  static constexpr std::string_view default_stem = "concatenate";
  static constexpr std::string_view name = detail::explicit_name<Options...>();
  static constexpr input_names inputs = detail::explicit_inputs<Options...>();
  static constexpr buffer_use buffers = buffer_use::separate;
  static constexpr std::size_t min_inputs = 2, max_inputs = max_layer_inputs;

  static constexpr diagnostic check_inputs(std::span<const shape> ins, std::span<const short_name> producers,
                                           std::string_view label) {
    diagnostic d;
    for (std::size_t k = 1; k < ins.size() && !d.failed(); ++k)
      if (ins[k].rank != ins[0].rank || ins[k].h != ins[0].h || ins[k].w != ins[0].w) {
        d << label << ": " << producers[0].view() << " is ";
        detail::describe(d, ins[0]);
        d << " but " << producers[k].view() << " is ";
        detail::describe(d, ins[k]);
        d << "; concatenate joins the channels of maps whose height and width agree";
      }
    return d;
  }
  static constexpr concatenate_geometry geometry(std::span<const shape> ins) {
    concatenate_geometry g{ins[0], ins.size(), {}};
    g.out.c = 0;
    for (std::size_t k = 0; k < ins.size(); ++k) {
      g.channels[k] = ins[k].c;
      g.out.c += ins[k].c;
    }
    return g;
  }
  static constexpr shape output(std::span<const shape> ins) { return geometry(ins).out; }
};

}  // namespace constnet
