#pragma once
// Trained weights into a model and back out, in either layout convention, by constnet's tensor names
// ("<layer>.<tensor>", e.g. "block1_conv1.kernel", "batch_normalization.moving_variance").
//
//   io::load_weights(m, "vgg16.safetensors", io::convention::keras);       // or any reader's tensor_set
//   io::save_weights(m, "vgg16_pt.safetensors", io::convention::pytorch);
//
// Conventions:
//   keras    conv kernels [kh][kw][cin][cout] (HWIO), depthwise kernels [kh][kw][C][M], pointwise kernels
//            [1][1][C*M][filters], dense kernels [in][units], a flatten feeding a dense in H,W,C order:
//            exactly the model's own storage.
//   pytorch  conv and pointwise kernels [cout][cin][kh][kw] (OIHW), depthwise kernels [C*M][1][kh][kw] (the
//            weight of Conv2d(C, C*M, groups=C), whose output channel c*M + m reads input channel c, as
//            Keras' does), dense kernels [units][in], a flatten in C,H,W order, so a dense (or a 1-D batch
//            norm) whose input comes from a flattened feature map, possibly through dropout, activation or
//            batch-norm layers (Activation, ReLU), sees its inputs permuted.
// Biases and batch-norm vectors are the same in both.

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "constnet/core/errors.hpp"
#include "constnet/core/layer_facts.hpp"
#include "constnet/core/shape.hpp"
#include "constnet/io/safetensors.hpp"
#include "constnet/io/tensor_set.hpp"
#include "constnet/network/analysis.hpp"

