#pragma once
// sequential<input<...>, layers...>: a network declared front to back as one type. Everything about it
// (shapes, names, parameters, MACs, receptive fields) is a constexpr value, and an invalid network does
// not compile: the first error line names the layer and the numbers.
//
// Each layer reads the layer before it unless it names its inputs with from<>, so the same list declares
// a graph (a DAG in declaration order): a residual block is
//   conv2d<64, kernel<3>, same, named<"b1_conv">>, batch_norm<named<"b1_bn">>,
//   add<from<"b0_out", "b1_bn">>, activation_layer<act::relu>
// `graph<...>` is the same template under the name that reads better for such networks.

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
/// Layer I of a list in one step: a class with one base per (index, layer) pair, built once per network,
/// and overload resolution picks the base with index I. std::tuple_element peels a few types per
/// instantiation (GCC 12), each instantiation carrying the rest of the list: O(N^2) work per lookup, and
/// InceptionV3's 313 layers looked up ~10 times each made that the largest cost of compiling a model.
template <std::size_t I, class Layer>
struct indexed_layer {
  using type = Layer;
};
template <class Indices, class... Layers>
struct layer_index;
template <std::size_t... I, class... Layers>
struct layer_index<std::index_sequence<I...>, Layers...> : indexed_layer<I, Layers>... {};
template <std::size_t I, class Layer>
indexed_layer<I, Layer> pick_layer(const indexed_layer<I, Layer>&);

template <class Network, std::size_t... I>
auto prefix_of(std::index_sequence<I...>) -> sequential<typename Network::template layer_type<I>...>;

/// Whether layer i must run for layer `last`'s output: i is `last` or one of its ancestors.
template <std::size_t N>
constexpr std::array<bool, N> ancestors_of(const std::array<layer_facts, N>& facts, std::size_t last) {
  std::array<bool, N> needed{};
  needed[last] = true;
  for (std::size_t k = last + 1; k-- > 0;)
    if (needed[k])
      for (std::size_t producer : facts[k].inputs) needed[producer] = true;
  return needed;
}

/// A layer's input names as a structural value, so a type can carry them.
struct pinned_inputs {
  std::array<short_name, max_layer_inputs> names{};
  std::size_t count = 0;
};

/// A layer of a subgraph cut out of a network: the original layer with its name and inputs written out,
/// since the layer it read implicitly (the one before it) and the default names before it may be gone.
template <class Layer, short_name Name, pinned_inputs Inputs>
struct pinned_layer : Layer {
  static constexpr std::string_view name = Name.view();
  static constexpr input_names inputs = [] {
    input_names n;
    for (std::size_t k = 0; k < Inputs.count; ++k) n.names[k] = Inputs.names[k].view();
    n.count = Inputs.count;
    return n;
  }();
};

/// The ancestors of layer Last (and Last itself), in network order, each reading the layers it read.
template <class Network, std::size_t Last>
struct ancestors_subgraph {
  static constexpr std::array<bool, Network::size> keep = ancestors_of(Network::facts, Last);
  static constexpr std::size_t count = [] {
    std::size_t n = 0;
    for (bool k : keep) n += k ? 1 : 0;
    return n;
  }();
  static constexpr std::array<std::size_t, count> kept = [] {
    std::array<std::size_t, count> indices{};
    std::size_t n = 0;
    for (std::size_t i = 0; i < Network::size; ++i)
      if (keep[i]) indices[n++] = i;
    return indices;
  }();
  template <std::size_t I>
  static constexpr pinned_inputs pins = [] {
    pinned_inputs p;
    for (std::size_t producer : Network::facts[I].inputs) p.names[p.count++] = Network::facts[producer].name;
    return p;
  }();
  template <std::size_t I>
  using node = std::conditional_t<I == 0, typename Network::template layer_type<0>,
                                  pinned_layer<typename Network::template layer_type<I>, Network::facts[I].name, pins<I>>>;
  template <std::size_t... K>
  static auto build(std::index_sequence<K...>) -> sequential<node<kept[K]>...>;
  using type = decltype(build(std::make_index_sequence<count>{}));
};
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
  struct layer_at {  // a class, so each lookup is made once and remembered (alias templates are not)
    using type = typename decltype(detail::pick_layer<I>(
        std::declval<detail::layer_index<std::index_sequence_for<Layers...>, Layers...>>()))::type;
  };
  template <std::size_t I>
  using layer_type = typename layer_at<I>::type;

  static constexpr std::size_t size = sizeof...(Layers);
  static constexpr std::array<layer_facts, size> facts = analysis.facts;
  /// Whether every layer reads just the one before it (then summaries print Keras' Sequential table).
  static constexpr bool is_chain = [] {
    for (std::size_t i = 1; i < size; ++i)
      if (facts[i].inputs.count != 1 || facts[i].inputs.front() != i - 1) return false;
    return true;
  }();
  /// What layer I's kernels run with (conv2d_geometry, add_geometry, ...), computed once here.
  template <std::size_t I>
    requires(I > 0 && I < sizeof...(Layers))
  static constexpr auto geometry = detail::geometry_of<layer_type<I>>(facts, I);
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
/// For a chain, its first layers; for a graph, the subgraph of the layer's ancestors (layers on branches
/// it does not read are left out, names and connections are kept).
template <class Network, fixed_string Name>
using truncate_at = typename std::conditional_t<
    Network::is_chain, std::type_identity<typename Network::template first<Network::template index_of<Name> + 1>>,
    detail::ancestors_subgraph<Network, Network::template index_of<Name>>>::type;

/// The same as sequential<>, named for networks whose layers read more than the layer before them.
template <class... Layers>
using graph = sequential<Layers...>;

template <class T>
struct is_sequential : std::false_type {};
template <class... L>
struct is_sequential<sequential<L...>> : std::true_type {};

template <class T>
concept network = is_sequential<T>::value;

}  // namespace constnet
