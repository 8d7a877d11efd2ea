// Independent check of the scalar reference kernels (include/constnet/kernels/reference/). They are the
// oracle every other kernel is compared with, so here they are compared, on hundreds of randomized shapes,
// with naive formulations written from the definitions and deliberately unlike the kernels:
//   * conv2d: the input is first materialized zero-padded, in double, and then cross-correlated with
//     dilation; loops run (image, filter, oy, ox, in channel, ky, kx), the kernel's (oy, ox, ky, kx, ic, oc);
//   * pooling: every cell of every window is enumerated and classified as inside the image, in the padding,
//     or beyond the padded map (which only a ceil_mode window may reach); global pooling runs cells outer,
//     channels inner;
//   * depthwise_conv2d and separable_conv2d: the padded input likewise, then the whole depthwise tensor
//     from Keras' definition (channel c*M + m = input channel c correlated with kernel[:, :, c, m]) in loops
//     (image, c, m, oy, ox, ky, kx), then its bias or the pointwise stage as a separate pass; a hand-worked
//     example pins the values and the channel order;
//   * dense runs units outer; batch norm folds gamma / sqrt(var + eps) into one double scale;
//   * padding and output sizes come from TensorFlow's formulas (tf_axis below) and, for ceil_mode pools,
//     from PyTorch's documented one (torch_ceil_axis), never from a geometry's fields. `layer_geometries_match_tensorflow_formulas` checks the layer templates' geometries (conv2d,
//     pool2d) against the same formulas for thousands of (n, f, s, d, padding) combinations, and runs the
//     kernels on those library-built geometries too; `depthwise_and_separable_layer_geometries_...` does
//     the same for the depthwise and separable layers, and checks their weight tensors and MACs.
// All data comes from constnet::random_source with fixed seeds, so every run checks the same cases.
//
// Tolerances (u = 2^-24, the float unit roundoff). The kernels accumulate in float; the naive code works in
// double on the very same float inputs, so its products are exact and its sums are 2^29 times more accurate
// than the kernel's: its own error is negligible. For a recursive float sum of n terms, each possibly a
// rounded product, Higham (Accuracy and Stability of Numerical Algorithms, section 3.1) gives
//     |fl(sum) - sum| <= gamma_n * sum|terms|,   gamma_n = n u / (1 - n u).
// A conv output adds K = kh*kw*cin products to the bias (dense: K = in), so n = K + 1 and
// gamma_{K+1} < (K + 2) u for every K used here; fused multiply-adds (GCC contracts them under
// -march=native) only remove roundings. Before the activation we therefore require
//     |out - exact| <= (K + 2) u sum|terms| + 1e-30,
// where the naive routine sums |terms| itself (zero-padding terms are 0). The bound scales with
// sum|terms|, not with |result|, so cancellation is covered; reading one wrong cell or weight changes a
// result by about one |term|, i.e. by ~sum|terms| / K, well above (K + 2) u sum|terms| for every K here
// (`tolerance_is_not_vacuous` demonstrates it).
// The 1e-30 floor only matters for outputs that are exactly 0 or underflow.
// Depthwise: K = kh*kw products and the bias, so (K + 2) u sum|terms| as above. Separable: each depthwise
// value d_j (K products, no bias) is a float within (K + 2) u S_j of the exact one (S_j = the sum of its
// |terms|), and the pointwise stage adds J = C*M products p_j fl(d_j) to the bias b: at most
//     (J + 2) u (|b| + sum_j |p_j| |fl(d_j)|) + sum_j |p_j| (K + 2) u S_j
//  <= (K + J + 5) u (|b| + sum_j |p_j| S_j),
// using |d_j| <= S_j and (J + 2)(K + 2) u <= 1 (true for every size here) for the cross term.
// Activations are applied in double to the double pre-activation z; b is the bound above:
//   linear, relu, relu6: 1-Lipschitz and exact in float: b.
//   tanh: |tanh'| <= 1, plus tanhf's own error (glibc: <= 2 ulp, 1 ulp <= 2u|y|): b + 8u|y|.
//   sigmoid 1/(1 + exp(-z)): |sigma'| <= 1/4, plus expf, the add and the division (<= 1 ulp each):
//     b/4 + 8u|y|.
//   softmax over a group of C values: perturbing z by e (|e_j| <= b_j) multiplies y_i by
//     exp(e_i) / sum_j y_j exp(e_j), which lies in [exp(-b_i - B), exp(b_i + B)] with B = max_j b_j, so the
//     propagated relative error is at most expm1(b_i + B). The float evaluation adds a relative
//     (|z_i - max z| + C + 2) u: the subtraction of the maximum (absolute error u |z_i - max|, which exp
//     turns into the same relative error), expf (<= 1 ulp), the sum of C positive terms and the division.
//     Doubled for slack and with 2B for the difference between the float and double maxima:
//       tol_i = y_i (expm1(b_i + B) + 2 (|z_i - max z| + 2B + C + 8) u) + 1e-30.
//     Rather than a flat relative 1e-5 this is derived: the evaluation part is a relative few 1e-6 here, and
//     the propagated part is exactly as large as the pre-activation bound allows.
// Pooling: max involves no arithmetic and must be exact. The average of m cells divided by D (m, or the
// whole window with count_padding) costs m - 1 additions and a division: (m + 2) u sum|cells| / D.
// Mixed, fl(fl(lambda) max + fl(1 - lambda) avg): |1 - lambda| avg_tol + 4u (|lambda max| +
// |(1 - lambda) avg|) (lambda rounded to float, two products, one sum). Global pooling likewise.
// Batch norm, t = gamma (x - mean) / sqrt(var + eps) + beta in float: x - mean, the product, eps rounded to
// float, var + eps, sqrt and the division perturb t by at most ~5.5u relative, and the final + beta adds
// u |t + beta|: 8u (|t| + |beta|).

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

// diagnostic.hpp first: layers/batch_norm.hpp, dense.hpp and global_pool.hpp use constnet::diagnostic
// without including it (they only compile after a header that does, such as layers/window.hpp).
#include "constnet/core/diagnostic.hpp"
#include "constnet/core/geometry.hpp"
#include "constnet/core/random.hpp"
#include "constnet/kernels/reference/batch_norm.hpp"
#include "constnet/kernels/reference/conv2d.hpp"
#include "constnet/kernels/reference/dense.hpp"
#include "constnet/kernels/reference/depthwise_conv2d.hpp"
#include "constnet/kernels/reference/pool2d.hpp"
#include "constnet/kernels/reference/separable_conv2d.hpp"
#include "constnet/kernels/reference/zero_padding2d.hpp"
#include "constnet/layers/batch_norm.hpp"
#include "constnet/layers/conv2d.hpp"
#include "constnet/layers/dense.hpp"
#include "constnet/layers/depthwise_conv2d.hpp"
#include "constnet/layers/global_pool.hpp"
#include "constnet/layers/pool2d.hpp"
#include "constnet/layers/separable_conv2d.hpp"
#include "constnet/layers/zero_padding2d.hpp"

