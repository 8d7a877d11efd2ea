#pragma once
// Colours for pictures: gray, and viridis (matplotlib's default colormap: perceptually uniform, readable
// in gray and by colour-blind readers).
//
// The viridis table is not copied from matplotlib: it is computed at compile time from one polynomial
// per channel (degree 9, Chebyshev basis on x = 2t - 1), fitted towards the minimax error to
// matplotlib's published 256-entry table by tools/derive_viridis.py, which prints these coefficients.
// Accuracy against matplotlib: worst error before rounding 0.83/255 (R), 0.30/255 (G), 0.81/255 (B);
// after rounding to 8 bits, every entry is within 1 of round(255 * matplotlib's value) (326 of the 768
// values differ, by exactly 1), which no eye can tell apart.

#include <array>
#include <cstddef>
#include <cstdint>

namespace constnet::viz {

struct rgb {
  std::uint8_t r = 0, g = 0, b = 0;
  friend constexpr bool operator==(const rgb&, const rgb&) = default;
};

enum class colormap { gray, viridis };

namespace detail {

// Coefficients c0..c9 from tools/derive_viridis.py; value(t) = sum c_k T_k(2t - 1).
inline constexpr double viridis_chebyshev[3][10] = {
    {0.408760546, 0.298479048, 0.255183402, 0.0804787933, -0.0328385516, -0.019252959, -0.00111746568,
     0.0075141223, 0.00337134904, -0.00409696695},
    {0.518720122, 0.454667545, -0.0573814852, -0.00483880019, -0.00850189956, 0.000776941274, 0.00205603251,
     0.000894999617, -0.000549534029, -0.000859191171},
    {0.37587726, -0.146757625, -0.170673599, 0.0211026984, 0.0148390396, 0.0288087516, 0.0147482804,
     0.0052444578, 0.00505786766, -0.00113767428},
};

/// Clenshaw's recurrence for sum c_k T_k(x): stable, no powers of x.
constexpr double chebyshev_sum(const double (&c)[10], double x) {
  double b1 = 0.0, b2 = 0.0;
  for (int k = 9; k >= 1; --k) {
    const double b0 = 2.0 * x * b1 - b2 + c[k];
    b2 = b1;
    b1 = b0;
  }
  return x * b1 - b2 + c[0];
}

constexpr std::uint8_t to_level(double v) {
  const double clamped = v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
  return static_cast<std::uint8_t>(clamped * 255.0 + 0.5);
}

constexpr std::array<rgb, 256> make_viridis() {
  std::array<rgb, 256> table{};
  for (std::size_t i = 0; i < 256; ++i) {
    const double x = 2.0 * static_cast<double>(i) / 255.0 - 1.0;
    table[i] = {to_level(chebyshev_sum(viridis_chebyshev[0], x)), to_level(chebyshev_sum(viridis_chebyshev[1], x)),
                to_level(chebyshev_sum(viridis_chebyshev[2], x))};
  }
  return table;
}

}  // namespace detail

/// viridis as 256 8-bit colours, from dark purple (level 0) to yellow (level 255).
inline constexpr std::array<rgb, 256> viridis = detail::make_viridis();

/// The colour of an 8-bit level (0 = lowest value) under a colormap.
constexpr rgb colour_of(colormap map, std::uint8_t level) {
  if (map == colormap::viridis) return viridis[level];
  return {level, level, level};
}

}  // namespace constnet::viz
