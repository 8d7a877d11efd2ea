#pragma once
// Input gradient of a stride-1 convolution on the forward direct kernel (kernels/direct/conv2d_direct.hpp).
//
// With stride 1, dx is itself a convolution of dz: the kernel flipped in space with its channel axes
// swapped, w'[ky][kx][oc][ic] = w[kh-1-ky][kw-1-kx][ic][oc], the same dilation, and padding
// d*(k-1) - p on each side (the taps that reach outside dz). So the forward kernel runs unchanged on a
// "transposed" geometry (in: out.h x out.w x out.c, out: in.h x in.w x in.c) with w' packed once, when
// the weights change, straight into the forward kernel's packed layout, whose tasks it runs.
//
// Strides above 1 make dx a convolution of dz with zeros inserted between pixels; that case (and a
// padding larger than the dilated kernel) goes to the scalar reference (backward/conv2d.hpp).

#include <cstddef>
#include <span>
#include <string_view>

#include "constnet/core/geometry.hpp"
#include "constnet/kernels/direct/conv2d_direct.hpp"
#include "constnet/kernels/kernel_name.hpp"

namespace constnet::kernels::backward {

template <class Backend, std::size_t OcVectors, std::size_t OutPixels>
struct conv2d_transposed_direct {
  using forward = direct::conv2d_nhwc<Backend, OcVectors, OutPixels>;

 private:
  static constexpr diagnostic name_storage =
      compose_name("f32_conv2d_input_gradient_transposed_direct_", forward::block, "o", OutPixels, "w_", Backend::name,
                   "_", Backend::isa);

 public:
  static constexpr std::string_view name = name_storage.view();

  /// The forward geometry whose output is dx; meaningful when supports(g).
  static constexpr conv2d_geometry transposed(const conv2d_geometry& g) {
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

  static constexpr bool supports(const conv2d_geometry& g) {
    if (g.in.rank != 3 || g.stride.h != 1 || g.stride.w != 1) return false;
    const std::size_t reach_h = g.dilation.h * (g.kernel.h - 1), reach_w = g.dilation.w * (g.kernel.w - 1);
    if (g.pad.top > reach_h || g.pad.bottom > reach_h || g.pad.left > reach_w || g.pad.right > reach_w) return false;
    return forward::supports(transposed(g));
  }
  static constexpr std::size_t scratch_bytes(const conv2d_geometry& g, std::size_t batch) {
    return forward::scratch_bytes(transposed(g), batch);
  }
  static constexpr std::size_t packed_floats(const conv2d_geometry& g) { return forward::packed_floats(transposed(g)); }

  /// canonical: the layer's HWIO kernel (then bias, unused). packed: w' in the forward kernel's layout.
  static void pack(const conv2d_geometry& g, std::span<const float> canonical, std::span<float> packed) {
    const conv2d_geometry t = transposed(g);
    const std::size_t kh = g.kernel.h, kw = g.kernel.w, cin = g.in.c, cout = g.out.c, block = forward::block;
    std::fill(packed.begin(), packed.end(), 0.0f);
    for (std::size_t ky = 0; ky < kh; ++ky)
      for (std::size_t kx = 0; kx < kw; ++kx)
        for (std::size_t oc = 0; oc < cout; ++oc)  // the transposed kernel's input channel
          for (std::size_t ic = 0; ic < cin; ++ic)  // its output channel, in blocks
            packed[(ic / block) * forward::block_weights(t) + (((kh - 1 - ky) * kw + (kw - 1 - kx)) * cout + oc) * block +
                   ic % block] = canonical[((ky * kw + kx) * cin + ic) * cout + oc];
  }

  static void run(const conv2d_geometry& g, std::span<const float> packed, const float* dz, float* dx,
                  std::byte* scratch, std::size_t batch) {
    run_tasks(g, packed, dz, dx, scratch, batch, 0, tasks(g, batch));
  }
  /// The forward kernel's tasks on the transposed geometry; scratch: this thread's own.
  static constexpr std::size_t tasks(const conv2d_geometry& g, std::size_t batch) {
    return forward::tasks(transposed(g), batch);
  }
  static void run_tasks(const conv2d_geometry& g, std::span<const float> packed, const float* dz, float* dx,
                        std::byte* scratch, std::size_t batch, std::size_t begin, std::size_t end) {
    forward::run_tasks(transposed(g), packed, dz, dx, scratch, batch, begin, end);
  }
};

}  // namespace constnet::kernels::backward
