#pragma once
// add<from<"a", "b">>: the element-wise sum of two or more tensors of one shape (Keras' Add), as a
// residual block ends: add<named<"conv2_block1_add">, from<"conv2_block1_0_bn", "conv2_block1_3_bn">>.
//
// requires: 2 to 8 inputs (named with from<>), all of one shape.
// ensures:  that shape; no weights, no MACs; the receptive field is the union of the inputs' fields.

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
struct add {
  static_assert((detail::layer_option<Options> && ...), "add: options must be constnet layer options");
  static_assert(detail::options_well_formed<detail::accepts<option_kind::name, option_kind::inputs>, Options...>,
                "add accepts named<> and from<>, each at most once");
  static constexpr std::string_view type = "Add";
  static constexpr std::string_view default_stem = "add";
  static constexpr std::string_view name = detail::explicit_name<Options...>();
  static constexpr input_names inputs = detail::explicit_inputs<Options...>();
  static constexpr buffer_use buffers = buffer_use::separate;
  static constexpr std::size_t min_inputs = 2, max_inputs = max_layer_inputs;

  static constexpr diagnostic check_inputs(std::span<const shape> ins, std::span<const short_name> producers,
                                           std::string_view label) {
    diagnostic d;
    for (std::size_t k = 1; k < ins.size() && !d.failed(); ++k)
      if (ins[k] != ins[0]) {
        d << label << ": " << producers[0].view() << " is ";
        detail::describe(d, ins[0]);
        d << " but " << producers[k].view() << " is ";
        detail::describe(d, ins[k]);
        d << "; add needs inputs of one shape";
      }
    return d;
  }
  static constexpr add_geometry geometry(std::span<const shape> ins) { return {ins[0], ins.size()}; }
  static constexpr shape output(std::span<const shape> ins) { return ins[0]; }
};

}  // namespace constnet
