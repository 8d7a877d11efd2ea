#pragma once
// Input gradient of a stride-1 convolution on a forward convolution kernel (kernels/registry.hpp).
//
// With stride 1, dx is itself a convolution of dz: the kernel flipped in space with its channel axes
// swapped, w'[ky][kx][oc][ic] = w[kh-1-ky][kw-1-kx][ic][oc], the same dilation, and padding
// d*(k-1) - p on each side (the taps that reach outside dz). So a forward kernel runs unchanged on a
// "transposed" geometry (in: out.h x out.w x out.c, out: in.h x in.w x in.c, linear, no bias): at
// pack_weights() the flipped canonical kernel (zero bias) is built in a temporary buffer and handed to
// Forward::pack on that geometry, so the backward reads weights in the forward kernel's own layout
// (transformed filters for Winograd). backward/registry.hpp picks Forward as the forward registry's
// choice for the transposed geometry: Winograd for 3x3 layers whose transposed shape it would win on,
// one of the direct kernels otherwise. Tasks, scratch and the split over threads are
// Forward's on the transposed geometry, so dx is bitwise the same for any thread count when Forward's is.
//
// Exact zeros: dx is exactly 0 at a pixel whose window on dz is all zeros, and receptive fields
// (explain/receptive_field.hpp, the "image changes only inside the field" of a neuron's maximization)
// rely on it. The direct kernels keep such zeros (every product is 0), Winograd does not: its transforms
// mix the pixels of an m x m tile, so a tile straddling the edge of dz's support leaves rounding residue
// (about 1e-8 of the tile's values) on pixels whose window sees only zeros. After a Winograd Forward,
// finish() sets those pixels back to 0: one pass that marks the dz pixels with any nonzero channel
// (stopping at the first, so a dense dz costs about one read per pixel), then a look at each dx pixel's
// window of marks. Everywhere else dx is Forward's output untouched.
//
// Strides above 1 make dx a convolution of dz with zeros inserted between pixels; that case (and a
// padding larger than the dilated kernel) goes to the scalar reference (backward/conv2d.hpp), as does a
// Forward without its own packing (the forward reference).

#include <algorithm>
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "constnet/core/geometry.hpp"
#include "constnet/kernels/kernel_name.hpp"
#include "constnet/kernels/winograd/kernel_kind.hpp"

namespace constnet::kernels::backward {

/// Whether dx of g is a stride-1 convolution of dz (see above).
constexpr bool transposable(const conv2d_geometry& g) {
  if (g.in.rank != 3 || g.stride.h != 1 || g.stride.w != 1) return false;
  const std::size_t reach_h = g.dilation.h * (g.kernel.h - 1), reach_w = g.dilation.w * (g.kernel.w - 1);
  return g.pad.top <= reach_h && g.pad.bottom <= reach_h && g.pad.left <= reach_w && g.pad.right <= reach_w;
}

/// The forward geometry whose output is dx; g itself when !transposable(g) (a placeholder: no kernel
/// of the transposed form supports such a layer).
constexpr conv2d_geometry transposed(const conv2d_geometry& g) {
  if (!transposable(g)) return g;
  const std::size_t reach_h = g.dilation.h * (g.kernel.h - 1), reach_w = g.dilation.w * (g.kernel.w - 1);
  conv2d_geometry t{};
  t.in = g.out;
  t.out = g.in;
  t.kernel = g.kernel;
  t.stride = {1, 1};
  t.dilation = g.dilation;
  t.pad = {reach_h - g.pad.top, reach_h - g.pad.bottom, reach_w - g.pad.left, reach_w - g.pad.right};
  t.act = activation::linear;
  t.bias = false;
  return t;
}

/// The flipped kernel w' (HWIO of the transposed geometry, then a zero bias of in.c) of the canonical
/// HWIO kernel w of g.
inline std::vector<float> flipped_kernel(const conv2d_geometry& g, std::span<const float> canonical) {
  const std::size_t kh = g.kernel.h, kw = g.kernel.w, cin = g.in.c, cout = g.out.c;
  std::vector<float> flipped(kh * kw * cout * cin + cin, 0.0f);
  for (std::size_t ky = 0; ky < kh; ++ky)
    for (std::size_t kx = 0; kx < kw; ++kx)
      for (std::size_t ic = 0; ic < cin; ++ic)  // the transposed kernel's output channel
        for (std::size_t oc = 0; oc < cout; ++oc)  // its input channel
          flipped[(((kh - 1 - ky) * kw + (kw - 1 - kx)) * cout + oc) * cin + ic] =
              canonical[((ky * kw + kx) * cin + ic) * cout + oc];
  return flipped;
}

/// Forward: a forward convolution kernel with its own packing (pack, packed_floats), scratch_bytes and
/// run, and optionally tasks / run_tasks.
template <class Forward>
struct conv2d_transposed {
  using forward = Forward;

