#pragma once
// Networks written block by block: a block is a layer_run<...> of layers, and graph_of<...> splices runs
// and single layers into one flat graph<...>, so the network is still a flat list of named layers (its
// facts, summaries and weights see no blocks) while its declaration reads like Keras' block functions:
//
//   template <fixed_string Name, fixed_string In>
//   using identity_block = layer_run<conv2d<64, kernel<3>, same, named<Name + "_conv">, from<In>>, ...>;
//   using net = graph_of<input<56, 56, 64>, identity_block<"b1", "input_1">, identity_block<"b2", "b1_out">>;

#include "constnet/network/sequential.hpp"

namespace constnet {

/// A run of layers to splice into a network.
template <class... Layers>
struct layer_run {};

namespace detail {
template <class... Runs>
struct join_runs {
  using type = layer_run<>;
};
template <class... L>
struct join_runs<layer_run<L...>> {
  using type = layer_run<L...>;
};
template <class... A, class... B, class... Rest>
struct join_runs<layer_run<A...>, layer_run<B...>, Rest...> : join_runs<layer_run<A..., B...>, Rest...> {};

/// A part as a flat run of layers: runs nest (a block made of smaller runs), networks splice in whole.
template <class T>
struct as_run {
  using type = layer_run<T>;
};
template <class... L>
struct as_run<layer_run<L...>> : join_runs<typename as_run<L>::type...> {};
template <class... L>
struct as_run<sequential<L...>> {  // a whole network, to build on (e.g. a classifier on features)
  using type = layer_run<L...>;
};

template <class Run>
struct run_to_graph;
template <class... L>
struct run_to_graph<layer_run<L...>> {
  using type = sequential<L...>;
};
}  // namespace detail

/// The graph of the layers of every part, in order: each part is a layer, a layer_run<...> or a network.
template <class... Parts>
using graph_of = typename detail::run_to_graph<typename detail::join_runs<typename detail::as_run<Parts>::type...>::type>::type;

}  // namespace constnet
