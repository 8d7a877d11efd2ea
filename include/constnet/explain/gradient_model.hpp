#pragma once
// gradient_model<Network, Options...>: a model that also computes the gradient of an objective with
// respect to its input image (no weight gradients): what activation maximization and saliency need.
//
//   using features = truncate_at<models::vgg16, "block3_conv3">;
//   gradient_model<features, threads<2>> m;                  // forward + backward planned in one arena
//   he_normal(m, 1);                                          // or load trained weights
//   double value = m.value_and_gradient(objective::filter(m.index_of("block3_conv3"), 7), image);
//   std::span<const float> g = m.input_gradient();           // d value / d image, NHWC like the image
//
// It is a model<Network, input_gradients, Options...> (same options, weights, forward and taps), whose
// compile-time arena plan keeps every activation the backward pass needs and places the gradient
// buffers too (plan/arena_plan.hpp: plan_arena_with_backward), so forward + backward allocate nothing.
// The backward of any layer up to the last one can be run: layers after the objective's are skipped.
//
// Per layer, from the gradient dy w.r.t. its output to dx w.r.t. its input:
//   conv2d, depthwise_conv2d, separable_conv2d, dense
//                   the activation's gradient from the kept output y (kernels/backward/activation.hpp),
//                   then the transposed convolution(s) / W dz (the fastest backward kernel that supports
//                   the shape: kernels/backward/registry.hpp; the reference under kernels::reference_only)
//   pools           routed to the max's winner / spread over the window, from the kept input x
//   zero_padding2d  dy cropped to the input's place
//   batch_norm      a per-channel scale (inference mode); Activation: its gradient; flatten and dropout
//                   (the identity at inference) share the gradient buffer and cost nothing.
// Weights are used in their canonical form (a batch_norm is never folded into the conv before it here:
// the backward plan runs nothing in place), plus the backward kernels' own packing made by pack_weights().

#include <algorithm>
#include <cstddef>
#include <span>
#include <string>
#include <type_traits>

#include "constnet/core/errors.hpp"
#include "constnet/engine/model.hpp"
#include "constnet/explain/objective.hpp"
#include "constnet/kernels/backward/registry.hpp"
#include "constnet/kernels/reference/depthwise_conv2d.hpp"

namespace constnet {

/// Where a seed gradient enters a layer: its output, or (a convolution or dense layer, whose activation is
/// fused) the pre-activation, e.g. a class's logit before its softmax.
enum class seed_point { output, pre_activation };

template <network Network, class... Options>
class gradient_model : public model<Network, input_gradients, Options...> {
  using base = model<Network, input_gradients, Options...>;

 public:
  using base::batch_size;
  using base::input_elements;
  using base::layers;
  using base::plan;

  /// The gradient w.r.t. a layer's output (its pre-activation when seeded so): after a forward pass that
  /// reached the layer, write the objective's gradient here, then call backward_from(layer).
  std::span<float> output_gradient(std::size_t layer) {
    check_layer(layer);
    return {gradient(layer), Network::facts[layer].output.elements() * batch_size};
  }

  /// Runs the backward pass from `layer` down to the input.
  /// requires: the last forward pass reached `layer` (forward, or forward_to a layer at or after it),
  ///           output_gradient(layer) holds the seed gradient, and `pre_activation` is used only on a
  ///           layer with a fused activation (conv2d, depthwise_conv2d, separable_conv2d, dense).
  /// ensures:  input_gradient() holds d objective / d input for that seed; no allocation. Activations
  ///           and gradients of layers up to `layer` are overwritten by later calls (taps are kept).
  std::span<const float, input_elements> backward_from(std::size_t layer, seed_point where = seed_point::output) {
    check_layer(layer);
    if (where == seed_point::pre_activation && !has_fused_activation[layer])
      throw shape_error("backward_from: layer " + std::string(Network::facts[layer].name.view()) + " (" +
                        std::string(Network::facts[layer].type) + ") has no fused activation to seed before");
    // Only the layers the seeded one depends on: a branch it does not read has no gradient to pass on.
    const std::array<bool, layers> needed = detail::ancestors_of(Network::facts, layer);
    std::array<bool, layers> written{};
    written[layer] = true;
    [&]<std::size_t... K>(std::index_sequence<K...>) {
      // Back to front: layer layers - 1 first, so every consumer of a tensor runs before its producer.
      ((layers - 1 - K >= 1 && needed[layers - 1 - K]
            ? backward_layer<layers - 1 - K>(layers - 1 - K == layer && where == seed_point::pre_activation, written)
            : void()),
       ...);
    }(std::make_index_sequence<layers>{});
    return input_gradient();
  }

