#pragma once
// onednn::pipeline<Network>: a whole sequential network (conv2d, max pooling, flatten, dense with ReLU,
// linear or softmax) as one chain of oneDNN 2.x primitives on one stream, batch 1, to time oneDNN end
// to end against model<Network>::forward. Only compiled with oneDNN (CONSTNET_HAVE_DNNL).
//
// What run() executes, in order: a reorder of the user's NHWC image into the first convolution's
// source layout (unless that layout is NHWC), then one primitive per layer, then the output in a plain
// layout (a reorder only if oneDNN's last layout is not plain). Layouts: every convolution and inner
// product is created with source, weights and destination `any`, so oneDNN picks its preferred layouts
// and implementation; pooling and softmax take the layout they are given. Where a layer's preferred
// source layout differs from its predecessor's destination, the layer is tried again on the produced
// layout (kept if oneDNN's implementation and destination layout stay the same), else a reorder runs
// between them and is part of the pipeline (steps() lists it): the cost of oneDNN's own choices.
//
// Convolutions: convolution_winograd where oneDNN has an implementation (on x86 only AVX-512 machines),
// else convolution_direct; steps() records which. ReLU is a post-op. A dense layer with softmax is an
// inner product followed by a softmax primitive, whose input (the logits) stays readable (logits()).
//
// Weights: canonical constnet (Keras) weights, reordered once into oneDNN's layouts by the constructor.
// The first inner product after a convolution or pooling reads the 4-D activations directly: its
// weights get dims {units, C, H, W}, and constnet's kernel rows, flattened in H, W, C order, are
// oneDNN's tag hwio on those dims.
//
// Activations alternate between two buffers sized for the largest one, as constnet's arena reuses its
// memory (a fresh buffer per layer would cost oneDNN cache misses a real deployment would not pay).

#include <algorithm>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "constnet/core/aligned_buffer.hpp"
#include "constnet/core/geometry.hpp"
#include "constnet/core/layer_facts.hpp"
#include "onednn_common.hpp"

namespace constnet::bench::onednn {

/// One primitive of a pipeline, for the report.
struct pipeline_step {
  std::string layer;     // constnet's layer name; a reorder carries the name of the layer it feeds
  std::string kind;      // "reorder", "conv winograd", "conv direct", "max pool", "inner product", "softmax"
  std::string impl;      // oneDNN's implementation (impl_info_str)
  std::string src, dst;  // layouts, format_text()
};

template <class Network>
class pipeline {
 public:
  /// `weights`: all the model's canonical weights (model::weights()). Creates every primitive with
  /// `threads` OpenMP threads and reorders the weights; the caller's weights are not kept.
  pipeline(std::span<const float> weights, std::size_t threads) {
    if (weights.size() != Network::total_params)
      throw std::invalid_argument("onednn::pipeline: expected " + std::to_string(Network::total_params) + " weights");
    set_onednn_threads(threads);
    buffer_floats_ = largest_activation();
    for (auto& b : buffers_) b = aligned_buffer<float>(buffer_floats_);
    const shape in = Network::input_shape;
    input_ = dnnl::memory({{1, D(in.c), D(in.h), D(in.w)}, dt::f32, tag::nhwc}, engine_, DNNL_MEMORY_NONE);
    current_ = input_;
    add_layers(weights, std::make_index_sequence<Network::size - 1>{});
    finish();
  }
  // The primitives' arguments point into buffers_.
  pipeline(const pipeline&) = delete;
  pipeline& operator=(const pipeline&) = delete;

  /// One forward pass of an NHWC image; the network's output in a plain layout, valid until the next
  /// call.
  std::span<const float> run(const float* input) {
    input_.set_data_handle(const_cast<float*>(input));
    for (auto& [primitive, args] : primitives_) primitive.execute(stream_, args);
    stream_.wait();
    return {output_, output_floats_};
  }

  /// The last dense layer's output before its softmax, after run() (not timed: may reorder).
  std::vector<float> logits() { return plain_copy(logits_); }

  const std::vector<pipeline_step>& steps() const { return steps_; }
  std::size_t reorders_between_layers() const { return reorders_between_layers_; }

