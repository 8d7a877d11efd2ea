#pragma once
// The Winograd transform matrices F(m x m, 3 x 3) for m = 2, 4, 6, derived at compile time from their
// interpolation points in exact rational arithmetic (so every float below is the correctly rounded
// exact value). The one place they are defined; the kernel and the tests use them from here.
//
// Derivation (Toom-Cook, in the form of Lavin & Gray, "Fast Algorithms for Convolutional Neural
// Networks", 2016). F(m, r) computes m outputs of the correlation o_i = sum_{k<r} g_k d_{i+k} from
// n = m + r - 1 inputs.
//   * Linear convolution y = g * x (g of length r, x of length m) is the product of polynomials
//     y(z) = g(z) x(z), of degree n - 1: fixed by its values at n - 1 finite points p_j and at
//     "infinity" (the leading coefficient, g_{r-1} x_{m-1}). With V_k the n x k evaluation matrix
//     (row j = 1, p_j, ..., p_j^{k-1}; the infinity row = 0, ..., 0, 1):
//         y = V_n^{-1} [(V_r g) (.) (V_m x)]                      ((.) is the element-wise product)
//   * As a function of x, y = T_g x with the Toeplitz matrix T_g[a][b] = g_{a-b}, and correlation is
//     its transpose: o = T_g^T d. Transposing the line above:
//         o = V_m^T [(V_r g) (.) (V_n^{-T} d)]
//   * Any diagonal S moves between the two factors: G = S V_r, B^T = S^{-1} V_n^{-T}, A^T = V_m^T,
//         o = A^T [(G g) (.) (B^T d)]
//     Lavin's choice, kept here, is S_jj = 1 / |f_j| with f_j = prod_{l != j} (p_j - p_l) over the
//     finite points (and 1 for infinity): it makes B^T integral for integer points.
//   * In 2D the same holds along each axis: Y = A^T [(G g G^T) (.) (B^T d B)] A, with alpha = n
//     transformed values per axis, alpha^2 element-wise products per m x m output tile.
// Points: F(2x2,3x3) 0, +-1, inf; F(4x4,3x3) 0, +-1, +-2, inf; F(6x6,3x3) 0, +-1, +-2, +-1/2, inf. For
// F6 the points +-1/2 instead of +-3 keep the entries of the matrices small (the largest |entry| of the
// transforms bounds the fp32 error growth; with +-3 the error is about 80x larger).

#include <array>
#include <cstddef>

#include "constnet/kernels/winograd/rational.hpp"