  /// The gradient w.r.t. the input images of the last backward pass (NHWC, batch after batch).
  std::span<const float, input_elements> input_gradient() const {
    return std::span<const float, input_elements>(gradient(0), input_elements);
  }

  /// One forward and one backward pass for an objective: returns its value (summed over the batch) and
  /// leaves its gradient w.r.t. the images in input_gradient(). No allocation.
  /// Throws shape_error, before running anything, when the objective names a layer, channel or position
  /// the network does not have.
  double value_and_gradient(const objective& o, std::span<const float, input_elements> images) {
    check(o);
    const std::size_t layer = o.layer;
    // The softmax of an Activation layer: the logit is its input, the previous layer's output.
    const bool before_activation_layer = o.what == objective::kind::class_logit && activation_layer_softmax[layer];
    const bool before_fused = o.what == objective::kind::class_logit && has_fused_activation[layer] &&
                              activation_of[layer] == activation::softmax;
    const std::size_t seeded = before_activation_layer ? Network::facts[layer].inputs.front() : layer;
    this->run_through(layer, images);

    const shape& out = Network::facts[seeded].output;
    const std::size_t per_image = out.elements(), positions = out.h * out.w, c = o.channel;
    std::span<float> seed = output_gradient(seeded);
    double value = 0;
    if (before_fused) value = logit_mean(layer, c);
    for (std::size_t n = 0; n < batch_size; ++n) {
      const float* a = this->tensor(seeded) + n * per_image;
      if (o.what == objective::kind::neuron) {
        value += a[(o.y * out.w + o.x) * out.c + c];
      } else if (!before_fused) {
        double sum = 0;
        for (std::size_t p = 0; p < positions; ++p) sum += a[p * out.c + c];
        value += sum / static_cast<double>(positions);
      }
    }
    // The seed is written after the value is read: with a batch, each image's own objective.
    std::fill(seed.begin(), seed.end(), 0.0f);
    for (std::size_t n = 0; n < batch_size; ++n) {
      float* s = seed.data() + n * per_image;
      if (o.what == objective::kind::neuron) {
        s[(o.y * out.w + o.x) * out.c + c] = 1.0f;
      } else {
        for (std::size_t p = 0; p < positions; ++p) s[p * out.c + c] = 1.0f / static_cast<float>(positions);
      }
    }
    backward_from(seeded, before_fused ? seed_point::pre_activation : seed_point::output);
    return value;
  }

  /// Throws shape_error when the objective does not fit the network.
  static void check(const objective& o) {
    check_layer(o.layer);
    const layer_facts& f = Network::facts[o.layer];
    // Messages are built only on failure: checking allocates nothing.
    auto label = [&] { return std::string(f.name.view()) + " (" + std::string(f.type) + ")"; };
    if (o.channel >= f.output.c)
      throw shape_error("objective: " + label() + " has " + std::to_string(f.output.c) + " channels; channel " +
                        std::to_string(o.channel) + " does not exist");
    if (o.what == objective::kind::neuron && (o.y >= f.output.h || o.x >= f.output.w))
      throw shape_error("objective: " + label() + " is " + std::to_string(f.output.h) + "x" +
                        std::to_string(f.output.w) + "; there is no neuron at y=" + std::to_string(o.y) +
                        ", x=" + std::to_string(o.x));
  }

 private:
  template <std::size_t I>
  static constexpr auto geometry() {
    if constexpr (I == 0) return identity_geometry{Network::input_shape};  // the input layer: no geometry
    else return Network::template geometry<I>;
  }
  template <std::size_t I>
  using geometry_of = std::remove_cvref_t<decltype(geometry<I>())>;
  /// The layers with weights and a fused activation, whose backward kernels come from the registry.
  template <std::size_t I>
  static constexpr bool weighted =
      std::is_same_v<geometry_of<I>, conv2d_geometry> || std::is_same_v<geometry_of<I>, depthwise_conv2d_geometry> ||
      std::is_same_v<geometry_of<I>, separable_conv2d_geometry> || std::is_same_v<geometry_of<I>, dense_geometry>;

