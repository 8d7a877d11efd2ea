#pragma once
// Compile-time strings usable as template arguments (layer names, tensor names, diagnostics).

#include <algorithm>
#include <cstddef>
#include <string_view>

namespace constnet {

/// A string literal captured as a structural value, so `named<"block1_conv1">` can carry it in a type.
template <std::size_t N>
struct fixed_string {
  char chars[N]{};

  constexpr fixed_string() = default;
  constexpr fixed_string(const char (&literal)[N]) { std::copy_n(literal, N, chars); }

  constexpr std::size_t size() const { return N - 1; }
  constexpr std::string_view view() const { return {chars, N - 1}; }
  constexpr operator std::string_view() const { return view(); }
};

/// Joins names at compile time, for networks built from blocks: named<Prefix + "_1_conv">.
template <std::size_t N, std::size_t M>
constexpr fixed_string<N + M - 1> operator+(const fixed_string<N>& a, const fixed_string<M>& b) {
  fixed_string<N + M - 1> joined;
  std::copy_n(a.chars, N - 1, joined.chars);
  std::copy_n(b.chars, M, joined.chars + N - 1);
  return joined;
}
template <std::size_t N, std::size_t M>
constexpr fixed_string<N + M - 1> operator+(const fixed_string<N>& a, const char (&b)[M]) {
  return a + fixed_string<M>(b);
}
template <std::size_t N, std::size_t M>
constexpr fixed_string<N + M - 1> operator+(const char (&a)[N], const fixed_string<M>& b) {
  return fixed_string<N>(a) + b;
}

/// The decimal digits of N: digits<12>() is "12".
template <std::size_t N>
constexpr auto digits() {
  constexpr std::size_t count = [] {
    std::size_t n = 1;
    for (std::size_t v = N; v >= 10; v /= 10) ++n;
    return n;
  }();
  fixed_string<count + 1> text;
  std::size_t v = N;
  for (std::size_t i = count; i-- > 0; v /= 10) text.chars[i] = static_cast<char>('0' + v % 10);
  return text;
}

/// Keras' default name of the K-th unnamed layer of a kind (from 0): "conv2d", "conv2d_1", "conv2d_2", ...
template <fixed_string Stem, std::size_t K>
constexpr auto keras_default_name() {
  if constexpr (K == 0) return Stem;
  else return Stem + "_" + digits<K>();
}

/// A short string with a fixed capacity, used where strings of different lengths must share one type
/// (layer names in constexpr tables). Capacity is generous for Keras-style names.
struct short_name {
  static constexpr std::size_t capacity = 63;
  char chars[capacity + 1]{};
  std::size_t length = 0;

  constexpr short_name() = default;
  constexpr short_name(std::string_view text) { assign(text); }

  constexpr void assign(std::string_view text) {
    length = std::min(text.size(), capacity);
    std::copy_n(text.data(), length, chars);
    chars[length] = '\0';
  }
  constexpr void append(std::string_view text) {
    const std::size_t n = std::min(text.size(), capacity - length);
    std::copy_n(text.data(), n, chars + length);
    length += n;
    chars[length] = '\0';
  }
  constexpr std::string_view view() const { return {chars, length}; }
  constexpr operator std::string_view() const { return view(); }
  friend constexpr bool operator==(const short_name& a, const short_name& b) { return a.view() == b.view(); }
};

}  // namespace constnet