namespace constnet::io {

enum class convention { keras, pytorch };

constexpr std::string_view to_string(convention c) { return c == convention::pytorch ? "pytorch" : "keras"; }

struct load_options {
  /// Reject NaN and Inf: the error names each tensor holding one and the first such element's index.
  bool reject_non_finite = false;
};

namespace detail {

/// Where a tensor's elements sit in a file relative to the model's storage. The file holds `rows` runs
/// of h*w*c values in C,H,W order; the model holds element (row r, channel ch, y, x) at
/// ((y * w + x) * c + ch) * rows + r. With reordered == false the two orders are identical.
struct file_layout {
  std::size_t rows = 1;
  std::size_t h = 1, w = 1, c = 1;
  bool reordered = false;
};

/// Calls visit(file_index, model_index) for every element. Blocks of rows keep both sides in cache:
/// the file is read as 16 sequential streams while each model write fills part of one cache line.
template <class Visit>
void for_each_element(const file_layout& l, Visit&& visit) {
  const std::size_t run = l.h * l.w * l.c;
  constexpr std::size_t block = 16;
  for (std::size_t r0 = 0; r0 < l.rows; r0 += block) {
    const std::size_t r1 = std::min(l.rows, r0 + block);
    std::size_t p = 0;  // position inside a run, C,H,W order
    for (std::size_t ch = 0; ch < l.c; ++ch)
      for (std::size_t y = 0; y < l.h; ++y)
        for (std::size_t x = 0; x < l.w; ++x, ++p) {
          const std::size_t model_base = ((y * l.w + x) * l.c + ch) * l.rows;
          for (std::size_t r = r0; r < r1; ++r) visit(r * run + p, model_base + r);
        }
  }
}

/// Calls f(read) with read(i) returning element i of the tensor as fp32, specialised per dtype.
template <class F>
void with_reader(const tensor_entry& e, F&& f) {
  const std::byte* p = e.bytes.data();
  switch (e.type) {
    case dtype::f32:
      f([p](std::size_t i) { float v; std::memcpy(&v, p + 4 * i, 4); return v; });
      return;
    case dtype::f64:
      f([p](std::size_t i) { double v; std::memcpy(&v, p + 8 * i, 8); return static_cast<float>(v); });
      return;
    case dtype::f16:
      f([p](std::size_t i) { std::uint16_t h; std::memcpy(&h, p + 2 * i, 2); return half_to_float(h); });
      return;
    case dtype::bf16:
      f([p](std::size_t i) {
        std::uint16_t b;
        std::memcpy(&b, p + 2 * i, 2);
        return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16);
      });
      return;
  }
}

/// One weight tensor the network needs, as the file must hold it.
struct expected_tensor {
  std::string name;                // "<layer>.<tensor>"
  std::vector<std::size_t> shape;  // in the file's convention
  std::vector<std::size_t> other_shape;  // in the other convention, to recognise a file in the wrong one
  std::size_t offset = 0;          // first float in the model's weights
  std::size_t elements = 0;
  file_layout layout{};
};

/// The shapes and layouts of every weight tensor of Network, in network order.
template <class Network>
std::vector<expected_tensor> expected_tensors(convention conv) {
  std::vector<expected_tensor> out;
  // Per layer, the feature map whose flattening (H,W,C) its flat output is; none after a dense or a
  // global pool (PyTorch flattens C,H,W, so a dense kernel after a flatten is permuted).
  std::vector<std::optional<shape>> flattened(Network::size);
  for (const layer_facts& f : Network::facts) {
    const std::optional<shape> source = f.index == 0 ? std::nullopt : flattened[f.inputs.front()];
    const bool order_preserving = f.output.rank == 1 && f.inputs.count == 1 &&
                                  (f.type == "Dropout" || f.type == "Activation" || f.type == "ReLU" ||
                                   f.type == "BatchNormalization");
    if (f.type == "Flatten") {
      flattened[f.index] = f.input.rank == 3 ? std::optional<shape>(f.input) : source;
    } else if (order_preserving) {
      flattened[f.index] = source;
    }

    for (std::size_t t = 0; t < f.weight_tensor_count; ++t) {
      const weight_tensor& w = f.weights[t];
      expected_tensor e;
      e.name = std::string(f.name.view()) + "." + std::string(w.name.view());
      e.offset = f.weight_offset + w.offset;
      e.elements = w.elements();
      std::vector<std::size_t> keras(w.dims.begin(), w.dims.begin() + w.rank);
      std::vector<std::size_t> pytorch = keras;
      file_layout pytorch_layout{};
      const auto& d = w.dims;
      const bool depthwise_layer = f.type == "DepthwiseConv2D" || f.type == "SeparableConv2D";
      if ((f.type == "Conv2D" && w.name.view() == "kernel") ||
          (f.type == "SeparableConv2D" && w.name.view() == "pointwise_kernel")) {
        pytorch = {d[3], d[2], d[0], d[1]};
        pytorch_layout = {d[3], d[0], d[1], d[2], true};
      } else if (depthwise_layer && w.name.view() == "depthwise_kernel") {
        // Keras' [kh][kw][C][M] is [kh][kw][1][C*M] with output channel c*M + m, so it permutes as an HWIO
        // kernel with one input channel.
        pytorch = {d[2] * d[3], 1, d[0], d[1]};
        pytorch_layout = {d[2] * d[3], d[0], d[1], 1, true};
      } else if (f.type == "Dense" && w.name.view() == "kernel") {
        pytorch = {d[1], d[0]};
        const shape in = source.value_or(features(d[0]));
        pytorch_layout = {d[1], in.h, in.w, in.c, true};
      } else if (f.type == "BatchNormalization" && f.input.rank == 1 && source) {
        pytorch_layout = {1, source->h, source->w, source->c, true};  // BatchNorm1d over C,H,W-ordered features
      }
      if (conv == convention::pytorch) {
        e.shape = std::move(pytorch);
        e.other_shape = std::move(keras);
        e.layout = pytorch_layout;
      } else {
        e.shape = std::move(keras);
        e.other_shape = std::move(pytorch);
      }
      out.push_back(std::move(e));
    }
  }
  return out;
}

/// Copies one validated tensor from the file's bytes into the model's storage, converting as it goes.
inline void convert_into(const tensor_entry& e, const file_layout& layout, std::span<float> out) {
  if (!layout.reordered) {
    convert_to_f32(e, out);
    return;
  }
  float* dst = out.data();
  with_reader(e, [&](auto read) { for_each_element(layout, [&](std::size_t fi, std::size_t mi) { dst[mi] = read(fi); }); });
}

/// The first NaN or Inf of a tensor (file order) and how many there are; count 0 when all are finite.
struct non_finite {
  std::size_t first = 0, count = 0;
  float value = 0;
};
inline non_finite find_non_finite(const tensor_entry& e) {
  non_finite found;
  with_reader(e, [&](auto read) {
    const std::size_t n = e.elements();
    for (std::size_t i = 0; i < n; ++i) {
      const float v = read(i);
      if (std::isfinite(v)) continue;
      if (found.count++ == 0) found.first = i, found.value = v;
    }
  });
  return found;
}

inline std::string describe(float v) { return std::isnan(v) ? "NaN" : (v > 0 ? "+Inf" : "-Inf"); }

}  // namespace detail