  /// Per layer: the activation a weighted or Activation layer applies (linear for the others).
  static constexpr std::array<activation, layers> activation_of = []<std::size_t... I>(std::index_sequence<I...>) {
    return std::array<activation, layers>{[] {
      if constexpr (I == 0) return activation::linear;
      else if constexpr (weighted<I> || std::is_same_v<geometry_of<I>, activation_geometry>)
        return geometry<I>().act;
      else return activation::linear;
    }()...};
  }(std::make_index_sequence<layers>{});
  static constexpr std::array<bool, layers> has_fused_activation = []<std::size_t... I>(std::index_sequence<I...>) {
    return std::array<bool, layers>{(I > 0 && weighted<I>)...};
  }(std::make_index_sequence<layers>{});
  static constexpr std::array<bool, layers> activation_layer_softmax = []<std::size_t... I>(std::index_sequence<I...>) {
    return std::array<bool, layers>{[] {
      if constexpr (I == 0) return false;
      else return std::is_same_v<geometry_of<I>, activation_geometry> && activation_of[I] == activation::softmax;
    }()...};
  }(std::make_index_sequence<layers>{});

  static void check_layer(std::size_t layer) {
    if (layer >= layers)
      throw shape_error("gradient_model: layer index " + std::to_string(layer) + " is past the last layer (" +
                        std::to_string(layers - 1) + ")");
  }

  float* gradient(std::size_t i) { return reinterpret_cast<float*>(this->arena_data() + plan.gradient_offset[i]); }
  const float* gradient(std::size_t i) const {
    return reinterpret_cast<const float*>(this->arena().data() + plan.gradient_offset[i]);
  }

