#pragma once
// model<Network, Options...>: a network's weights, its planned activation arena and the forward pass.
//
//   using net = sequential<input<32, 32, 3>, conv2d<32, kernel<3>, act::relu>, ...>;
//   model<net, batch<8>, taps<"conv2d">> m;          // sizes are constexpr; storage is allocated here, once
//   he_normal(m, 42);                                 // or load trained weights
//   std::span<const float> probabilities = m.forward(images);  // no allocation, no layout conversion
//   std::span<const float> maps = m.output<"conv2d">();        // a tap, still valid after forward
//
// Weights are stored in Keras' layouts (conv kernels HWIO, dense [in][units]), layer after layer in
// network order. Activations are NHWC. Layers own no buffers: each kernel gets its input, output and
// scratch spans from the compile-time plan.

#include <array>
#include <cstddef>
#include <cmath>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "constnet/core/aligned_buffer.hpp"
#include "constnet/core/errors.hpp"
#include "constnet/engine/model_options.hpp"
#include "constnet/engine/thread_pool.hpp"
#include "constnet/kernels/backward/registry.hpp"
#include "constnet/kernels/batch_norm_weights.hpp"
#include "constnet/kernels/registry.hpp"
#include "constnet/network/sequential.hpp"
#include "constnet/plan/arena_plan.hpp"

namespace constnet {

namespace detail {
/// The input layer and the layers that only rename their input buffer (flatten, dropout) run no kernel.
template <class Network, std::size_t I>
inline constexpr bool runs_kernel = I > 0 && Network::template layer_type<I>::buffers != buffer_use::alias;

/// Whether layer I's output is read by layer I + 1 alone, and layer I + 1 reads nothing else: then the
/// two may fuse (XNNPACK fuses only a producer with a single consumer, for the same reason).
template <class Network, std::size_t I>
inline constexpr bool feeds_only_next = I + 1 < Network::size && Network::facts[I].consumers == 1 &&
                                        Network::facts[I + 1].inputs.count == 1 &&
                                        Network::facts[I + 1].inputs.front() == I;

/// Whether a geometry is a merge layer's, whose kernels read an array of inputs.
template <class Geometry>
inline constexpr bool merges_inputs =
    std::is_same_v<Geometry, add_geometry> || std::is_same_v<Geometry, concatenate_geometry>;

/// Whether some force_kernel<> option names layer I.
template <class Network, std::size_t I, class... Options>
inline constexpr bool forces_layer = ([] {
  if constexpr (is_force_kernel<Options>::value) return Network::template index_of<Options::layer> == I;
  else return false;
}() || ...);

/// The kernel forced for layer I by a force_kernel<> option, or the policy's choice.
template <class Network, std::size_t I, class Default, class... Options>
struct forced_or {
  using type = Default;
};
template <class Network, std::size_t I, class Default, class First, class... Rest>
struct forced_or<Network, I, Default, First, Rest...> {
  using type = typename std::conditional_t<forces_layer<Network, I, First>, std::type_identity<First>,
                                           forced_or<Network, I, Default, Rest...>>::type;
};

template <class T>
struct kernel_of_option {
  using type = T;
};
template <fixed_string L, class K>
struct kernel_of_option<force_kernel<L, K>> {
  using type = K;
};

template <class Network, class Policy, std::size_t I, class... Options>
struct layer_kernel {
  static constexpr bool runs = false;
};
template <class Network, class Policy, std::size_t I, class... Options>
  requires runs_kernel<Network, I>
struct layer_kernel<Network, Policy, I, Options...> {
  using layer = typename Network::template layer_type<I>;
  static constexpr bool runs = true;
  static constexpr auto geometry = Network::template geometry<I>;
  using type = typename kernel_of_option<
      typename forced_or<Network, I, typename Policy::template kernel<geometry>, Options...>::type>::type;
  static_assert(std::is_same_v<decltype(type::supports(geometry)), bool>,
                "force_kernel<layer, K>: K is not a kernel for this kind of layer");
  static_assert(type::supports(geometry), "force_kernel<layer, K>: K does not support this layer's shape");
};
}  // namespace detail

template <network Network, class... Options>
class model {
  static_assert(((detail::is_batch<Options>::value || detail::is_taps<Options>::value || detail::is_policy<Options> ||
                  detail::is_force_kernel<Options>::value || detail::is_threads<Options>::value ||
                  std::is_same_v<Options, input_gradients>) &&
                 ...),
                "model options are batch<N>, threads<N>, taps<\"layer\", ...>, a kernel policy, force_kernel<\"layer\", K> "
                "and input_gradients");
  using batch_option = typename detail::pick_option<detail::is_batch, batch<1>, Options...>::type;
  using taps_option = typename detail::pick_option<detail::is_taps, taps<>, Options...>::type;
  using threads_option = typename detail::pick_option<detail::is_threads, threads<1>, Options...>::type;

