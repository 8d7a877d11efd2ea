#pragma once
// What activation maximization and input gradients differentiate: one number per image computed from
// one layer's output.
//   filter(layer, k)          the mean over positions of channel k of the layer's output (for a flat
//                             layer, unit k)
//   neuron(layer, k, y, x)    channel k at one position (for a flat layer, y = x = 0: unit k)
//   class_logit(layer, c)     class c before the softmax: when the layer ends in a softmax (fused into a
//                             dense / conv2d, or an Activation layer) its input (the logit); otherwise
//                             the layer's output, as filter(layer, c)
// With a batch, each image has its own objective and the value reported is their sum, so each image's
// input gradient is that of its own objective.

#include <cstddef>

namespace constnet {

struct objective {
  enum class kind { filter, neuron, class_logit };
  kind what = kind::filter;
  std::size_t layer = 0;    // index in the network (model::index_of("name") gives it)
  std::size_t channel = 0;  // filter, unit or class
  std::size_t y = 0, x = 0; // neuron only

  static constexpr objective filter(std::size_t layer, std::size_t k) { return {kind::filter, layer, k, 0, 0}; }
  static constexpr objective neuron(std::size_t layer, std::size_t k, std::size_t y, std::size_t x) {
    return {kind::neuron, layer, k, y, x};
  }
  static constexpr objective class_logit(std::size_t layer, std::size_t c) { return {kind::class_logit, layer, c, 0, 0}; }
  friend constexpr bool operator==(const objective&, const objective&) = default;
};

}  // namespace constnet
