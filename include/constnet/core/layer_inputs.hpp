#pragma once
// Which tensors a layer reads: the graph edges of a network, as names (what from<> says) and as
// indices (what the analysis resolves them to).

#include <array>
#include <cstddef>
#include <string_view>

namespace constnet {

/// The most inputs one layer can read (InceptionV3's widest concatenation reads 4).
inline constexpr std::size_t max_layer_inputs = 8;

/// The names a layer's from<> lists, as written.
struct input_names {
  std::array<std::string_view, max_layer_inputs> names{};
  std::size_t count = 0;
};

/// The layers a layer reads, as indices into the network, front to back.
struct layer_inputs {
  std::array<std::size_t, max_layer_inputs> index{};
  std::size_t count = 0;

  constexpr std::size_t front() const { return index[0]; }
  constexpr const std::size_t* begin() const { return index.data(); }
  constexpr const std::size_t* end() const { return index.data() + count; }
  constexpr bool reads(std::size_t layer) const {
    for (std::size_t k = 0; k < count; ++k)
      if (index[k] == layer) return true;
    return false;
  }
};

}  // namespace constnet
