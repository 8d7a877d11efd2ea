#pragma once
// Options of model<Network, Options...>: batch<N>, taps<"name", ...> and a kernel policy.

#include <cstddef>
#include <type_traits>

#include "constnet/core/fixed_string.hpp"
#include "constnet/kernels/registry.hpp"

namespace constnet {

/// The compile-time batch size of a model (default 1).
template <std::size_t N>
struct batch {
  static_assert(N > 0, "batch<N>: the batch size must be at least 1");
  static constexpr std::size_t value = N;
};

/// Layers whose outputs stay readable after forward (feature maps to look at). The planner keeps them
/// alive to the end of the pass instead of reusing their memory.
template <fixed_string... Names>
struct taps {};

namespace detail {
template <class T>
struct is_batch : std::false_type {};
template <std::size_t N>
struct is_batch<batch<N>> : std::true_type {};
template <class T>
struct is_taps : std::false_type {};
template <fixed_string... N>
struct is_taps<taps<N...>> : std::true_type {};

template <class T>
inline constexpr bool is_policy = std::is_base_of_v<kernels::policy, T>;

template <template <class> class Is, class Default, class... Options>
struct pick_option {
  using type = Default;
};
template <template <class> class Is, class Default, class First, class... Rest>
struct pick_option<Is, Default, First, Rest...>
    : std::conditional_t<Is<First>::value, std::type_identity<First>, pick_option<Is, Default, Rest...>> {};

template <class T>
struct policy_trait : std::bool_constant<is_policy<T>> {};
}  // namespace detail
}  // namespace constnet
