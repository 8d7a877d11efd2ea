#pragma once
// Kernels of the input-gradient (backward) pass, chosen per layer at compile time like the forward's
// (kernels/registry.hpp). Convolutions (plain, depthwise and separable) and dense layers have candidates,
// fastest first, the scalar reference last (it supports every shape; depthwise and separable convolutions
// have only it so far); pooling, zero padding, batch_norm and activations are memory-bound passes with one
// (reference) kernel each, called directly. A plain convolution's first candidate depends on its shape:
// the forward registry's choice for the transposed geometry (Winograd, or one of the direct kernels), run
// through conv2d_transposed (backward/conv2d_transposed.hpp); strided layers, and those whose transposed
// form the forward only runs with its reference, get the backward reference.
// A backward kernel has the forward's interface (name, supports, scratch_bytes, optional packed_floats /
// pack, run or tasks / run_tasks) with dz (the gradient w.r.t. the layer's pre-activation) as its input
// and dx as its output; its weights are the layer's canonical ones, or its own packing of them. A
// threaded one may also have finish(geometry, dz, dx, scratch, n), run once after all its tasks with the
// first thread's scratch (conv2d_transposed on Winograd: restoring exact zeros).

#include <type_traits>

#include "constnet/core/geometry.hpp"
#include "constnet/kernels/backward/activation.hpp"
#include "constnet/kernels/backward/batch_norm.hpp"
#include "constnet/kernels/backward/conv2d.hpp"
#include "constnet/kernels/backward/conv2d_transposed.hpp"
#include "constnet/kernels/backward/dense.hpp"
#include "constnet/kernels/backward/merge.hpp"
#include "constnet/kernels/backward/depthwise_conv2d.hpp"
#include "constnet/kernels/backward/pool2d.hpp"
#include "constnet/kernels/backward/separable_conv2d.hpp"
#include "constnet/kernels/backward/zero_padding2d.hpp"
#include "constnet/kernels/registry.hpp"

namespace constnet::kernels::backward {

/// Candidates per kind of layer, for the shapes every layer of the kind shares; candidates_for adds the
/// ones that depend on the layer's geometry.
template <class Geometry>
struct candidates;
template <>
struct candidates<conv2d_geometry> {
  using type = kernel_list<conv2d>;
};
template <>
struct candidates<dense_geometry> {
  using type = kernel_list<dense_rows<simd::xsimd_backend>, dense>;
};
template <>
struct candidates<depthwise_conv2d_geometry> {
  using type = kernel_list<depthwise_conv2d>;
};
template <>
struct candidates<separable_conv2d_geometry> {
  using type = kernel_list<separable_conv2d>;
};

template <class Geometry>
struct reference_for;
template <>
struct reference_for<conv2d_geometry> {
  using type = conv2d;
};
template <>
struct reference_for<dense_geometry> {
  using type = dense;
};
template <>
struct reference_for<depthwise_conv2d_geometry> {
  using type = depthwise_conv2d;
};
template <>
struct reference_for<separable_conv2d_geometry> {
  using type = separable_conv2d;
};

/// Every candidate for one layer, fastest first.
template <auto Geometry>
struct candidates_for : candidates<std::remove_cvref_t<decltype(Geometry)>> {};
/// A convolution: first the forward registry's best kernel on the transposed geometry (for a stride-1
/// layer; a placeholder that supports nothing otherwise), then the reference.
template <auto Geometry>
  requires std::is_same_v<std::remove_cvref_t<decltype(Geometry)>, conv2d_geometry>
struct candidates_for<Geometry> {
  using forward = kernels::best_available::kernel<transposed(Geometry)>;
  using type = kernel_list<conv2d_transposed<forward>, conv2d>;
};

/// The input-gradient kernel for a layer: the first candidate that supports it, or, under the
/// reference_only policy, the reference (so the oracle model is scalar in both directions).
template <class Policy, auto Geometry>
using kernel_for = typename std::conditional_t<
    std::is_same_v<Policy, reference_only>, reference_for<std::remove_cvref_t<decltype(Geometry)>>,
    kernels::detail::first_supporting<Geometry, typename candidates_for<Geometry>::type>>::type;

}  // namespace constnet::kernels::backward
