#pragma once
// One constexpr pass over a layer list: names every layer, checks it against its input, and records
// shapes, parameters, MACs, receptive fields and weight offsets. The first problem found stops the pass
// and becomes the compile error, so users see one message about the first broken layer, not a cascade.

#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include "constnet/core/diagnostic.hpp"
#include "constnet/core/layer_facts.hpp"
#include "constnet/layers/input.hpp"

namespace constnet::detail {

template <std::size_t N>
struct network_analysis {
  std::array<layer_facts, N> facts{};
  diagnostic error{};
};

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
constexpr void describe_layer(layer_facts& f, const layer_facts& previous) {
  f.input = previous.output;
  f.output = L::output(f.input);
  f.buffers = L::buffers;
  f.macs = L::macs(f.input);
  f.rf = advance(previous.rf, L::window(f.input));
  f.weight_tensor_count = L::weight_tensors(f.input, f.weights);
  f.params = 0;
  for (std::size_t t = 0; t < f.weight_tensor_count; ++t) f.params += f.weights[t].elements();
  f.non_trainable_params = L::non_trainable(f.input);
  f.weight_offset = previous.weight_offset + previous.params;
}

template <class... Layers>
constexpr network_analysis<sizeof...(Layers)> analyze() {
  constexpr std::size_t n = sizeof...(Layers);
  network_analysis<n> a{};
  default_namer<n> namer{};
  std::size_t i = 0;
  bool stopped = false;

  auto visit = [&]<class L>(std::type_identity<L>) {
    if (stopped) return;
    layer_facts& f = a.facts[i];
    f.index = i;
    f.type = L::type;
    f.name = L::name.empty() ? namer.next(L::default_stem, is_input<L>::value) : short_name(L::name);
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
        a.error = L::check(a.facts[i - 1].output, label.view());
        if (!a.error.failed()) describe_layer<L>(f, a.facts[i - 1]);
      }
    }
    f.activation_bytes = f.output.bytes();
    stopped = a.error.failed();
    ++i;
  };
  (visit(std::type_identity<Layers>{}), ...);
  if (stopped) return a;

  for (std::size_t j = 0; j < n; ++j)
    for (std::size_t k = 0; k < j; ++k)
      if (a.facts[j].name == a.facts[k].name) {
        a.error << "the layer name " << a.facts[j].name.view() << " is used twice: by layer " << k << " ("
                << a.facts[k].type << ") and layer " << j << " (" << a.facts[j].type << ")";
        return a;
      }
  return a;
}

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

}  // namespace constnet::detail