  template <fixed_string... Names>
  static constexpr std::array<bool, Network::size> tap_mask(taps<Names...>) {
    std::array<bool, Network::size> mask{};
    ((mask[Network::template index_of<Names>] = true), ...);
    return mask;
  }

 public:
  using network_type = Network;
  using kernel_policy = typename detail::pick_option<detail::policy_trait, kernels::best_available, Options...>::type;
  template <std::size_t I>
  using kernel_of = detail::layer_kernel<Network, kernel_policy, I, Options...>;

  static constexpr std::size_t layers = Network::size;
  static constexpr std::size_t batch_size = batch_option::value;
  static constexpr std::size_t thread_count = threads_option::value;
  static constexpr std::size_t input_elements = Network::input_shape.elements() * batch_size;
  static constexpr std::size_t output_elements = Network::output_shape.elements() * batch_size;
  static constexpr std::size_t weight_floats = Network::total_params;
  static constexpr std::array<bool, layers> tapped = tap_mask(taps_option{});
  /// The arena and the packed weights also serve the input-gradient pass (see input_gradients).
  static constexpr bool plans_backward = (std::is_same_v<Options, input_gradients> || ...);

  /// Layer I's input-gradient kernel, when it has one chosen from candidates (convolutions and dense).
  template <std::size_t I>
  struct backward_kernel_of {
    static constexpr bool chosen = false;
  };
  template <std::size_t I>
    requires(kernel_of<I>::runs &&
             requires { typename kernels::backward::candidates<std::remove_cvref_t<decltype(kernel_of<I>::geometry)>>::type; })
  struct backward_kernel_of<I> {
    static constexpr bool chosen = true;
    using type = kernels::backward::kernel_for<kernel_policy, kernel_of<I>::geometry>;
  };

 protected:
  /// Kernels split into tasks run on every thread at once, each with its own scratch.
  template <std::size_t I>
  static constexpr bool threaded = [] {
    if constexpr (!kernel_of<I>::runs) return false;
    else return requires { kernel_of<I>::type::tasks(kernel_of<I>::geometry, batch_size); };
  }();
  template <std::size_t I>
  static constexpr std::size_t scratch_per_thread = [] {
    if constexpr (kernel_of<I>::runs) return align_up(kernel_of<I>::type::scratch_bytes(kernel_of<I>::geometry, batch_size));
    else return std::size_t{0};
  }();
  template <std::size_t... I>
  static constexpr std::array<std::size_t, layers> scratch_of(std::index_sequence<I...>) {
    return {(scratch_per_thread<I> * (threaded<I> ? thread_count : 1))...};
  }
  template <std::size_t I>
  static constexpr bool backward_threaded = [] {
    if constexpr (!backward_kernel_of<I>::chosen) return false;
    else return requires { backward_kernel_of<I>::type::tasks(kernel_of<I>::geometry, batch_size); };
  }();
  template <std::size_t I>
  static constexpr std::size_t backward_scratch_per_thread = [] {
    if constexpr (!plans_backward || !backward_kernel_of<I>::chosen) return std::size_t{0};
    else return align_up(backward_kernel_of<I>::type::scratch_bytes(kernel_of<I>::geometry, batch_size));
  }();
  template <std::size_t... I>
  static constexpr std::array<std::size_t, layers> backward_scratch_of(std::index_sequence<I...>) {
    return {(backward_scratch_per_thread<I> * (backward_threaded<I> ? thread_count : 1))...};
  }

