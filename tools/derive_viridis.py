#!/usr/bin/python3
"""Derives the viridis coefficients in include/constnet/viz/colormap.hpp and measures their accuracy.

viridis is matplotlib's default colormap (van der Walt and Smith, 2015), published as a 256-entry table of
RGB values in [0, 1]. Rather than copy that table, constnet evaluates one polynomial per channel, in the
Chebyshev basis on x = 2t - 1 (t in [0, 1]), fitted here to matplotlib's table towards the minimax
(smallest worst-case) error by Lawson's iteratively reweighted least squares.

Needs Debian's python3-matplotlib (and so python3-numpy); run with the system Python:
    /usr/bin/python3 tools/derive_viridis.py
Prints the coefficients as C++ and the accuracy figures quoted in colormap.hpp.
"""
import numpy as np
from numpy.polynomial import chebyshev
from matplotlib import colormaps

DEGREE = 9

table = np.array(colormaps["viridis"].colors)  # 256 x 3, in [0, 1]
x = np.linspace(-1.0, 1.0, len(table))

coefficients, worst = [], []
for channel in range(3):
    weights = np.ones(len(x))
    for _ in range(200):  # Lawson: weights grow where the error is largest, towards equal ripple
        c = chebyshev.chebfit(x, table[:, channel], DEGREE, w=np.sqrt(weights))
        error = np.abs(chebyshev.chebval(x, c) - table[:, channel])
        weights = weights * error
        weights /= weights.sum()
    coefficients.append(c)
    worst.append(error.max())

fitted = np.stack([chebyshev.chebval(x, c) for c in coefficients], axis=1)
ours = np.clip(np.round(fitted * 255), 0, 255)
theirs = np.round(table * 255)
print("// Chebyshev coefficients c0..c%d per channel (R, G, B), x = 2t - 1" % DEGREE)
for name, c in zip("rgb", coefficients):
    print("{%s}," % ", ".join("%.9g" % v for v in c))
print("// worst error before rounding, in 1/255 units: R %.2f, G %.2f, B %.2f" % tuple(255 * np.array(worst)))
print("// 8-bit entries differing from round(255 * matplotlib): %d of 768, by at most %d"
      % (int(np.sum(ours != theirs)), int(np.max(np.abs(ours - theirs)))))
