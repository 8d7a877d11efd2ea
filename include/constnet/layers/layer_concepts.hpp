#pragma once
// What a layer kind is, as C++20 concepts: the contract every layer template satisfies, checked by the
// network's analysis, so a layer that forgets part of it fails with the concept's name instead of deep
// inside the analysis.
//
// Every layer kind L (conv2d<...>, add<...>, ...) provides, as constexpr static members:
//   type           Keras' class name ("Conv2D"), shown in summaries and messages
//   default_stem   Keras' default name stem ("conv2d": conv2d, conv2d_1, ...)
//   name           the name given with named<>, or empty for the default
//   inputs         the names given with from<>, or none: the layer declared just before
//   buffers        how its output relates to its input's buffer (separate, in place, alias)
// and then one of two shapes of interface.
//
// A single-input layer (conv2d, pools, dense, batch_norm, flatten, ...), for its input shape `in`:
//   check(in, label) -> diagnostic   empty when the layer can read `in`; else the message, which starts
//                                    with `label` ("conv2d_3 (Conv2D)") and gives the numbers
//   geometry(in)                     everything its kernels need (core/geometry.hpp); requires check passed
//   output(in) -> shape
//   window(in) -> window2            the sliding window, for receptive fields (1x1 when it has none)
//   macs(in), non_trainable(in)      multiply-accumulates per image; moving statistics and such
//   weight_tensors(in, w) -> count   fills w[0, count) with Keras' names and layouts
//
// A merge layer (add, concatenate), for the shapes `ins` of its inputs front to back:
//   min_inputs, max_inputs           how many inputs it takes
//   check_inputs(ins, producers, label) -> diagnostic   producers[k] names the layer behind ins[k]
//   geometry(ins), output(ins)       as above; no weights, no MACs, and its receptive field is the
//                                    union of its inputs' (core/layer_facts.hpp, merge)
//
// Adding a layer kind: docs/adding_a_layer.md.

#include <array>
#include <concepts>
#include <cstddef>
#include <span>
#include <string_view>

#include "constnet/core/diagnostic.hpp"
#include "constnet/core/fixed_string.hpp"
#include "constnet/core/layer_facts.hpp"
#include "constnet/core/layer_inputs.hpp"
#include "constnet/core/shape.hpp"
#include "constnet/layers/input.hpp"

namespace constnet {

template <class L>
concept layer_description = requires {
  { L::type } -> std::convertible_to<std::string_view>;
  { L::default_stem } -> std::convertible_to<std::string_view>;
  { L::name } -> std::convertible_to<std::string_view>;
  { L::inputs } -> std::convertible_to<input_names>;
  { L::buffers } -> std::convertible_to<buffer_use>;
};

template <class L>
concept single_input_layer =
    layer_description<L> && requires(const shape& in, std::string_view label, std::array<weight_tensor, 4>& w) {
      { L::check(in, label) } -> std::same_as<diagnostic>;
      L::geometry(in);
      { L::output(in) } -> std::same_as<shape>;
      { L::window(in) } -> std::same_as<window2>;
      { L::macs(in) } -> std::convertible_to<std::size_t>;
      { L::non_trainable(in) } -> std::convertible_to<std::size_t>;
      { L::weight_tensors(in, w) } -> std::convertible_to<std::size_t>;
    };

template <class L>
concept merge_layer = layer_description<L> && requires(std::span<const shape> ins, std::span<const short_name> producers,
                                                        std::string_view label) {
  { L::min_inputs } -> std::convertible_to<std::size_t>;
  { L::max_inputs } -> std::convertible_to<std::size_t>;
  { L::check_inputs(ins, producers, label) } -> std::same_as<diagnostic>;
  L::geometry(ins);
  { L::output(ins) } -> std::same_as<shape>;
};

template <class L>
concept input_layer = layer_description<L> && detail::is_input<L>::value;

/// Anything that can stand in a network's layer list.
template <class L>
concept layer_kind = input_layer<L> || single_input_layer<L> || merge_layer<L>;

}  // namespace constnet