 public:
  /// A convolution whose kernel can also pool (Winograd: can_fuse_max_pool_2x2) followed by a 2x2
  /// stride-2 max pool, unpadded, undilated and rounding down (no ceil_mode: the kernel writes only whole
  /// 2x2 windows), writes the pooled tensor itself, and the pool layer does nothing: the convolution's
  /// full-size output is never stored. Not when that output is a tap, when the pool's
  /// kernel is forced (a user measuring it), for the input-gradient pass (its backward reads the
  /// convolution's output) or under the reference policy (the oracle runs every layer as declared).
  /// forward_to(the convolution) still runs it unfused.
  template <std::size_t I>
  static constexpr bool fuses_max_pool = [] {
    if constexpr (!kernel_of<I>::runs || I + 1 >= layers || plans_backward ||
                  std::is_same_v<kernel_policy, kernels::reference_only>) {
      return false;
    } else if constexpr (!kernel_of<I + 1>::runs || !detail::feeds_only_next<Network, I>) {
      return false;
    } else if constexpr (!std::is_same_v<std::remove_cvref_t<decltype(kernel_of<I + 1>::geometry)>, pool2d_geometry> ||
                         !requires { kernel_of<I>::type::can_fuse_max_pool_2x2(kernel_of<I>::geometry); }) {
      return false;
    } else {
      constexpr pool2d_geometry pool = kernel_of<I + 1>::geometry;
      return !tapped[I] && !detail::forces_layer<Network, I + 1, Options...> &&
             kernel_of<I>::type::can_fuse_max_pool_2x2(kernel_of<I>::geometry) && pool.kind == pool_kind::max &&
             pool.window == extent2{2, 2} && pool.stride == extent2{2, 2} && pool.dilation == extent2{1, 1} &&
             pool.pad == padding2{} && !pool.ceil_mode;
    }
  }();
  template <std::size_t I>
  static constexpr bool pooled_away = I > 0 && fuses_max_pool<I - 1>;

 protected:
  template <std::size_t... I>
  static constexpr std::array<bool, layers> fused_mask(std::index_sequence<I...>) {
    return {fuses_max_pool<I>...};
  }
  static constexpr arena_plan<layers> lifetimes() {
    constexpr auto sequence = std::make_index_sequence<layers>{};
    if constexpr (plans_backward)
      return backward_lifetimes(Network::facts, batch_size, tapped, scratch_of(sequence), backward_scratch_of(sequence));
    else
      return forward_lifetimes(Network::facts, batch_size, tapped, scratch_of(sequence), fused_mask(sequence));
  }
  // The planning runs in steps, each a constant expression of its own (the lifetimes, then each
  // placement strategy): in one, InceptionV3's backward plan (about 900 buffers) exceeds the compiler's
  // per-expression operation limit.
  static constexpr arena_plan<layers> unplaced = lifetimes();
  template <detail::placement How>
  static constexpr arena_plan<layers> placed_by = detail::placed(unplaced, How);

 public:
  /// Where every tensor lives; arena_bytes is the memory one forward pass (and, with input_gradients,
  /// the backward pass after it) needs.
  static constexpr arena_plan<layers> plan =
      detail::best_placement(placed_by<detail::placement::largest_first_best_fit>,
                             placed_by<detail::placement::alternate_ends_within_bound>,
                             placed_by<detail::placement::in_order_first_fit>);
  static constexpr std::size_t arena_bytes = plan.arena_bytes;

  /// A linear conv2d followed by a batch_norm that runs in place (its input is not a tap) absorbs it:
  /// at load the kernel gets w * scale and b * scale + shift, with scale = gamma / sqrt(var + eps) and
  /// shift = beta - mean * scale, and the batch_norm layer does nothing at run time.
  template <std::size_t I>
  static constexpr bool folds_batch_norm = [] {
    // The reference policy is the oracle: it runs every layer as declared.
    if constexpr (!kernel_of<I>::runs || I + 1 >= layers || std::is_same_v<kernel_policy, kernels::reference_only>)
      return false;
    else if constexpr (!detail::feeds_only_next<Network, I>)
      return false;
    else if constexpr (!std::is_same_v<std::remove_cvref_t<decltype(kernel_of<I>::geometry)>, conv2d_geometry>)
      return false;
    else
      return kernel_of<I>::geometry.act == activation::linear &&
             std::is_same_v<std::remove_cvref_t<decltype(Network::template geometry<I + 1>)>, batch_norm_geometry> &&
             plan.in_place[I + 1];
  }();
  template <std::size_t I>
  static constexpr bool folded_away = I > 0 && folds_batch_norm<I - 1>;

