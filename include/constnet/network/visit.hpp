#pragma once
// dlib-style access to a network's layers: visit_layers<Network>(f) calls f(index, facts) for every
// layer front to back, with the index as a compile-time constant so f can name the layer's type:
//
//   visit_layers<vgg16>([](auto i, const layer_facts& f) {
//     using layer = vgg16::layer_type<decltype(i)::value>;
//     ...
//   });

#include <boost/hana/for_each.hpp>
#include <boost/hana/range.hpp>

#include <cstddef>
#include <type_traits>

#include "constnet/network/sequential.hpp"

namespace constnet {

template <network Network, class Visitor>
constexpr void visit_layers(Visitor&& visit) {
  boost::hana::for_each(boost::hana::make_range(boost::hana::size_c<0>, boost::hana::size_c<Network::size>),
                        [&](auto index) {
                          constexpr std::size_t i = decltype(index)::value;
                          visit(std::integral_constant<std::size_t, i>{}, Network::facts[i]);
                        });
}

/// The facts of layer I (by index) or of a named layer: layer<3, vgg16>() / layer<"fc1", vgg16>().
template <std::size_t I, network Network>
constexpr layer_facts layer() {
  static_assert(I < Network::size, "layer<I>: the index is past the last layer");
  return Network::facts[I];
}
template <fixed_string Name, network Network>
constexpr layer_facts layer() {
  return Network::template layer_named<Name>;
}

}  // namespace constnet