 private:
  static constexpr bool packs = requires(const conv2d_geometry& g, std::span<const float> c, std::span<float> p) {
    Forward::packed_floats(g);
    Forward::pack(g, c, p);
  };
  static constexpr bool has_tasks = requires(const conv2d_geometry& g) { Forward::tasks(g, std::size_t{1}); };
  /// The dx pixel marks finish() keeps in scratch: one byte per dz pixel of one image.
  static constexpr std::size_t mark_bytes(const conv2d_geometry& g) { return restores_zeros ? g.out.h * g.out.w : 0; }
  static constexpr diagnostic name_storage = compose_name("f32_conv2d_input_gradient_through_", Forward::name);

 public:
  static constexpr std::string_view name = name_storage.view();
  /// Whether finish() must run after the tasks (see above): Forward is a Winograd kernel.
  static constexpr bool restores_zeros = winograd::winograd_kernel<Forward>;

  static constexpr bool supports(const conv2d_geometry& g) {
    if constexpr (!packs) return false;
    else return transposable(g) && Forward::supports(transposed(g));
  }
  /// Forward's on the transposed geometry; at least mark_bytes(g) (finish() uses the first thread's).
  static constexpr std::size_t scratch_bytes(const conv2d_geometry& g, std::size_t batch) {
    return std::max(Forward::scratch_bytes(transposed(g), batch), mark_bytes(g));
  }
  static constexpr std::size_t packed_floats(const conv2d_geometry& g) { return Forward::packed_floats(transposed(g)); }

  /// canonical: the layer's HWIO kernel (then bias, unused). packed: w' in Forward's layout. Allocates
  /// (the flipped kernel): it runs when weights change, never in a pass.
  static void pack(const conv2d_geometry& g, std::span<const float> canonical, std::span<float> packed) {
    const std::vector<float> flipped = flipped_kernel(g, canonical);
    Forward::pack(transposed(g), flipped, packed);
  }

  static void run(const conv2d_geometry& g, std::span<const float> packed, const float* dz, float* dx,
                  std::byte* scratch, std::size_t batch) {
    Forward::run(transposed(g), packed, dz, dx, scratch, batch);
    if constexpr (restores_zeros) finish(g, dz, dx, scratch, batch);
  }
  /// Forward's tasks on the transposed geometry (whatever they split: rows, tile blocks, channel
  /// groups); scratch: this thread's own.
  static constexpr std::size_t tasks(const conv2d_geometry& g, std::size_t batch)
    requires has_tasks
  {
    return Forward::tasks(transposed(g), batch);
  }
  static void run_tasks(const conv2d_geometry& g, std::span<const float> packed, const float* dz, float* dx,
                        std::byte* scratch, std::size_t batch, std::size_t begin, std::size_t end)
    requires has_tasks
  {
    Forward::run_tasks(transposed(g), packed, dz, dx, scratch, batch, begin, end);
  }
  /// After every task (run() calls it itself): dx = 0 exactly where dz is 0 under the whole window.
  /// scratch: mark_bytes(g), e.g. the first thread's.
  static void finish(const conv2d_geometry& g, const float* dz, float* dx, std::byte* scratch, std::size_t batch)
    requires restores_zeros
  {
    const conv2d_geometry t = transposed(g);
    auto* marks = reinterpret_cast<unsigned char*>(scratch);
    const std::size_t c_in = t.in.c, c_out = t.out.c, pixels = t.in.h * t.in.w;
    const auto ih = static_cast<std::ptrdiff_t>(t.in.h), iw = static_cast<std::ptrdiff_t>(t.in.w);
    for (std::size_t n = 0; n < batch; ++n) {
      const float* image = dz + n * t.in.elements();
      for (std::size_t p = 0; p < pixels; ++p)
        marks[p] = std::any_of(image + p * c_in, image + (p + 1) * c_in, [](float v) { return v != 0.0f; });
      float* out = dx + n * t.out.elements();
      for (std::size_t y = 0; y < t.out.h; ++y)
        for (std::size_t x = 0; x < t.out.w; ++x) {
          bool seen = false;
          for (std::size_t ky = 0; ky < t.kernel.h && !seen; ++ky) {
            const std::ptrdiff_t iy = static_cast<std::ptrdiff_t>(y + ky * t.dilation.h) - static_cast<std::ptrdiff_t>(t.pad.top);
            if (iy < 0 || iy >= ih) continue;
            for (std::size_t kx = 0; kx < t.kernel.w && !seen; ++kx) {
              const std::ptrdiff_t ix = static_cast<std::ptrdiff_t>(x + kx * t.dilation.w) - static_cast<std::ptrdiff_t>(t.pad.left);
              seen = ix >= 0 && ix < iw && marks[static_cast<std::size_t>(iy * iw + ix)];
            }
          }
          if (!seen) std::fill_n(out + (y * t.out.w + x) * c_out, c_out, 0.0f);
        }
    }
  }
};

}  // namespace constnet::kernels::backward