namespace {

namespace cn = constnet;
namespace ref = constnet::kernels::reference;
using cn::activation;
using cn::extent2;
using cn::padding2;
using cn::pool_kind;
using cn::random_source;
using cn::shape;

constexpr double unit_roundoff = 0x1.0p-24;
constexpr double absolute_floor = 1e-30;

// ---------------------------------------------------------------------------------------------------------
// Small helpers

std::size_t pick(random_source& rng, std::size_t low, std::size_t high) {  // uniform in [low, high]
  return low + static_cast<std::size_t>(rng.next() % static_cast<std::uint64_t>(high - low + 1));
}
bool chance(random_source& rng, double p) { return rng.uniform() < p; }
double as_double(std::size_t v) { return static_cast<double>(v); }

constexpr activation all_activations[] = {activation::linear, activation::relu,    activation::relu6,
                                          activation::tanh,   activation::sigmoid, activation::softmax};
constexpr std::size_t activation_count = std::size(all_activations);

/// Random float data. Styles: 0 normal; 1 all negative (padding must never win a max); 2 small integers
/// (ties, exact zeros, exact arithmetic); 3 normal times 2^[-8, 8] with 30% exact zeros (wide dynamic range).
std::vector<float> random_floats(random_source& rng, std::size_t count, std::size_t style, double scale = 1.0) {
  std::vector<float> v(count);
  for (float& x : v) {
    double r = 0.0;
    switch (style % 4) {
      case 0: r = rng.normal(); break;
      case 1: r = rng.uniform(-3.0, -0.25); break;
      case 2: r = as_double(pick(rng, 0, 6)) - 3.0; break;
      default:
        r = chance(rng, 0.3) ? 0.0 : rng.normal() * std::ldexp(1.0, static_cast<int>(pick(rng, 0, 16)) - 8);
    }
    x = static_cast<float>(r * scale);
  }
  return v;
}

std::string text(const shape& s) {
  std::ostringstream o;
  o << s.h << "x" << s.w << "x" << s.c;
  return o.str();
}
std::string text(const extent2& e) { return std::to_string(e.h) + "x" + std::to_string(e.w); }
std::string text(const padding2& p) {
  std::ostringstream o;
  o << "pad(t" << p.top << ",b" << p.bottom << ",l" << p.left << ",r" << p.right << ")";
  return o.str();
}
// The library's own names (string literals, so data() is null-terminated).
const char* text(activation a) { return to_string(a).data(); }
const char* text(pool_kind k) {
  switch (k) {
    case pool_kind::max: return "max";
    case pool_kind::average: return "average";
    case pool_kind::mixed: return "mixed";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------------------
// Padding and output size, from TensorFlow's documented rules (not from constnet/layers/window.hpp):
//   'valid':  out = ceil((n - f_eff + 1) / s), no padding;
//   'same':   out = ceil(n / s), total = max((out - 1) s + f_eff - n, 0), before = total / 2, after = rest;
//   explicit: out = ceil((n + p_before + p_after - f_eff + 1) / s);
// with f_eff = d (f - 1) + 1. Signed arithmetic, so an input that is too small shows up as not fitting.

enum class pad_mode { valid, same, explicit_cells };

const char* text(pad_mode m) {
  switch (m) {
    case pad_mode::valid: return "valid";
    case pad_mode::same: return "same";
    case pad_mode::explicit_cells: return "explicit";
  }
  return "?";
}

struct axis_layout {
  bool fits = false;
  std::size_t out = 0, before = 0, after = 0;
};

long long ceil_of_ratio(long long a, long long b) {  // exact for the small integers used here
  return static_cast<long long>(std::ceil(static_cast<double>(a) / static_cast<double>(b)));
}

axis_layout tf_axis(std::size_t n, std::size_t f, std::size_t s, std::size_t d, pad_mode mode, std::size_t begin,
                    std::size_t end) {
  const long long N = static_cast<long long>(n), S = static_cast<long long>(s);
  const long long span = static_cast<long long>(d) * (static_cast<long long>(f) - 1) + 1;
  axis_layout a;
  switch (mode) {
    case pad_mode::same: {
      const long long out = ceil_of_ratio(N, S);
      const long long total = std::max((out - 1) * S + span - N, 0LL);
      a = {true, static_cast<std::size_t>(out), static_cast<std::size_t>(total / 2),
           static_cast<std::size_t>(total - total / 2)};
      break;
    }
    case pad_mode::valid:
      if (N - span + 1 >= 1) a = {true, static_cast<std::size_t>(ceil_of_ratio(N - span + 1, S)), 0, 0};
      break;
    case pad_mode::explicit_cells: {
      const long long padded = N + static_cast<long long>(begin) + static_cast<long long>(end);
      if (padded - span + 1 >= 1)
        a = {true, static_cast<std::size_t>(ceil_of_ratio(padded - span + 1, S)), begin, end};
      break;
    }
  }
  return a;
}

/// Smallest input extent for which a window of f_eff cells fits (valid / explicit padding).
std::size_t smallest_fitting(std::size_t f_eff, pad_mode mode, std::size_t begin, std::size_t end) {
  if (mode == pad_mode::same || f_eff <= begin + end + 1) return 1;
  return f_eff - begin - end;
}

// ---------------------------------------------------------------------------------------------------------
// What the naive code expects, and the comparison

struct expected {
  shape out{};
  std::vector<double> pre, pre_tol;      // before the activation (conv2d, dense)
  std::vector<double> value, value_tol;  // final output
};

/// Statistics over all passing values of a test, to show how much of the tolerance is used.
struct tally {
  std::size_t cases = 0, values = 0;
  double worst = 0.0;  // largest |error| / tolerance among passing values
};

struct outcome {
  std::size_t mismatches = 0;
  std::string first;
  bool ok() const { return mismatches == 0 && first.empty(); }
  void fail(const std::string& why) {
    ++mismatches;
    if (first.empty()) first = why;
  }
};

void compare(std::span<const float> got, std::span<const double> want, std::span<const double> tol,
             const char* what, outcome& result, tally& t) {
  if (got.size() != want.size() || want.size() != tol.size()) {
    result.fail(std::string(what) + ": size mismatch");
    return;
  }
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double error = std::fabs(static_cast<double>(got[i]) - want[i]);
    if (!(error <= tol[i])) {  // also catches NaN, i.e. an output the kernel never wrote
      std::ostringstream o;
      o << what << "[" << i << "] = " << got[i] << ", expected " << want[i] << " +- " << tol[i] << " (error "
        << error << ")";
      result.fail(o.str());
    } else if (tol[i] > 0.0) {
      t.worst = std::max(t.worst, error / tol[i]);
    }
  }
  t.values += got.size();
}

/// Applies the activation in double over groups of `group` values (a pixel's channels, a dense row) and
/// propagates the tolerance as explained at the top of the file.
void activate(activation act, std::size_t group, expected& e) {
  const double uu = unit_roundoff;
  e.value.resize(e.pre.size());
  e.value_tol.resize(e.pre.size());
  for (std::size_t base = 0; base < e.pre.size(); base += group) {
    const double* z = e.pre.data() + base;
    const double* b = e.pre_tol.data() + base;
    double* y = e.value.data() + base;
    double* tol = e.value_tol.data() + base;
    switch (act) {
      case activation::linear:
        for (std::size_t i = 0; i < group; ++i) y[i] = z[i], tol[i] = b[i];
        break;
      case activation::relu:
        for (std::size_t i = 0; i < group; ++i) y[i] = z[i] > 0.0 ? z[i] : 0.0, tol[i] = b[i];
        break;
      case activation::relu6:
        for (std::size_t i = 0; i < group; ++i) y[i] = z[i] <= 0.0 ? 0.0 : z[i] >= 6.0 ? 6.0 : z[i], tol[i] = b[i];
        break;
      case activation::tanh:
        for (std::size_t i = 0; i < group; ++i) {
          y[i] = std::tanh(z[i]);
          tol[i] = b[i] + 8.0 * uu * std::fabs(y[i]) + absolute_floor;
        }
        break;
      case activation::sigmoid:
        for (std::size_t i = 0; i < group; ++i) {
          y[i] = 1.0 / (1.0 + std::exp(-z[i]));
          tol[i] = 0.25 * b[i] + 8.0 * uu * std::fabs(y[i]) + absolute_floor;
        }
        break;
      case activation::softmax: {
        const double top = *std::max_element(z, z + group);
        const double widest = *std::max_element(b, b + group);
        double sum = 0.0;
        for (std::size_t i = 0; i < group; ++i) sum += std::exp(z[i] - top);
        for (std::size_t i = 0; i < group; ++i) {
          y[i] = std::exp(z[i] - top) / sum;
          tol[i] = y[i] * (std::expm1(b[i] + widest) +
                           2.0 * (std::fabs(z[i] - top) + 2.0 * widest + as_double(group) + 8.0) * uu) +
                   absolute_floor;
        }
        break;
      }
    }
  }
}

constexpr std::size_t guard_cells = 9;
constexpr float guard_value = -7777.25f;

/// Runs a kernel into a NaN-filled output followed by guard cells; checks the guards and that the input
/// was left alone.
template <class Kernel, class Geometry>
std::vector<float> run_kernel(const Geometry& g, std::span<const float> weights, const std::vector<float>& input,
                              std::size_t out_count, std::size_t batch, outcome& result) {
  std::vector<float> buffer(out_count + guard_cells, guard_value);
  std::fill_n(buffer.begin(), out_count, std::numeric_limits<float>::quiet_NaN());
  const std::vector<float> before = input;
  Kernel::run(g, weights, input.data(), buffer.data(), nullptr, batch);
  for (std::size_t i = out_count; i < buffer.size(); ++i)
    if (buffer[i] != guard_value) result.fail("the kernel wrote past the end of its output");
  if (input != before) result.fail("the kernel modified its input");
  buffer.resize(out_count);
  return buffer;
}

// ---------------------------------------------------------------------------------------------------------
// conv2d

struct conv_spec {
  shape in{};
  std::size_t filters = 1;
  extent2 kernel{}, stride{}, dilation{};
  pad_mode mode = pad_mode::valid;
  padding2 explicit_pad{};
  activation act = activation::linear;
  bool bias = true;
};

std::string text(const conv_spec& c, std::size_t batch) {
  std::ostringstream o;
  o << "conv2d in " << text(c.in) << " batch " << batch << ", " << c.filters << " filters, kernel "
    << text(c.kernel) << ", stride " << text(c.stride) << ", dilation " << text(c.dilation) << ", "
    << text(c.mode);
  if (c.mode == pad_mode::explicit_cells) o << " " << text(c.explicit_pad);
  o << ", " << text(c.act) << (c.bias ? ", bias" : ", no bias");
  return o.str();
}

std::pair<axis_layout, axis_layout> conv_layout(const conv_spec& c) {
  return {tf_axis(c.in.h, c.kernel.h, c.stride.h, c.dilation.h, c.mode, c.explicit_pad.top, c.explicit_pad.bottom),
          tf_axis(c.in.w, c.kernel.w, c.stride.w, c.dilation.w, c.mode, c.explicit_pad.left, c.explicit_pad.right)};
}

std::size_t conv_weight_count(const conv_spec& c) {
  return c.kernel.h * c.kernel.w * c.in.c * c.filters + (c.bias ? c.filters : 0);
}

/// The geometry as the TensorFlow formulas give it (for runtime shapes the layer templates cannot take).
cn::conv2d_geometry independent_geometry(const conv_spec& c) {
  const auto [y, x] = conv_layout(c);
  return {c.in,     cn::feature_maps(y.out, x.out, c.filters), c.kernel, c.stride, c.dilation,
          {y.before, y.after, x.before, x.after},             c.act,    c.bias};
}

expected naive_conv(const conv_spec& c, std::span<const float> weights, std::span<const float> input,
                    std::size_t batch) {
  const auto [y, x] = conv_layout(c);
  if (!y.fits || !x.fits) throw std::logic_error("naive_conv: the kernel does not fit");
  const std::size_t H = c.in.h, W = c.in.w, C = c.in.c, F = c.filters;
  const std::size_t kh = c.kernel.h, kw = c.kernel.w;
  // The zero-padded input, materialized in double.
  const std::size_t PH = H + y.before + y.after, PW = W + x.before + x.after;
  std::vector<double> padded(batch * PH * PW * C, 0.0);
  for (std::size_t b = 0; b < batch; ++b)
    for (std::size_t iy = 0; iy < H; ++iy)
      for (std::size_t ix = 0; ix < W; ++ix)
        for (std::size_t ic = 0; ic < C; ++ic)
          padded[((b * PH + iy + y.before) * PW + ix + x.before) * C + ic] = input[((b * H + iy) * W + ix) * C + ic];

  expected e;
  e.out = cn::feature_maps(y.out, x.out, F);
  const std::size_t OH = y.out, OW = x.out;
  e.pre.assign(batch * OH * OW * F, 0.0);
  e.pre_tol.assign(e.pre.size(), 0.0);
  const std::size_t K = kh * kw * C;
  const float* bias = c.bias ? weights.data() + K * F : nullptr;
  for (std::size_t b = 0; b < batch; ++b)
    for (std::size_t f = 0; f < F; ++f)
      for (std::size_t oy = 0; oy < OH; ++oy)
        for (std::size_t ox = 0; ox < OW; ++ox) {
          double sum = bias ? static_cast<double>(bias[f]) : 0.0;
          double magnitude = std::fabs(sum);
          for (std::size_t ic = 0; ic < C; ++ic)
            for (std::size_t ky = 0; ky < kh; ++ky)
              for (std::size_t kx = 0; kx < kw; ++kx) {
                const std::size_t py = oy * c.stride.h + ky * c.dilation.h;
                const std::size_t px = ox * c.stride.w + kx * c.dilation.w;
                if (py >= PH || px >= PW) throw std::logic_error("naive_conv: a window leaves the padded input");
                const double term = padded[((b * PH + py) * PW + px) * C + ic] *
                                    static_cast<double>(weights[((ky * kw + kx) * C + ic) * F + f]);
                sum += term;
                magnitude += std::fabs(term);
              }
          const std::size_t at = ((b * OH + oy) * OW + ox) * F + f;
          e.pre[at] = sum;
          e.pre_tol[at] = as_double(K + 2) * unit_roundoff * magnitude + absolute_floor;
        }
  activate(c.act, F, e);
  return e;
}

/// Compares the reference conv2d run with geometry g on kernel_weights against the naive result for spec c
/// on naive_weights (the same vector except in the sanity test): first with a linear activation (the raw
/// accumulation), then with c's activation.
outcome compare_conv(const conv_spec& c, std::span<const float> naive_weights, const cn::conv2d_geometry& g,
                     std::span<const float> kernel_weights, const std::vector<float>& input, std::size_t batch,
                     tally& t) {
  outcome result;
  const expected e = naive_conv(c, naive_weights, input, batch);
  if (g.out != e.out) {
    result.fail("geometry output " + text(g.out) + ", TensorFlow formula " + text(e.out));
    return result;
  }
  const std::size_t count = e.pre.size();
  cn::conv2d_geometry linear = g;
  linear.act = activation::linear;
  const std::vector<float> raw = run_kernel<ref::conv2d>(linear, kernel_weights, input, count, batch, result);
  compare(raw, e.pre, e.pre_tol, "pre-activation", result, t);
  if (g.act != activation::linear) {
    const std::vector<float> out = run_kernel<ref::conv2d>(g, kernel_weights, input, count, batch, result);
    compare(out, e.value, e.value_tol, text(g.act), result, t);
  }
  ++t.cases;
  return result;
}

struct conv_data {
  std::vector<float> weights, input;
};

conv_data random_conv_data(const conv_spec& c, std::size_t batch, random_source& rng) {
  conv_data d;
  const double fan_in = as_double(c.kernel.h * c.kernel.w * c.in.c);
  d.weights = chance(rng, 0.2) ? random_floats(rng, conv_weight_count(c), 2)
                               : random_floats(rng, conv_weight_count(c), 0, 1.0 / std::sqrt(fan_in));
  d.input = random_floats(rng, batch * c.in.elements(), pick(rng, 0, 3));
  return d;
}

/// Checks spec c on geometry g (library-built or independent) with fresh random data.
void check_conv_case(const conv_spec& c, const cn::conv2d_geometry& g, std::size_t batch, random_source& rng,
                     tally& t) {
  const conv_data d = random_conv_data(c, batch, rng);
  const outcome r = compare_conv(c, d.weights, g, d.weights, d.input, batch, t);
  BOOST_CHECK_MESSAGE(r.ok(), text(c, batch) << ": " << r.mismatches << " mismatches; first: " << r.first);
}

conv_spec random_conv_spec(random_source& rng, std::size_t i) {
  conv_spec c;
  c.kernel.h = pick(rng, 1, 5);
  c.kernel.w = chance(rng, 0.4) ? c.kernel.h : pick(rng, 1, 5);
  c.stride = {pick(rng, 1, 3), pick(rng, 1, 3)};
  c.dilation = {pick(rng, 1, 3), pick(rng, 1, 3)};
  c.mode = static_cast<pad_mode>(i % 3);
  c.explicit_pad = {pick(rng, 0, 4), pick(rng, 0, 4), pick(rng, 0, 4), pick(rng, 0, 4)};  // may exceed the kernel
  if (c.mode != pad_mode::explicit_cells) c.explicit_pad = {};
  c.act = all_activations[(i / 3) % activation_count];
  c.bias = chance(rng, 0.5);
  c.filters = pick(rng, 1, 19);
  const std::size_t fh = c.dilation.h * (c.kernel.h - 1) + 1, fw = c.dilation.w * (c.kernel.w - 1) + 1;
  const std::size_t min_h = smallest_fitting(fh, c.mode, c.explicit_pad.top, c.explicit_pad.bottom);
  const std::size_t min_w = smallest_fitting(fw, c.mode, c.explicit_pad.left, c.explicit_pad.right);
  c.in = cn::feature_maps(pick(rng, min_h, min_h + 7), pick(rng, min_w, min_w + 7), pick(rng, 1, 19));
  return c;
}

// ---------------------------------------------------------------------------------------------------------
// depthwise_conv2d and separable_conv2d

/// A depthwise layer (filters == 0) or a separable one (filters: the pointwise stage's outputs).
struct channelwise_spec {
  shape in{};
  std::size_t multiplier = 1, filters = 0;
  extent2 kernel{}, stride{}, dilation{};
  pad_mode mode = pad_mode::valid;
  padding2 explicit_pad{};
  activation act = activation::linear;
  bool bias = true;
  bool separable() const { return filters > 0; }
  std::size_t middle() const { return in.c * multiplier; }  // the depthwise stage's channels
};

std::string text(const channelwise_spec& s, std::size_t batch) {
  std::ostringstream o;
  o << (s.separable() ? "separable_conv2d" : "depthwise_conv2d") << " in " << text(s.in) << " batch " << batch
    << ", multiplier " << s.multiplier;
  if (s.separable()) o << ", " << s.filters << " filters";
  o << ", kernel " << text(s.kernel) << ", stride " << text(s.stride) << ", dilation " << text(s.dilation) << ", "
    << text(s.mode);
  if (s.mode == pad_mode::explicit_cells) o << " " << text(s.explicit_pad);
  o << ", " << text(s.act) << (s.bias ? ", bias" : ", no bias");
  return o.str();
}

std::pair<axis_layout, axis_layout> channelwise_layout(const channelwise_spec& s) {
  return {tf_axis(s.in.h, s.kernel.h, s.stride.h, s.dilation.h, s.mode, s.explicit_pad.top, s.explicit_pad.bottom),
          tf_axis(s.in.w, s.kernel.w, s.stride.w, s.dilation.w, s.mode, s.explicit_pad.left, s.explicit_pad.right)};
}

cn::depthwise_conv2d_geometry independent_depthwise_geometry(const channelwise_spec& s) {
  const auto [y, x] = channelwise_layout(s);
  return {s.in,         cn::feature_maps(y.out, x.out, s.middle()), s.kernel, s.stride, s.dilation,
          {y.before, y.after, x.before, x.after}, s.multiplier, s.act, s.bias};
}
cn::separable_conv2d_geometry independent_separable_geometry(const channelwise_spec& s) {
  const auto [y, x] = channelwise_layout(s);
  return {s.in,         cn::feature_maps(y.out, x.out, s.filters), s.kernel, s.stride, s.dilation,
          {y.before, y.after, x.before, x.after}, s.multiplier, s.act, s.bias};
}

/// The naive layer, from Keras' definitions: the zero-padded input materialized in double; the whole
/// depthwise tensor, channel c*M + m being input channel c correlated with kernel[:, :, c, m], in loops
/// (image, c, m, oy, ox, ky, kx); then its bias (depthwise) or the pointwise stage in loops (image, filter,
/// oy, ox, depthwise channel). Tolerances as derived at the top of the file.
expected naive_channelwise(const channelwise_spec& s, std::span<const float> weights, std::span<const float> input,
                           std::size_t batch) {
  const auto [y, x] = channelwise_layout(s);
  if (!y.fits || !x.fits) throw std::logic_error("naive_channelwise: the kernel does not fit");
  const std::size_t H = s.in.h, W = s.in.w, C = s.in.c, M = s.multiplier, J = C * M;
  const std::size_t kh = s.kernel.h, kw = s.kernel.w, K = kh * kw;
  const std::size_t PH = H + y.before + y.after, PW = W + x.before + x.after, OH = y.out, OW = x.out;
  std::vector<double> padded(batch * PH * PW * C, 0.0);
  for (std::size_t b = 0; b < batch; ++b)
    for (std::size_t iy = 0; iy < H; ++iy)
      for (std::size_t ix = 0; ix < W; ++ix)
        for (std::size_t c = 0; c < C; ++c)
          padded[((b * PH + iy + y.before) * PW + ix + x.before) * C + c] = input[((b * H + iy) * W + ix) * C + c];

  std::vector<double> depth(batch * OH * OW * J, 0.0), depth_magnitude(depth.size(), 0.0);
  for (std::size_t b = 0; b < batch; ++b)
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t m = 0; m < M; ++m)
        for (std::size_t oy = 0; oy < OH; ++oy)
          for (std::size_t ox = 0; ox < OW; ++ox) {
            double sum = 0.0, magnitude = 0.0;
            for (std::size_t ky = 0; ky < kh; ++ky)
              for (std::size_t kx = 0; kx < kw; ++kx) {
                const std::size_t py = oy * s.stride.h + ky * s.dilation.h, px = ox * s.stride.w + kx * s.dilation.w;
                if (py >= PH || px >= PW) throw std::logic_error("naive_channelwise: a window leaves the padded input");
                const double term = padded[((b * PH + py) * PW + px) * C + c] *
                                    static_cast<double>(weights[((ky * kw + kx) * C + c) * M + m]);
                sum += term;
                magnitude += std::fabs(term);
              }
            const std::size_t at = ((b * OH + oy) * OW + ox) * J + c * M + m;
            depth[at] = sum;
            depth_magnitude[at] = magnitude;
          }

  expected e;
  const float* after_depthwise = weights.data() + K * J;
  if (!s.separable()) {
    e.out = cn::feature_maps(OH, OW, J);
    e.pre.resize(depth.size());
    e.pre_tol.resize(depth.size());
    for (std::size_t i = 0; i < depth.size(); ++i) {
      const double bias = s.bias ? static_cast<double>(after_depthwise[i % J]) : 0.0;
      e.pre[i] = depth[i] + bias;
      e.pre_tol[i] = as_double(K + 2) * unit_roundoff * (depth_magnitude[i] + std::fabs(bias)) + absolute_floor;
    }
  } else {
    const std::size_t F = s.filters;
    const float* pointwise = after_depthwise;  // [J][F]
    const float* bias = s.bias ? pointwise + J * F : nullptr;
    e.out = cn::feature_maps(OH, OW, F);
    e.pre.assign(batch * OH * OW * F, 0.0);
    e.pre_tol.assign(e.pre.size(), 0.0);
    for (std::size_t b = 0; b < batch; ++b)
      for (std::size_t f = 0; f < F; ++f)
        for (std::size_t oy = 0; oy < OH; ++oy)
          for (std::size_t ox = 0; ox < OW; ++ox) {
            double sum = bias ? static_cast<double>(bias[f]) : 0.0;
            double magnitude = std::fabs(sum);
            for (std::size_t j = 0; j < J; ++j) {
              const std::size_t at = ((b * OH + oy) * OW + ox) * J + j;
              const double w = pointwise[j * F + f];
              sum += depth[at] * w;
              magnitude += depth_magnitude[at] * std::fabs(w);
            }
            const std::size_t at = ((b * OH + oy) * OW + ox) * F + f;
            e.pre[at] = sum;
            e.pre_tol[at] = as_double(K + J + 5) * unit_roundoff * magnitude + absolute_floor;
          }
  }
  activate(s.act, e.out.c, e);
  return e;
}

std::size_t channelwise_weight_count(const channelwise_spec& s) {
  const std::size_t depthwise = s.kernel.h * s.kernel.w * s.middle();
  if (!s.separable()) return depthwise + (s.bias ? s.middle() : 0);
  return depthwise + s.middle() * s.filters + (s.bias ? s.filters : 0);
}

/// The reference kernel of a geometry (kernels/registry.hpp's reference_for, without its SIMD kernels).
template <class Geometry>
using channelwise_kernel = std::conditional_t<std::is_same_v<Geometry, cn::depthwise_conv2d_geometry>,
                                              ref::depthwise_conv2d, ref::separable_conv2d>;

/// As compare_conv: the reference kernel with geometry g on kernel_weights against the naive layer for
/// spec s on naive_weights, linear first, then with the activation.
template <class Geometry>
outcome compare_channelwise(const channelwise_spec& s, std::span<const float> naive_weights, const Geometry& g,
                            std::span<const float> kernel_weights, const std::vector<float>& input,
                            std::size_t batch, tally& t) {
  outcome result;
  const expected e = naive_channelwise(s, naive_weights, input, batch);
  if (g.out != e.out) {
    result.fail("geometry output " + text(g.out) + ", TensorFlow formula " + text(e.out));
    return result;
  }
  using kernel = channelwise_kernel<Geometry>;
  const std::size_t count = e.pre.size();
  Geometry linear = g;
  linear.act = activation::linear;
  const std::vector<float> raw = run_kernel<kernel>(linear, kernel_weights, input, count, batch, result);
  compare(raw, e.pre, e.pre_tol, "pre-activation", result, t);
  if (g.act != activation::linear) {
    const std::vector<float> out = run_kernel<kernel>(g, kernel_weights, input, count, batch, result);
    compare(out, e.value, e.value_tol, text(g.act), result, t);
  }
  ++t.cases;
  return result;
}

/// Weights scaled by each stage's fan-in (kh*kw taps, C*M pointwise inputs) or, sometimes, small integers.
conv_data random_channelwise_data(const channelwise_spec& s, std::size_t batch, random_source& rng) {
  conv_data d;
  const std::size_t depthwise = s.kernel.h * s.kernel.w * s.middle();
  const std::size_t total = channelwise_weight_count(s);
  if (chance(rng, 0.2)) {
    d.weights = random_floats(rng, total, 2);
  } else {
    d.weights = random_floats(rng, depthwise, 0, 1.0 / std::sqrt(as_double(s.kernel.h * s.kernel.w)));
    const std::vector<float> rest =
        random_floats(rng, total - depthwise, 0, s.separable() ? 1.0 / std::sqrt(as_double(s.middle())) : 1.0);
    d.weights.insert(d.weights.end(), rest.begin(), rest.end());
  }
  d.input = random_floats(rng, batch * s.in.elements(), pick(rng, 0, 3));
  return d;
}

template <class Geometry>
void check_channelwise_case(const channelwise_spec& s, const Geometry& g, std::size_t batch, random_source& rng,
                            tally& t) {
  const conv_data d = random_channelwise_data(s, batch, rng);
  const outcome r = compare_channelwise(s, d.weights, g, d.weights, d.input, batch, t);
  BOOST_CHECK_MESSAGE(r.ok(), text(s, batch) << ": " << r.mismatches << " mismatches; first: " << r.first);
}
void check_channelwise_case(const channelwise_spec& s, std::size_t batch, random_source& rng, tally& t) {
  if (s.separable()) check_channelwise_case(s, independent_separable_geometry(s), batch, rng, t);
  else check_channelwise_case(s, independent_depthwise_geometry(s), batch, rng, t);
}

channelwise_spec random_channelwise_spec(random_source& rng, std::size_t i, bool separable) {
  channelwise_spec s;
  s.kernel.h = pick(rng, 1, 5);
  s.kernel.w = chance(rng, 0.4) ? s.kernel.h : pick(rng, 1, 5);
  s.stride = {pick(rng, 1, 3), pick(rng, 1, 3)};
  s.dilation = {pick(rng, 1, 3), pick(rng, 1, 3)};
  s.mode = static_cast<pad_mode>(i % 3);
  if (s.mode == pad_mode::explicit_cells)
    s.explicit_pad = {pick(rng, 0, 4), pick(rng, 0, 4), pick(rng, 0, 4), pick(rng, 0, 4)};
  s.act = all_activations[(i / 3) % 5];
  s.bias = chance(rng, 0.5);
  s.multiplier = pick(rng, 1, 3);
  s.filters = separable ? pick(rng, 1, 13) : 0;
  const std::size_t fh = s.dilation.h * (s.kernel.h - 1) + 1, fw = s.dilation.w * (s.kernel.w - 1) + 1;
  const std::size_t min_h = smallest_fitting(fh, s.mode, s.explicit_pad.top, s.explicit_pad.bottom);
  const std::size_t min_w = smallest_fitting(fw, s.mode, s.explicit_pad.left, s.explicit_pad.right);
  s.in = cn::feature_maps(pick(rng, min_h, min_h + 7), pick(rng, min_w, min_w + 7), pick(rng, 1, 13));
  return s;
}

// ---------------------------------------------------------------------------------------------------------
// pool2d and global pooling

struct pool_spec {
  shape in{};
  extent2 window{}, stride{};
  pad_mode mode = pad_mode::valid;
  padding2 explicit_pad{};
  pool_kind kind = pool_kind::max;
  double lambda = 1.0;
  bool count_padding = false;
  extent2 dilation{1, 1};  // max pooling only (PyTorch's MaxPool2d(dilation=d))
  bool ceil_mode = false;  // PyTorch's ceil_mode=True: valid and explicit padding only
};

std::string text(const pool_spec& p, std::size_t batch) {
  std::ostringstream o;
  o << text(p.kind) << " pool in " << text(p.in) << " batch " << batch << ", window " << text(p.window)
    << ", stride " << text(p.stride) << ", " << text(p.mode);
  if (p.mode == pad_mode::explicit_cells) o << " " << text(p.explicit_pad);
  if (p.kind == pool_kind::mixed) o << ", lambda " << p.lambda;
  if (p.count_padding) o << ", count_padding";
  if (p.dilation != extent2{1, 1}) o << ", dilation " << text(p.dilation);
  if (p.ceil_mode) o << ", ceil_mode";
  return o.str();
}

/// PyTorch's output size with ceil_mode=True (torch.nn.MaxPool2d's documentation): the ceiling instead of
/// the floor in (n + p_before + p_after - f_eff) / s + 1, and a last window that would start in the
/// right (bottom) padding or beyond is dropped. valid: no padding.
axis_layout torch_ceil_axis(std::size_t n, std::size_t f, std::size_t s, std::size_t d, pad_mode mode, std::size_t begin,
                            std::size_t end) {
  if (mode == pad_mode::same) throw std::logic_error("torch_ceil_axis: PyTorch pools have no 'same'");
  if (mode == pad_mode::valid) begin = end = 0;
  const long long N = static_cast<long long>(n), S = static_cast<long long>(s);
  const long long span = static_cast<long long>(d) * (static_cast<long long>(f) - 1) + 1;
  const long long padded = N + static_cast<long long>(begin) + static_cast<long long>(end);
  axis_layout a;
  if (padded - span < 0) return a;
  long long out = ceil_of_ratio(padded - span, S) + 1;
  const long long last_start = (out - 1) * S - static_cast<long long>(begin);  // in image coordinates
  if (last_start >= N) --out;
  return {true, static_cast<std::size_t>(out), begin, end};
}

std::pair<axis_layout, axis_layout> pool_layout(const pool_spec& p) {
  if (p.ceil_mode)
    return {torch_ceil_axis(p.in.h, p.window.h, p.stride.h, p.dilation.h, p.mode, p.explicit_pad.top, p.explicit_pad.bottom),
            torch_ceil_axis(p.in.w, p.window.w, p.stride.w, p.dilation.w, p.mode, p.explicit_pad.left, p.explicit_pad.right)};
  return {tf_axis(p.in.h, p.window.h, p.stride.h, p.dilation.h, p.mode, p.explicit_pad.top, p.explicit_pad.bottom),
          tf_axis(p.in.w, p.window.w, p.stride.w, p.dilation.w, p.mode, p.explicit_pad.left, p.explicit_pad.right)};
}

/// Whether every window, along both axes, samples at least one cell of the image (a dilated window can
/// step over a small image; the layers reject such networks).
bool every_window_sees_the_image(const pool_spec& p) {
  const auto [y, x] = pool_layout(p);
  if (!y.fits || !x.fits) return false;
  auto axis = [](std::size_t out, std::size_t f, std::size_t s, std::size_t d, std::size_t before, std::size_t n) {
    for (std::size_t o = 0; o < out; ++o) {
      bool seen = false;
      for (std::size_t k = 0; k < f; ++k) {
        const long long cell = static_cast<long long>(o * s + k * d) - static_cast<long long>(before);
        seen = seen || (cell >= 0 && cell < static_cast<long long>(n));
      }
      if (!seen) return false;
    }
    return true;
  };
  return axis(y.out, p.window.h, p.stride.h, p.dilation.h, y.before, p.in.h) &&
         axis(x.out, p.window.w, p.stride.w, p.dilation.w, x.before, p.in.w);
}

cn::pool2d_geometry independent_geometry(const pool_spec& p) {
  const auto [y, x] = pool_layout(p);
  cn::pool2d_geometry g;
  g.in = p.in;
  g.out = cn::feature_maps(y.out, x.out, p.in.c);
  g.window = p.window;
  g.stride = p.stride;
  g.dilation = p.dilation;
  g.pad = {y.before, y.after, x.before, x.after};
  g.kind = p.kind;
  g.lambda = p.lambda;
  g.count_padding = p.count_padding;
  g.ceil_mode = p.ceil_mode;
  return g;
}

expected naive_pool(const pool_spec& p, std::span<const float> input, std::size_t batch) {
  const auto [y, x] = pool_layout(p);
  if (!y.fits || !x.fits) throw std::logic_error("naive_pool: the window does not fit");
  const long long H = static_cast<long long>(p.in.h), W = static_cast<long long>(p.in.w);
  const long long top = static_cast<long long>(y.before), left = static_cast<long long>(x.before);
  const long long bottom = static_cast<long long>(y.after), right = static_cast<long long>(x.after);
  const std::size_t C = p.in.c, OH = y.out, OW = x.out;
  expected e;
  e.out = cn::feature_maps(OH, OW, C);
  e.value.assign(batch * OH * OW * C, 0.0);
  e.value_tol.assign(e.value.size(), 0.0);
  for (std::size_t b = 0; b < batch; ++b)
    for (std::size_t ch = 0; ch < C; ++ch)
      for (std::size_t oy = 0; oy < OH; ++oy)
        for (std::size_t ox = 0; ox < OW; ++ox) {
          std::size_t inside = 0, padding = 0, beyond = 0;
          double largest = 0.0, sum = 0.0, magnitude = 0.0;
          for (std::size_t ky = 0; ky < p.window.h; ++ky)
            for (std::size_t kx = 0; kx < p.window.w; ++kx) {
              // The cell's coordinates in the unpadded image; the padded map spans [-top, H + bottom).
              const long long iy = static_cast<long long>(oy * p.stride.h + ky * p.dilation.h) - top;
              const long long ix = static_cast<long long>(ox * p.stride.w + kx * p.dilation.w) - left;
              const bool in_image = iy >= 0 && iy < H && ix >= 0 && ix < W;
              const bool in_padded = iy >= -top && iy < H + bottom && ix >= -left && ix < W + right;
              if (in_image) {
                const double v = input[((b * p.in.h + static_cast<std::size_t>(iy)) * p.in.w +
                                        static_cast<std::size_t>(ix)) * C + ch];
                largest = inside == 0 ? v : std::max(largest, v);
                sum += v;
                magnitude += std::fabs(v);
                ++inside;
              } else if (in_padded) {
                ++padding;
              } else {
                ++beyond;
              }
            }
          if (beyond != 0 && !p.ceil_mode) throw std::logic_error("naive_pool: a window leaves the padded input");
          if (inside == 0) throw std::logic_error("naive_pool: a window holds only padding");
          const std::size_t divisor = p.count_padding ? inside + padding : inside;
          const double average = sum / as_double(divisor);
          const double average_tol = as_double(inside + 2) * unit_roundoff * magnitude / as_double(divisor);
          const std::size_t at = ((b * OH + oy) * OW + ox) * C + ch;
          switch (p.kind) {
            case pool_kind::max:
              e.value[at] = largest;  // exact: tolerance 0
              break;
            case pool_kind::average:
              e.value[at] = average;
              e.value_tol[at] = average_tol + absolute_floor;
              break;
            case pool_kind::mixed:
              e.value[at] = p.lambda * largest + (1.0 - p.lambda) * average;
              e.value_tol[at] = std::fabs(1.0 - p.lambda) * average_tol +
                                4.0 * unit_roundoff *
                                    (std::fabs(p.lambda * largest) + std::fabs((1.0 - p.lambda) * average)) +
                                absolute_floor;
              break;
          }
        }
  return e;
}

outcome compare_pool(const pool_spec& p, const cn::pool2d_geometry& g, const std::vector<float>& input,
                     std::size_t batch, tally& t) {
  outcome result;
  const expected e = naive_pool(p, input, batch);
  if (g.out != e.out) {
    result.fail("geometry output " + text(g.out) + ", TensorFlow formula " + text(e.out));
    return result;
  }
  const std::vector<float> out = run_kernel<ref::pool2d>(g, {}, input, e.value.size(), batch, result);
  compare(out, e.value, e.value_tol, text(p.kind), result, t);
  ++t.cases;
  return result;
}

void check_pool_case(const pool_spec& p, const cn::pool2d_geometry& g, std::size_t batch, random_source& rng,
                     tally& t) {
  const std::vector<float> input = random_floats(rng, batch * p.in.elements(), pick(rng, 0, 3));
  const outcome r = compare_pool(p, g, input, batch, t);
  BOOST_CHECK_MESSAGE(r.ok(), text(p, batch) << ": " << r.mismatches << " mismatches; first: " << r.first);
}

constexpr double lambdas[] = {0.0, 0.25, 1.0 / 3.0, 0.5, 0.9, 1.0};

/// A random spec; about a third of the max pools dilated, half of the valid and explicit ones in
/// ceil_mode. It may have a window that samples no input cell (random_pool_spec redraws those).
pool_spec random_pool_spec_candidate(random_source& rng, std::size_t i) {
  pool_spec p;
  p.window.h = pick(rng, 1, 5);
  p.window.w = chance(rng, 0.4) ? p.window.h : pick(rng, 1, 5);
  p.stride = chance(rng, 0.25) ? p.window : extent2{pick(rng, 1, 3), pick(rng, 1, 3)};
  p.mode = static_cast<pad_mode>(i % 3);
  if (p.mode == pad_mode::explicit_cells)  // smaller than the window, as the layer requires
    p.explicit_pad = {pick(rng, 0, p.window.h - 1), pick(rng, 0, p.window.h - 1), pick(rng, 0, p.window.w - 1),
                      pick(rng, 0, p.window.w - 1)};
  p.kind = static_cast<pool_kind>((i / 3) % 3);
  p.lambda = p.kind == pool_kind::max ? 1.0 : p.kind == pool_kind::average ? 0.0 : lambdas[pick(rng, 0, 5)];
  p.count_padding = p.kind != pool_kind::max && chance(rng, 0.5);
  if (p.kind == pool_kind::max && chance(rng, 0.35)) p.dilation = {pick(rng, 1, 3), pick(rng, 1, 3)};
  p.ceil_mode = p.mode != pad_mode::same && chance(rng, 0.5);
  const std::size_t fh = p.dilation.h * (p.window.h - 1) + 1, fw = p.dilation.w * (p.window.w - 1) + 1;
  const std::size_t min_h = smallest_fitting(fh, p.mode, p.explicit_pad.top, p.explicit_pad.bottom);
  const std::size_t min_w = smallest_fitting(fw, p.mode, p.explicit_pad.left, p.explicit_pad.right);
  p.in = cn::feature_maps(pick(rng, min_h, min_h + 8), pick(rng, min_w, min_w + 8), pick(rng, 1, 19));
  return p;
}

pool_spec random_pool_spec(random_source& rng, std::size_t i) {
  pool_spec p;
  do {
    p = random_pool_spec_candidate(rng, i);
  } while (!every_window_sees_the_image(p));
  return p;
}

expected naive_global_pool(const shape& in, pool_kind kind, std::span<const float> input, std::size_t batch) {
  const std::size_t C = in.c, cells = in.h * in.w;
  expected e;
  e.out = cn::features(C);
  e.value.assign(batch * C, 0.0);
  e.value_tol.assign(batch * C, 0.0);
  std::vector<double> largest(C), sum(C), magnitude(C);
  for (std::size_t b = 0; b < batch; ++b) {
    for (std::size_t ch = 0; ch < C; ++ch) largest[ch] = -std::numeric_limits<double>::infinity(), sum[ch] = 0.0,
                                           magnitude[ch] = 0.0;
    for (std::size_t cell = 0; cell < cells; ++cell)  // cells outer, channels inner
      for (std::size_t ch = 0; ch < C; ++ch) {
        const double v = input[(b * cells + cell) * C + ch];
        largest[ch] = std::max(largest[ch], v);
        sum[ch] += v;
        magnitude[ch] += std::fabs(v);
      }
    for (std::size_t ch = 0; ch < C; ++ch) {
      if (kind == pool_kind::max) {
        e.value[b * C + ch] = largest[ch];
      } else {
        e.value[b * C + ch] = sum[ch] / as_double(cells);
        e.value_tol[b * C + ch] = as_double(cells + 2) * unit_roundoff * magnitude[ch] / as_double(cells) +
                                  absolute_floor;
      }
    }
  }
  return e;
}

// ---------------------------------------------------------------------------------------------------------
// dense

expected naive_dense(const cn::dense_geometry& g, std::span<const float> weights, std::span<const float> input,
                     std::size_t batch) {
  expected e;
  e.out = cn::features(g.units);
  e.pre.assign(batch * g.units, 0.0);
  e.pre_tol.assign(batch * g.units, 0.0);
  for (std::size_t b = 0; b < batch; ++b)
    for (std::size_t unit = 0; unit < g.units; ++unit) {  // units outer, inputs inner
      double sum = g.bias ? static_cast<double>(weights[g.in * g.units + unit]) : 0.0;
      double magnitude = std::fabs(sum);
      for (std::size_t i = 0; i < g.in; ++i) {
        const double term =
            static_cast<double>(input[b * g.in + i]) * static_cast<double>(weights[i * g.units + unit]);
        sum += term;
        magnitude += std::fabs(term);
      }
      e.pre[b * g.units + unit] = sum;
      e.pre_tol[b * g.units + unit] = as_double(g.in + 2) * unit_roundoff * magnitude + absolute_floor;
    }
  activate(g.act, g.units, e);
  return e;
}

outcome compare_dense(const cn::dense_geometry& g, std::span<const float> naive_weights,
                      std::span<const float> kernel_weights, const std::vector<float>& input, std::size_t batch,
                      tally& t) {
  outcome result;
  const expected e = naive_dense(g, naive_weights, input, batch);
  cn::dense_geometry linear = g;
  linear.act = activation::linear;
  const std::vector<float> raw = run_kernel<ref::dense>(linear, kernel_weights, input, e.pre.size(), batch, result);
  compare(raw, e.pre, e.pre_tol, "pre-activation", result, t);
  if (g.act != activation::linear) {
    const std::vector<float> out = run_kernel<ref::dense>(g, kernel_weights, input, e.pre.size(), batch, result);
    compare(out, e.value, e.value_tol, text(g.act), result, t);
  }
  ++t.cases;
  return result;
}

// ---------------------------------------------------------------------------------------------------------
// batch norm

expected naive_batch_norm(const cn::batch_norm_geometry& g, std::span<const float> weights,
                          std::span<const float> input, std::size_t batch) {
  const std::size_t C = g.in.c, pixels = batch * g.in.h * g.in.w;
  expected e;
  e.out = g.in;
  e.value.assign(pixels * C, 0.0);
  e.value_tol.assign(pixels * C, 0.0);
  for (std::size_t ch = 0; ch < C; ++ch) {  // channels outer, pixels inner
    const double gamma = weights[ch], beta = weights[C + ch], mean = weights[2 * C + ch],
                 variance = weights[3 * C + ch];
    const double scale = gamma / std::sqrt(variance + g.epsilon);
    for (std::size_t px = 0; px < pixels; ++px) {
      const double t = (static_cast<double>(input[px * C + ch]) - mean) * scale;
      e.value[px * C + ch] = t + beta;
      e.value_tol[px * C + ch] = 8.0 * unit_roundoff * (std::fabs(t) + std::fabs(beta)) + absolute_floor;
    }
  }
  return e;
}

// =========================================================================================================
// Layer templates: their geometries against the TensorFlow formulas, and kernels run on them

/// What a windowed layer should be, stated independently of the layer template.
struct window_expect {
  extent2 size{}, stride{}, dilation{1, 1};
  pad_mode mode = pad_mode::valid;
  padding2 explicit_pad{};
  std::size_t filters = 0;  // conv2d only
  activation act = activation::linear;
  bool bias = true;
  pool_kind kind = pool_kind::max;  // pooling only
  double lambda = 1.0;
  bool count_padding = false;
  bool ceil_mode = false;
};

/// The pooling layer `e` describes, on input `in`.
pool_spec pool_spec_of(const window_expect& e, const shape& in) {
  return {in, e.size, e.stride, e.mode, e.explicit_pad, e.kind, e.lambda, e.count_padding, e.dilation, e.ceil_mode};
}

struct geometry_tally {
  std::size_t layers = 0, shapes = 0, rejected = 0;
};

/// A layer template's static functions, so that the checking code below is compiled twice (conv, pool)
/// rather than once per layer type.
template <class Geometry>
struct layer_functions {
  cn::diagnostic (*check)(const shape&, std::string_view);
  Geometry (*geometry)(const shape&);
  shape (*output)(const shape&);
};

template <class Geometry>
[[gnu::noinline]] void check_layer_functions(const window_expect& e, const layer_functions<Geometry>& layer,
                                             geometry_tally& gt, tally& kt, random_source& rng) {
  using geometry_type = Geometry;
  constexpr bool is_conv = std::is_same_v<geometry_type, cn::conv2d_geometry>;
  ++gt.layers;
  std::size_t bad = 0;
  std::string first;
  for (std::size_t h = 1; h <= 16; ++h)
    for (std::size_t w = 1; w <= 16; ++w) {
      const shape in = cn::feature_maps(h, w, 1 + (7 * h + 3 * w) % 19);
      const auto axis = e.ceil_mode ? torch_ceil_axis : tf_axis;
      const axis_layout y = axis(h, e.size.h, e.stride.h, e.dilation.h, e.mode, e.explicit_pad.top, e.explicit_pad.bottom);
      const axis_layout x = axis(w, e.size.w, e.stride.w, e.dilation.w, e.mode, e.explicit_pad.left, e.explicit_pad.right);
      // Pools also refuse inputs where a (dilated) window would sample only padding.
      const bool fits = y.fits && x.fits && (is_conv || every_window_sees_the_image(pool_spec_of(e, in)));
      const cn::diagnostic verdict = layer.check(in, "layer");
      if (verdict.failed() == fits) {
        if (bad++ == 0)
          first = "input " + text(in) + (fits ? " fits but check() says: " + std::string(verdict.view())
                                               : std::string(" does not fit but check() accepts it"));
      }
      if (!fits) {
        ++gt.rejected;
        continue;
      }
      ++gt.shapes;
      const geometry_type g = layer.geometry(in);
      const padding2 pad{y.before, y.after, x.before, x.after};
      geometry_type want{};
      if constexpr (is_conv)
        want = {in, cn::feature_maps(y.out, x.out, e.filters), e.size, e.stride, e.dilation, pad, e.act, e.bias};
      else
        want = {in,   cn::feature_maps(y.out, x.out, in.c), e.size,          e.stride,   e.dilation, pad,
                e.kind, e.lambda,                           e.count_padding, e.ceil_mode};
      if (!(g == want) || !(layer.output(in) == want.out)) {
        if (bad++ == 0)
          first = "input " + text(in) + ": geometry out " + text(g.out) + " " + text(g.pad) + ", expected " +
                  text(want.out) + " " + text(want.pad);
      }
    }
  BOOST_CHECK_MESSAGE(bad == 0, (is_conv ? "conv2d" : "pool2d")
                                    << " kernel/window " << text(e.size) << " stride " << text(e.stride)
                                    << " dilation " << text(e.dilation) << " " << text(e.mode) << " "
                                    << text(e.explicit_pad) << (e.ceil_mode ? " ceil_mode" : "") << ": " << bad
                                    << " wrong geometries; first: " << first);

  // One kernel run on a geometry this layer built, against the naive code fed only with `e`.
  const std::size_t fh = e.dilation.h * (e.size.h - 1) + 1, fw = e.dilation.w * (e.size.w - 1) + 1;
  const std::size_t min_h = smallest_fitting(fh, e.mode, e.explicit_pad.top, e.explicit_pad.bottom);
  const std::size_t min_w = smallest_fitting(fw, e.mode, e.explicit_pad.left, e.explicit_pad.right);
  shape in;
  do {  // a pool's input where every window sees the image (a few sizes are too small for dilated ones)
    in = cn::feature_maps(pick(rng, min_h, min_h + 5), pick(rng, min_w, min_w + 5), pick(rng, 1, 19));
  } while (!is_conv && !every_window_sees_the_image(pool_spec_of(e, in)));
  const std::size_t batch = pick(rng, 1, 3);
  if constexpr (is_conv) {
    const conv_spec c{in, e.filters, e.size, e.stride, e.dilation, e.mode, e.explicit_pad, e.act, e.bias};
    check_conv_case(c, layer.geometry(in), batch, rng, kt);
  } else {
    check_pool_case(pool_spec_of(e, in), layer.geometry(in), batch, rng, kt);
  }
}

template <class Layer>
[[gnu::noinline]] void check_layer(const window_expect& e, geometry_tally& gt, tally& kt, random_source& rng) {
  using geometry_type = std::remove_cvref_t<decltype(Layer::geometry(cn::feature_maps(1, 1, 1)))>;
  check_layer_functions(e, layer_functions<geometry_type>{&Layer::check, &Layer::geometry, &Layer::output}, gt, kt,
                        rng);
}

template <std::size_t I>
[[gnu::noinline]] void conv_family(geometry_tally& gt, tally& kt, random_source& rng) {
  constexpr std::size_t fh = 1 + I % 5, sh = 1 + (I / 5) % 3, dh = 1 + (I / 15) % 3;
  constexpr std::size_t fw = 1 + (3 * I + I / 5) % 5, sw = 1 + (I + I / 15) % 3, dw = 1 + (I / 3) % 3;
  constexpr std::size_t filters = 1 + (5 * I) % 19;
  constexpr activation a = all_activations[I % activation_count];
  constexpr bool bias = I % 4 != 3;
  using bias_option = std::conditional_t<bias, cn::named<"c">, cn::no_bias>;
  using K = cn::kernel<fh, fw>;
  using S = cn::strides<sh, sw>;
  using D = cn::dilation<dh, dw>;
  using A = cn::act::tag<a>;
  constexpr std::size_t pt = I % 3, pb = (I + 1) % 4, pl = (I / 3) % 3, pr = (I / 2) % 4;

  window_expect e{{fh, fw}, {sh, sw}, {dh, dw}, pad_mode::same, {}, filters, a, bias};
  check_layer<cn::conv2d<filters, K, S, cn::same, D, A, bias_option>>(e, gt, kt, rng);
  e.mode = pad_mode::valid;
  check_layer<cn::conv2d<filters, A, cn::valid, K, bias_option, D, S>>(e, gt, kt, rng);
  e.mode = pad_mode::explicit_cells;
  e.explicit_pad = {pt, pb, pl, pr};
  check_layer<cn::conv2d<filters, D, cn::pad<pt, pb, pl, pr>, S, K, A, bias_option>>(e, gt, kt, rng);
  // The shorter pad<> forms and the defaults (stride 1, dilation 1, valid, linear, bias).
  e.explicit_pad = {pt, pt, pt, pt};
  check_layer<cn::conv2d<filters, K, cn::pad<pt>, S, D, A, bias_option>>(e, gt, kt, rng);
  e.explicit_pad = {pb, pb, pl, pl};
  check_layer<cn::conv2d<filters, cn::pad<pb, pl>, K, S, D, A, bias_option>>(e, gt, kt, rng);
  if constexpr (I % 5 == 0) {
    const window_expect plain{{fh, fw}, {1, 1}, {1, 1}, pad_mode::valid, {}, filters, activation::linear, true};
    check_layer<cn::conv2d<filters, K>>(plain, gt, kt, rng);
  }
}

/// A depthwise or separable layer template (e: what it should be) against the TensorFlow formulas for every
/// input of 1..12 x 1..12 (check() accepts exactly the sizes that fit; geometry() and output() are the
/// independent geometry), its weight tensors against the layout the kernels read, then one kernel run on a
/// geometry the layer built.
template <class Layer>
[[gnu::noinline]] void check_channelwise_layer(const channelwise_spec& e, geometry_tally& gt, tally& kt,
                                               random_source& rng) {
  ++gt.layers;
  std::size_t bad = 0;
  std::string first;
  auto fail = [&](const std::string& why) {
    if (bad++ == 0) first = why;
  };
  auto same_geometry = [&](const channelwise_spec& s) {
    if constexpr (std::is_same_v<decltype(Layer::geometry(s.in)), cn::separable_conv2d_geometry>)
      return Layer::geometry(s.in) == independent_separable_geometry(s);
    else
      return Layer::geometry(s.in) == independent_depthwise_geometry(s);
  };
  for (std::size_t h = 1; h <= 12; ++h)
    for (std::size_t w = 1; w <= 12; ++w) {
      channelwise_spec s = e;
      s.in = cn::feature_maps(h, w, 1 + (5 * h + 3 * w) % 7);
      const auto [y, x] = channelwise_layout(s);
      const bool fits = y.fits && x.fits;
      const cn::diagnostic verdict = Layer::check(s.in, "layer");
      if (verdict.failed() == fits)
        fail("input " + text(s.in) + (fits ? " fits but check() says: " + std::string(verdict.view())
                                            : std::string(" does not fit but check() accepts it")));
      if (!fits) {
        ++gt.rejected;
        continue;
      }
      ++gt.shapes;
      if (!same_geometry(s) || !(Layer::output(s.in) == Layer::geometry(s.in).out))
        fail("input " + text(s.in) + ": geometry out " + text(Layer::geometry(s.in).out) + " " +
             text(Layer::geometry(s.in).pad) + ", expected another");
    }

  channelwise_spec s = e;
  const std::size_t fh = e.dilation.h * (e.kernel.h - 1) + 1, fw = e.dilation.w * (e.kernel.w - 1) + 1;
  const std::size_t min_h = smallest_fitting(fh, e.mode, e.explicit_pad.top, e.explicit_pad.bottom);
  const std::size_t min_w = smallest_fitting(fw, e.mode, e.explicit_pad.left, e.explicit_pad.right);
  s.in = cn::feature_maps(pick(rng, min_h, min_h + 5), pick(rng, min_w, min_w + 5), pick(rng, 1, 9));
  // The tensors, in the order and shapes the kernels (and Keras' get_weights()) read them.
  std::array<cn::weight_tensor, 4> tensors{};
  const std::size_t count = Layer::weight_tensors(s.in, tensors);
  const std::size_t K = s.kernel.h * s.kernel.w, J = s.middle(), out_c = s.separable() ? s.filters : J;
  std::vector<std::pair<std::string, std::vector<std::size_t>>> want = {
      {"depthwise_kernel", {s.kernel.h, s.kernel.w, s.in.c, s.multiplier}}};
  if (s.separable()) want.push_back({"pointwise_kernel", {1, 1, J, s.filters}});
  if (s.bias) want.push_back({"bias", {out_c}});
  std::size_t offset = 0;
  if (count != want.size()) fail(std::to_string(count) + " weight tensors, expected " + std::to_string(want.size()));
  for (std::size_t t = 0; t < std::min(count, want.size()); ++t) {
    const cn::weight_tensor& got = tensors[t];
    const std::vector<std::size_t> dims(got.dims.begin(), got.dims.begin() + got.rank);
    if (got.name.view() != want[t].first || dims != want[t].second || got.offset != offset)
      fail("weight tensor " + std::to_string(t) + " is " + std::string(got.name.view()) + " at offset " +
           std::to_string(got.offset) + ", expected " + want[t].first + " at " + std::to_string(offset));
    offset += got.elements();
  }
  if (offset != channelwise_weight_count(s)) fail("the weight tensors hold " + std::to_string(offset) + " floats");
  const auto [y, x] = channelwise_layout(s);
  const std::size_t macs = y.out * x.out * J * (K + (s.separable() ? s.filters : 0));
  if (Layer::macs(s.in) != macs) fail("macs " + std::to_string(Layer::macs(s.in)) + ", expected " + std::to_string(macs));
  BOOST_CHECK_MESSAGE(bad == 0, text(s, 1) << ": " << bad << " problems; first: " << first);
  check_channelwise_case(s, Layer::geometry(s.in), pick(rng, 1, 3), rng, kt);
}

template <pool_kind Kind, std::size_t I, class... Extra>
[[gnu::noinline]] void pool_family(double lambda, bool count_pad, geometry_tally& gt, tally& kt, random_source& rng) {
  constexpr std::size_t fh = 1 + I % 5, fw = 1 + (2 * I + I / 5) % 5, sh = 1 + (I / 5) % 3, sw = 1 + (I / 10) % 3;
  constexpr std::size_t pt = I % fh, pb = (I / 2) % fh, pl = (I / 3) % fw, pr = (I + 1) % fw;  // < window
  using P = cn::pool_size<fh, fw>;
  using S = cn::strides<sh, sw>;
  window_expect e;
  e.size = {fh, fw};
  e.stride = {sh, sw};
  e.kind = Kind;
  e.lambda = lambda;
  e.count_padding = count_pad;
  e.mode = pad_mode::same;
  check_layer<cn::pool2d<Kind, P, S, cn::same, Extra...>>(e, gt, kt, rng);
  e.mode = pad_mode::valid;
  check_layer<cn::pool2d<Kind, Extra..., S, P>>(e, gt, kt, rng);
  e.mode = pad_mode::explicit_cells;
  e.explicit_pad = {pt, pb, pl, pr};
  check_layer<cn::pool2d<Kind, cn::pad<pt, pb, pl, pr>, Extra..., P, S>>(e, gt, kt, rng);
  // ceil_mode, with valid and explicit padding.
  e.ceil_mode = true;
  check_layer<cn::pool2d<Kind, cn::pad<pt, pb, pl, pr>, cn::ceil_mode, Extra..., P, S>>(e, gt, kt, rng);
  e.mode = pad_mode::valid;
  e.explicit_pad = {};
  check_layer<cn::pool2d<Kind, P, cn::ceil_mode, S, Extra...>>(e, gt, kt, rng);
  e.ceil_mode = false;
  if constexpr (Kind == pool_kind::max) {  // dilation: max pooling only, with every padding and ceil_mode
    constexpr std::size_t dh = 1 + (I / 4) % 3, dw = 1 + (I / 7) % 3;
    using D = cn::dilation<dh, dw>;
    e.dilation = {dh, dw};
    check_layer<cn::pool2d<Kind, D, P, S, Extra...>>(e, gt, kt, rng);
    e.mode = pad_mode::same;
    check_layer<cn::pool2d<Kind, P, cn::same, D, S, Extra...>>(e, gt, kt, rng);
    e.mode = pad_mode::explicit_cells;
    e.explicit_pad = {pt, pb, pl, pr};
    e.ceil_mode = true;
    check_layer<cn::pool2d<Kind, cn::ceil_mode, P, cn::pad<pt, pb, pl, pr>, D, S, Extra...>>(e, gt, kt, rng);
    e.ceil_mode = false;
    e.dilation = {1, 1};
  }
  // Default strides: the pool size, as Keras.
  e.stride = {fh, fw};
  e.mode = pad_mode::same;
  e.explicit_pad = {};
  check_layer<cn::pool2d<Kind, cn::same, P, Extra...>>(e, gt, kt, rng);
  if constexpr (I < 3) {  // every default: 2x2 window, stride 2, valid
    e = window_expect{};
    e.size = {2, 2};
    e.stride = {2, 2};
    e.kind = Kind;
    e.lambda = lambda;
    e.count_padding = count_pad;
    check_layer<cn::pool2d<Kind, Extra...>>(e, gt, kt, rng);
  }
}

template <std::size_t I>
void pool_family_for(geometry_tally& gt, tally& kt, random_source& rng) {
  if constexpr (I % 3 == 0) {
    pool_family<pool_kind::max, I>(1.0, false, gt, kt, rng);
  } else if constexpr (I % 3 == 1) {
    if constexpr (I % 2 == 1)
      pool_family<pool_kind::average, I, cn::count_padding>(0.0, true, gt, kt, rng);
    else
      pool_family<pool_kind::average, I>(0.0, false, gt, kt, rng);
  } else {
    constexpr std::intmax_t num = (I / 3) % 4;
    const double lambda = static_cast<double>(num) / 3.0;
    if constexpr (I % 2 == 1)
      pool_family<pool_kind::mixed, I, cn::mix<num, 3>, cn::count_padding>(lambda, true, gt, kt, rng);
    else
      pool_family<pool_kind::mixed, I, cn::mix<num, 3>>(lambda, false, gt, kt, rng);
  }
}

struct stopwatch {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  double ms() const {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(reference_kernels)

BOOST_AUTO_TEST_CASE(layer_geometries_match_tensorflow_formulas) {
  const stopwatch clock;
  random_source rng(0x6E0'3E7ULL);
  geometry_tally gt;
  tally kt;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (conv_family<I>(gt, kt, rng), ...);
  }(std::make_index_sequence<45>{});
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (pool_family_for<I>(gt, kt, rng), ...);
  }(std::make_index_sequence<30>{});
  // The aliases name the same templates.
  static_assert(std::is_same_v<cn::max_pool<cn::pool_size<3>>, cn::pool2d<pool_kind::max, cn::pool_size<3>>>);
  static_assert(std::is_same_v<cn::avg_pool<cn::same>, cn::pool2d<pool_kind::average, cn::same>>);

