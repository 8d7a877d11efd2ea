#pragma once
// The model zoo by name: every network of models/ under the name the command line and users type
// ("vgg16", "cifar10_cnn", ...), so a run-time string can pick a compile-time network.
//
//   models::with_zoo_network("vgg16", [](auto network) {
//     using net = typename decltype(network)::type;   // a sequential<...>
//     summary<net>();
//   });

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "constnet/core/errors.hpp"
#include "constnet/core/fixed_string.hpp"
#include "constnet/models/fashion_mnist.hpp"
#include "constnet/models/imagenet_classes.hpp"
#include "constnet/models/inception.hpp"
#include "constnet/models/seed_cnns.hpp"
#include "constnet/models/vgg.hpp"
#include "constnet/models/xception.hpp"
#include "constnet/network/analysis.hpp"

namespace constnet::models {

/// Class names for a zoo network's outputs, in output order; none for networks without a fixed label set.
struct no_class_names {
  static constexpr std::span<const char* const> names{};
};
struct fashion_mnist_class_names {
  static constexpr std::span<const char* const> names = fashion_mnist_classes;
};
struct imagenet_class_names {
  static constexpr std::span<const char* const> names = imagenet_classes;
};

template <fixed_string Name, class Network, fixed_string Description, class ClassNames = no_class_names>
struct zoo_entry {
  static constexpr std::string_view name = Name.view();
  static constexpr std::string_view description = Description.view();
  static constexpr std::span<const char* const> class_names = ClassNames::names;
  using network = Network;
  static_assert(class_names.empty() || class_names.size() == Network::output_shape.elements(),
                "a zoo network's class names must name each of its outputs");
};

using zoo = std::tuple<
    zoo_entry<"fashion_mnist_cnn", fashion_mnist_cnn, "the seeds' CIFAR-10 CNN on Fashion-MNIST 28x28x1 (data/fashion_mnist/ has trained weights)",
              fashion_mnist_class_names>,
    zoo_entry<"vgg16", vgg16, "VGG16 (Simonyan & Zisserman), 224x224x3, 1000 ImageNet classes, as keras.applications",
              imagenet_class_names>,
    zoo_entry<"vgg19", vgg19, "VGG19, 224x224x3, 1000 ImageNet classes, as keras.applications", imagenet_class_names>,
    zoo_entry<"vgg16_notop", vgg16_notop, "VGG16's convolutional part to block5_pool (7x7x512), as VGG16(include_top=False)">,
    zoo_entry<"vgg19_notop", vgg19_notop, "VGG19's convolutional part to block5_pool (7x7x512), as VGG19(include_top=False)">,
    zoo_entry<"inception_v3", inception_v3, "InceptionV3 (Szegedy et al.), 299x299x3, 1000 ImageNet classes, as keras.applications",
              imagenet_class_names>,
    zoo_entry<"xception", xception, "Xception (Chollet), 299x299x3, 1000 ImageNet classes, as keras.applications",
              imagenet_class_names>,
    zoo_entry<"cifar10_cnn", cifar10_cnn, "the seeds' CIFAR-10 classifier, 32x32x3, conv 32/64/128, dense 256/128/10">,
    zoo_entry<"bn_cnn_64", bn_cnn_64, "the seeds' 64x64x3 binary classifier with batch normalization">,
    zoo_entry<"seed_39x39_example", seed_39x39_example, "the seeds' simple convolutional network, 39x39x3 to 1960 features">>;

inline constexpr std::size_t zoo_size = std::tuple_size_v<zoo>;

/// The zoo's names, in declaration order.
inline constexpr std::array<std::string_view, zoo_size> zoo_names = []<std::size_t... I>(std::index_sequence<I...>) {
  return std::array<std::string_view, zoo_size>{std::tuple_element_t<I, zoo>::name...};
}(std::make_index_sequence<zoo_size>{});

inline constexpr std::array<std::string_view, zoo_size> zoo_descriptions = []<std::size_t... I>(std::index_sequence<I...>) {
  return std::array<std::string_view, zoo_size>{std::tuple_element_t<I, zoo>::description...};
}(std::make_index_sequence<zoo_size>{});

/// The class names of each zoo network's outputs (empty when it has none), in declaration order.
inline constexpr std::array<std::span<const char* const>, zoo_size> zoo_class_names =
    []<std::size_t... I>(std::index_sequence<I...>) {
      return std::array<std::span<const char* const>, zoo_size>{std::tuple_element_t<I, zoo>::class_names...};
    }(std::make_index_sequence<zoo_size>{});

/// The zoo name closest to `wanted`, for "did you mean" messages.
inline std::string_view closest_zoo_name(std::string_view wanted) {
  std::string_view best = zoo_names[0];
  for (std::string_view name : zoo_names)
    if (detail::edit_distance(name, wanted) < detail::edit_distance(best, wanted)) best = name;
  return best;
}

/// The error for a name the zoo does not have, naming the closest one.
inline unknown_name_error no_such_zoo_network(std::string_view name) {
  return unknown_name_error("no model in the zoo is named " + std::string(name) + "; the closest is " +
                            std::string(closest_zoo_name(name)) + " (`constnet models` lists them)");
}

/// The class names of the zoo network called `name` (empty when its outputs have none).
/// Throws unknown_name_error, as with_zoo_network does, when there is no such network.
inline std::span<const char* const> zoo_class_names_of(std::string_view name) {
  for (std::size_t i = 0; i < zoo_size; ++i)
    if (zoo_names[i] == name) return zoo_class_names[i];
  throw no_such_zoo_network(name);
}

/// Calls f(std::type_identity<Network>{}) for the zoo network called `name` and returns its result.
/// requires: f accepts std::type_identity<N> for every zoo network N, with one common return type.
/// Throws unknown_name_error naming the closest zoo name when there is no such network.
template <class F>
decltype(auto) with_zoo_network(std::string_view name, F&& f) {
  using result = decltype(f(std::type_identity<typename std::tuple_element_t<0, zoo>::network>{}));
  auto visit = [&]<std::size_t I>(auto& self, std::integral_constant<std::size_t, I>) -> result {
    if constexpr (I == zoo_size) {
      throw no_such_zoo_network(name);
    } else {
      using entry = std::tuple_element_t<I, zoo>;
      if (entry::name == name) return f(std::type_identity<typename entry::network>{});
      return self(self, std::integral_constant<std::size_t, I + 1>{});
    }
  };
  return visit(visit, std::integral_constant<std::size_t, 0>{});
}

}  // namespace constnet::models
