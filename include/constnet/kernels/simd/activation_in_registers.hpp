#pragma once
// The activations the vector kernels apply to their accumulators before storing them: the clamps
// relu = max(x, 0) and relu6 = min(max(x, 0), 6), the reference's operations in the reference's order
// (kernels/reference/activation.hpp), so a kernel's clamp of a pre-activation is the reference's clamp
// of it. tanh, sigmoid and softmax are not in the shim: kernels run the reference's code over the
// stored values for them.

#include "constnet/core/activation.hpp"

namespace constnet::simd {

/// Whether apply_in_registers leaves nothing for a kernel to do after its stores.
constexpr bool applied_in_registers(activation act) {
  switch (act) {
    case activation::linear:
    case activation::relu:
    case activation::relu6: return true;
    case activation::tanh:
    case activation::sigmoid:
    case activation::softmax: return false;
  }
  return false;
}

/// x clamped as act says when act is a clamp; x unchanged for every other activation.
template <class B>
[[gnu::always_inline]] inline typename B::vec apply_in_registers(activation act, typename B::vec x) {
  if (act == activation::relu || act == activation::relu6) x = B::max(x, B::zero());
  if (act == activation::relu6) x = B::min(x, B::broadcast(6.0f));
  return x;
}

}  // namespace constnet::simd