 private:
  /// The geometry a layer's kernel runs with: a conv that absorbs a batch_norm always has a bias.
  template <std::size_t I>
  static constexpr auto run_geometry = [] {
    auto g = kernel_of<I>::geometry;
    if constexpr (folds_batch_norm<I>) g.bias = true;
    return g;
  }();
  /// Floats a layer keeps besides the canonical weights: the kernel's packed layout, or the folded
  /// canonical weights when a batch_norm is folded into a kernel that reads canonical weights.
  template <std::size_t I>
  static constexpr std::size_t extra_floats() {
    if constexpr (!kernel_of<I>::runs) {
      return 0;
    } else {
      const std::size_t packed = kernels::packed_floats<typename kernel_of<I>::type>(run_geometry<I>);
      if constexpr (folds_batch_norm<I>) {
        const auto& g = kernel_of<I>::geometry;
        if (packed == 0) return g.kernel.h * g.kernel.w * g.in.c * g.out.c + g.out.c;
      }
      return packed;
    }
  }
  /// Floats of layer I's backward kernel's own weight layout (with input_gradients only).
  template <std::size_t I>
  static constexpr std::size_t backward_floats() {
    if constexpr (!plans_backward || !backward_kernel_of<I>::chosen) return 0;
    else return kernels::packed_floats<typename backward_kernel_of<I>::type>(kernel_of<I>::geometry);
  }
  template <std::size_t... I>
  static constexpr std::array<std::size_t, 2 * layers + 1> packed_offsets(std::index_sequence<I...>) {
    std::array<std::size_t, 2 * layers + 1> offsets{};
    std::size_t i = 0;
    // Each layer's packed weights start on a cache line, so kernels may use aligned loads. The backward
    // kernels' packings follow the forward's: entry layers + i is layer i's.
    ((offsets[i + 1] = offsets[i] + align_up(sizeof(float) * extra_floats<I>()) / sizeof(float), ++i), ...);
    ((offsets[i + 1] = offsets[i] + align_up(sizeof(float) * backward_floats<I>()) / sizeof(float), ++i), ...);
    return offsets;
  }

 public:
  static constexpr std::array<std::size_t, 2 * layers + 1> packed_offset =
      packed_offsets(std::make_index_sequence<layers>{});

  /// Allocates the weights (zero), the packed weights and the arena: the only allocations a model makes.
  model()
      : weights_(weight_floats),
        packed_(packed_offset.back()),
        arena_(arena_bytes),
        pool_(std::make_unique<thread_pool>(thread_count)) {
    pack_weights();
  }

  // ---- weights -------------------------------------------------------------------------------------

  std::span<float> weights() { return weights_.span(); }
  std::span<const float> weights() const { return weights_.span(); }

  /// All weights of one layer, in the order of its facts' weight tensors.
  std::span<float> layer_weights(std::size_t index) {
    const layer_facts& f = Network::facts.at(index);
    return weights_.span().subspan(f.weight_offset, f.params);
  }
  std::span<const float> layer_weights(std::size_t index) const {
    const layer_facts& f = Network::facts.at(index);
    return weights_.span().subspan(f.weight_offset, f.params);
  }
  template <fixed_string Layer>
  std::span<float> layer_weights() {
    return layer_weights(Network::template index_of<Layer>);
  }

  /// One weight tensor, e.g. weight("block1_conv1", "kernel"). Throws unknown_name_error.
  std::span<float> weight(std::string_view layer, std::string_view tensor) {
    const std::size_t i = index_of(layer);
    const layer_facts& f = Network::facts[i];
    for (std::size_t t = 0; t < f.weight_tensor_count; ++t)
      if (f.weights[t].name.view() == tensor)
        return layer_weights(i).subspan(f.weights[t].offset, f.weights[t].elements());
    // Appended piece by piece: GCC 12 at -O3 warns (-Wrestrict) on chains of operator+ here.
    std::string message = "layer ";
    message += layer;
    message += " has no weight tensor ";
    message += tensor;
    message += f.weight_tensor_count == 0 ? " (it has no weights)" : "; it has:";
    for (std::size_t t = 0; t < f.weight_tensor_count; ++t) {
      message += ' ';
      message += f.weights[t].name.view();
    }
    throw unknown_name_error(message);
  }