  /// Sum over the batch of the mean over positions of channel c's pre-activation of a weighted layer,
  /// recomputed from the layer's kept input in double precision.
  double logit_mean(std::size_t layer, std::size_t c) {
    double value = 0;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((I == layer ? (value = logit_mean_of<I>(c), true) : false) || ...);
    }(std::make_index_sequence<layers>{});
    return value;
  }
  template <std::size_t I>
  double logit_mean_of(std::size_t c) {
    if constexpr (!weighted<I>) {
      return 0;
    } else {
      using G = geometry_of<I>;
      constexpr auto g = geometry<I>();
      const std::span<const float> w = std::as_const(*this).layer_weights(I);
      double total = 0;
      for (std::size_t n = 0; n < batch_size; ++n) {
        if constexpr (std::is_same_v<G, dense_geometry>) {
          const float* x = this->tensor(Network::facts[I].inputs.front()) + n * g.in;
          double z = g.bias ? w[g.in * g.units + c] : 0.0;
          for (std::size_t i = 0; i < g.in; ++i) z += static_cast<double>(x[i]) * w[i * g.units + c];
          total += z;
        } else {
          const float* image = this->tensor(Network::facts[I].inputs.front()) + n * g.in.elements();
          const double positions = static_cast<double>(g.out.h * g.out.w);
          double sum = 0;
          if constexpr (std::is_same_v<G, conv2d_geometry>) {
            const std::size_t cin = g.in.c, cout = g.out.c, taps = g.kernel.h * g.kernel.w * cin * cout;
            for (std::size_t oy = 0; oy < g.out.h; ++oy)
              for (std::size_t ox = 0; ox < g.out.w; ++ox) {
                double z = g.bias ? w[taps + c] : 0.0;
                for (std::size_t ky = 0; ky < g.kernel.h; ++ky) {
                  const std::ptrdiff_t iy = static_cast<std::ptrdiff_t>(oy * g.stride.h + ky * g.dilation.h) -
                                            static_cast<std::ptrdiff_t>(g.pad.top);
                  if (iy < 0 || iy >= static_cast<std::ptrdiff_t>(g.in.h)) continue;
                  for (std::size_t kx = 0; kx < g.kernel.w; ++kx) {
                    const std::ptrdiff_t ix = static_cast<std::ptrdiff_t>(ox * g.stride.w + kx * g.dilation.w) -
                                              static_cast<std::ptrdiff_t>(g.pad.left);
                    if (ix < 0 || ix >= static_cast<std::ptrdiff_t>(g.in.w)) continue;
                    const float* x = image + (static_cast<std::size_t>(iy) * g.in.w + static_cast<std::size_t>(ix)) * cin;
                    for (std::size_t ic = 0; ic < cin; ++ic)
                      z += static_cast<double>(x[ic]) * w[((ky * g.kernel.w + kx) * cin + ic) * cout + c];
                  }
                }
                sum += z;
              }
          } else if constexpr (std::is_same_v<G, depthwise_conv2d_geometry>) {
            using kernels::reference::depthwise_conv2d;
            const double bias = g.bias ? w[g.kernel.h * g.kernel.w * g.out.c + c] : 0.0;
            for (std::size_t oy = 0; oy < g.out.h; ++oy)
              for (std::size_t ox = 0; ox < g.out.w; ++ox)
                sum += depthwise_conv2d::window_sum<double>(g, w.data(), image, oy, ox, c, bias);
          } else if constexpr (std::is_same_v<G, separable_conv2d_geometry>) {
            // The pointwise stage is linear, so filter c's sum over positions is its bias per position plus
            // each depthwise channel's sum over positions times that channel's pointwise weight: nothing
            // of the intermediate tensor needs to be stored.
            using kernels::reference::depthwise_conv2d;
            constexpr depthwise_conv2d_geometry stage = depthwise_stage(g);
            const float* pointwise = w.data() + g.kernel.h * g.kernel.w * stage.out.c;
            for (std::size_t j = 0; j < stage.out.c; ++j) {
              double channel = 0;
              for (std::size_t oy = 0; oy < g.out.h; ++oy)
                for (std::size_t ox = 0; ox < g.out.w; ++ox)
                  channel = depthwise_conv2d::window_sum<double>(stage, w.data(), image, oy, ox, j, channel);
              sum += channel * pointwise[j * g.out.c + c];
            }
            if (g.bias) sum += positions * pointwise[stage.out.c * g.out.c + c];
          } else {
            static_assert(sizeof(G) == 0, "gradient_model: no logit for this kind of weighted layer");
          }
          total += sum / positions;
        }
      }
      return total;
    }
  }

  /// The activation's gradient in place on dy (kernels/backward/activation.hpp), split over the threads
  /// in runs of whole pixels (softmax needs all of a pixel's channels): element-wise, so the result does
  /// not depend on the split.
  void activation_gradient(activation act, const float* y, float* dy, std::size_t values, std::size_t channels) {
    if (act == activation::linear) return;
    const std::size_t pixels = values / channels, per_task = std::max<std::size_t>(1, 16384 / channels);
    auto body = [&](std::size_t, std::size_t begin, std::size_t end) {
      const std::size_t first = begin * per_task, last = std::min(pixels, end * per_task);
      if (first < last)
        kernels::backward::activation_gradient(act, y + first * channels, dy + first * channels, (last - first) * channels,
                                               channels);
    };
    this->pool().parallel_for((pixels + per_task - 1) / per_task, body);
  }

