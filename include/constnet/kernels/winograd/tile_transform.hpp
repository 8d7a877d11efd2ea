#pragma once
// A constant matrix times a column of SIMD vectors, with the matrix a compile-time constant: zero
// entries cost nothing and +-1 entries an add or a subtract, so one routine serves every Winograd
// transform (the compiler sees exactly the sparse arithmetic one would write by hand).
//
// Each vector holds W channels; the transforms act on tiles of vectors, channel by channel, so a 2D
// transform X^T d X is a column pass and a row pass of the same matrix product:
//     tmp[:, j] = X^T d[:, j]   then   out[i, :] = X^T tmp[i, :].

#include <cstddef>
#include <utility>

namespace constnet::kernels::winograd {

namespace detail {
template <class Row>
constexpr std::size_t first_nonzero(const Row& row) {
  for (std::size_t k = 0; k < row.size(); ++k)
    if (row[k] != 0.0f) return k;
  return row.size();
}
}  // namespace detail

/// out[i * out_stride] = sum_k Mat[i][k] * in[k * in_stride] for every row i of Mat (a constexpr
/// float_matrix, passed by reference as a template argument).
template <class B, const auto& Mat>
struct constant_matrix {
  using vec = typename B::vec;
  static constexpr std::size_t rows = Mat.size();
  static constexpr std::size_t cols = Mat[0].size();

  static void apply(const vec* in, std::size_t in_stride, vec* out, std::size_t out_stride) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((out[I * out_stride] = row<I>(in, in_stride)), ...);
    }(std::make_index_sequence<rows>{});
  }

 private:
  template <std::size_t I>
  static vec row(const vec* in, std::size_t stride) {
    constexpr std::size_t first = detail::first_nonzero(Mat[I]);
    static_assert(first < cols, "a transform matrix has no zero rows");
    constexpr float c = Mat[I][first];
    vec acc = c == 1.0f ? in[first * stride] : B::mul(in[first * stride], B::broadcast(c));
    [&]<std::size_t... K>(std::index_sequence<K...>) {
      (add_term<I, K, first>(acc, in[K * stride]), ...);
    }(std::make_index_sequence<cols>{});
    return acc;
  }
  template <std::size_t I, std::size_t K, std::size_t First>
  static void add_term(vec& acc, const vec& x) {
    constexpr float c = Mat[I][K];
    if constexpr (K == First || c == 0.0f) return;
    else if constexpr (c == 1.0f) acc = B::add(acc, x);
    else if constexpr (c == -1.0f) acc = B::sub(acc, x);
    else acc = B::fma(x, B::broadcast(c), acc);
  }
};

/// out = X^T in X for an n x n tile `in` (row-major, n = Mat's column count) giving a k x k tile `out`
/// (k = Mat's row count); `work` holds k x n vectors.
template <class B, const auto& Mat>
void transform_tile(const typename B::vec* in, typename B::vec* work, typename B::vec* out) {
  using m = constant_matrix<B, Mat>;
  constexpr std::size_t n = m::cols, k = m::rows;
  for (std::size_t j = 0; j < n; ++j) m::apply(in + j, n, work + j, n);  // columns: work is k x n
  for (std::size_t i = 0; i < k; ++i) m::apply(work + i * n, 1, out + i * k, 1);  // rows: out is k x k
}

}  // namespace constnet::kernels::winograd
