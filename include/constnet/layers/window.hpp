#pragma once
// Sliding-window arithmetic shared by conv2d and the pooling layers:
// output size floor((n + p_begin + p_end - f_eff) / s) + 1 (pooling's ceil_mode: rounded up, as PyTorch
// does), and TensorFlow's 'same' padding rule.

#include <cstddef>

#include "constnet/core/diagnostic.hpp"
#include "constnet/core/shape.hpp"
#include "constnet/layers/options.hpp"

namespace constnet::detail {

constexpr std::size_t effective_size(std::size_t f, std::size_t d) { return d * (f - 1) + 1; }

struct axis_window {
  std::size_t out = 0;
  std::size_t pad_begin = 0, pad_end = 0;
};

/// Windows along an axis of n cells padded by begin and end: floor((n + begin + end - f_eff) / s) + 1,
/// or with round_up ceil(...) + 1, less one when the last window would start past the input and its
/// leading padding (PyTorch's pooling_output_shape). Requires n + begin + end >= f_eff and s >= 1.
constexpr std::size_t windows_along(std::size_t n, std::size_t begin, std::size_t end, std::size_t f_eff, std::size_t s,
                                    bool round_up) {
  const std::size_t room = n + begin + end - f_eff;
  if (!round_up) return room / s + 1;
  const std::size_t out = (room + s - 1) / s + 1;
  return (out - 1) * s >= n + begin ? out - 1 : out;
}

/// Requires f_eff >= 1, s >= 1 and (for valid/explicit) n + padding >= f_eff; check_window says so first.
/// round_up (ceil_mode) applies to valid and explicit padding; 'same' already gives ceil(n / s).
constexpr axis_window place_window(std::size_t n, std::size_t f_eff, std::size_t s, padding_mode mode,
                                   std::size_t explicit_begin, std::size_t explicit_end, bool round_up) {
  switch (mode) {
    case padding_mode::valid: return {windows_along(n, 0, 0, f_eff, s, round_up), 0, 0};
    case padding_mode::explicit_cells:
      return {windows_along(n, explicit_begin, explicit_end, f_eff, s, round_up), explicit_begin, explicit_end};
    case padding_mode::same: {
      const std::size_t out = (n + s - 1) / s;
      const std::size_t needed = (out - 1) * s + f_eff;
      const std::size_t total = needed > n ? needed - n : 0;
      return {out, total / 2, total - total / 2};
    }
  }
  return {};
}

struct window_spec {
  extent2 size{}, stride{}, dilation{};
  padding_mode mode = padding_mode::valid;
  padding2 explicit_pad{};
  bool ceil_mode = false;  // pooling only: the output size rounded up (options.hpp: ceil_mode)
};

struct placed_window {
  shape out_hw{};  // h and w only; the caller sets channels
  padding2 pad{};
};

constexpr placed_window place(const shape& in, const window_spec& w) {
  const auto y = place_window(in.h, effective_size(w.size.h, w.dilation.h), w.stride.h, w.mode,
                              w.explicit_pad.top, w.explicit_pad.bottom, w.ceil_mode);
  const auto x = place_window(in.w, effective_size(w.size.w, w.dilation.w), w.stride.w, w.mode,
                              w.explicit_pad.left, w.explicit_pad.right, w.ceil_mode);
  return {feature_maps(y.out, x.out, in.c), {y.pad_begin, y.pad_end, x.pad_begin, x.pad_end}};
}

/// The checks every windowed layer makes, with messages that name the layer and the numbers.
constexpr diagnostic check_window(const shape& in, const window_spec& w, std::string_view label,
                                  std::string_view what) {
  diagnostic d;
  if (in.rank != 3) {
    d << label << ": needs an H x W x C feature map, but its input is a flat vector of " << in.c
      << " features";
    return d;
  }
  if (w.size.h == 0 || w.size.w == 0) {
    d << label << ": the " << what << " size is " << w.size.h << "x" << w.size.w << "; it must be at least 1x1";
    return d;
  }
  if (w.stride.h == 0 || w.stride.w == 0) {
    d << label << ": the stride is " << w.stride.h << "x" << w.stride.w << "; it must be at least 1";
    return d;
  }
  if (w.dilation.h == 0 || w.dilation.w == 0) {
    d << label << ": the dilation is " << w.dilation.h << "x" << w.dilation.w << "; it must be at least 1";
    return d;
  }
  if (w.mode == padding_mode::same) return d;  // 'same' always fits: it pads as much as the window needs
  const std::size_t fh = effective_size(w.size.h, w.dilation.h), fw = effective_size(w.size.w, w.dilation.w);
  const std::size_t ph = in.h + w.explicit_pad.top + w.explicit_pad.bottom;
  const std::size_t pw = in.w + w.explicit_pad.left + w.explicit_pad.right;
  if (fh > ph || fw > pw) {
    d << label << ": a " << fh << "x" << fw << " " << what << " does not fit the " << ph << "x" << pw
      << " padded input (" << in.h << "x" << in.w << " plus padding), so the output size would be 0";
  }
  return d;
}

template <class... Options>
constexpr window_spec window_from_options(extent2 size, extent2 default_stride) {
  window_spec w;
  w.size = size;
  if constexpr (option_count<option_kind::strides, Options...> > 0)
    w.stride = option_t<option_kind::strides, void, Options...>::value;
  else
    w.stride = default_stride;
  w.dilation = option_t<option_kind::dilation, dilation<1>, Options...>::value;
  using padding = option_t<option_kind::padding, valid, Options...>;
  w.mode = padding::mode;
  w.explicit_pad = padding::cells;
  w.ceil_mode = option_count<option_kind::ceil_mode, Options...> == 1;
  return w;
}

}  // namespace constnet::detail