  // Non-windowed layers: their geometries are plain records of the options.
  for (std::size_t n = 1; n <= 40; n += 3) {
    BOOST_TEST((cn::dense<7, cn::act::tanh, cn::no_bias>::geometry(cn::features(n)) ==
                cn::dense_geometry{n, 7, activation::tanh, false}));
    BOOST_TEST((cn::dense<19>::geometry(cn::features(n)) == cn::dense_geometry{n, 19, activation::linear, true}));
    const shape in = cn::feature_maps(n, n % 5 + 1, n % 19 + 1);
    BOOST_TEST((cn::batch_norm<>::geometry(in) == cn::batch_norm_geometry{in, 1e-3}));
    BOOST_TEST((cn::batch_norm<cn::epsilon<1, 100000>>::geometry(in) == cn::batch_norm_geometry{in, 1e-5}));
    BOOST_TEST((cn::global_avg_pool<>::geometry(in) == cn::global_pool_geometry{in, pool_kind::average}));
    BOOST_TEST((cn::global_max_pool<>::geometry(in) == cn::global_pool_geometry{in, pool_kind::max}));
  }
  BOOST_TEST_MESSAGE("layer geometries: " << gt.layers << " layer types x 256 input sizes = " << gt.shapes
                                          << " geometries checked, " << gt.rejected << " sizes correctly rejected; "
                                          << kt.cases << " kernel runs on layer-built geometries ("
                                          << kt.values << " values, worst error/tolerance " << kt.worst << "), "
                                          << clock.ms() << " ms");
}

BOOST_AUTO_TEST_CASE(conv2d_matches_zero_padded_correlation) {
  const stopwatch clock;
  random_source rng(0xC0'4F'2DULL);
  tally t;
  for (std::size_t i = 0; i < 330; ++i) {
    conv_spec c;
    std::size_t batch = 1, macs = 0;
    do {  // keep each case small
      c = random_conv_spec(rng, i);
      batch = pick(rng, 1, 4);
      const auto [y, x] = conv_layout(c);
      macs = batch * y.out * x.out * c.kernel.h * c.kernel.w * c.in.c * c.filters;
    } while (macs > 250'000);
    check_conv_case(c, independent_geometry(c), batch, rng, t);
  }
  BOOST_TEST_MESSAGE("conv2d: " << t.cases << " random cases, " << t.values << " values, worst error/tolerance "
                                << t.worst << ", " << clock.ms() << " ms");
}

BOOST_AUTO_TEST_CASE(depthwise_and_separable_layer_geometries_match_tensorflow_formulas) {
  random_source rng(0xD3'97'4ULL);
  geometry_tally gt;
  tally kt;
  channelwise_spec e;
  auto expect = [&](std::size_t multiplier, std::size_t filters, extent2 kernel, extent2 stride, extent2 dilation,
                    pad_mode mode, padding2 explicit_pad, activation act, bool bias) {
    e = {{}, multiplier, filters, kernel, stride, dilation, mode, explicit_pad, act, bias};
    return e;
  };
  using namespace cn;  // the layer templates and their options, as a user writes them
  check_channelwise_layer<depthwise_conv2d<kernel<3>>>(  // every default: M 1, stride 1, valid, linear, bias
      expect(1, 0, {3, 3}, {1, 1}, {1, 1}, pad_mode::valid, {}, activation::linear, true), gt, kt, rng);
  check_channelwise_layer<depthwise_conv2d<kernel<3>, depth_multiplier<2>, same, strides<2>, act::relu>>(
      expect(2, 0, {3, 3}, {2, 2}, {1, 1}, pad_mode::same, {}, activation::relu, true), gt, kt, rng);
  check_channelwise_layer<depthwise_conv2d<dilation<2>, kernel<3, 2>, valid, depth_multiplier<2>, no_bias, act::tanh>>(
      expect(2, 0, {3, 2}, {1, 1}, {2, 2}, pad_mode::valid, {}, activation::tanh, false), gt, kt, rng);
  check_channelwise_layer<depthwise_conv2d<kernel<2, 3>, pad<1, 0, 2, 1>, strides<2, 1>, act::softmax>>(
      expect(1, 0, {2, 3}, {2, 1}, {1, 1}, pad_mode::explicit_cells, {1, 0, 2, 1}, activation::softmax, true), gt, kt,
      rng);
  check_channelwise_layer<depthwise_conv2d<kernel<5>, same, dilation<2, 1>, depth_multiplier<3>, act::sigmoid>>(
      expect(3, 0, {5, 5}, {1, 1}, {2, 1}, pad_mode::same, {}, activation::sigmoid, true), gt, kt, rng);
  check_channelwise_layer<separable_conv2d<4, kernel<3>>>(
      expect(1, 4, {3, 3}, {1, 1}, {1, 1}, pad_mode::valid, {}, activation::linear, true), gt, kt, rng);
  check_channelwise_layer<separable_conv2d<5, kernel<3>, same, strides<2>, depth_multiplier<2>, act::relu>>(
      expect(2, 5, {3, 3}, {2, 2}, {1, 1}, pad_mode::same, {}, activation::relu, true), gt, kt, rng);
  check_channelwise_layer<separable_conv2d<3, depth_multiplier<2>, kernel<3>, dilation<2>, valid, no_bias, act::softmax>>(
      expect(2, 3, {3, 3}, {1, 1}, {2, 2}, pad_mode::valid, {}, activation::softmax, false), gt, kt, rng);
  check_channelwise_layer<separable_conv2d<6, kernel<1, 3>, pad<2>, strides<1, 2>, act::tanh>>(
      expect(1, 6, {1, 3}, {1, 2}, {1, 1}, pad_mode::explicit_cells, {2, 2, 2, 2}, activation::tanh, true), gt, kt, rng);
  check_channelwise_layer<separable_conv2d<2, kernel<4, 2>, same, dilation<1, 2>, strides<3>>>(
      expect(1, 2, {4, 2}, {3, 3}, {1, 2}, pad_mode::same, {}, activation::linear, true), gt, kt, rng);
  BOOST_TEST_MESSAGE("depthwise / separable layer geometries: " << gt.layers << " layer types, " << gt.shapes
                                                                << " geometries, " << gt.rejected
                                                                << " sizes correctly rejected; " << kt.cases
                                                                << " kernel runs, worst error/tolerance " << kt.worst);
}

// The cases the layers are for, each named: strides 1 and 2, valid and same padding, dilation 1 and 2,
// depth multipliers 1 and 2, on an odd-sized input (7x9, so 'same' with stride 2 pads unevenly).
BOOST_AUTO_TEST_CASE(depthwise_and_separable_on_strides_padding_dilation_and_multipliers) {
  random_source rng(0x5E'9A'2ULL);
  tally t;
  for (const bool separable : {false, true})
    for (const std::size_t stride : {1, 2})
      for (const pad_mode mode : {pad_mode::valid, pad_mode::same})
        for (const std::size_t dilation : {1, 2})
          for (const std::size_t multiplier : {1, 2}) {
            channelwise_spec s;
            s.in = cn::feature_maps(7, 9, 3);
            s.multiplier = multiplier;
            s.filters = separable ? 5 : 0;
            s.kernel = {3, 3};
            s.stride = {stride, stride};
            s.dilation = {dilation, dilation};
            s.mode = mode;
            s.act = all_activations[t.cases % 5];
            check_channelwise_case(s, 2, rng, t);
          }
  BOOST_TEST(t.cases == 32u);
  BOOST_TEST_MESSAGE("depthwise / separable grid: " << t.cases << " cases, " << t.values
                                                    << " values, worst error/tolerance " << t.worst);
}

BOOST_AUTO_TEST_CASE(depthwise_and_separable_match_naive_layers) {
  const stopwatch clock;
  random_source rng(0xDE'97'11ULL);
  for (const bool separable : {false, true}) {
    tally t;
    for (std::size_t i = 0; i < 240; ++i) {
      channelwise_spec s;
      std::size_t batch = 1, macs = 0;
      do {  // keep each case small
        s = random_channelwise_spec(rng, i, separable);
        batch = pick(rng, 1, 3);
        const auto [y, x] = channelwise_layout(s);
        macs = batch * y.out * x.out * s.middle() * (s.kernel.h * s.kernel.w + s.filters);
      } while (macs > 100'000);
      check_channelwise_case(s, batch, rng, t);
    }
    BOOST_TEST_MESSAGE((separable ? "separable_conv2d: " : "depthwise_conv2d: ")
                       << t.cases << " random cases, " << t.values << " values, worst error/tolerance " << t.worst
                       << ", " << clock.ms() << " ms");
  }
}

// Worked by hand. The image is 3x3x1 with values 1..9 (row-major); a 2x2 valid kernel, multiplier 2:
//   filter m=0 [[1, 0], [0, -1]], bias 0.5: x(y, x) - x(y+1, x+1) = -4 everywhere, so -3.5;
//   filter m=1 [[0, 1], [1, 0]], bias -1:   x(y, x+1) + x(y+1, x) = 6, 8, 12, 14, so 5, 7, 11, 13.
// Keras' [kh][kw][C][M] kernel holds, tap by tap, (m0, m1): (1, 0), (0, 1), (0, 1), (-1, 0).
// Separable with the same depthwise kernel, pointwise [2][1] = (1, 0.5) and bias 2:
//   2 + (-4) + 0.5 * (6, 8, 12, 14) = 1, 2, 4, 5.
// And the channel order, output c*M + m: a 1x1x2 image (3, 5), 1x1 kernel, M = 2, filters (c0: 1, 2),
// (c1: 10, 20): outputs 3, 6, 50, 100 (not 3, 50, 6, 100).
BOOST_AUTO_TEST_CASE(depthwise_and_separable_worked_examples) {
  const std::vector<float> image = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  const std::vector<float> depthwise_kernel = {1, 0, 0, 1, 0, 1, -1, 0};
  using depthwise = cn::depthwise_conv2d<cn::kernel<2>, cn::depth_multiplier<2>>;
  using separable = cn::separable_conv2d<1, cn::kernel<2>, cn::depth_multiplier<2>>;
  const shape in = cn::feature_maps(3, 3, 1);
  outcome r;

  std::vector<float> weights = depthwise_kernel;
  weights.insert(weights.end(), {0.5f, -1.0f});
  std::vector<float> out = run_kernel<ref::depthwise_conv2d>(depthwise::geometry(in), weights, image, 8, 1, r);
  BOOST_TEST(out == (std::vector<float>{-3.5f, 5, -3.5f, 7, -3.5f, 11, -3.5f, 13}), boost::test_tools::per_element());

  weights = depthwise_kernel;
  weights.insert(weights.end(), {1.0f, 0.5f, 2.0f});
  out = run_kernel<ref::separable_conv2d>(separable::geometry(in), weights, image, 4, 1, r);
  BOOST_TEST(out == (std::vector<float>{1, 2, 4, 5}), boost::test_tools::per_element());

  using order = cn::depthwise_conv2d<cn::kernel<1>, cn::depth_multiplier<2>, cn::no_bias>;
  out = run_kernel<ref::depthwise_conv2d>(order::geometry(cn::feature_maps(1, 1, 2)), std::vector<float>{1, 2, 10, 20},
                                          std::vector<float>{3, 5}, 4, 1, r);
  BOOST_TEST(out == (std::vector<float>{3, 6, 50, 100}), boost::test_tools::per_element());
  BOOST_TEST(r.ok(), r.first);
}

BOOST_AUTO_TEST_CASE(pool2d_matches_window_enumeration) {
  const stopwatch clock;
  random_source rng(0x9'00'12ULL);
  tally t;
  std::size_t by_kind[3] = {}, counted = 0, dilated = 0, ceil = 0, overhanging = 0;
  for (std::size_t i = 0; i < 360; ++i) {
    const pool_spec p = random_pool_spec(rng, i);
    const std::size_t batch = pick(rng, 1, 4);
    ++by_kind[static_cast<std::size_t>(p.kind)];
    counted += p.count_padding ? 1 : 0;
    dilated += p.dilation != extent2{1, 1};
    ceil += p.ceil_mode;
    // ceil_mode cases whose last window runs past the padded map (what floor mode never does).
    const auto [y, x] = pool_layout(p);
    const std::size_t span_h = p.dilation.h * (p.window.h - 1) + 1, span_w = p.dilation.w * (p.window.w - 1) + 1;
    overhanging += (y.out - 1) * p.stride.h + span_h > p.in.h + y.before + y.after ||
                   (x.out - 1) * p.stride.w + span_w > p.in.w + x.before + x.after;
    check_pool_case(p, independent_geometry(p), batch, rng, t);
  }
  BOOST_TEST_MESSAGE("pool2d: " << t.cases << " random cases (max " << by_kind[0] << ", average " << by_kind[1]
                                << ", mixed " << by_kind[2] << "; count_padding " << counted << ", dilated " << dilated
                                << ", ceil_mode " << ceil << " of which " << overhanging << " run past the padding), "
                                << t.values << " values, worst error/tolerance " << t.worst << ", " << clock.ms() << " ms");
  BOOST_TEST(dilated >= 20u);
  BOOST_TEST(overhanging >= 30u);
}

// Small cases worked by hand (each number below is computed in the comment, not by constnet).
BOOST_AUTO_TEST_CASE(pool_ceil_mode_and_dilation_worked_examples) {
  auto run = [](const cn::pool2d_geometry& g, const std::vector<float>& input) {
    outcome r;
    std::vector<float> out = run_kernel<ref::pool2d>(g, {}, input, g.out.elements(), 1, r);
    BOOST_TEST(r.ok(), r.first);
    return out;
  };
  // 3x3 (1..9), 2x2 windows, stride 2: floor gives one window, [[5]]; ceil_mode keeps the windows that
  // start inside the image: [[5, 6], [8, 9]] for max, [[(1+2+4+5)/4, (3+6)/2], [(7+8)/2, 9]] =
  // [[3, 4.5], [7.5, 9]] for the average, with or without count_padding (no padding: the cells past
  // the image are not in the padded map either).
  const std::vector<float> nine = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  const shape three = cn::feature_maps(3, 3, 1);
  const auto floor_max = cn::max_pool<>::geometry(three);
  BOOST_TEST((floor_max.out == cn::feature_maps(1, 1, 1)));
  BOOST_TEST(run(floor_max, nine) == std::vector<float>{5}, boost::test_tools::per_element());
  const auto ceil_max = cn::max_pool<cn::ceil_mode>::geometry(three);
  BOOST_TEST((ceil_max.out == cn::feature_maps(2, 2, 1)));
  BOOST_TEST(run(ceil_max, nine) == (std::vector<float>{5, 6, 8, 9}), boost::test_tools::per_element());
  const std::vector<float> averages = {3, 4.5, 7.5, 9};
  BOOST_TEST(run(cn::avg_pool<cn::ceil_mode>::geometry(three), nine) == averages, boost::test_tools::per_element());
  BOOST_TEST(run(cn::avg_pool<cn::ceil_mode, cn::count_padding>::geometry(three), nine) == averages,
             boost::test_tools::per_element());

  // A column 1, 2, 3, 4 padded by 1 above and below, windows of 3 rows at stride 2, ceil_mode: padded
  // 0 1 2 3 4 0 gives windows {0 1 2}, {2 3 4}, {4 0 and one row past the padded map}; out =
  // ceil((4 + 2 - 3) / 2) + 1 = 3 (floor: 2). count_padding: 3/3, 9/3, 4/2 = [1, 3, 2]; without:
  // 3/2, 9/3, 4/1 = [1.5, 3, 4].
  const shape column = cn::feature_maps(4, 1, 1);
  const std::vector<float> four = {1, 2, 3, 4};
  using tall = cn::pool_size<3, 1>;
  using down = cn::strides<2, 1>;
  using pad_rows = cn::pad<1, 1, 0, 0>;
  const auto counting = cn::avg_pool<tall, down, pad_rows, cn::ceil_mode, cn::count_padding>::geometry(column);
  BOOST_TEST((counting.out == cn::feature_maps(3, 1, 1)));
  BOOST_TEST((cn::avg_pool<tall, down, pad_rows>::output(column) == cn::feature_maps(2, 1, 1)));
  BOOST_TEST(run(counting, four) == (std::vector<float>{1, 3, 2}), boost::test_tools::per_element());
  BOOST_TEST(run(cn::avg_pool<tall, down, pad_rows, cn::ceil_mode>::geometry(column), four) ==
                 (std::vector<float>{1.5, 3, 4}),
             boost::test_tools::per_element());

  // 5x5, 2x2 windows dilated by 2 at stride 1: window (oy, ox) samples (oy, ox), (oy, ox + 2), (oy + 2, ox),
  // (oy + 2, ox + 2), so out is 3x3. Cells with y + x odd hold 1000 and the others 5 y + x: a window whose
  // corner has y + x even samples only even cells (max 5 (oy + 2) + ox + 2) and would see a 1000 next to
  // them without the dilation; one with y + x odd samples only 1000s.
  std::vector<float> board(25);
  for (std::size_t y = 0; y < 5; ++y)
    for (std::size_t x = 0; x < 5; ++x) board[y * 5 + x] = (y + x) % 2 ? 1000.0f : static_cast<float>(5 * y + x);
  const auto dilated = cn::max_pool<cn::pool_size<2>, cn::strides<1>, cn::dilation<2>>::geometry(cn::feature_maps(5, 5, 1));
  BOOST_TEST((dilated.out == cn::feature_maps(3, 3, 1)));
  BOOST_TEST(run(dilated, board) == (std::vector<float>{12, 1000, 14, 1000, 18, 1000, 22, 1000, 24}),
             boost::test_tools::per_element());
  // The receptive field grows by the dilated extent, d (f - 1) = 2, not f - 1 = 1.
  BOOST_TEST((cn::max_pool<cn::pool_size<2>, cn::strides<1>, cn::dilation<2>>::window(cn::feature_maps(5, 5, 1)).size ==
              extent2{3, 3}));
}

BOOST_AUTO_TEST_CASE(max_pool_is_exact_and_ignores_padding) {
  // All-negative input with 'same' padding: a zero from the padding would win every border max.
  random_source rng(0x3A'11ULL);
  pool_spec p;
  p.in = cn::feature_maps(5, 6, 3);
  p.window = {3, 4};
  p.stride = {2, 1};
  p.mode = pad_mode::same;
  const std::vector<float> input = random_floats(rng, 2 * p.in.elements(), 1);
  const cn::pool2d_geometry g = cn::max_pool<cn::pool_size<3, 4>, cn::strides<2, 1>, cn::same>::geometry(p.in);
  BOOST_TEST((g == independent_geometry(p)));
  outcome r;
  const expected e = naive_pool(p, input, 2);
  const std::vector<float> out = run_kernel<ref::pool2d>(g, {}, input, e.value.size(), 2, r);
  BOOST_TEST(r.ok());
  for (std::size_t i = 0; i < out.size(); ++i) {
    BOOST_TEST(static_cast<double>(out[i]) == e.value[i]);
    BOOST_TEST(out[i] < 0.0f);
  }
}

BOOST_AUTO_TEST_CASE(global_pool_matches_naive) {
  const stopwatch clock;
  random_source rng(0x61'0B'A1ULL);
  tally t;
  for (std::size_t i = 0; i < 120; ++i) {
    const shape in = cn::feature_maps(pick(rng, 1, 9), pick(rng, 1, 9), pick(rng, 1, 19));
    const pool_kind kind = i % 2 == 0 ? pool_kind::average : pool_kind::max;
    const std::size_t batch = pick(rng, 1, 4);
    const cn::global_pool_geometry g =
        kind == pool_kind::max ? cn::global_max_pool<>::geometry(in) : cn::global_avg_pool<>::geometry(in);
    const std::vector<float> input = random_floats(rng, batch * in.elements(), pick(rng, 0, 3));
    outcome r;
    const expected e = naive_global_pool(in, kind, input, batch);
    const std::vector<float> out = run_kernel<ref::global_pool>(g, {}, input, e.value.size(), batch, r);
    compare(out, e.value, e.value_tol, text(kind), r, t);
    ++t.cases;
    BOOST_CHECK_MESSAGE(r.ok(), "global " << text(kind) << " pool in " << text(in) << " batch " << batch << ": "
                                          << r.mismatches << " mismatches; first: " << r.first);
  }
  BOOST_TEST_MESSAGE("global pooling: " << t.cases << " random cases, " << t.values
                                        << " values, worst error/tolerance " << t.worst << ", " << clock.ms()
                                        << " ms");
}

BOOST_AUTO_TEST_CASE(dense_matches_naive) {
  const stopwatch clock;
  random_source rng(0xDE'45'EULL);
  tally t;
  for (std::size_t i = 0; i < 200; ++i) {
    cn::dense_geometry g;
    g.in = chance(rng, 0.8) ? pick(rng, 1, 40) : pick(rng, 41, 300);
    g.units = pick(rng, 1, 19);
    g.act = all_activations[i % activation_count];
    g.bias = chance(rng, 0.5);
    const std::size_t batch = pick(rng, 1, 4);
    const std::size_t weight_count = g.in * g.units + (g.bias ? g.units : 0);
    const std::vector<float> weights =
        chance(rng, 0.2) ? random_floats(rng, weight_count, 2)
                         : random_floats(rng, weight_count, 0, 1.0 / std::sqrt(as_double(g.in)));
    const std::vector<float> input = random_floats(rng, batch * g.in, pick(rng, 0, 3));
    const outcome r = compare_dense(g, weights, weights, input, batch, t);
    BOOST_CHECK_MESSAGE(r.ok(), "dense " << g.in << " -> " << g.units << " " << text(g.act)
                                         << (g.bias ? " bias" : " no bias") << " batch " << batch << ": "
                                         << r.mismatches << " mismatches; first: " << r.first);
  }
  BOOST_TEST_MESSAGE("dense: " << t.cases << " random cases, " << t.values << " values, worst error/tolerance "
                               << t.worst << ", " << clock.ms() << " ms");
}

BOOST_AUTO_TEST_CASE(batch_norm_matches_naive_in_and_out_of_place) {
  const stopwatch clock;
  random_source rng(0xB4'7C'40ULL);
  tally t;
  constexpr double epsilons[] = {1e-3, 1e-5, 0.1, 1.0};
  for (std::size_t i = 0; i < 150; ++i) {
    const shape in = chance(rng, 0.3) ? cn::features(pick(rng, 1, 40))
                                      : cn::feature_maps(pick(rng, 1, 7), pick(rng, 1, 7), pick(rng, 1, 19));
    const cn::batch_norm_geometry g{in, epsilons[pick(rng, 0, 3)]};
    const std::size_t batch = pick(rng, 1, 4), C = in.c;
    std::vector<float> weights = random_floats(rng, 4 * C, 0);
    for (std::size_t ch = 0; ch < C; ++ch)  // moving variance: non-negative, sometimes exactly 0
      weights[3 * C + ch] = chance(rng, 0.2) ? 0.0f : static_cast<float>(rng.uniform(0.0, 3.0));
    const std::vector<float> input = random_floats(rng, batch * in.elements(), pick(rng, 0, 3));
    const expected e = naive_batch_norm(g, weights, input, batch);

    outcome r;
    const std::vector<float> out = run_kernel<ref::batch_norm>(g, weights, input, input.size(), batch, r);
    compare(out, e.value, e.value_tol, "out of place", r, t);
    // In place: in == out, in a buffer with guard cells after it.
    std::vector<float> buffer(input.size() + guard_cells, guard_value);
    std::copy(input.begin(), input.end(), buffer.begin());
    ref::batch_norm::run(g, weights, buffer.data(), buffer.data(), nullptr, batch);
    for (std::size_t k = input.size(); k < buffer.size(); ++k)
      if (buffer[k] != guard_value) r.fail("in place: wrote past the end");
    buffer.resize(input.size());
    compare(buffer, e.value, e.value_tol, "in place", r, t);
    if (buffer != out) r.fail("in place and out of place differ");
    ++t.cases;
    BOOST_CHECK_MESSAGE(r.ok(), "batch_norm " << text(in) << " eps " << g.epsilon << " batch " << batch << ": "
                                              << r.mismatches << " mismatches; first: " << r.first);
  }
  BOOST_TEST_MESSAGE("batch_norm: " << t.cases << " random cases (each in and out of place), " << t.values
                                    << " values, worst error/tolerance " << t.worst << ", " << clock.ms() << " ms");
}

BOOST_AUTO_TEST_CASE(zero_padding_matches_naive) {
  // Naive: each output cell asks which input cell, if any, lands on it. Copies are exact, in float and
  // in double.
  random_source rng(0x2E'40'ADULL);
  std::size_t values = 0;
  for (std::size_t i = 0; i < 150; ++i) {
    const shape in = cn::feature_maps(pick(rng, 1, 9), pick(rng, 1, 9), pick(rng, 1, 19));
    const padding2 p{pick(rng, 0, 4), pick(rng, 0, 4), pick(rng, 0, 4), pick(rng, 0, 4)};
    const std::size_t batch = pick(rng, 1, 3);
    const shape out = cn::feature_maps(in.h + p.top + p.bottom, in.w + p.left + p.right, in.c);
    const cn::zero_padding2d_geometry g{in, out, p};
    const std::vector<float> input = random_floats(rng, batch * in.elements(), pick(rng, 0, 3));
    std::vector<double> want(batch * out.elements()), exact_tolerance(want.size(), 0.0);
    for (std::size_t b = 0; b < batch; ++b)
      for (std::size_t oy = 0; oy < out.h; ++oy)
        for (std::size_t ox = 0; ox < out.w; ++ox)
          for (std::size_t ch = 0; ch < in.c; ++ch) {
            const long long iy = static_cast<long long>(oy) - static_cast<long long>(p.top);
            const long long ix = static_cast<long long>(ox) - static_cast<long long>(p.left);
            const bool inside = iy >= 0 && ix >= 0 && iy < static_cast<long long>(in.h) && ix < static_cast<long long>(in.w);
            want[((b * out.h + oy) * out.w + ox) * in.c + ch] =
                inside ? input[((b * in.h + static_cast<std::size_t>(iy)) * in.w + static_cast<std::size_t>(ix)) * in.c + ch]
                       : 0.0;
          }
    outcome r;
    tally t;
    const std::vector<float> got = run_kernel<ref::zero_padding2d>(g, {}, input, want.size(), batch, r);
    compare(got, want, exact_tolerance, "zero padding", r, t);
    const std::vector<double> input_double(input.begin(), input.end());
    std::vector<double> got_double(want.size(), -1.0);
    ref::zero_padding2d::run<double>(g, {}, input_double.data(), got_double.data(), nullptr, batch);
    if (got_double != want) r.fail("the double instantiation differs");
    values += want.size();
    BOOST_CHECK_MESSAGE(r.ok(), "zero padding " << text(in) << " " << text(p) << " batch " << batch << ": "
                                                << r.mismatches << " mismatches; first: " << r.first);
  }
  BOOST_TEST_MESSAGE("zero padding: 150 random cases, " << values << " values");
}

BOOST_AUTO_TEST_CASE(zero_padding_layer_geometries_and_a_worked_example) {
  const shape in = cn::feature_maps(5, 7, 3);
  // Keras' default padding is 1 on every side; pad<ph, pw> and pad<t, b, l, r> as everywhere else.
  BOOST_TEST((cn::zero_padding2d<>::geometry(in) == cn::zero_padding2d_geometry{in, cn::feature_maps(7, 9, 3), {1, 1, 1, 1}}));
  BOOST_TEST((cn::zero_padding2d<cn::pad<2, 1>>::geometry(in) ==
              cn::zero_padding2d_geometry{in, cn::feature_maps(9, 9, 3), {2, 2, 1, 1}}));
  BOOST_TEST((cn::zero_padding2d<cn::pad<0, 1, 2, 3>>::output(in) == cn::feature_maps(6, 12, 3)));
  BOOST_TEST(!cn::zero_padding2d<>::check(in, "zp").failed());
  BOOST_TEST(cn::zero_padding2d<>::check(cn::features(12), "zp").failed());

  // MobileNetV2's correct_pad for a 4x4 image before its stride-2 3x3 'valid' convolution: ((0, 1), (0, 1)).
  //   1  2  3  4        1  2  3  4  0
  //   5  6  7  8   ->   5  6  7  8  0
  //   9 10 11 12        9 10 11 12  0
  //  13 14 15 16       13 14 15 16  0
  //                     0  0  0  0  0
  // and with ((1, 0), (2, 0)) instead, a 2x2 image [[1, 2], [3, 4]] becomes [[0 0 0 0], [0 0 1 2], [0 0 3 4]].
  const auto g = cn::zero_padding2d<cn::pad<0, 1, 0, 1>>::geometry(cn::feature_maps(4, 4, 1));
  std::vector<float> image(16);
  for (std::size_t i = 0; i < 16; ++i) image[i] = static_cast<float>(i + 1);
  outcome r;
  const std::vector<float> padded = run_kernel<ref::zero_padding2d>(g, {}, image, 25, 1, r);
  const std::vector<float> want = {1, 2, 3, 4, 0, 5, 6, 7, 8, 0, 9, 10, 11, 12, 0, 13, 14, 15, 16, 0, 0, 0, 0, 0, 0};
  BOOST_TEST(padded == want, boost::test_tools::per_element());
  const auto g2 = cn::zero_padding2d<cn::pad<1, 0, 2, 0>>::geometry(cn::feature_maps(2, 2, 1));
  const std::vector<float> small = run_kernel<ref::zero_padding2d>(g2, {}, {1, 2, 3, 4}, 12, 1, r);
  const std::vector<float> want_small = {0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4};
  BOOST_TEST(small == want_small, boost::test_tools::per_element());
  BOOST_TEST(r.ok());
}

// The tolerances must be tight enough that a wrong index fails: each perturbation below is a plausible
// indexing bug, and the comparison must flag it while passing the correct run.
BOOST_AUTO_TEST_CASE(tolerance_is_not_vacuous) {
  random_source rng(0x5A'4E'17ULL);
  tally t;

  // conv2d, 'same' with asymmetric padding: kernel 4x2 on 7x6 gives top 1, bottom 2, left 0, right 1.
  conv_spec c;
  c.in = cn::feature_maps(7, 6, 5);
  c.filters = 5;
  c.kernel = {4, 2};
  c.stride = {1, 1};
  c.dilation = {1, 1};
  c.mode = pad_mode::same;
  c.act = activation::linear;
  const cn::conv2d_geometry g = cn::conv2d<5, cn::kernel<4, 2>, cn::same>::geometry(c.in);
  BOOST_TEST((g.pad == padding2{1, 2, 0, 1}));
  BOOST_TEST((g == independent_geometry(c)));
  const conv_data d = random_conv_data(c, 2, rng);
  BOOST_TEST(compare_conv(c, d.weights, g, d.weights, d.input, 2, t).ok());
  cn::conv2d_geometry swapped = g;
  std::swap(swapped.pad.top, swapped.pad.bottom);
  outcome r = compare_conv(c, d.weights, swapped, d.weights, d.input, 2, t);
  BOOST_TEST(r.mismatches > 0u, "swapping pad top/bottom went unnoticed");
  swapped = g;
  std::swap(swapped.pad.left, swapped.pad.right);
  r = compare_conv(c, d.weights, swapped, d.weights, d.input, 2, t);
  BOOST_TEST(r.mismatches > 0u, "swapping pad left/right went unnoticed");
  // Reading the kernel as HWOI instead of HWIO (in channels == filters, so the sizes agree).
  std::vector<float> transposed = d.weights;
  for (std::size_t k = 0; k < 4 * 2; ++k)
    for (std::size_t ic = 0; ic < 5; ++ic)
      for (std::size_t oc = 0; oc < 5; ++oc) transposed[(k * 5 + oc) * 5 + ic] = d.weights[(k * 5 + ic) * 5 + oc];
  r = compare_conv(c, d.weights, g, transposed, d.input, 2, t);
  BOOST_TEST(r.mismatches > 0u, "HWOI weights went unnoticed");
  // Dilation 2 instead of 1 along w.
  swapped = g;
  swapped.dilation.w = 2;
  swapped.pad.right = 2;  // keeps the output size, so only the values can tell
  r = compare_conv(c, d.weights, swapped, d.weights, d.input, 2, t);
  BOOST_TEST(r.mismatches > 0u, "a wrong dilation went unnoticed");
  // relu6 run as relu: small integer weights and inputs take most outputs past the ceiling of 6.
  conv_spec c6 = c;
  c6.act = activation::relu6;
  cn::conv2d_geometry g6 = g;
  g6.act = activation::relu6;
  const std::vector<float> w6 = random_floats(rng, conv_weight_count(c6), 2);
  const std::vector<float> x6 = random_floats(rng, 2 * c6.in.elements(), 2);
  BOOST_TEST(compare_conv(c6, w6, g6, w6, x6, 2, t).ok());
  cn::conv2d_geometry unclamped = g6;
  unclamped.act = activation::relu;
  BOOST_TEST(compare_conv(c6, w6, unclamped, w6, x6, 2, t).mismatches > 0u, "relu instead of relu6 went unnoticed");

  // Average pooling with asymmetric 'same' padding: window 4x2 on 7x6, stride 1.
  pool_spec p;
  p.in = cn::feature_maps(7, 6, 3);
  p.window = {4, 2};
  p.stride = {1, 1};
  p.mode = pad_mode::same;
  p.kind = pool_kind::average;
  p.lambda = 0.0;
  const cn::pool2d_geometry pg = cn::avg_pool<cn::pool_size<4, 2>, cn::strides<1>, cn::same>::geometry(p.in);
  BOOST_TEST((pg == independent_geometry(p)));
  const std::vector<float> pin = random_floats(rng, 2 * p.in.elements(), 0);
  BOOST_TEST(compare_pool(p, pg, pin, 2, t).ok());
  cn::pool2d_geometry pbad = pg;
  std::swap(pbad.pad.top, pbad.pad.bottom);
  BOOST_TEST(compare_pool(p, pbad, pin, 2, t).mismatches > 0u, "swapping pool pad top/bottom went unnoticed");
  pbad = pg;
  pbad.count_padding = true;
  BOOST_TEST(compare_pool(p, pbad, pin, 2, t).mismatches > 0u, "count_padding went unnoticed");
  // Mixed pooling: lambda off by 2^-10 must show.
  p.kind = pool_kind::mixed;
  p.lambda = 0.5;
  pbad = independent_geometry(p);
  BOOST_TEST(compare_pool(p, pbad, pin, 2, t).ok());
  pbad.lambda = 0.5 + 0x1.0p-10;
  BOOST_TEST(compare_pool(p, pbad, pin, 2, t).mismatches > 0u, "a lambda off by 2^-10 went unnoticed");
  // Max pooling: the same pad swap.
  p.kind = pool_kind::max;
  p.lambda = 1.0;
  pbad = independent_geometry(p);
  BOOST_TEST(compare_pool(p, pbad, pin, 2, t).ok());
  std::swap(pbad.pad.top, pbad.pad.bottom);
  BOOST_TEST(compare_pool(p, pbad, pin, 2, t).mismatches > 0u, "max pool pad swap went unnoticed");

  // dense: weights read [units][in] instead of [in][units] (in == units).
  const cn::dense_geometry dg{6, 6, activation::softmax, true};
  const std::vector<float> dw = random_floats(rng, 6 * 6 + 6, 0);
  const std::vector<float> dx = random_floats(rng, 3 * 6, 0);
  BOOST_TEST(compare_dense(dg, dw, dw, dx, 3, t).ok());
  std::vector<float> dwt = dw;
  for (std::size_t i = 0; i < 6; ++i)
    for (std::size_t j = 0; j < 6; ++j) dwt[j * 6 + i] = dw[i * 6 + j];
  BOOST_TEST(compare_dense(dg, dw, dwt, dx, 3, t).mismatches > 0u, "transposed dense weights went unnoticed");
  // dense: the bias of the neighbouring unit.
  std::vector<float> dwb = dw;
  std::rotate(dwb.begin() + 36, dwb.begin() + 37, dwb.end());
  BOOST_TEST(compare_dense(dg, dw, dwb, dx, 3, t).mismatches > 0u, "a shifted bias went unnoticed");

  // batch norm: gamma and beta exchanged.
  const cn::batch_norm_geometry bg{cn::feature_maps(3, 2, 4), 1e-3};
  std::vector<float> bw = random_floats(rng, 16, 0);
  for (std::size_t ch = 0; ch < 4; ++ch) bw[12 + ch] = static_cast<float>(rng.uniform(0.5, 2.0));
  const std::vector<float> bx = random_floats(rng, bg.in.elements(), 0);
  const expected be = naive_batch_norm(bg, bw, bx, 1);
  std::vector<float> bswap = bw;
  std::swap_ranges(bswap.begin(), bswap.begin() + 4, bswap.begin() + 4);
  outcome good, bad;
  compare(run_kernel<ref::batch_norm>(bg, bw, bx, bx.size(), 1, good), be.value, be.value_tol, "bn", good, t);
  compare(run_kernel<ref::batch_norm>(bg, bswap, bx, bx.size(), 1, bad), be.value, be.value_tol, "bn", bad, t);
  BOOST_TEST(good.ok());
  BOOST_TEST(bad.mismatches > 0u, "exchanged gamma and beta went unnoticed");
}

// As tolerance_is_not_vacuous, for the depthwise and separable comparisons: plausible indexing bugs must fail.
BOOST_AUTO_TEST_CASE(depthwise_and_separable_tolerances_are_not_vacuous) {
  random_source rng(0x7A'C0'05ULL);
  tally t;
  // 'same' with asymmetric padding: kernel 4x2 on 7x6 pads top 1, bottom 2, left 0, right 1.
  channelwise_spec s;
  s.in = cn::feature_maps(7, 6, 3);
  s.multiplier = 2;
  s.kernel = {4, 2};
  s.stride = {1, 1};
  s.dilation = {1, 1};
  s.mode = pad_mode::same;
  const std::size_t C = 3, M = 2, taps = 8;
  // Output channel m*C + c instead of c*M + m: the kernel read as [kh][kw][M][C].
  auto channel_major = [&](std::vector<float> w) {
    const std::vector<float> keras = w;
    for (std::size_t k = 0; k < taps; ++k)
      for (std::size_t c = 0; c < C; ++c)
        for (std::size_t m = 0; m < M; ++m) w[(k * M + m) * C + c] = keras[(k * C + c) * M + m];
    return w;
  };

  const cn::depthwise_conv2d_geometry g =
      cn::depthwise_conv2d<cn::kernel<4, 2>, cn::depth_multiplier<2>, cn::same>::geometry(s.in);
  BOOST_TEST((g.pad == padding2{1, 2, 0, 1}));
  BOOST_TEST((g == independent_depthwise_geometry(s)));
  const conv_data d = random_channelwise_data(s, 2, rng);
  BOOST_TEST(compare_channelwise(s, d.weights, g, d.weights, d.input, 2, t).ok());
  cn::depthwise_conv2d_geometry swapped = g;
  std::swap(swapped.pad.top, swapped.pad.bottom);
  BOOST_TEST(compare_channelwise(s, d.weights, swapped, d.weights, d.input, 2, t).mismatches > 0u,
             "swapping pad top/bottom went unnoticed");
  BOOST_TEST(compare_channelwise(s, d.weights, g, channel_major(d.weights), d.input, 2, t).mismatches > 0u,
             "output channels m*C + c went unnoticed");
  swapped = g;
  swapped.dilation.w = 2;
  swapped.pad.right = 2;  // keeps the output size, so only the values can tell
  BOOST_TEST(compare_channelwise(s, d.weights, swapped, d.weights, d.input, 2, t).mismatches > 0u,
             "a wrong dilation went unnoticed");

  s.filters = 6;  // == C*M, so a transposed pointwise kernel has the same size
  const cn::separable_conv2d_geometry sg =
      cn::separable_conv2d<6, cn::kernel<4, 2>, cn::depth_multiplier<2>, cn::same>::geometry(s.in);
  BOOST_TEST((sg == independent_separable_geometry(s)));
  const conv_data sd = random_channelwise_data(s, 2, rng);
  BOOST_TEST(compare_channelwise(s, sd.weights, sg, sd.weights, sd.input, 2, t).ok());
  std::vector<float> transposed = sd.weights;
  const std::size_t pointwise = taps * C * M;
  for (std::size_t j = 0; j < 6; ++j)
    for (std::size_t f = 0; f < 6; ++f) transposed[pointwise + f * 6 + j] = sd.weights[pointwise + j * 6 + f];
  BOOST_TEST(compare_channelwise(s, sd.weights, sg, transposed, sd.input, 2, t).mismatches > 0u,
             "a pointwise kernel read [filters][C*M] went unnoticed");
  BOOST_TEST(compare_channelwise(s, sd.weights, sg, channel_major(sd.weights), sd.input, 2, t).mismatches > 0u,
             "depthwise channels m*C + c went unnoticed");
  std::vector<float> shifted_bias = sd.weights;
  std::rotate(shifted_bias.end() - 6, shifted_bias.end() - 5, shifted_bias.end());
  BOOST_TEST(compare_channelwise(s, sd.weights, sg, shifted_bias, sd.input, 2, t).mismatches > 0u,
             "a shifted bias went unnoticed");
}

BOOST_AUTO_TEST_SUITE_END()
