#pragma once
// Options of model<Network, Options...>: batch<N>, threads<N>, taps<"name", ...>, a kernel policy,
// force_kernel<"layer", K> and input_gradients.

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

/// Threads a forward pass uses (default 1). They are created with the model, never inside forward.
template <std::size_t N>
struct threads {
  static_assert(N > 0, "threads<N>: at least one thread");
  static constexpr std::size_t value = N;
};

/// Layers whose outputs stay readable after forward (feature maps to look at). The planner keeps them
/// alive to the end of the pass instead of reusing their memory.
template <fixed_string... Names>
struct taps {};

/// Runs one layer with a given kernel instead of the policy's choice, e.g. for tests and benchmarks:
///   model<vgg16, force_kernel<"block1_conv1", kernels::reference::conv2d>>
template <fixed_string Layer, class Kernel>
struct force_kernel {
  static constexpr fixed_string layer = Layer;
  using kernel = Kernel;
};

/// Plans the model for input gradients as well (explain/gradient_model.hpp sets it): the arena also holds
/// the backward pass, every activation stays alive until the backward has used it, and the backward
/// kernels' packed weights are packed with the forward's.
struct input_gradients {};

namespace detail {
template <class T>
struct is_force_kernel : std::false_type {};
template <fixed_string L, class K>
struct is_force_kernel<force_kernel<L, K>> : std::true_type {};

template <class T>
struct is_batch : std::false_type {};
template <std::size_t N>
struct is_batch<batch<N>> : std::true_type {};
template <class T>
struct is_threads : std::false_type {};
template <std::size_t N>
struct is_threads<threads<N>> : std::true_type {};
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
