#pragma once
// oneDNN 2.x helpers shared by the benchmarks that compare against it (only compiled when CMake found
// oneDNN and OpenMP: CONSTNET_HAVE_DNNL). Everything here is set-up; nothing is timed.
//
//   onednn_startup(argv)   first thing in main(): re-executes the binary with OMP_WAIT_POLICY=passive
//                          and records oneDNN's version in the JSON context
//   set_onednn_threads(T)  oneDNN's (OpenMP's) thread count, before creating primitives
//   relu_attr(act)         ReLU as an eltwise post-op
//   onednn_layer           one convolution or inner product in oneDNN's layouts, filled from constnet's
//   relative_difference    max |a - b| / max |b|
//   format_text(desc)      a memory layout in oneDNN's letter notation ("aBcd8b" is nChw8c)
//   conv_desc, dense_desc  operation descriptors of one image, source layout given or tag::any

#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <numeric>
#include <oneapi/dnnl/dnnl.hpp>
#include <span>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include <benchmark/benchmark.h>

#include "constnet/core/activation.hpp"
#include "constnet/core/aligned_buffer.hpp"
#include "constnet/core/geometry.hpp"

namespace constnet::bench::onednn {

using dnnl_dims = dnnl::memory::dims;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

inline dnnl::memory::dim D(std::size_t v) { return static_cast<dnnl::memory::dim>(v); }

/// Call first in main(), before benchmark::Initialize. Idle OpenMP workers that spin would steal the
/// cores constnet's threads need in the same-loop rows (and constnet's idle workers sleep), so they
/// must sleep too. libgomp reads OMP_WAIT_POLICY when it is loaded, before main: set it and start
/// again. Each oneDNN call then pays one wake-up of its workers (microseconds).
inline void onednn_startup(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") == nullptr) {
    setenv("OMP_WAIT_POLICY", "passive", 1);
    execv("/proc/self/exe", argv);  // returns only on failure; then carry on with the default policy
  }
  const dnnl_version_t* v = dnnl::version();
  benchmark::AddCustomContext("onednn", std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
                                            std::to_string(v->patch));
  benchmark::AddCustomContext("omp_wait_policy", std::getenv("OMP_WAIT_POLICY"));
}

/// Sets oneDNN's (OpenMP's) thread count for primitives created and run from this thread. Some oneDNN
/// implementations fix their work split when the primitive is created, so call it before that.
inline void set_onednn_threads(std::size_t threads) { omp_set_num_threads(static_cast<int>(threads)); }

inline dnnl::primitive_attr relu_attr(activation act) {
  dnnl::primitive_attr attr;
  if (act == activation::relu) {
    dnnl::post_ops ops;
    ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
    attr.set_post_ops(ops);
  } else if (act != activation::linear) {
    throw std::runtime_error("this benchmark fuses only ReLU into oneDNN primitives");
  }
  return attr;
}

/// A blocked memory layout in oneDNN's own notation: dimensions a, b, c, ... from the outermost stride
/// to the innermost, a capital for a blocked dimension, then the blocks ("acdb" is NHWC, "aBcd8b" is
/// nChw8c). oneDNN 2.6 exports no function for this.
inline std::string format_text(const dnnl::memory::desc& desc) {
  const dnnl_memory_desc_t& md = desc.data;
  if (md.format_kind != dnnl_blocked) return "non-blocked";
  const auto& blocking = md.format_desc.blocking;
  std::vector<int> order(static_cast<std::size_t>(md.ndims));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return blocking.strides[a] > blocking.strides[b]; });
  std::string text;
  for (int d : order) {
    bool blocked = false;
    for (int i = 0; i < blocking.inner_nblks; ++i) blocked = blocked || blocking.inner_idxs[i] == d;
    text += static_cast<char>((blocked ? 'A' : 'a') + d);
  }
  for (int i = 0; i < blocking.inner_nblks; ++i)
    text += std::to_string(blocking.inner_blks[i]) + static_cast<char>('a' + blocking.inner_idxs[i]);
  return text;
}

/// Descriptors of one image's convolution: `src` is either a concrete layout or tag::any; weights and
/// destination are left to oneDNN (tag::any).
inline dnnl_dims conv_src_dims(const conv2d_geometry& g) { return {1, D(g.in.c), D(g.in.h), D(g.in.w)}; }
inline dnnl_dims conv_dst_dims(const conv2d_geometry& g) { return {1, D(g.out.c), D(g.out.h), D(g.out.w)}; }
inline dnnl_dims conv_weight_dims(const conv2d_geometry& g) {
  return {D(g.out.c), D(g.in.c), D(g.kernel.h), D(g.kernel.w)};
}
inline dnnl::memory::desc any_desc(const dnnl_dims& dims) { return {dims, dt::f32, tag::any}; }
inline dnnl::memory::desc bias_desc(bool bias, std::size_t n) {
  return bias ? dnnl::memory::desc({D(n)}, dt::f32, tag::x) : dnnl::memory::desc();
}

inline dnnl::convolution_forward::desc conv_desc(const conv2d_geometry& g, dnnl::algorithm algorithm,
                                                 const dnnl::memory::desc& src) {
  return {dnnl::prop_kind::forward_inference,
          algorithm,
          src,
          any_desc(conv_weight_dims(g)),
          bias_desc(g.bias, g.out.c),
          any_desc(conv_dst_dims(g)),
          {D(g.stride.h), D(g.stride.w)},
          {D(g.dilation.h - 1), D(g.dilation.w - 1)},
          {D(g.pad.top), D(g.pad.left)},
          {D(g.pad.bottom), D(g.pad.right)}};
}

