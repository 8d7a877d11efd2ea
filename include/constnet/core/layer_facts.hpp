#pragma once
// What the compiler knows about one layer of a network: the row of a summary, as a constexpr value.

#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>

#include "constnet/core/fixed_string.hpp"
#include "constnet/core/layer_inputs.hpp"
#include "constnet/core/shape.hpp"

namespace constnet {

/// Receptive field along one axis, in input-image pixels.
///   size:  how many input pixels one neuron sees (r_out = r_in + (f_eff - 1) * j_in)
///   jump:  distance in input pixels between neighbouring neurons (j_out = j_in * s)
///   start: first input pixel seen by neuron 0; negative when padding reaches outside the image.
/// Neuron k sees pixels [start + k * jump, start + k * jump + size - 1], clipped to the image.
struct axis_receptive_field {
  std::size_t size = 1;
  std::size_t jump = 1;
  long start = 0;
  friend constexpr bool operator==(const axis_receptive_field&, const axis_receptive_field&) = default;
};

struct receptive_field {
  axis_receptive_field y{}, x{};
  friend constexpr bool operator==(const receptive_field&, const receptive_field&) = default;
};

/// The sliding window a layer applies, for receptive-field arithmetic. Layers that do not look at
/// neighbours (dense on a vector, batch_norm) use the 1x1 identity window; layers that see the whole
/// map at once (flatten, global pools) use a window as large as their input.
struct window2 {
  extent2 size{};    // effective size: d * (f - 1) + 1
  extent2 stride{};
  std::size_t pad_top = 0, pad_left = 0;
};

constexpr axis_receptive_field advance(axis_receptive_field in, std::size_t size, std::size_t stride,
                                       std::size_t pad_before) {
  return {in.size + (size - 1) * in.jump, in.jump * stride,
          in.start - static_cast<long>(pad_before) * static_cast<long>(in.jump)};
}

constexpr receptive_field advance(const receptive_field& in, const window2& w) {
  return {advance(in.y, w.size.h, w.stride.h, w.pad_top), advance(in.x, w.size.w, w.stride.w, w.pad_left)};
}

/// The field of a neuron of a layer that merges several inputs element by element or by channel (add,
/// concatenate): every input pixel any of its inputs' neuron at the same position sees. Neuron 0's
/// field is the union of the inputs' neuron-0 fields, from the smallest start to the largest end; the
/// jump is the largest of the inputs' (they agree whenever the inputs' maps line up pixel for pixel, as
/// a residual block's two branches do, and then every neuron's field is exact, not just neuron 0's).
constexpr axis_receptive_field merge(axis_receptive_field a, const axis_receptive_field& b) {
  const long end = std::max(a.start + static_cast<long>(a.size), b.start + static_cast<long>(b.size));
  a.start = std::min(a.start, b.start);
  a.size = static_cast<std::size_t>(end - a.start);
  a.jump = std::max(a.jump, b.jump);
  return a;
}
constexpr receptive_field merge(const receptive_field& a, const receptive_field& b) {
  return {merge(a.y, b.y), merge(a.x, b.x)};
}

/// One named weight tensor of a layer (Keras names and layouts: conv kernels HWIO, dense kernels (in, out)).
struct weight_tensor {
  short_name name;                 // "kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance"
  int rank = 0;
  std::array<std::size_t, 4> dims{};
  std::size_t offset = 0;          // in floats, from the start of the layer's weights

  constexpr std::size_t elements() const {
    std::size_t n = 1;
    for (int i = 0; i < rank; ++i) n *= dims[static_cast<std::size_t>(i)];
    return n;
  }
};

/// How a layer's output relates to its input buffer.
enum class buffer_use {
  separate,   // writes a new tensor
  in_place,   // may overwrite its input element by element (batch_norm)
  alias,      // is its input, reinterpreted (flatten, dropout): no work at all
};

namespace detail {
/// What a layer without weights or multiply-accumulates reports; pooling, flatten, dropout and
/// activation layers derive from it.
struct weightless {
  static constexpr std::size_t macs(const shape&) { return 0; }
  static constexpr std::size_t non_trainable(const shape&) { return 0; }
  static constexpr std::size_t weight_tensors(const shape&, std::array<weight_tensor, 4>&) { return 0; }
};
}  // namespace detail

struct layer_facts {
  std::size_t index = 0;
  short_name name;
  std::string_view type;          // Keras class name, e.g. "Conv2D"
  layer_inputs inputs{};         // the layers it reads (none for the input layer)
  std::size_t consumers = 0;      // how many layers read it
  bool merges = false;            // add / concatenate: reads several tensors (layers/layer_concepts.hpp)
  shape input{};                  // the shape of its first input (its only one, but for add/concatenate)
  shape output{};
  std::size_t params = 0;
  std::size_t non_trainable_params = 0;  // batch_norm's moving statistics
  std::size_t macs = 0;                  // multiply-accumulates for one image
  std::size_t activation_bytes = 0;      // output tensor bytes for one image (fp32)
  receptive_field rf{};
  buffer_use buffers = buffer_use::separate;
  std::size_t weight_offset = 0;         // in floats, from the start of the model's weights
  std::size_t weight_tensor_count = 0;
  std::array<weight_tensor, 4> weights{};
};

}  // namespace constnet
