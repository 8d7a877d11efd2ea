#pragma once
// The one list of kernels. For every kind of layer it names the candidate kernels, fastest first; the
// engine asks the registry for a layer's kernel at compile time, and tests and benchmarks walk the same
// lists, so a kernel added here is dispatched, tested and benchmarked without touching anything else.
//
// A kernel is a type with
//   name                         dtype, operation, layout/tile and ISA, e.g. "f32_conv2d_nhwc_reference_scalar"
//   supports(geometry)           constexpr: can it run this layer?
//   scratch_bytes(geometry, n)   constexpr: scratch space for a batch of n, planned into the arena
//   run(geometry, weights, in, out, scratch, n)   (merge layers: `in` is an array of input pointers)
// and optionally, when it wants its weights in its own layout (packed once when weights change):
//   packed_floats(geometry)      constexpr
//   pack(geometry, canonical weights, packed weights)
// and, to run on several threads, independent tasks that write disjoint outputs:
//   tasks(geometry, n)           constexpr: how many
//   run_tasks(geometry, weights, in, out, [this thread's scratch,] n, begin, end)
//   finish(geometry, out, n)     optional: after all tasks (e.g. a softmax over every unit)

#include <cstddef>
#include <type_traits>

#include "constnet/core/geometry.hpp"
#include "constnet/kernels/direct/batch_norm_simd.hpp"
#include "constnet/kernels/direct/conv2d_direct.hpp"
#include "constnet/kernels/direct/conv2d_rows.hpp"
#include "constnet/kernels/direct/selection.hpp"
#include "constnet/kernels/direct/dense_simd.hpp"
#include "constnet/kernels/direct/global_pool_simd.hpp"
#include "constnet/kernels/direct/pool2d_simd.hpp"
#include "constnet/kernels/reference/activation.hpp"
#include "constnet/kernels/reference/batch_norm.hpp"
#include "constnet/kernels/reference/conv2d.hpp"
#include "constnet/kernels/reference/dense.hpp"
#include "constnet/kernels/reference/merge.hpp"
#include "constnet/kernels/reference/depthwise_conv2d.hpp"
#include "constnet/kernels/reference/pool2d.hpp"
#include "constnet/kernels/reference/separable_conv2d.hpp"
#include "constnet/kernels/reference/zero_padding2d.hpp"
#include "constnet/kernels/winograd/conv2d_rows_winograd.hpp"
#include "constnet/kernels/winograd/conv2d_winograd.hpp"
#include "constnet/kernels/winograd/selection.hpp"