  /// Layer I's backward: from gradient(I) (overwritten) to the gradients of the layers it reads.
  /// written[p]: layer p's gradient already holds a contribution (from another of its consumers, or the
  /// seed), so this one adds to it.
  template <std::size_t I>
  void backward_layer(bool skip_activation, std::array<bool, layers>& written) {
    using layer = typename Network::template layer_type<I>;
    using G = geometry_of<I>;
    constexpr layer_inputs inputs = Network::facts[I].inputs;
    constexpr std::size_t source = inputs.front();
    // Element-wise layers and aliases whose input feeds nothing else share its gradient buffer and work in
    // place; otherwise their result is contributed to the input's gradient.
    constexpr bool shares_gradient = plan.gradient_buffer[I] == plan.gradient_buffer[source];
    float* dy = gradient(I);
    const std::size_t in_values = batch_size * Network::facts[I].input.elements();
    auto pass_on = [&](const float* g) {
      if constexpr (!shares_gradient) kernels::backward::contribute<float>(g, gradient(source), in_values, written[source]);
      written[source] = true;
    };
    if constexpr (I == 0) {
      return;  // the input: nothing before it
    } else if constexpr (std::is_same_v<G, add_geometry> || std::is_same_v<G, concatenate_geometry>) {
      static constexpr G g = geometry<I>();
      std::array<float*, inputs.count> dx{};
      std::array<bool, inputs.count> accumulate{};
      for (std::size_t k = 0; k < inputs.count; ++k) {
        dx[k] = gradient(inputs.index[k]);
        accumulate[k] = written[inputs.index[k]];
        written[inputs.index[k]] = true;
      }
      if constexpr (std::is_same_v<G, add_geometry>)
        kernels::backward::add::run<float>(g, dy, dx.data(), accumulate.data(), batch_size);
      else
        kernels::backward::concatenate::run<float>(g, dy, dx.data(), accumulate.data(), batch_size);
    } else if constexpr (layer::buffers == buffer_use::alias) {
      pass_on(dy);
    } else {
      static constexpr G g = geometry<I>();
      // A layer that writes a separate input gradient writes it aside when others add to the same one.
      float* dx = plan.needs_staging[I] ? staging(I) : gradient(source);
      const float* y = this->tensor(I);
      const float* x = this->tensor(source);
      const std::size_t out_values = batch_size * Network::facts[I].output.elements();
      if constexpr (weighted<I>) {
        const std::size_t channels = Network::facts[I].output.c;
        if (!skip_activation) activation_gradient(g.act, y, dy, out_values, channels);
        using kernel = typename base::template backward_kernel_of<I>::type;
        const std::span<const float> weights = this->template backward_kernel_weights<I>();
        std::byte* scratch = this->arena_data() + plan.backward_scratch_offset[I];
        if constexpr (base::template backward_threaded<I>) {
          auto body = [&](std::size_t thread, std::size_t begin, std::size_t end) {
            if constexpr (requires { kernel::run_tasks(g, weights, dy, dx, scratch, batch_size, begin, end); })
              kernel::run_tasks(g, weights, dy, dx, scratch + thread * base::template backward_scratch_per_thread<I>,
                                batch_size, begin, end);
            else
              kernel::run_tasks(g, weights, dy, dx, batch_size, begin, end);
          };
          this->pool().parallel_for(kernel::tasks(g, batch_size), body);
          // After every task, on the first thread's scratch (see kernels/backward/registry.hpp).
          if constexpr (requires { kernel::finish(g, dy, dx, scratch, batch_size); })
            kernel::finish(g, dy, dx, scratch, batch_size);
        } else {
          kernel::run(g, weights, dy, dx, scratch, batch_size);
        }
      } else if constexpr (std::is_same_v<G, pool2d_geometry>) {
        kernels::backward::pool2d::run(g, x, dy, dx, batch_size);
      } else if constexpr (std::is_same_v<G, global_pool_geometry>) {
        kernels::backward::global_pool::run(g, x, dy, dx, batch_size);
      } else if constexpr (std::is_same_v<G, zero_padding2d_geometry>) {
        kernels::backward::zero_padding2d::run(g, dy, dx, batch_size);
      } else if constexpr (std::is_same_v<G, batch_norm_geometry>) {
        // In place on dy: the input gradient is dy scaled per channel.
        kernels::backward::batch_norm::run(g, std::as_const(*this).layer_weights(I), dy, dy, batch_size);
        pass_on(dy);
        return;
      } else if constexpr (std::is_same_v<G, activation_geometry>) {
        activation_gradient(g.act, y, dy, out_values, g.in.c);
        pass_on(dy);
        return;
      } else {
        static_assert(sizeof(G) == 0, "gradient_model: no backward for this kind of layer");
      }
      if (plan.needs_staging[I]) kernels::backward::contribute<float>(dx, gradient(source), in_values, written[source]);
      written[source] = true;
    }
  }

  float* staging(std::size_t i) { return reinterpret_cast<float*>(this->arena_data() + plan.staging_offset[i]); }
};

}  // namespace constnet
