#pragma once
// Receptive fields of single neurons, two ways:
//   receptive_field_box<Network>(layer, y, x)   the compile-time receptive field (Network::facts[i].rf:
//                                               size, jump, start per axis) of neuron (y, x), clipped to
//                                               the image: what the picture of a neuron's field draws
//   receptive_region<Network>(layer, c, y, x)   the input pixels the neuron is connected to at all,
//                                               found by propagating a structural "nonzero pattern"
//                                               back through every layer's windows
// The region is where the neuron's input gradient can be nonzero. It is structural on purpose: the
// gradient for one particular input is zero at more pixels (ReLUs that are off, max-pool windows whose
// winner lies elsewhere, weights that cancel), and the region is the union of those supports over all
// inputs and weights. Every filter of a layer has the same region (convolutions mix all channels, and
// a depthwise convolution, which does not, applies the same windows to every channel; pooling, batch_norm
// and activations keep positions). Rules per layer, from the output's pattern to the input's: conv2d,
// depthwise_conv2d, separable_conv2d (whose pointwise stage sees one pixel) and pooling: every cell
// inside the image under a window tap of a marked output (dilated taps skip cells); zero_padding2d: the
// marked cells that are not padding, shifted up and left by the padding; dense and global pools: every
// input, once any output is marked; flatten: unit u is pixel u / C of its input; batch_norm, activations,
// dropout: the same positions; add and concatenate: the same positions in each input (a concatenated
// vector's unit: its own input's), and a tensor that feeds several layers sees the union of what each of
// them marks.
// For a convolutional neuron the region's bounding box equals receptive_field_box (tests/unit/
// receptive_fields.cpp checks this for VGG16 and the seed CNNs); the region has holes inside the box
// only where a dilation or a stride larger than its window skips pixels. A flatten unit sees one
// position's field, while facts[flatten].rf (as Keras-style summaries count it) spans the whole map. A
// zero_padding2d cell in the padding is a constant: its region is empty, while the field arithmetic
// (which treats the padding as a 1x1 window's) still gives it a box.

#include <algorithm>
#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

#include "constnet/core/errors.hpp"
#include "constnet/core/geometry.hpp"
#include "constnet/network/sequential.hpp"

