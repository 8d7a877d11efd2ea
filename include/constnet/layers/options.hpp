#pragma once
// Layer options, written as tag types in any order: conv2d<64, kernel<3>, same, act::relu, named<"c1">>.
// Each option states which setting it makes; layers pick the ones they accept and reject the rest.

#include <cstddef>
#include <ratio>
#include <type_traits>

#include "constnet/core/activation.hpp"
#include "constnet/core/fixed_string.hpp"
#include "constnet/core/layer_inputs.hpp"
#include "constnet/core/shape.hpp"

namespace constnet {

enum class option_kind {
  kernel, strides, dilation, pool_size, padding, activation, name, inputs, bias, scale, epsilon, mix, count_padding,
  ceil_mode, rate, depth_multiplier, max_value
};

/// Kernel (filter) size f: kernel<3> is 3x3, kernel<1, 7> is 1 high and 7 wide.
template <std::size_t H, std::size_t W = H>
struct kernel {
  static constexpr option_kind kind = option_kind::kernel;
  static constexpr extent2 value{H, W};
};

/// Stride s. Pooling layers default to their pool size, as Keras does.
template <std::size_t H, std::size_t W = H>
struct strides {
  static constexpr option_kind kind = option_kind::strides;
  static constexpr extent2 value{H, W};
};

/// Dilation rate d: the kernel samples every d-th cell, covering d*(f-1)+1 cells.
template <std::size_t H, std::size_t W = H>
struct dilation {
  static constexpr option_kind kind = option_kind::dilation;
  static constexpr extent2 value{H, W};
};

/// depthwise_conv2d / separable_conv2d: filters per input channel (Keras' depth_multiplier), so the
/// depthwise stage has C * M channels; output channel c * M + m reads input channel c.
template <std::size_t M>
struct depth_multiplier {
  static constexpr option_kind kind = option_kind::depth_multiplier;
  static constexpr std::size_t value = M;
};

/// Pooling window.
template <std::size_t H, std::size_t W = H>
struct pool_size {
  static constexpr option_kind kind = option_kind::pool_size;
  static constexpr extent2 value{H, W};
};

enum class padding_mode { valid, same, explicit_cells };

/// No padding: the window only visits positions where it fits entirely (the default, as in Keras).
struct valid {
  static constexpr option_kind kind = option_kind::padding;
  static constexpr padding_mode mode = padding_mode::valid;
  static constexpr padding2 cells{};
};

/// TensorFlow's 'same': output = ceil(n / s); when the padding is odd the extra cell goes bottom/right.
struct same {
  static constexpr option_kind kind = option_kind::padding;
  static constexpr padding_mode mode = padding_mode::same;
  static constexpr padding2 cells{};
};

/// Explicit zero padding p: pad<p> on all sides, pad<ph, pw>, or pad<top, bottom, left, right>.
template <std::size_t... P>
struct pad {
  static_assert(sizeof...(P) == 1 || sizeof...(P) == 2 || sizeof...(P) == 4,
                "pad<p>, pad<ph, pw> or pad<top, bottom, left, right>");
  static constexpr option_kind kind = option_kind::padding;
  static constexpr padding_mode mode = padding_mode::explicit_cells;
  static constexpr padding2 cells = [] {
    constexpr std::size_t v[] = {P...};
    if constexpr (sizeof...(P) == 1) return padding2{v[0], v[0], v[0], v[0]};
    else if constexpr (sizeof...(P) == 2) return padding2{v[0], v[0], v[1], v[1]};
    else return padding2{v[0], v[1], v[2], v[3]};
  }();
};

/// Activations fused into conv2d, depthwise_conv2d, separable_conv2d and dense.
namespace act {
template <activation A>
struct tag {
  static constexpr option_kind kind = option_kind::activation;
  static constexpr activation value = A;
};
using linear = tag<activation::linear>;
using relu = tag<activation::relu>;
using relu6 = tag<activation::relu6>;  // min(max(x, 0), 6)
using tanh = tag<activation::tanh>;
using sigmoid = tag<activation::sigmoid>;
using softmax = tag<activation::softmax>;
}  // namespace act

/// A layer's name, e.g. named<"block1_conv1">. Unnamed layers get Keras' defaults (conv2d, conv2d_1, ...).
template <fixed_string Name>
struct named {
  static_assert(Name.size() > 0, "named<>: a layer name cannot be empty");
  static_assert(Name.size() <= short_name::capacity, "named<>: layer names are limited to 63 characters");
  static constexpr option_kind kind = option_kind::name;
  static constexpr fixed_string value = Name;
};

/// The layers a layer reads, by name, front to back: add<from<"conv2_block1_0_bn", "conv2_block1_3_bn">>.
/// A layer without from<> reads the layer declared just before it, so chains need none. Each name must
/// belong to a layer declared earlier (the network is a DAG in declaration order).
template <fixed_string... Names>
struct from {
  static_assert(sizeof...(Names) > 0, "from<>: name at least one layer");
  static_assert(sizeof...(Names) <= max_layer_inputs, "from<>: a layer reads at most 8 inputs");
  static_assert(((Names.size() > 0) && ...), "from<>: a layer name cannot be empty");
  static constexpr option_kind kind = option_kind::inputs;
  static constexpr input_names value{{std::string_view(Names)...}, sizeof...(Names)};
};

/// conv2d, depthwise_conv2d, separable_conv2d or dense without a bias vector (Keras' use_bias=False).
struct no_bias {
  static constexpr option_kind kind = option_kind::bias;
  static constexpr bool value = false;
};

/// batch_norm without gamma (Keras' scale=False, as InceptionV3's): only beta shifts the normalized value.
struct no_scale {
  static constexpr option_kind kind = option_kind::scale;
  static constexpr bool value = false;
};

/// batch_norm's epsilon as a rational Num/Den (default 1/1000, as Keras).
template <std::intmax_t Num, std::intmax_t Den>
struct epsilon {
  static_assert(Num > 0 && Den > 0, "epsilon<num, den> must be positive");
  static constexpr option_kind kind = option_kind::epsilon;
  static constexpr double value = static_cast<double>(Num) / static_cast<double>(Den);
};

/// mixed_pool's lambda = Num/Den in [0, 1]: s = lambda * max + (1 - lambda) * average.
template <std::intmax_t Num, std::intmax_t Den>
struct mix {
  static_assert(Den > 0 && Num >= 0 && Num <= Den, "mix<num, den>: lambda must be a fraction in [0, 1]");
  static constexpr option_kind kind = option_kind::mix;
  using ratio = std::ratio<Num, Den>;
  static constexpr double value = static_cast<double>(Num) / static_cast<double>(Den);
};

/// avg_pool: divide by the whole window, padded cells included (PyTorch's count_include_pad=True).
/// Without it the average is over the cells inside the image, as Keras does.
struct count_padding {
  static constexpr option_kind kind = option_kind::count_padding;
  static constexpr bool value = true;
};

/// Pooling's output size rounded up instead of down (PyTorch's ceil_mode=True, ONNX's ceil_mode=1):
/// out = ceil((n + p_begin + p_end - f_eff) / s) + 1, less one when the last window would start past the
/// input and its top/left padding, as PyTorch counts. The last window may then run past the bottom/right
/// padding; the cells out there are ignored (see layers/pool2d.hpp).
struct ceil_mode {
  static constexpr option_kind kind = option_kind::ceil_mode;
  static constexpr bool value = true;
};

/// The ReLU layer's ceiling (Keras' ReLU(max_value=6.)): relu<max_value<6>> is ReLU6.
template <std::size_t Max>
struct max_value {
  static constexpr option_kind kind = option_kind::max_value;
  static constexpr std::size_t value = Max;
};

/// dropout's rate (only recorded: at inference dropout is the identity).
template <std::intmax_t Num, std::intmax_t Den>
struct rate {
  static_assert(Den > 0 && Num >= 0 && Num < Den, "rate<num, den> must be a fraction in [0, 1)");
  static constexpr option_kind kind = option_kind::rate;
  static constexpr double value = static_cast<double>(Num) / static_cast<double>(Den);
};

namespace detail {

template <class T>
concept layer_option = requires { { T::kind } -> std::convertible_to<option_kind>; };

template <option_kind K, class... Options>
inline constexpr std::size_t option_count = ((Options::kind == K ? 1u : 0u) + ... + 0u);

/// The option of kind K among Options, or Default when none is given.
template <option_kind K, class Default, class... Options>
struct find_option {
  using type = Default;
};
template <option_kind K, class Default, class First, class... Rest>
struct find_option<K, Default, First, Rest...>
    : std::conditional_t<First::kind == K, std::type_identity<First>, find_option<K, Default, Rest...>> {};
template <option_kind K, class Default, class... Options>
using option_t = typename find_option<K, Default, Options...>::type;

template <option_kind... Accepted>
struct accepts {
  template <class Option>
  static constexpr bool option = ((Option::kind == Accepted) || ...);
};

/// True when every option is a known tag, accepted by the layer, and given at most once.
template <class Accepted, class... Options>
inline constexpr bool options_well_formed =
    ((layer_option<Options> && Accepted::template option<Options>) && ...) &&
    ((option_count<Options::kind, Options...> == 1) && ...);

/// The inputs named with from<>, or none (count 0): the layer declared before.
template <class... Options>
constexpr input_names explicit_inputs() {
  if constexpr (option_count<option_kind::inputs, Options...> > 0)
    return option_t<option_kind::inputs, void, Options...>::value;
  else
    return {};
}

/// The name given with named<>, or empty for a default Keras-style name.
template <class... Options>
constexpr std::string_view explicit_name() {
  if constexpr (option_count<option_kind::name, Options...> > 0)
    return option_t<option_kind::name, void, Options...>::value.view();
  else
    return {};
}

}  // namespace detail
}  // namespace constnet
