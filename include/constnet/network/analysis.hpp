#pragma once
// One constexpr pass over a layer list: names every layer, resolves the layers each one reads (from<>,
// else the one before), checks it against its inputs, and records shapes, parameters, MACs, receptive
// fields and weight offsets. The first problem found stops the pass
// and becomes the compile error, so users see one message about the first broken layer, not a cascade.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>

#include "constnet/core/diagnostic.hpp"
#include "constnet/core/layer_facts.hpp"
#include "constnet/layers/input.hpp"
#include "constnet/layers/layer_concepts.hpp"

namespace constnet::detail {

template <std::size_t N>
struct network_analysis {
  std::array<layer_facts, N> facts{};
  diagnostic error{};
};

/// Edit distance, for "did you mean" suggestions.
constexpr std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::array<std::size_t, short_name::capacity + 2> row{};
  if (b.size() > short_name::capacity) b = b.substr(0, short_name::capacity);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const std::size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitute});
      diagonal = above;
    }
  }
  return row[b.size()];
}

template <std::size_t N>
constexpr std::size_t closest_name(const std::array<layer_facts, N>& facts, std::string_view wanted) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < N; ++i)
    if (edit_distance(facts[i].name.view(), wanted) < edit_distance(facts[best].name.view(), wanted)) best = i;
  return best;
}

/// "name (Type)", the way Keras' summary labels a layer, used at the start of every message.
constexpr diagnostic layer_label(const layer_facts& f) {
  diagnostic d;
  d << f.name.view() << " (" << f.type << ")";
  return d;
}

/// Keras-style default names: the first conv2d is "conv2d", the next "conv2d_1"; inputs count from 1.
template <std::size_t N>
struct default_namer {
  std::array<std::string_view, N> stems{};
  std::array<std::size_t, N> used{};
  std::size_t kinds = 0;

  constexpr short_name next(std::string_view stem, bool counts_from_one) {
    std::size_t k = 0;
    while (k < kinds && stems[k] != stem) ++k;
    if (k == kinds) {
      stems[kinds++] = stem;
    }
    const std::size_t n = used[k]++ + (counts_from_one ? 1 : 0);
    short_name name(stem);
    if (n > 0) {
      diagnostic suffix;
      suffix << '_' << n;
      name.append(suffix.view());
    }
    return name;
  }
};

template <class L>
constexpr void describe_single_input(layer_facts& f, const layer_facts& producer) {
  f.input = producer.output;
  f.output = L::output(f.input);
  f.macs = L::macs(f.input);
  f.rf = advance(producer.rf, L::window(f.input));
  f.weight_tensor_count = L::weight_tensors(f.input, f.weights);
  f.non_trainable_params = L::non_trainable(f.input);
}

/// The output shapes of a layer's producers, front to back.
struct input_shapes {
  std::array<shape, max_layer_inputs> shapes{};
  std::array<short_name, max_layer_inputs> producers{};
  std::size_t count = 0;
  constexpr std::span<const shape> view() const { return {shapes.data(), count}; }
  constexpr std::span<const short_name> names() const { return {producers.data(), count}; }
};

template <std::size_t N>
constexpr input_shapes shapes_of(const std::array<layer_facts, N>& facts, const layer_inputs& in) {
  input_shapes s;
  for (std::size_t k = 0; k < in.count; ++k) {
    s.shapes[k] = facts[in.index[k]].output;
    s.producers[k] = facts[in.index[k]].name;
  }
  s.count = in.count;
  return s;
}

