#pragma once
// Which convolution kernels are Winograd ones: the 2D kernel (output_tile, winograd/conv2d_winograd.hpp)
// and the one along rows (row_output_tile, winograd/conv2d_rows_winograd.hpp). Their outputs carry
// the transforms' rounding: an output whose window sees only zeros is near zero, not exactly zero
// (the input gradient restores such zeros, backward/conv2d_transposed.hpp), and their accuracy bounds
// depend on the output tile (tests/unit/winograd.cpp).

#include <cstddef>

namespace constnet::kernels::winograd {

template <class K>
concept winograd_kernel = requires { K::output_tile; } || requires { K::row_output_tile; };

/// Outputs per tile along x (a 2D kernel's tiles are that many rows too).
template <winograd_kernel K>
constexpr std::size_t output_tile_of() {
  if constexpr (requires { K::output_tile; }) return K::output_tile;
  else return K::row_output_tile;
}

}  // namespace constnet::kernels::winograd
