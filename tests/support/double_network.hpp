#pragma once
// A network evaluated in double precision, for checking input gradients: the forward runs the reference
// kernels instantiated for double (the same code as the float oracle), keeps every activation, and the
// backward runs the backward kernels for double. Allocates freely: test code only.

#include <array>
#include <cstddef>
#include <span>
#include <type_traits>
#include <vector>

#include "constnet/explain/objective.hpp"
#include "constnet/kernels/backward/registry.hpp"
#include "constnet/kernels/registry.hpp"
#include "constnet/network/sequential.hpp"

namespace constnet::testing {

template <class Network>
class double_network {
 public:
  static constexpr std::size_t layers = Network::size;

  /// weights: the model's, in its canonical layout.
  explicit double_network(std::span<const float> weights) : weights_(weights.begin(), weights.end()) {}

  /// Every layer's output for a batch of images (index 0: the input).
  std::vector<std::vector<double>> forward(const std::vector<double>& input, std::size_t batch) const {
    std::vector<std::vector<double>> t(layers);
    t[0] = input;
    [&]<std::size_t... I>(std::index_sequence<I...>) { (forward_layer<I + 1>(t, batch), ...); }(
        std::make_index_sequence<layers - 1>{});
    return t;
  }

  /// Layer I's pre-activation (a convolution or dense layer), recomputed from its input.
  std::vector<double> pre_activation(std::size_t layer, const std::vector<std::vector<double>>& t, std::size_t batch) const {
    std::vector<double> z;
    dispatch(layer, [&]<std::size_t I>() {
      if constexpr (weighted<I>) {
        auto g = geometry<I>();
        g.act = activation::linear;
        z.resize(batch * Network::facts[I].output.elements());
        kernels::reference_for<std::remove_cvref_t<decltype(g)>>::type::template run<double>(
            g, layer_weights(I), t[Network::facts[I].inputs.front()].data(), z.data(), nullptr, batch);
      }
    });
    return z;
  }

  /// The objective's value (summed over the batch) from the double forward, with the same meaning as
  /// explain/objective.hpp, written independently of gradient_model.
  double value(const objective& o, const std::vector<double>& input, std::size_t batch) const {
    const auto t = forward(input, batch);
    std::size_t layer = o.layer;
    const std::vector<double>* a = &t[layer];
    std::vector<double> z;
    if (o.what == objective::kind::class_logit && activation_layer(layer) == activation::softmax) {
      a = &t[--layer];
    } else if (o.what == objective::kind::class_logit && fused_activation(layer) == activation::softmax) {
      z = pre_activation(layer, t, batch);
      a = &z;
    }
    const shape& s = Network::facts[layer].output;
    double total = 0;
    for (std::size_t n = 0; n < batch; ++n) {
      const double* img = a->data() + n * s.elements();
      if (o.what == objective::kind::neuron) {
        total += img[(o.y * s.w + o.x) * s.c + o.channel];
      } else {
        double sum = 0;
        for (std::size_t p = 0; p < s.h * s.w; ++p) sum += img[p * s.c + o.channel];
        total += sum / static_cast<double>(s.h * s.w);
      }
    }
    return total;
  }

  /// d value / d input by the backward kernels in double, seeding like gradient_model (but through this
  /// class's own walk over the layers).
  std::vector<double> gradient(const objective& o, const std::vector<double>& input, std::size_t batch) const {
    const auto t = forward(input, batch);
    std::size_t layer = o.layer;
    bool pre = false;
    if (o.what == objective::kind::class_logit && activation_layer(layer) == activation::softmax)
      layer = Network::facts[layer].inputs.front();
    else if (o.what == objective::kind::class_logit && fused_activation(layer) == activation::softmax) pre = true;
    const shape& s = Network::facts[layer].output;
    std::vector<double> g(batch * s.elements(), 0.0);
    for (std::size_t n = 0; n < batch; ++n) {
      double* seed = g.data() + n * s.elements();
      if (o.what == objective::kind::neuron) seed[(o.y * s.w + o.x) * s.c + o.channel] = 1.0;
      else
        for (std::size_t p = 0; p < s.h * s.w; ++p) seed[p * s.c + o.channel] = 1.0 / static_cast<double>(s.h * s.w);
    }
    // Per layer, the gradient w.r.t. its output: the sum of what each layer reading it passes back.
    std::vector<std::vector<double>> grads(layers);
    grads[layer] = std::move(g);
    for (std::size_t i = layer; i >= 1; --i) {
      if (grads[i].empty()) continue;  // the objective does not depend on layer i
      dispatch(i, [&]<std::size_t I>() {
        const layer_facts& f = Network::facts[I];
        for (std::size_t k = 0; k < f.inputs.count; ++k) {
          const std::vector<double> dx = backward_layer<I>(t, grads[I], batch, pre && I == layer, k);
          std::vector<double>& total = grads[f.inputs.index[k]];
          if (total.empty()) total.assign(dx.size(), 0.0);
          for (std::size_t v = 0; v < dx.size(); ++v) total[v] += dx[v];
        }
      });
    }
    return grads[0];
  }