/// FNV-1a of a name. Names are compared through their hashes first: comparing hundreds of names of one
/// length character by character (conv2d_12 against conv2d_13 ...) would cost InceptionV3's analysis more
/// than the compiler's constexpr operation limit.
constexpr std::uint64_t name_hash(std::string_view name) {
  std::uint64_t h = 14695981039346656037ull;
  for (char c : name) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

/// Resolves the names of from<> (or "the layer before") to indices; a name that is not a layer, or a
/// layer declared at or after this one, is the error.
template <std::size_t N>
constexpr diagnostic resolve_inputs(std::array<layer_facts, N>& facts, const std::array<std::uint64_t, N>& hashes,
                                    std::size_t i, const input_names& declared, std::string_view label) {
  diagnostic d;
  layer_facts& f = facts[i];
  if (declared.count == 0) {
    f.inputs.index[0] = i - 1;
    f.inputs.count = 1;
    return d;
  }
  for (std::size_t k = 0; k < declared.count; ++k) {
    const std::string_view wanted = declared.names[k];
    const std::uint64_t hash = name_hash(wanted);
    std::size_t j = 0;
    while (j < N && (hashes[j] != hash || facts[j].name.view() != wanted)) ++j;
    if (j == N) {
      d << label << ": reads " << wanted << ", but no layer is named " << wanted << "; the closest name is "
        << facts[closest_name(facts, wanted)].name.view();
      return d;
    }
    if (j >= i) {
      d << label << ": reads " << wanted << ", which is layer " << j << ", not declared before it (layer " << i
        << "); a layer reads only earlier layers, so the network has no cycle";
      return d;
    }
    f.inputs.index[k] = j;
  }
  f.inputs.count = declared.count;
  return d;
}

template <class L, std::size_t N>
constexpr diagnostic describe_layer(std::array<layer_facts, N>& facts, std::size_t i, std::string_view label) {
  layer_facts& f = facts[i];
  diagnostic d;
  const input_shapes in = shapes_of(facts, f.inputs);
  if constexpr (single_input_layer<L>) {
    if (f.inputs.count != 1) {
      d << label << ": reads one input, but from<> names " << f.inputs.count;
      return d;
    }
    d = L::check(in.shapes[0], label);
    if (!d.failed()) describe_single_input<L>(f, facts[f.inputs.front()]);
  } else if constexpr (merge_layer<L>) {
    if (f.inputs.count < L::min_inputs || f.inputs.count > L::max_inputs) {
      d << label << ": reads " << L::min_inputs << " to " << L::max_inputs << " inputs, but " << f.inputs.count
        << (f.inputs.count == 1 ? " is named (list them with from<>)" : " are named");
      return d;
    }
    d = L::check_inputs(in.view(), in.names(), label);
    if (d.failed()) return d;
    f.merges = true;
    f.input = in.shapes[0];
    f.output = L::output(in.view());
    f.rf = facts[f.inputs.front()].rf;
    for (std::size_t k = 1; k < f.inputs.count; ++k) f.rf = merge(f.rf, facts[f.inputs.index[k]].rf);
  } else {
    static_assert(layer_kind<L>, "not a constnet layer: see layers/layer_concepts.hpp for what a layer provides");
  }
  if (d.failed()) return d;
  f.buffers = L::buffers;
  f.params = 0;
  for (std::size_t t = 0; t < f.weight_tensor_count; ++t) f.params += f.weights[t].elements();
  f.weight_offset = facts[i - 1].weight_offset + facts[i - 1].params;
  return d;
}

template <class... Layers>
constexpr network_analysis<sizeof...(Layers)> analyze() {
  constexpr std::size_t n = sizeof...(Layers);
  network_analysis<n> a{};
  default_namer<n> namer{};
  std::array<input_names, n> declared{};

  // First every name, so from<> can refer to any layer and a name used twice is caught before it is read.
  std::size_t i = 0;
  auto name_layer = [&]<class L>(std::type_identity<L>) {
    layer_facts& f = a.facts[i];
    f.index = i;
    f.type = L::type;
    f.name = L::name.empty() ? namer.next(L::default_stem, is_input<L>::value) : short_name(L::name);
    declared[i] = L::inputs;
    ++i;
  };
  (name_layer(std::type_identity<Layers>{}), ...);
  std::array<std::uint64_t, n> hashes{};
  for (std::size_t j = 0; j < n; ++j) hashes[j] = name_hash(a.facts[j].name.view());

  // Then each layer against its inputs, front to back; the first problem stops the pass.
  i = 0;
  bool stopped = false;
  auto visit = [&]<class L>(std::type_identity<L>) {
    if (stopped) return;
    layer_facts& f = a.facts[i];
    const diagnostic label = layer_label(f);
    if constexpr (is_input<L>::value) {
      if (i != 0) {
        a.error << label.view() << ": input<> can only be the first layer, but it is layer " << i;
      } else {
        a.error = L::check(L::tensor, label.view());
        f.input = f.output = L::tensor;
      }
    } else {
      if (i == 0) {
        a.error << label.view() << ": a network starts with input<H, W, C>";
      } else {
        a.error = resolve_inputs(a.facts, hashes, i, declared[i], label.view());
        if (!a.error.failed()) a.error = describe_layer<L>(a.facts, i, label.view());
      }
    }
    f.activation_bytes = f.output.bytes();
    stopped = a.error.failed();
    ++i;
  };
  for (std::size_t j = 0; j < n; ++j)
    for (std::size_t k = 0; k < j; ++k)
      if (hashes[j] == hashes[k] && a.facts[j].name == a.facts[k].name) {
        a.error << "the layer name " << a.facts[j].name.view() << " is used twice: by layer " << k << " ("
                << a.facts[k].type << ") and layer " << j << " (" << a.facts[j].type << ")";
        return a;
      }
  (visit(std::type_identity<Layers>{}), ...);
  if (stopped) return a;

  for (std::size_t j = 1; j < n; ++j)
    for (std::size_t producer : a.facts[j].inputs) ++a.facts[producer].consumers;
  return a;
}

/// The geometry layer I's kernels run with, from the facts the analysis recorded.
template <class L, std::size_t N>
constexpr auto geometry_of(const std::array<layer_facts, N>& facts, std::size_t i) {
  if constexpr (merge_layer<L>) return L::geometry(shapes_of(facts, facts[i].inputs).view());
  else return L::geometry(facts[i].input);
}

}  // namespace constnet::detail