  /// e.g. "13 conv direct (jit:avx2), 0 conv winograd, reorders: 1 at the ends, 0 between layers"
  std::string summary() const {
    std::string text;
    for (const char* kind : {"conv direct", "conv winograd"}) {
      std::size_t count = 0;
      std::string impls;
      for (const auto& s : steps_)
        if (s.kind == kind && ++count && impls.find(s.impl) == std::string::npos)
          impls += (impls.empty() ? "" : ", ") + s.impl;
      text += std::to_string(count) + " " + kind + (impls.empty() ? "" : " (" + impls + ")") + ", ";
    }
    const auto reorders = static_cast<std::size_t>(
        std::count_if(steps_.begin(), steps_.end(), [](const pipeline_step& s) { return s.kind == "reorder"; }));
    return text + "reorders: " + std::to_string(reorders - reorders_between_layers_) + " at the ends, " +
           std::to_string(reorders_between_layers_) + " between layers";
  }

  /// One line per primitive.
  std::string describe() const {
    std::string text;
    for (const auto& s : steps_)
      text += "  " + s.layer + std::string(14 - std::min<std::size_t>(13, s.layer.size()), ' ') + s.kind +
              std::string(16 - std::min<std::size_t>(15, s.kind.size()), ' ') + s.src + " -> " + s.dst + "  " +
              s.impl + "\n";
    return text;
  }