  /// Call after changing weights(): kernels that keep their own weight layout repack here, so the
  /// forward pass never converts weights.
  void pack_weights() { pack_layers(std::make_index_sequence<layers>{}); }

  // ---- forward -------------------------------------------------------------------------------------

  /// Runs the whole network on a batch of NHWC images; returns the output, valid until the next call.
  std::span<const float, output_elements> forward(std::span<const float, input_elements> input) {
    run_until<layers - 1>(input);
    return std::span<const float, output_elements>(tensor(layers - 1), output_elements);
  }
  /// As above for a buffer whose size is known only at run time; throws shape_error on a mismatch.
  std::span<const float, output_elements> forward(std::span<const float> input) {
    return forward(checked_input(input));
  }

  /// Runs the network up to and including the named layer and returns that layer's output.
  template <fixed_string Layer>
  std::span<const float> forward_to(std::span<const float, input_elements> input) {
    constexpr std::size_t last = Network::template index_of<Layer>;
    run_until<last>(input);
    return output(last);
  }
  /// The same with a run-time name; throws unknown_name_error or shape_error.
  std::span<const float> forward_to(std::string_view layer, std::span<const float> input) {
    const std::size_t last = index_of(layer);
    const auto checked = checked_input(input);
    dispatch_until(last, checked);
    return output(last);
  }

  /// A layer's output after the last forward pass. Valid for taps and the final layer after forward(),
  /// and for the last layer forward_to() reached.
  std::span<const float> output(std::size_t index) const {
    return {tensor(index), Network::facts.at(index).output.elements() * batch_size};
  }
  template <fixed_string Layer>
  std::span<const float> output() const {
    constexpr std::size_t i = Network::template index_of<Layer>;
    constexpr diagnostic problem = [] {
      diagnostic d;
      if (!tapped[i] && i + 1 != layers)
        d << "output<" << Layer.view() << ">(): layer " << Layer.view()
          << " is not a tap, so its memory is reused; add it to the model's taps<...> or call forward_to<"
          << Layer.view() << ">()";
      return d;
    }();
    static_assert(report<problem>());
    return output(i);
  }

  /// Index of a layer by run-time name; throws unknown_name_error naming the closest layer.
  static std::size_t index_of(std::string_view layer) {
    const std::size_t i = Network::find(layer);
    if (i == layers) {
      const auto& closest = Network::facts[detail::closest_name(Network::facts, layer)];
      throw unknown_name_error("no layer is named " + std::string(layer) + "; the closest name is " +
                               std::string(closest.name.view()));
    }
    return i;
  }

  std::span<const std::byte> arena() const { return arena_.span(); }

 protected:
  // What a derived engine (explain/gradient_model.hpp) runs on: the arena's tensors, the packed weights
  // and the worker threads.
  const float* tensor(std::size_t i) const {
    return reinterpret_cast<const float*>(arena_.data() + plan.tensor_offset[i]);
  }
  float* tensor(std::size_t i) { return reinterpret_cast<float*>(arena_.data() + plan.tensor_offset[i]); }

  static std::span<const float, input_elements> checked_input(std::span<const float> input) {
    if (input.size() != input_elements)
      throw shape_error("forward: expected " + std::to_string(input_elements) + " floats (batch " +
                        std::to_string(batch_size) + " of " + std::to_string(Network::input_shape.h) + "x" +
                        std::to_string(Network::input_shape.w) + "x" + std::to_string(Network::input_shape.c) +
                        "), got " + std::to_string(input.size()));
    return std::span<const float, input_elements>(input.data(), input_elements);
  }

  template <std::size_t I>
  std::span<const float> kernel_weights() const {
    if constexpr (extra_floats<I>() > 0)
      return packed_.span().subspan(packed_offset[I], extra_floats<I>());
    else
      return layer_weights(I);
  }
  /// The weights layer I's backward kernel reads: its own packing, or the canonical ones.
  template <std::size_t I>
  std::span<const float> backward_kernel_weights() const {
    if constexpr (backward_floats<I>() > 0)
      return packed_.span().subspan(packed_offset[layers + I], backward_floats<I>());
    else
      return layer_weights(I);
  }
  thread_pool& pool() { return *pool_; }
  std::byte* arena_data() { return arena_.data(); }
  /// forward_to by index: copies the input in and runs layers 1..last.
  void run_through(std::size_t last, std::span<const float, input_elements> input) {
    dispatch_until(last, input);
  }