namespace constnet::kernels::winograd {

template <std::size_t Rows, std::size_t Cols>
using matrix = std::array<std::array<rational, Cols>, Rows>;

template <std::size_t Rows, std::size_t Cols>
using float_matrix = std::array<std::array<float, Cols>, Rows>;

namespace detail {

/// Every entry assigned explicitly: GCC 12 leaves the entries of a value-initialized (`{}`) nested
/// std::array of rationals with a zero denominator in constant evaluation.
template <std::size_t Rows, std::size_t Cols>
constexpr matrix<Rows, Cols> zeros() {
  matrix<Rows, Cols> z;
  for (auto& row : z)
    for (auto& x : row) x = rational(0);
  return z;
}

constexpr rational power(rational x, std::size_t k) {
  rational r = 1;
  for (std::size_t i = 0; i < k; ++i) r = r * x;
  return r;
}

/// The n x K evaluation matrix of polynomials with K coefficients at the finite points and infinity.
template <std::size_t K, std::size_t Finite>
constexpr matrix<Finite + 1, K> evaluation(const std::array<rational, Finite>& points) {
  matrix<Finite + 1, K> v = zeros<Finite + 1, K>();
  for (std::size_t j = 0; j < Finite; ++j)
    for (std::size_t k = 0; k < K; ++k) v[j][k] = power(points[j], k);
  v[Finite][K - 1] = 1;  // infinity: the leading coefficient
  return v;
}

/// Gauss-Jordan inverse; throws (a compile error in a constant expression) if singular.
template <std::size_t N>
constexpr matrix<N, N> inverse(matrix<N, N> a) {
  matrix<N, N> inv = zeros<N, N>();
  for (std::size_t i = 0; i < N; ++i) inv[i][i] = 1;
  for (std::size_t col = 0; col < N; ++col) {
    std::size_t pivot = col;
    while (pivot < N && a[pivot][col] == rational(0)) ++pivot;
    if (pivot == N) throw "winograd: interpolation points must be distinct";
    if (pivot != col)
      for (std::size_t k = 0; k < N; ++k) {
        const rational t = a[col][k], u = inv[col][k];
        a[col][k] = a[pivot][k];
        inv[col][k] = inv[pivot][k];
        a[pivot][k] = t;
        inv[pivot][k] = u;
      }
    const rational scale = rational(1) / a[col][col];
    for (std::size_t k = 0; k < N; ++k) {
      a[col][k] = a[col][k] * scale;
      inv[col][k] = inv[col][k] * scale;
    }
    for (std::size_t row = 0; row < N; ++row) {
      if (row == col || a[row][col] == rational(0)) continue;
      const rational factor = a[row][col];
      for (std::size_t k = 0; k < N; ++k) {
        a[row][k] = a[row][k] - factor * a[col][k];
        inv[row][k] = inv[row][k] - factor * inv[col][k];
      }
    }
  }
  return inv;
}

template <std::size_t Rows, std::size_t Cols>
constexpr float_matrix<Rows, Cols> to_float(const matrix<Rows, Cols>& m) {
  float_matrix<Rows, Cols> f{};
  for (std::size_t i = 0; i < Rows; ++i)
    for (std::size_t j = 0; j < Cols; ++j) f[i][j] = m[i][j].to_float();
  return f;
}

}  // namespace detail

/// Interpolation points (the finite ones; infinity is always the last) of F(M x M, 3 x 3).
template <std::size_t M>
constexpr auto interpolation_points() {
  if constexpr (M == 2) return std::array<rational, 3>{0, 1, -1};
  else if constexpr (M == 4) return std::array<rational, 5>{0, 1, -1, 2, -2};
  else if constexpr (M == 6) return std::array<rational, 7>{0, 1, -1, 2, -2, rational(1, 2), rational(-1, 2)};
  else static_assert(M == 2 || M == 4 || M == 6, "Winograd F(m x m, 3 x 3) is defined here for m = 2, 4, 6");
}

/// F(M x M, R x R): exact matrices (BT_exact: alpha x alpha, G_exact: alpha x R, AT_exact: M x alpha)
/// and their float values (BT, G, AT).
template <std::size_t M, std::size_t R = 3>
struct transform {
  static constexpr std::size_t m = M, r = R, alpha = M + R - 1;
  static constexpr auto points = interpolation_points<M>();
  static_assert(points.size() + 1 == alpha);

 private:
  static constexpr matrix<alpha, alpha> derive_BT() {
    const matrix<alpha, alpha> v_inv = detail::inverse(detail::evaluation<alpha>(points));
    matrix<alpha, alpha> bt = detail::zeros<alpha, alpha>();
    for (std::size_t j = 0; j < alpha; ++j)
      for (std::size_t i = 0; i < alpha; ++i) bt[j][i] = scale_inverse(j) * v_inv[i][j];  // S^{-1} V^{-T}
    return bt;
  }
  static constexpr matrix<alpha, R> derive_G() {
    matrix<alpha, R> g = detail::evaluation<R>(points);
    for (std::size_t j = 0; j < alpha; ++j)
      for (std::size_t k = 0; k < R; ++k) g[j][k] = g[j][k] / scale_inverse(j);  // S V_r
    return g;
  }
  static constexpr matrix<M, alpha> derive_AT() {
    const matrix<alpha, M> v = detail::evaluation<M>(points);
    matrix<M, alpha> at = detail::zeros<M, alpha>();
    for (std::size_t i = 0; i < M; ++i)
      for (std::size_t j = 0; j < alpha; ++j) at[i][j] = v[j][i];
    return at;
  }
  /// 1 / S_jj = |f_j| = |prod_{l != j} (p_j - p_l)| for a finite point, 1 for infinity.
  static constexpr rational scale_inverse(std::size_t j) {
    if (j + 1 == alpha) return 1;
    rational f = 1;
    for (std::size_t l = 0; l + 1 < alpha; ++l)
      if (l != j) f = f * (points[j] - points[l]);
    return f.num < 0 ? -f : f;
  }

 public:
  static constexpr matrix<alpha, alpha> BT_exact = derive_BT();
  static constexpr matrix<alpha, R> G_exact = derive_G();
  static constexpr matrix<M, alpha> AT_exact = derive_AT();
  static constexpr float_matrix<alpha, alpha> BT = detail::to_float(BT_exact);
  static constexpr float_matrix<alpha, R> G = detail::to_float(G_exact);
  static constexpr float_matrix<M, alpha> AT = detail::to_float(AT_exact);
};

}  // namespace constnet::kernels::winograd