namespace constnet::kernels {

template <class... Kernels>
struct kernel_list {};

/// Candidates per geometry, in order of preference. The reference kernel is always last: it supports
/// every shape, so selection never fails.
template <class Geometry>
struct candidates;
/// 3x3 stride-1 convolutions: a Winograd kernel where winograd::output_tile_for picks its tile (the
/// thresholds measured on this machine are there), Winograd along rows where row_output_tile_for does
/// (3 to 15 input channels, kernels 3 wide, outputs at least 32 wide), else direct: conv2d_rows_nhwc where
/// direct::prefers_row_tasks says so (few input channels, small weights, wide outputs), conv2d_nhwc for
/// the rest (measurements in direct/selection.hpp).
template <>
struct candidates<conv2d_geometry> {
  using type = kernel_list<winograd::conv2d_nhwc<simd::xsimd_backend, 6>, winograd::conv2d_nhwc<simd::xsimd_backend, 4>,
                           winograd::conv2d_nhwc<simd::xsimd_backend, 2>,
                           winograd::conv2d_rows_nhwc<simd::xsimd_backend, 4>,
                           direct::conv2d_rows_nhwc<simd::xsimd_backend, 2, 6>,
                           direct::conv2d_nhwc<simd::xsimd_backend, 2, 6>, reference::conv2d>;
};
/// Depthwise and separable convolutions have only their reference kernels so far.
template <>
struct candidates<depthwise_conv2d_geometry> {
  using type = kernel_list<reference::depthwise_conv2d>;
};
template <>
struct candidates<separable_conv2d_geometry> {
  using type = kernel_list<reference::separable_conv2d>;
};
template <>
struct candidates<pool2d_geometry> {
  using type = kernel_list<direct::pool2d_nhwc<simd::xsimd_backend>, reference::pool2d>;
};
template <>
struct candidates<global_pool_geometry> {
  using type = kernel_list<direct::global_pool_nhwc<simd::xsimd_backend>, reference::global_pool>;
};
template <>
struct candidates<dense_geometry> {
  using type = kernel_list<direct::dense_packed<simd::xsimd_backend, 4, 2>, reference::dense>;
};
template <>
struct candidates<batch_norm_geometry> {
  using type = kernel_list<direct::batch_norm_nhwc<simd::xsimd_backend>, reference::batch_norm>;
};

template <>
struct candidates<activation_geometry> {
  using type = kernel_list<reference::activation_layer>;
};
template <>
struct candidates<add_geometry> {
  using type = kernel_list<reference::add>;
};
template <>
struct candidates<concatenate_geometry> {
  using type = kernel_list<reference::concatenate>;
};
/// Zero padding is a zero fill and one copy per input row: the reference runs at memory speed already.
template <>
struct candidates<zero_padding2d_geometry> {
  using type = kernel_list<reference::zero_padding2d>;
};

/// Every kernel for a geometry, including those never chosen automatically (other SIMD backends):
/// what the tests compare against the reference and what the benchmarks time. Forceable per layer.
template <class Geometry>
struct all_kernels : candidates<Geometry> {};
template <>
struct all_kernels<conv2d_geometry> {
  using type = kernel_list<direct::conv2d_rows_nhwc<simd::xsimd_backend, 2, 6>,
                           direct::conv2d_rows_nhwc<simd::highway_backend, 2, 6>,
                           direct::conv2d_rows_nhwc<simd::scalar_backend, 16, 4>,
                           direct::conv2d_nhwc<simd::xsimd_backend, 2, 6>,
                           direct::conv2d_nhwc<simd::highway_backend, 2, 6>,
                           direct::conv2d_nhwc<simd::scalar_backend, 16, 4>,
                           winograd::conv2d_nhwc<simd::xsimd_backend, 2>, winograd::conv2d_nhwc<simd::xsimd_backend, 4>,
                           winograd::conv2d_nhwc<simd::xsimd_backend, 6>, winograd::conv2d_nhwc<simd::highway_backend, 4>,
                           winograd::conv2d_nhwc<simd::scalar_backend, 4, 4, 4>,
                           winograd::conv2d_rows_nhwc<simd::xsimd_backend, 4>,
                           winograd::conv2d_rows_nhwc<simd::highway_backend, 4>,
                           winograd::conv2d_rows_nhwc<simd::scalar_backend, 4, 16, 4>, reference::conv2d>;
};

template <>
struct all_kernels<pool2d_geometry> {
  using type = kernel_list<direct::pool2d_nhwc<simd::xsimd_backend>, direct::pool2d_nhwc<simd::highway_backend>,
                           direct::pool2d_nhwc<simd::scalar_backend>, reference::pool2d>;
};
template <>
struct all_kernels<global_pool_geometry> {
  using type = kernel_list<direct::global_pool_nhwc<simd::xsimd_backend>, direct::global_pool_nhwc<simd::highway_backend>,
                           direct::global_pool_nhwc<simd::scalar_backend>, reference::global_pool>;
};
template <>
struct all_kernels<dense_geometry> {
  using type = kernel_list<direct::dense_packed<simd::xsimd_backend, 4, 2>, direct::dense_packed<simd::highway_backend, 4, 2>,
                           direct::dense_packed<simd::scalar_backend, 4, 2>, reference::dense>;
};
template <>
struct all_kernels<batch_norm_geometry> {
  using type = kernel_list<direct::batch_norm_nhwc<simd::xsimd_backend>, direct::batch_norm_nhwc<simd::highway_backend>,
                           direct::batch_norm_nhwc<simd::scalar_backend>, reference::batch_norm>;
};

/// The reference kernel for a geometry: the oracle every other kernel is tested against.
template <class Geometry>
struct reference_for;
template <>
struct reference_for<activation_geometry> {
  using type = reference::activation_layer;
};
template <>
struct reference_for<conv2d_geometry> {
  using type = reference::conv2d;
};
template <>
struct reference_for<depthwise_conv2d_geometry> {
  using type = reference::depthwise_conv2d;
};
template <>
struct reference_for<separable_conv2d_geometry> {
  using type = reference::separable_conv2d;
};
template <>
struct reference_for<pool2d_geometry> {
  using type = reference::pool2d;
};
template <>
struct reference_for<global_pool_geometry> {
  using type = reference::global_pool;
};
template <>
struct reference_for<dense_geometry> {
  using type = reference::dense;
};
template <>
struct reference_for<batch_norm_geometry> {
  using type = reference::batch_norm;
};
template <>
struct reference_for<add_geometry> {
  using type = reference::add;
};
template <>
struct reference_for<concatenate_geometry> {
  using type = reference::concatenate;
};
template <>
struct reference_for<zero_padding2d_geometry> {
  using type = reference::zero_padding2d;
};

namespace detail {
/// Whether the default policy picks K for a layer: it must support it and, for a Winograd kernel, have
/// the output tile winograd::output_tile_for chose; the row-task direct kernel only where
/// direct::prefers_row_tasks; Winograd along rows where winograd::row_output_tile_for picks it.
template <class K, class Geometry>
constexpr bool chosen_for(const Geometry& g) {
  if constexpr (requires { K::output_tile; }) return K::supports(g) && winograd::output_tile_for(g) == K::output_tile;
  else if constexpr (requires { K::row_output_tile; })
    return K::supports(g) && winograd::row_output_tile_for(g) == K::row_output_tile;
  else if constexpr (requires { K::row_tasks; }) return K::supports(g) && direct::prefers_row_tasks(g);
  else return K::supports(g);
}

template <auto Geometry, class List>
struct first_supporting;
template <auto Geometry, class First, class... Rest>
struct first_supporting<Geometry, kernel_list<First, Rest...>>
    : std::conditional_t<chosen_for<First>(Geometry), std::type_identity<First>,
                         first_supporting<Geometry, kernel_list<Rest...>>> {};
}  // namespace detail

/// Kernel policies, chosen per model: model<net, kernels::reference_only> runs the oracle everywhere.
/// A policy derives from `policy` and maps a layer's geometry to a kernel type.
struct policy {};
struct best_available : policy {
  template <auto Geometry>
  using kernel = typename detail::first_supporting<Geometry, typename candidates<std::remove_cvref_t<decltype(Geometry)>>::type>::type;
};
struct reference_only : policy {
  template <auto Geometry>
  using kernel = typename reference_for<std::remove_cvref_t<decltype(Geometry)>>::type;
};

template <class Kernel, class Geometry>
constexpr std::size_t packed_floats(const Geometry& g) {
  if constexpr (requires { Kernel::packed_floats(g); }) return Kernel::packed_floats(g);
  else return 0;
}

}  // namespace constnet::kernels