/// Copies a tensor_set's weights into a model.
/// Requires: nothing of `set` beyond what its reader guaranteed (byte counts match shapes).
/// Ensures: on success every weight of the model came from `set` (converted to fp32, permuted from the
/// given convention into the model's Keras layout) and pack_weights() has run. Throws
/// weights_mismatch_error if the set's names or shapes differ from the network's (one message listing
/// every missing, unexpected and mis-shaped tensor), if its "convention" metadata names another
/// convention, or (options.reject_non_finite) if it holds NaN or Inf. All checks run before the first
/// copy, so on any error the model is left exactly as it was.
template <class Model>
void load_weights(Model& m, const tensor_set& set, convention conv, const load_options& options = {}) {
  using Network = typename Model::network_type;
  const std::string requested(to_string(conv));
  if (const auto it = set.metadata().find("convention"); it != set.metadata().end() && it->second != requested)
    throw weights_mismatch_error("the weights say their convention is " + json::to_literal(it->second) +
                                 ", but they were loaded as " + requested);

  const std::vector<detail::expected_tensor> expected = detail::expected_tensors<Network>(conv);
  std::vector<const tensor_entry*> sources(expected.size(), nullptr);
  std::unordered_map<std::string_view, std::size_t> wanted;
  for (std::size_t i = 0; i < expected.size(); ++i) wanted.emplace(expected[i].name, i);

  std::vector<std::string> missing, unexpected, misshaped;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const detail::expected_tensor& e = expected[i];
    const tensor_entry* found = set.find(e.name);
    if (found == nullptr) {
      missing.push_back(e.name);
      continue;
    }
    if (found->shape != e.shape) {
      std::string line = "  wrong shape: " + e.name + " is " + shape_string(found->shape) + ", expected " +
                         shape_string(e.shape) + " (" + requested + " layout)";
      if (found->shape == e.other_shape && e.other_shape != e.shape)
        line += "; that is the " + std::string(to_string(conv == convention::keras ? convention::pytorch : convention::keras)) +
                " layout, so the file may use the other convention";
      misshaped.push_back(std::move(line));
      continue;
    }
    sources[i] = found;
  }
  // Suggestions cost an edit distance per missing name; a hostile file with thousands of strays gets
  // suggestions for the first few only.
  constexpr std::size_t max_suggestions = 32;
  for (const tensor_entry& entry : set.entries()) {
    if (wanted.contains(entry.name)) continue;
    std::string line = "  unexpected: " + entry.name + " " + shape_string(entry.shape);
    if (unexpected.size() < max_suggestions && !missing.empty()) {
      const auto distance = [&](const std::string& name) { return constnet::detail::edit_distance(name, entry.name); };
      const auto closest = std::min_element(missing.begin(), missing.end(),
                                            [&](const auto& a, const auto& b) { return distance(a) < distance(b); });
      if (distance(*closest) <= std::max<std::size_t>(2, closest->size() / 4)) line += " (did you mean " + *closest + "?)";
    }
    unexpected.push_back(std::move(line));
  }

  if (!missing.empty() || !unexpected.empty() || !misshaped.empty()) {
    std::string message = "the weights (" + requested + " convention) do not fit the network: " +
                          std::to_string(missing.size()) + " missing, " + std::to_string(unexpected.size()) +
                          " unexpected, " + std::to_string(misshaped.size()) + " with the wrong shape";
    for (const std::string& name : missing) {
      const auto& e = expected[wanted.at(name)];
      message += "\n  missing: " + name + " " + shape_string(e.shape);
    }
    for (const std::string& line : unexpected) message += "\n" + line;
    for (const std::string& line : misshaped) message += "\n" + line;
    throw weights_mismatch_error(message);
  }

  if (options.reject_non_finite) {
    std::string problems;
    for (std::size_t i = 0; i < expected.size(); ++i) {
      const detail::non_finite bad = detail::find_non_finite(*sources[i]);
      if (bad.count == 0) continue;
      problems += "\n  " + expected[i].name + ": element " + std::to_string(bad.first) + " (in file order) is " +
                  detail::describe(bad.value);
      if (bad.count > 1) problems += ", and " + std::to_string(bad.count - 1) + " more are not finite";
    }
    if (!problems.empty()) throw weights_mismatch_error("the weights hold NaN or Inf:" + problems);
  }

  const std::span<float> weights = m.weights();
  for (std::size_t i = 0; i < expected.size(); ++i)
    detail::convert_into(*sources[i], expected[i].layout, weights.subspan(expected[i].offset, expected[i].elements));
  m.pack_weights();
}

/// Reads a safetensors file and loads it as above (throws io_error or format_error for a bad file).
template <class Model>
void load_weights(Model& m, const std::filesystem::path& path, convention conv, const load_options& options = {}) {
  load_weights(m, read_safetensors(path), conv, options);
}

/// A model's weights as F32 tensors in the given convention, in network order, with metadata
/// {"convention": "<keras|pytorch>"}. The set owns a copy: it stays valid if the model changes or dies.
template <class Model>
tensor_set to_tensor_set(const Model& m, convention conv) {
  using Network = typename Model::network_type;
  const std::span<const float> weights = m.weights();
  auto storage = std::make_shared<std::vector<float>>(weights.size());
  tensor_set set;
  for (const detail::expected_tensor& e : detail::expected_tensors<Network>(conv)) {
    const float* src = weights.data() + e.offset;
    float* dst = storage->data() + e.offset;
    if (e.layout.reordered)
      detail::for_each_element(e.layout, [&](std::size_t fi, std::size_t mi) { dst[fi] = src[mi]; });
    else
      std::copy_n(src, e.elements, dst);
    set.add(e.name, e.shape, dtype::f32, std::as_bytes(std::span<const float>(dst, e.elements)));
  }
  set.keep_alive(storage);
  set.metadata()["convention"] = std::string(to_string(conv));
  return set;
}

/// Writes a model's weights as a safetensors file in the given convention (see to_tensor_set and
/// write_safetensors: the file appears complete or not at all). Throws io_error if writing fails.
template <class Model>
void save_weights(const Model& m, const std::filesystem::path& path, convention conv) {
  write_safetensors(path, to_tensor_set(m, conv));
}

}  // namespace constnet::io