  activation fused_activation(std::size_t layer) const {
    activation a = activation::linear;
    dispatch(layer, [&]<std::size_t I>() {
      if constexpr (weighted<I>) a = geometry<I>().act;
    });
    return a;
  }
  activation activation_layer(std::size_t layer) const {
    activation a = activation::linear;
    bool is = false;
    dispatch(layer, [&]<std::size_t I>() {
      if constexpr (std::is_same_v<geometry_t<I>, activation_geometry>) a = geometry<I>().act, is = true;
    });
    return is ? a : activation::linear;
  }

 private:
  template <std::size_t I>
  static constexpr auto geometry() {
    if constexpr (I == 0) return identity_geometry{Network::input_shape};
    else return Network::template geometry<I>;
  }
  template <std::size_t I>
  using geometry_t = std::remove_cvref_t<decltype(geometry<I>())>;
  /// The layers with weights and a fused activation.
  template <std::size_t I>
  static constexpr bool weighted =
      I > 0 && (std::is_same_v<geometry_t<I>, conv2d_geometry> || std::is_same_v<geometry_t<I>, depthwise_conv2d_geometry> ||
                std::is_same_v<geometry_t<I>, separable_conv2d_geometry> || std::is_same_v<geometry_t<I>, dense_geometry>);

  template <class F>
  static void dispatch(std::size_t layer, F&& f) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((layer == I ? (f.template operator()<I>(), true) : false) || ...);
    }(std::make_index_sequence<layers>{});
  }

  std::span<const double> layer_weights(std::size_t i) const {
    return std::span<const double>(weights_).subspan(Network::facts[i].weight_offset, Network::facts[i].params);
  }

  template <std::size_t I>
  void forward_layer(std::vector<std::vector<double>>& t, std::size_t batch) const {
    constexpr layer_inputs inputs = Network::facts[I].inputs;
    const std::vector<double>& in = t[inputs.front()];
    std::vector<double>& out = t[I];
    if constexpr (std::is_same_v<geometry_t<I>, identity_geometry>) {
      out = in;
    } else if constexpr (std::is_same_v<geometry_t<I>, add_geometry> || std::is_same_v<geometry_t<I>, concatenate_geometry>) {
      std::array<const double*, inputs.count> ins{};
      for (std::size_t k = 0; k < inputs.count; ++k) ins[k] = t[inputs.index[k]].data();
      out.assign(batch * Network::facts[I].output.elements(), 0.0);
      kernels::reference_for<geometry_t<I>>::type::template run<double>(geometry<I>(), {}, ins.data(), out.data(),
                                                                         nullptr, batch);
    } else {
      out.assign(batch * Network::facts[I].output.elements(), 0.0);
      kernels::reference_for<geometry_t<I>>::type::template run<double>(geometry<I>(), layer_weights(I), in.data(),
                                                                         out.data(), nullptr, batch);
    }
  }

  /// The gradient w.r.t. layer I's input `slot`, from the gradient dy w.r.t. its output.
  template <std::size_t I>
  std::vector<double> backward_layer(const std::vector<std::vector<double>>& t, std::vector<double> dy,
                                     std::size_t batch, bool skip_activation, std::size_t slot) const {
    namespace bw = kernels::backward;
    constexpr auto g = geometry<I>();
    using G = geometry_t<I>;
    const std::size_t source = Network::facts[I].inputs.index[slot];
    std::vector<double> dx(batch * Network::facts[source].output.elements(), 0.0);
    if constexpr (std::is_same_v<G, identity_geometry> || std::is_same_v<G, add_geometry>) {
      return dy;
    } else if constexpr (std::is_same_v<G, concatenate_geometry>) {
      std::size_t first = 0;
      for (std::size_t k = 0; k < slot; ++k) first += g.channels[k];
      const std::size_t c = g.channels[slot];
      for (std::size_t p = 0; p < batch * g.out.h * g.out.w; ++p)
        for (std::size_t ch = 0; ch < c; ++ch) dx[p * c + ch] = dy[p * g.out.c + first + ch];
    } else if constexpr (weighted<I>) {
      if (!skip_activation) bw::activation_gradient(g.act, t[I].data(), dy.data(), dy.size(), Network::facts[I].output.c);
      bw::reference_for<G>::type::template run<double>(g, layer_weights(I), dy.data(), dx.data(), nullptr, batch);
    } else if constexpr (std::is_same_v<G, pool2d_geometry>) {
      bw::pool2d::run<double>(g, t[source].data(), dy.data(), dx.data(), batch);
    } else if constexpr (std::is_same_v<G, global_pool_geometry>) {
      bw::global_pool::run<double>(g, t[source].data(), dy.data(), dx.data(), batch);
    } else if constexpr (std::is_same_v<G, zero_padding2d_geometry>) {
      bw::zero_padding2d::run<double>(g, dy.data(), dx.data(), batch);
    } else if constexpr (std::is_same_v<G, batch_norm_geometry>) {
      bw::batch_norm::run<double>(g, layer_weights(I), dy.data(), dx.data(), batch);
    } else if constexpr (std::is_same_v<G, activation_geometry>) {
      bw::activation_gradient(g.act, t[I].data(), dy.data(), dy.size(), g.in.c);
      dx = dy;
    } else {
      static_assert(sizeof(G) == 0, "double_network: no backward for this kind of layer");
    }
    return dx;
  }

  std::vector<double> weights_;
};

}  // namespace constnet::testing