/// inner_product_forward for one image. `src` has dims {1, in}, or {1, C, H, W} straight from a
/// convolution or pooling (then the weights have dims {units, C, H, W}: oneDNN flattens nothing itself).
inline dnnl::inner_product_forward::desc dense_desc(const dense_geometry& g, const dnnl::memory::desc& src,
                                                    const dnnl_dims& weight_dims) {
  return {dnnl::prop_kind::forward_inference, src, any_desc(weight_dims), bias_desc(g.bias, g.units),
          any_desc({1, D(g.units)})};
}

/// A oneDNN primitive with its arguments in oneDNN's chosen layouts, filled from constnet's (NHWC
/// activations, Keras weights) by reorders done here, once.
struct onednn_layer {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  dnnl::primitive primitive;
  aligned_buffer<std::byte> storage[4];  // src, weights, dst, bias: declared first, destroyed last
  dnnl::memory src, weights, bias, dst;
  dnnl::memory::desc user_dst_desc;
  std::unordered_map<int, dnnl::memory> args;
  std::string impl;

  void run() {
    primitive.execute(stream, args);
    stream.wait();
  }

  /// The destination in the user layout (NHWC or nc).
  std::vector<float> output() {
    std::vector<float> out(user_dst_desc.get_size() / sizeof(float));
    dnnl::memory user(user_dst_desc, engine, out.data());
    dnnl::reorder(dst, user).execute(stream, dst, user);
    stream.wait();
    return out;
  }

  /// A memory in storage[slot]: the same allocator as constnet's buffers (huge pages for large ones),
  /// so a comparison measures the kernels and not how each library's pages landed.
  dnnl::memory own(const dnnl::memory::desc& desc, std::size_t slot) {
    storage[slot] = aligned_buffer<std::byte>(desc.get_size());
    return dnnl::memory(desc, engine, storage[slot].data());
  }

  template <class PrimitiveDesc>
  void fill(const PrimitiveDesc& pd, const dnnl::memory::desc& user_src, const dnnl::memory::desc& user_weights,
            const float* in, const float* canonical, std::size_t kernel_elements, bool has_bias) {
    impl = pd.impl_info_str();
    src = own(pd.src_desc(), 0);
    weights = own(pd.weights_desc(), 1);
    dst = own(pd.dst_desc(), 2);
    dnnl::memory user_in(user_src, engine, const_cast<float*>(in));
    dnnl::memory user_w(user_weights, engine, const_cast<float*>(canonical));
    dnnl::reorder(user_in, src).execute(stream, user_in, src);
    dnnl::reorder(user_w, weights).execute(stream, user_w, weights);
    args = {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, dst}};
    if (has_bias) {
      bias = own(pd.bias_desc(), 3);
      dnnl::memory user_b(pd.bias_desc(), engine, const_cast<float*>(canonical + kernel_elements));
      dnnl::reorder(user_b, bias).execute(stream, user_b, bias);
      args.insert({DNNL_ARG_BIAS, bias});
    }
    stream.wait();
  }

  /// convolution_forward with `algorithm` (throws dnnl::error where oneDNN has no implementation).
  static std::unique_ptr<onednn_layer> conv(const conv2d_geometry& g, dnnl::algorithm algorithm, const float* in,
                                            const float* canonical) {
    auto l = std::make_unique<onednn_layer>();
    const dnnl_dims src_dims = conv_src_dims(g), weight_dims = conv_weight_dims(g);
    const dnnl::convolution_forward::primitive_desc pd(conv_desc(g, algorithm, any_desc(src_dims)), relu_attr(g.act),
                                                       l->engine);
    l->primitive = dnnl::convolution_forward(pd);
    l->user_dst_desc = dnnl::memory::desc(conv_dst_dims(g), dt::f32, tag::nhwc);
    l->fill(pd, dnnl::memory::desc(src_dims, dt::f32, tag::nhwc), dnnl::memory::desc(weight_dims, dt::f32, tag::hwio),
            in, canonical, g.kernel.h * g.kernel.w * g.in.c * g.out.c, g.bias);
    return l;
  }

  /// inner_product_forward, batch 1, weights in oneDNN's layout (canonical is [in][units]).
  static std::unique_ptr<onednn_layer> dense(const dense_geometry& g, const float* in, const float* canonical) {
    auto l = std::make_unique<onednn_layer>();
    const dnnl_dims src_dims{1, D(g.in)}, weight_dims{D(g.units), D(g.in)}, dst_dims{1, D(g.units)};
    const dnnl::inner_product_forward::primitive_desc pd(dense_desc(g, any_desc(src_dims), weight_dims),
                                                         relu_attr(g.act), l->engine);
    l->primitive = dnnl::inner_product_forward(pd);
    l->user_dst_desc = dnnl::memory::desc(dst_dims, dt::f32, tag::nc);
    l->fill(pd, dnnl::memory::desc(src_dims, dt::f32, tag::nc), dnnl::memory::desc(weight_dims, dt::f32, tag::io), in,
            canonical, g.in * g.units, g.bias);
    return l;
  }
};

/// max |a - b| / max |b| over b's elements: how far constnet's output (a) is from oneDNN's (b).
inline double relative_difference(const float* a, std::span<const float> b) {
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    diff = std::max(diff, static_cast<double>(std::abs(a[i] - b[i])));
    scale = std::max(scale, static_cast<double>(std::abs(b[i])));
  }
  if (scale == 0) throw std::runtime_error("oneDNN's output is all zeros: nothing to compare");
  return diff / scale;
}

}  // namespace constnet::bench::onednn