 private:

  /// Runs layer I. Unfold: the caller stops at I and must see the conv's own output, so a batch_norm
  /// folded into it is left out (the reference kernel runs on the canonical weights instead) and a max
  /// pool fused into it is not (it runs unfused, and the pool does not run).
  template <std::size_t I, bool Unfold = false>
  void run_layer() {
    if constexpr (pooled_away<I>) {
      // done by layer I - 1, which wrote this layer's output
    } else if constexpr (Unfold && folds_batch_norm<I>) {
      using oracle = typename kernels::reference_for<conv2d_geometry>::type;
      oracle::run(kernel_of<I>::geometry, std::as_const(*this).layer_weights(I),
                  std::as_const(*this).tensor(Network::facts[I].inputs.front()), tensor(I), nullptr, batch_size);
    } else if constexpr (kernel_of<I>::runs && !folded_away<I>) {
      using kernel = typename kernel_of<I>::type;
      constexpr auto& g = run_geometry<I>;
      const auto weights = kernel_weights<I>();
      constexpr bool pooled = fuses_max_pool<I> && !Unfold;  // out is then the following pool's output
      static_assert(!pooled || threaded<I>, "only task-split kernels (Winograd) pool");
      const auto inputs = input_of<I>();
      const auto in = kernel_input(inputs);
      float* out = tensor(pooled ? I + 1 : I);
      std::byte* scratch = arena_.data() + plan.scratch_offset[I];
      if constexpr (threaded<I>) {
        // Independent tasks (e.g. output rows): each gives the same bits whichever thread runs it.
        auto body = [&](std::size_t thread, std::size_t begin, std::size_t end) {
          if constexpr (pooled)
            kernel::run_tasks_pooled(g, weights, in, out, scratch + thread * scratch_per_thread<I>, batch_size, begin, end);
          else if constexpr (requires { kernel::run_tasks(g, weights, in, out, scratch, batch_size, begin, end); })
            kernel::run_tasks(g, weights, in, out, scratch + thread * scratch_per_thread<I>, batch_size, begin, end);
          else
            kernel::run_tasks(g, weights, in, out, batch_size, begin, end);
        };
        pool_->parallel_for(kernel::tasks(g, batch_size), body);
        // What needs every task's output (a softmax over all units) runs once they are all done.
        if constexpr (!pooled && requires { kernel::finish(g, out, batch_size); }) kernel::finish(g, out, batch_size);
      } else {
        kernel::run(g, weights, in, out, scratch, batch_size);
      }
    }
  }

  /// What layer I's kernel reads: its input tensor, or for a merge layer the array of its inputs.
  template <std::size_t I>
  auto input_of() const {
    constexpr layer_inputs inputs = Network::facts[I].inputs;
    if constexpr (detail::merges_inputs<std::remove_cvref_t<decltype(kernel_of<I>::geometry)>>) {
      std::array<const float*, inputs.count> tensors{};
      for (std::size_t k = 0; k < inputs.count; ++k) tensors[k] = tensor(inputs.index[k]);
      return tensors;
    } else {
      return tensor(inputs.front());
    }
  }
  template <class Inputs>
  static auto kernel_input(const Inputs& in) {
    if constexpr (std::is_pointer_v<Inputs>) return in;
    else return in.data();
  }

  /// Runs the layers layer Last needs (all of them for the network's output, so every tap is written),
  /// in declaration order.
  template <std::size_t Last>
  void run_until(std::span<const float, input_elements> input) {
    [[maybe_unused]] static constexpr std::array<bool, layers> needed =
        Last + 1 == layers ? std::array<bool, layers>{} : detail::ancestors_of(Network::facts, Last);
    std::memcpy(tensor(0), input.data(), input_elements * sizeof(float));
    [this]<std::size_t... I>(std::index_sequence<I...>) {
      ((Last + 1 == layers || needed[I + 1] ? run_layer<I + 1, I + 1 == Last>() : void()), ...);
    }(std::make_index_sequence<Last>{});
  }

