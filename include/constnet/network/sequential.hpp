#pragma once
// sequential<input<...>, layers...>: a network declared front to back as one type. Everything about it
// (shapes, names, parameters, MACs, receptive fields) is a constexpr value, and an invalid network does
// not compile: the first error line names the layer and the numbers.

#include <array>
#include <cstddef>
#include <string_view>
#include <tuple>
#include <utility>

#include "constnet/core/diagnostic.hpp"
#include "constnet/core/fixed_string.hpp"
#include "constnet/core/layer_facts.hpp"
#include "constnet/network/analysis.hpp"

namespace constnet {

template <class... Layers>
struct sequential;

namespace detail {
template <class Network, std::size_t... I>
auto prefix_of(std::index_sequence<I...>) -> sequential<typename Network::template layer_type<I>...>;
}  // namespace detail

template <class... Layers>
struct sequential {
  static_assert(sizeof...(Layers) > 0, "sequential<> needs at least input<H, W, C>");

 private:
  static constexpr detail::network_analysis<sizeof...(Layers)> analysis = detail::analyze<Layers...>();
  static_assert(report<analysis.error>());

 public:
  using layer_types = std::tuple<Layers...>;
  /// The layer template at index I, e.g. conv2d<64, kernel<3>, same, act::relu, named<"block1_conv1">>.
  template <std::size_t I>
  using layer_type = std::tuple_element_t<I, layer_types>;

  static constexpr std::size_t size = sizeof...(Layers);
  static constexpr std::array<layer_facts, size> facts = analysis.facts;
  static constexpr shape input_shape = facts.front().output;
  static constexpr shape output_shape = facts.back().output;

  static constexpr std::size_t total_params = [] {
    std::size_t n = 0;
    for (const auto& f : facts) n += f.params;
    return n;
  }();
  static constexpr std::size_t non_trainable_params = [] {
    std::size_t n = 0;
    for (const auto& f : facts) n += f.non_trainable_params;
    return n;
  }();
  static constexpr std::size_t trainable_params = total_params - non_trainable_params;
  static constexpr std::size_t total_macs = [] {
    std::size_t n = 0;
    for (const auto& f : facts) n += f.macs;
    return n;
  }();

  /// Index of the layer with this name, or `size` when there is none.
  static constexpr std::size_t find(std::string_view name) {
    for (std::size_t i = 0; i < size; ++i)
      if (facts[i].name.view() == name) return i;
    return size;
  }

  /// Index of a layer named at compile time; an unknown name is a compile error that suggests the closest.
  template <fixed_string Name>
  static constexpr std::size_t index_of = [] {
    constexpr std::size_t i = find(Name.view());
    constexpr diagnostic problem = [] {
      diagnostic d;
      if (i == size)
        d << "no layer is named " << Name.view() << "; the closest name is "
          << facts[detail::closest_name(facts, Name.view())].name.view();
      return d;
    }();
    static_assert(report<problem>());
    return i == size ? 0 : i;  // after the error above, 0 keeps the compiler from piling on more
  }();

  template <fixed_string Name>
  static constexpr layer_facts layer_named = facts[index_of<Name>];

  /// The first Count layers as a network of their own (names are kept: they are assigned front to back).
  template <std::size_t Count>
  using first = decltype(detail::prefix_of<sequential>(std::make_index_sequence<Count>{}));
};

/// The network up to and including the named layer: the seeds' "chop off the layers after block1_conv1".
///   using features = truncate_at<vgg16, "block1_conv1">;
template <class Network, fixed_string Name>
using truncate_at = typename Network::template first<Network::template index_of<Name> + 1>;

template <class T>
struct is_sequential : std::false_type {};
template <class... L>
struct is_sequential<sequential<L...>> : std::true_type {};

template <class T>
concept network = is_sequential<T>::value;

}  // namespace constnet