namespace constnet {

/// Input pixels rows [y0, y1) x columns [x0, x1); empty when y0 == y1 or x0 == x1.
struct pixel_box {
  std::size_t y0 = 0, y1 = 0, x0 = 0, x1 = 0;
  constexpr std::size_t height() const { return y1 - y0; }
  constexpr std::size_t width() const { return x1 - x0; }
  constexpr std::size_t area() const { return height() * width(); }
  friend constexpr bool operator==(const pixel_box&, const pixel_box&) = default;
};

/// The receptive field of neuron (y, x) of layer `layer` from the compile-time facts, clipped to the image.
/// requires: layer < Network::size (else shape_error); y, x inside the layer's map (a flat layer: 0, 0).
template <network Network>
constexpr pixel_box receptive_field_box(std::size_t layer, std::size_t y, std::size_t x) {
  if (layer >= Network::size) throw shape_error("receptive_field_box: no layer " + std::to_string(layer));
  const receptive_field& rf = Network::facts[layer].rf;
  auto clip = [](const axis_receptive_field& a, std::size_t k, std::size_t n) {
    const long first = a.start + static_cast<long>(k * a.jump);
    const long last = first + static_cast<long>(a.size);  // one past
    const long lo = std::clamp<long>(first, 0, static_cast<long>(n)), hi = std::clamp<long>(last, 0, static_cast<long>(n));
    return std::pair<std::size_t, std::size_t>{static_cast<std::size_t>(lo), static_cast<std::size_t>(std::max(lo, hi))};
  };
  const auto [y0, y1] = clip(rf.y, y, Network::input_shape.h);
  const auto [x0, x1] = clip(rf.x, x, Network::input_shape.w);
  return {y0, y1, x0, x1};
}

/// A neuron's structural receptive region: its bounding box and how many pixels inside it it sees.
struct input_region {
  pixel_box box;
  std::size_t pixels = 0;  // == box.area() unless dilations or strides skip pixels
};

namespace detail {

/// The pattern of one layer's output: per position of a map (h * w), or per unit of a flat vector.
using nonzero_pattern = std::vector<char>;

/// The pattern of layer I's input `slot` (its from<> position) given the pattern of its output.
template <class Network, std::size_t I>
nonzero_pattern pattern_before(const nonzero_pattern& out, std::size_t slot) {
  const layer_facts& f = Network::facts[I];
  const shape in = Network::facts[f.inputs.index[slot]].output;
  const std::size_t in_cells = in.rank == 3 ? in.h * in.w : in.c;
  nonzero_pattern marked(in_cells, 0);
  const bool any = std::find(out.begin(), out.end(), 1) != out.end();
  constexpr auto g = Network::template geometry<I>;
  using G = std::remove_cvref_t<decltype(g)>;
  if constexpr (std::is_same_v<G, conv2d_geometry> || std::is_same_v<G, depthwise_conv2d_geometry> ||
                std::is_same_v<G, separable_conv2d_geometry> || std::is_same_v<G, pool2d_geometry>) {
    const extent2 dilation = g.dilation;
    extent2 size{};
    if constexpr (std::is_same_v<G, pool2d_geometry>) size = g.window;
    else size = g.kernel;
    for (std::size_t oy = 0; oy < g.out.h; ++oy)
      for (std::size_t ox = 0; ox < g.out.w; ++ox) {
        if (!out[oy * g.out.w + ox]) continue;
        for (std::size_t ky = 0; ky < size.h; ++ky)
          for (std::size_t kx = 0; kx < size.w; ++kx) {
            const long iy = static_cast<long>(oy * g.stride.h + ky * dilation.h) - static_cast<long>(g.pad.top);
            const long ix = static_cast<long>(ox * g.stride.w + kx * dilation.w) - static_cast<long>(g.pad.left);
            if (iy >= 0 && ix >= 0 && iy < static_cast<long>(in.h) && ix < static_cast<long>(in.w))
              marked[static_cast<std::size_t>(iy) * in.w + static_cast<std::size_t>(ix)] = 1;
          }
      }
  } else if constexpr (std::is_same_v<G, zero_padding2d_geometry>) {
    for (std::size_t iy = 0; iy < in.h; ++iy)
      for (std::size_t ix = 0; ix < in.w; ++ix)
        marked[iy * in.w + ix] = out[(iy + g.pad.top) * g.out.w + ix + g.pad.left];
  } else if constexpr (std::is_same_v<G, dense_geometry> || std::is_same_v<G, global_pool_geometry>) {
    if (any) std::fill(marked.begin(), marked.end(), 1);
  } else if constexpr (std::is_same_v<G, identity_geometry>) {
    if (in.rank == 3 && f.output.rank == 1) {  // flatten: unit u is channel u % C of pixel u / C
      for (std::size_t u = 0; u < out.size(); ++u)
        if (out[u]) marked[u / in.c] = 1;
    } else {  // dropout (or a flatten of a flat vector): the same positions
      marked = out;
    }
  } else if constexpr (std::is_same_v<G, concatenate_geometry>) {
    if (in.rank == 3) {
      marked = out;  // every input has the output's positions
    } else {  // vectors: input `slot` holds units [first, first + its length) of the output
      std::size_t first = 0;
      for (std::size_t k = 0; k < slot; ++k) first += g.channels[k];
      std::copy_n(out.begin() + static_cast<std::ptrdiff_t>(first), in.c, marked.begin());
    }
  } else if constexpr (std::is_same_v<G, batch_norm_geometry> || std::is_same_v<G, activation_geometry> ||
                       std::is_same_v<G, add_geometry>) {
    marked = out;  // the same positions
  } else {
    static_assert(sizeof(G) == 0, "receptive_region: no rule for this kind of layer");
  }
  return marked;
}

}  // namespace detail

/// The input pixels neuron (y, x) of channel `channel` of layer `layer` is connected to (see the top of
/// this file). For a flat layer the neuron is unit `channel` and y = x = 0.
/// Throws shape_error when the layer, channel or position does not exist. Allocates (not for hot loops).
template <network Network>
input_region receptive_region(std::size_t layer, std::size_t channel, std::size_t y, std::size_t x) {
  if (layer >= Network::size) throw shape_error("receptive_region: no layer " + std::to_string(layer));
  const shape out = Network::facts[layer].output;
  if (channel >= out.c || y >= out.h || x >= out.w)
    throw shape_error("receptive_region: " + std::string(Network::facts[layer].name.view()) + " is " +
                      std::to_string(out.h) + "x" + std::to_string(out.w) + "x" + std::to_string(out.c) +
                      "; it has no neuron (channel " + std::to_string(channel) + ", y " + std::to_string(y) + ", x " +
                      std::to_string(x) + ")");
  // One pattern per layer, back to front: a layer's pattern is final once every layer after it that
  // reads it has added its part (a tensor feeding several layers is seen through each of them).
  std::vector<detail::nonzero_pattern> patterns(Network::size);
  patterns[layer].assign(out.rank == 3 ? out.h * out.w : out.c, 0);
  patterns[layer][out.rank == 3 ? y * out.w + x : channel] = 1;
  [&]<std::size_t... K>(std::index_sequence<K...>) {
    constexpr std::size_t last = Network::size - 1;
    (
        [&] {
          constexpr std::size_t i = last - K;  // back to front
          if constexpr (i >= 1) {
            if (patterns[i].empty()) return;  // not on any path to the neuron
            for (std::size_t slot = 0; slot < Network::facts[i].inputs.count; ++slot) {
              const detail::nonzero_pattern before = detail::pattern_before<Network, i>(patterns[i], slot);
              detail::nonzero_pattern& producer = patterns[Network::facts[i].inputs.index[slot]];
              if (producer.empty()) producer.assign(before.size(), 0);
              for (std::size_t c = 0; c < before.size(); ++c) producer[c] = producer[c] || before[c];
            }
          }
        }(),
        ...);
  }(std::make_index_sequence<Network::size>{});
  const detail::nonzero_pattern& pattern = patterns[0];

  const shape image = Network::input_shape;
  input_region r;
  r.box = {image.h, 0, image.w, 0};
  for (std::size_t iy = 0; iy < image.h; ++iy)
    for (std::size_t ix = 0; ix < image.w; ++ix)
      if (pattern[iy * image.w + ix]) {
        ++r.pixels;
        r.box = {std::min(r.box.y0, iy), std::max(r.box.y1, iy + 1), std::min(r.box.x0, ix), std::max(r.box.x1, ix + 1)};
      }
  if (r.pixels == 0) r.box = {};
  return r;
}

}  // namespace constnet