  /// run_until with a layer index known at run time: one table of the layers' run functions (each
  /// instantiated twice, plain and unfolded), not one run_until per possible last layer, which would
  /// instantiate N^2 / 2 layer calls (about 49,000 for InceptionV3's 313 layers).
  void dispatch_until(std::size_t last, std::span<const float, input_elements> input) {
    using runner = void (model::*)();
    // Entry 0 is the input layer, which runs nothing (the copy below is its work).
    static constexpr std::array<runner, layers> plain = []<std::size_t... I>(std::index_sequence<I...>) {
      return std::array<runner, layers>{nullptr, &model::run_layer<I + 1, false>...};
    }(std::make_index_sequence<layers - 1>{});
    // Unfolding changes only a layer that folds a batch norm or fuses a pool; the others share the plain
    // instantiation (half the layer functions a 300-layer network would otherwise compile twice).
    static constexpr std::array<runner, layers> unfolded = []<std::size_t... I>(std::index_sequence<I...>) {
      return std::array<runner, layers>{nullptr, [] {
        if constexpr (folds_batch_norm<I + 1> || fuses_max_pool<I + 1>) return &model::run_layer<I + 1, true>;
        else return &model::run_layer<I + 1, false>;
      }()...};
    }(std::make_index_sequence<layers - 1>{});
    const std::array<bool, layers> needed = detail::ancestors_of(Network::facts, last);
    std::memcpy(tensor(0), input.data(), input_elements * sizeof(float));
    for (std::size_t i = 1; i <= last; ++i)
      if (last + 1 == layers || needed[i]) (this->*(i == last ? unfolded[i] : plain[i]))();
  }

  template <std::size_t... I>
  void pack_layers(std::index_sequence<I...>) {
    (
        [&] {  // [&], not [this]: for layers without packed weights clang would call the capture unused
          if constexpr (extra_floats<I>() > 0) {
            using kernel = typename kernel_of<I>::type;
            const auto packed = packed_.span().subspan(packed_offset[I], extra_floats<I>());
            std::span<const float> canonical = std::as_const(*this).layer_weights(I);
            std::vector<float> folded;  // packing happens at load time, never in forward
            if constexpr (folds_batch_norm<I>) {
              folded = fold_batch_norm(kernel_of<I>::geometry, canonical, Network::template geometry<I + 1>,
                                       std::as_const(*this).layer_weights(I + 1));
              canonical = folded;
            }
            if constexpr (kernels::packed_floats<kernel>(run_geometry<I>) > 0)
              kernel::pack(run_geometry<I>, canonical, packed);
            else
              std::copy(canonical.begin(), canonical.end(), packed.begin());
          }
          if constexpr (backward_floats<I>() > 0)
            backward_kernel_of<I>::type::pack(kernel_of<I>::geometry, std::as_const(*this).layer_weights(I),
                                              packed_.span().subspan(packed_offset[layers + I], backward_floats<I>()));
        }(),
        ...);
  }

  /// conv2d weights (HWIO kernel, optional bias) with a following batch_norm folded in; always has a bias.
  static std::vector<float> fold_batch_norm(const conv2d_geometry& g, std::span<const float> conv,
                                            const batch_norm_geometry& norm_geometry, std::span<const float> norm) {
    const std::size_t cout = g.out.c, taps = g.kernel.h * g.kernel.w * g.in.c;
    const kernels::batch_norm_weights<float> w(norm_geometry, norm);
    std::vector<float> folded(taps * cout + cout);
    for (std::size_t oc = 0; oc < cout; ++oc) {
      const double scale = w.gamma_of(oc) / std::sqrt(static_cast<double>(w.variance[oc]) + norm_geometry.epsilon);
      for (std::size_t t = 0; t < taps; ++t)
        folded[t * cout + oc] = static_cast<float>(conv[t * cout + oc] * scale);
      const double bias = g.bias ? conv[taps * cout + oc] : 0.0;
      folded[taps * cout + oc] = static_cast<float>((bias - w.mean[oc]) * scale + w.beta[oc]);
    }
    return folded;
  }

  aligned_buffer<float> weights_;
  aligned_buffer<float> packed_;
  aligned_buffer<std::byte> arena_;
  std::unique_ptr<thread_pool> pool_;  // a pointer so the model stays movable while workers run
};

}  // namespace constnet