 private:
  dnnl::engine engine_{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream_{engine_};
  std::vector<std::pair<dnnl::primitive, std::unordered_map<int, dnnl::memory>>> primitives_;
  std::vector<pipeline_step> steps_;
  aligned_buffer<float> buffers_[2];
  std::size_t buffer_floats_ = 0;
  int current_buffer_ = -1;  // which of buffers_ holds current_; -1: the user's input
  dnnl::memory input_, current_, logits_;
  aligned_buffer<float> output_copy_;
  const float* output_ = nullptr;
  std::size_t output_floats_ = 0;
  std::size_t reorders_between_layers_ = 0;
  bool first_layer_ = true;

  /// Floats of the largest activation, channels padded to 16 (oneDNN's blocked layouts pad to their
  /// block: 8 on AVX2, 16 on AVX-512).
  static std::size_t largest_activation() {
    std::size_t largest = 0;
    for (const layer_facts& f : Network::facts)
      for (const shape& s : {f.input, f.output})
        largest = std::max(largest, s.h * s.w * ((s.c + 15) / 16 * 16));
    return largest;
  }

  /// A memory for the next activation, in the buffer current_ is not in.
  dnnl::memory next_activation(const dnnl::memory::desc& desc) {
    if (desc.get_size() > buffer_floats_ * sizeof(float))
      throw std::runtime_error("onednn::pipeline: an activation in layout " + format_text(desc) +
                               " does not fit the buffers");
    current_buffer_ = current_buffer_ == 0 ? 1 : 0;
    return dnnl::memory(desc, engine_, buffers_[current_buffer_].data());
  }

  void append(dnnl::primitive primitive, std::unordered_map<int, dnnl::memory> args, const dnnl::memory& dst,
              pipeline_step step) {
    step.src = format_text(current_.get_desc());
    step.dst = format_text(dst.get_desc());
    args.insert({DNNL_ARG_SRC, current_});
    args.insert({DNNL_ARG_DST, dst});
    primitives_.emplace_back(std::move(primitive), std::move(args));
    steps_.push_back(std::move(step));
    current_ = dst;
  }

  /// The primitive descriptor make(source layout) of a convolution or inner product. Asked with `any`,
  /// oneDNN picks its preferred source layout and implementation. When that layout is not the one the
  /// previous layer produced, it is asked again with the produced layout, and that answer is kept if
  /// oneDNN still uses the same implementation and destination layout: the reorder was not needed.
  /// Otherwise feed() inserts the reorder that oneDNN's preference costs.
  template <class PD, class Make>
  PD chained(Make make, const dnnl_dims& src_dims) {
    PD preferred = make(any_desc(src_dims));
    if (preferred.src_desc() == current_.get_desc()) return preferred;
    try {
      PD as_produced = make(current_.get_desc());
      if (as_produced.impl_info_str() == preferred.impl_info_str() && as_produced.dst_desc() == preferred.dst_desc())
        return as_produced;
    } catch (const dnnl::error&) {
      // no implementation for the produced layout
    }
    return preferred;
  }

  /// Makes current_ have layout `desc`, by a reorder if it has another one.
  void feed(const dnnl::memory::desc& desc, const std::string& layer) {
    if (desc == current_.get_desc()) return;
    const dnnl::memory dst = next_activation(desc);
    const dnnl::reorder::primitive_desc pd(current_, dst);
    append(dnnl::reorder(pd), {}, dst, {layer, "reorder", pd.impl_info_str(), "", ""});
    if (!first_layer_) ++reorders_between_layers_;
  }

  /// Weights (or bias) in oneDNN's layout `desc`, reordered from canonical values in layout `user`.
  dnnl::memory load(const dnnl::memory::desc& desc, const dnnl::memory::desc& user, const float* values) {
    dnnl::memory m(desc, engine_);
    dnnl::memory source(user, engine_, const_cast<float*>(values));
    dnnl::reorder(source, m).execute(stream_, source, m);
    stream_.wait();
    return m;
  }

  static const float* tensor(const layer_facts& f, std::span<const float> weights, std::string_view name) {
    for (std::size_t t = 0; t < f.weight_tensor_count; ++t)
      if (f.weights[t].name.view() == name) return weights.data() + f.weight_offset + f.weights[t].offset;
    throw std::runtime_error("onednn::pipeline: layer " + std::string(f.name.view()) + " has no " + std::string(name));
  }

  template <std::size_t... I>
  void add_layers(std::span<const float> weights, std::index_sequence<I...>) {
    (add_layer<I + 1>(weights), ...);  // layer 0 is the input
  }

  template <std::size_t I>
  void add_layer(std::span<const float> weights) {
    constexpr layer_facts f = Network::facts[I];
    constexpr auto g = Network::template layer_type<I>::geometry(f.input);
    using G = std::remove_cvref_t<decltype(g)>;
    const std::string name(f.name.view());
    if constexpr (std::is_same_v<G, conv2d_geometry>) {
      add_conv(name, g, tensor(f, weights, "kernel"), g.bias ? tensor(f, weights, "bias") : nullptr);
    } else if constexpr (std::is_same_v<G, pool2d_geometry>) {
      add_max_pool(name, g);
    } else if constexpr (std::is_same_v<G, dense_geometry>) {
      add_dense(name, g, tensor(f, weights, "kernel"), g.bias ? tensor(f, weights, "bias") : nullptr);
    } else if constexpr (std::is_same_v<G, identity_geometry>) {
      // flatten and dropout: nothing to run at inference (the inner product reads 4-D activations)
    } else {
      static_assert(std::is_same_v<G, conv2d_geometry>, "onednn::pipeline: a layer kind it does not build");
    }
  }

  void add_conv(const std::string& name, const conv2d_geometry& g, const float* kernel, const float* bias) {
    using PD = dnnl::convolution_forward::primitive_desc;
    PD pd;
    std::string kind;
    for (const auto& [algorithm, label] : {std::pair{dnnl::algorithm::convolution_winograd, "conv winograd"},
                                           std::pair{dnnl::algorithm::convolution_direct, "conv direct"}}) {
      try {
        pd = chained<PD>(
            [&](const dnnl::memory::desc& src) { return PD(conv_desc(g, algorithm, src), relu_attr(g.act), engine_); },
            conv_src_dims(g));
        kind = label;
        break;
      } catch (const dnnl::error&) {
        if (algorithm == dnnl::algorithm::convolution_direct) throw;  // no Winograd: the expected case on AVX2
      }
    }
    feed(pd.src_desc(), name);
    std::unordered_map<int, dnnl::memory> args{
        {DNNL_ARG_WEIGHTS,
         load(pd.weights_desc(), {conv_weight_dims(g), dt::f32, tag::hwio}, kernel)}};
    if (bias) args.insert({DNNL_ARG_BIAS, load(pd.bias_desc(), pd.bias_desc(), bias)});
    append(dnnl::convolution_forward(pd), std::move(args), next_activation(pd.dst_desc()),
           {name, kind, pd.impl_info_str(), "", ""});
    first_layer_ = false;
  }

  void add_max_pool(const std::string& name, const pool2d_geometry& g) {
    if (g.kind != pool_kind::max) throw std::runtime_error("onednn::pipeline: only max pooling");
    if (g.dilation != extent2{1, 1} || g.ceil_mode)
      throw std::runtime_error("onednn::pipeline: no dilated or ceil_mode pooling");
    const dnnl::pooling_forward::desc desc(
        dnnl::prop_kind::forward_inference, dnnl::algorithm::pooling_max, current_.get_desc(),
        any_desc({1, D(g.out.c), D(g.out.h), D(g.out.w)}), {D(g.stride.h), D(g.stride.w)},
        {D(g.window.h), D(g.window.w)}, {D(g.pad.top), D(g.pad.left)}, {D(g.pad.bottom), D(g.pad.right)});
    const dnnl::pooling_forward::primitive_desc pd(desc, engine_);
    append(dnnl::pooling_forward(pd), {}, next_activation(pd.dst_desc()), {name, "max pool", pd.impl_info_str(), "", ""});
    first_layer_ = false;
  }

  void add_dense(const std::string& name, const dense_geometry& g, const float* kernel, const float* bias) {
    const dnnl_dims src_dims = current_.get_desc().dims();
    dnnl_dims weight_dims;
    dnnl::memory::desc user_weights;
    if (src_dims.size() == 4) {
      // constnet flattens H, W, C: kernel row (h, w, c), column o is oneDNN's hwio on {O, I=C, H, W}
      weight_dims = {D(g.units), src_dims[1], src_dims[2], src_dims[3]};
      user_weights = {weight_dims, dt::f32, tag::hwio};
    } else {
      weight_dims = {D(g.units), D(g.in)};
      user_weights = {weight_dims, dt::f32, tag::io};
    }
    dnnl::memory::dim in = 1;
    for (std::size_t d = 1; d < src_dims.size(); ++d) in *= src_dims[d];
    if (in != D(g.in)) throw std::runtime_error("onednn::pipeline: " + name + " gets the wrong number of inputs");
    const bool softmax = g.act == activation::softmax;
    using PD = dnnl::inner_product_forward::primitive_desc;
    const PD pd = chained<PD>(
        [&](const dnnl::memory::desc& src) {
          return PD(dense_desc(g, src, weight_dims), relu_attr(softmax ? activation::linear : g.act), engine_);
        },
        src_dims);
    feed(pd.src_desc(), name);
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_WEIGHTS, load(pd.weights_desc(), user_weights, kernel)}};
    if (bias) args.insert({DNNL_ARG_BIAS, load(pd.bias_desc(), pd.bias_desc(), bias)});
    append(dnnl::inner_product_forward(pd), std::move(args), next_activation(pd.dst_desc()),
           {name, "inner product", pd.impl_info_str(), "", ""});
    first_layer_ = false;
    if (softmax) {
      logits_ = current_;
      const dnnl::softmax_forward::desc desc(dnnl::prop_kind::forward_inference, current_.get_desc(), 1);
      const dnnl::softmax_forward::primitive_desc softmax_pd(desc, engine_);
      append(dnnl::softmax_forward(softmax_pd), {}, next_activation(softmax_pd.dst_desc()),
             {name, "softmax", softmax_pd.impl_info_str(), "", ""});
    }
  }

