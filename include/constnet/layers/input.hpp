#pragma once
// input<H, W, C>: the first layer of every network (Keras' InputLayer). Named "input_1" unless named<>.

#include <cstddef>
#include <string_view>

#include "constnet/core/diagnostic.hpp"
#include "constnet/core/layer_facts.hpp"
#include "constnet/layers/options.hpp"

namespace constnet {

/// requires: H, W, C >= 1.  ensures: output shape H x W x C; no weights.
template <std::size_t H, std::size_t W, std::size_t C, class... Options>
struct input {
  static_assert((detail::layer_option<Options> && ...), "input: options must be constnet layer options");
  static_assert(detail::options_well_formed<detail::accepts<option_kind::name>, Options...>,
                "input accepts only named<> (once)");
  static constexpr std::string_view type = "InputLayer";
  static constexpr std::string_view default_stem = "input";
  static constexpr std::string_view name = detail::explicit_name<Options...>();
  static constexpr input_names inputs{};  // it reads the image
  static constexpr shape tensor = feature_maps(H, W, C);
  static constexpr buffer_use buffers = buffer_use::separate;

  static constexpr diagnostic check(const shape&, std::string_view label) {
    diagnostic d;
    if (H == 0 || W == 0 || C == 0)
      d << label << ": the input is " << H << "x" << W << "x" << C << "; every dimension must be at least 1";
    return d;
  }
};

namespace detail {
template <class T>
struct is_input : std::false_type {};
template <std::size_t H, std::size_t W, std::size_t C, class... O>
struct is_input<input<H, W, C, O...>> : std::true_type {};
}  // namespace detail

}  // namespace constnet
