#pragma once
// Pictures straight from a model and a layer name, the way the seeds call show_feature_maps(img, model,
// layer_name, rows, cols) and read layer.get_weights():
//
//   auto maps = viz::feature_map_grid(m, "block1_conv1", input, {.rows = 1, .cols = 6});
//   auto filters = viz::filter_rgb_tiles(viz::conv_kernel(m, "block1_conv1"), {.rows = 4, .cols = 8});
//
// Layer names are checked at run time: a bad one throws unknown_name_error naming the closest layer.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "constnet/core/errors.hpp"
#include "constnet/io/image.hpp"
#include "constnet/viz/feature_map_grid.hpp"
#include "constnet/viz/filter_pictures.hpp"
#include "constnet/viz/grid.hpp"

namespace constnet::viz {

/// A constnet::model of any network and options.
template <class Model>
concept model_of_a_network = requires { typename Model::network_type; } &&
                             requires(const Model& m, std::size_t i) { m.layer_weights(i); };

/// The layer's convolution kernel (HWIO), viewing the model's weights (valid while the model lives and
/// its weights are not replaced). A depthwise kernel [kh, kw, C, M] (depthwise_conv2d, and the spatial
/// stage of separable_conv2d) is the same memory as an HWIO kernel with one input channel and C*M filters:
/// each filter sees one channel, so it is shown as one. Throws unknown_name_error for a name the network
/// does not have or a layer without a kernel, shape_error for a kernel that is not a convolution's (a
/// dense layer's).
template <model_of_a_network Model>
conv_kernel_view conv_kernel(const Model& m, std::string_view layer) {
  const std::size_t i = Model::index_of(layer);
  const auto& f = Model::network_type::facts[i];
  for (std::size_t t = 0; t < f.weight_tensor_count; ++t) {
    const auto& w = f.weights[t];
    const bool depthwise = w.name.view() == "depthwise_kernel";
    if (w.name.view() != "kernel" && !depthwise) continue;
    if (w.rank != 4)
      throw shape_error("conv_kernel: layer " + std::string(layer) + " (" + std::string(f.type) +
                        ") has a rank-" + std::to_string(w.rank) + " kernel, not a convolution's HWIO kernel");
    const auto weights = m.layer_weights(i).subspan(w.offset, w.elements());
    if (depthwise) return {weights, w.dims[0], w.dims[1], 1, w.dims[2] * w.dims[3]};
    return {weights, w.dims[0], w.dims[1], w.dims[2], w.dims[3]};
  }
  throw unknown_name_error("conv_kernel: layer " + std::string(layer) + " (" + std::string(f.type) +
                           ") has no kernel");
}

/// Runs the model up to `layer` on `input` (the model's whole input, as forward_to takes it) and draws
/// the first image's feature maps. Throws unknown_name_error, shape_error (a wrong input size, or a layer
/// whose output is a flat vector) and the errors of feature_map_grid above.
template <model_of_a_network Model>
io::image feature_map_grid(Model& m, std::string_view layer, std::span<const float> input,
                           const grid_layout& layout = {}, const picture_style& style = {}) {
  const std::size_t i = Model::index_of(layer);
  const shape out = Model::network_type::facts[i].output;
  if (out.rank != 3)
    throw shape_error("feature_map_grid: layer " + std::string(layer) + " outputs a flat vector of " +
                      std::to_string(out.c) + " features, not feature maps");
  const std::span<const float> all = m.forward_to(layer, input);
  return feature_map_grid(all.first(out.elements()), out, layout, style);
}

}  // namespace constnet::viz