  static dnnl::memory::desc plain(const dnnl::memory::desc& desc) {
    const dnnl_dims dims = desc.dims();
    return {dims, dt::f32, dims.size() == 4 ? tag::nhwc : tag::nc};
  }

  /// The output as the user reads it: where it already is when oneDNN left it in a plain layout, else
  /// reordered into a buffer of ours (a step of the pipeline, timed with the rest).
  void finish() {
    const dnnl::memory::desc user = plain(current_.get_desc());
    output_floats_ = user.get_size() / sizeof(float);
    if (user == current_.get_desc()) {
      output_ = static_cast<const float*>(current_.get_data_handle());
      return;
    }
    output_copy_ = aligned_buffer<float>(output_floats_);
    const dnnl::memory dst(user, engine_, output_copy_.data());
    const dnnl::reorder::primitive_desc pd(current_, dst);
    append(dnnl::reorder(pd), {}, dst, {"output", "reorder", pd.impl_info_str(), "", ""});
    output_ = output_copy_.data();
  }

  std::vector<float> plain_copy(dnnl::memory m) {
    std::vector<float> out(plain(m.get_desc()).get_size() / sizeof(float));
    dnnl::memory dst(plain(m.get_desc()), engine_, out.data());
    dnnl::reorder(m, dst).execute(stream_, m, dst);
    stream_.wait();
    return out;
  }
};

}  // namespace constnet::bench::onednn
