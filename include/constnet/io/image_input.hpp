#pragma once
// From an io::image to a network's input tensor (one image, NHWC floats of the network's input shape),
// in the order Keras' load_img + preprocess_input use, so a network trained there sees the same numbers:
//
//   1. channels: to the network's channel count, in 8 bits (convert_channels below);
//   2. size: resized to the network's height x width (io/image_resize.hpp; nearest by default, as the
//      seeds do), or, with resizing off, an image of another size is an image_error;
//   3. values: each 8-bit value v becomes a float by the preprocessing mode:
//        scale_0_1  v / 255                                      (a Rescaling(1/255) layer)
//        tf         v / 127.5 - 1, in [-1, 1]                    (Keras 'tf': MobileNet, Inception, Xception)
//        caffe      RGB -> BGR, then minus 103.939, 116.779, 123.68 (B, G, R; Keras 'caffe': VGG16/19, ResNet50)
//        torch      (v / 255 - mean) / std, mean 0.485 0.456 0.406, std 0.229 0.224 0.225 (R, G, B; ImageNet)
//
// Channels, as users expect:
//   - gray -> RGB replicates the gray value; RGB -> gray is the ITU-R BT.601 luma
//     0.299 R + 0.587 G + 0.114 B, rounded to 8 bits (what PIL's convert('L'), and so Keras'
//     color_mode='grayscale', computes);
//   - alpha is dropped by default, as Keras' load_img (PIL's convert('RGB')) and tf.image.decode_png with
//     channels=3 do: the colour under a transparent pixel is kept. alpha_handling::composite blends the
//     colour over `background` (white by default) instead: c * a + background * (1 - a), a = alpha / 255.
//   - a network with 2 or 4 input channels takes only an image with that many channels, unconverted.
//   - caffe and torch are defined for RGB: they require a 3-channel network input.

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "constnet/core/errors.hpp"
#include "constnet/core/shape.hpp"
#include "constnet/io/image.hpp"
#include "constnet/io/image_resize.hpp"

namespace constnet::io {

enum class preprocessing { scale_0_1, tf, caffe, torch };
enum class alpha_handling { drop, composite };

struct channel_options {
  alpha_handling alpha = alpha_handling::drop;
  std::array<std::uint8_t, 3> background{255, 255, 255};  // RGB, used by alpha_handling::composite
};

struct input_options {
  preprocessing mode = preprocessing::scale_0_1;
  /// nullopt: no resizing; the image must already have the network's height and width.
  std::optional<resize_filter> resize = resize_filter::nearest;
  channel_options channels{};
};

/// The image with `channels` channels (1 gray, 3 RGB, or the image's own count), alpha handled as above.
/// Throws image_error for an empty image or a conversion that is not defined (e.g. RGB to 2 or 4).
inline image convert_channels(const image& source, std::size_t channels, const channel_options& options = {}) {
  if (source.empty()) throw image_error("convert_channels: the image is empty");
  const std::size_t from = source.channels();
  const bool has_alpha = from == 2 || from == 4;
  const bool composite = has_alpha && options.alpha == alpha_handling::composite;
  if (channels == from && !composite) return source;
  if (channels != 1 && channels != 3)
    throw image_error(channels == from
                          ? "convert_channels: compositing alpha needs a 1- or 3-channel target, not " +
                                std::to_string(channels)
                          : "an image with " + std::to_string(from) + " channels cannot become " +
                                std::to_string(channels) + " channels: only 1 (gray) and 3 (RGB) are converted to");

  const auto& bg = options.background;
  const bool gray_background = bg[0] == bg[1] && bg[1] == bg[2];
  image result(source.width(), source.height(), channels, image_limits::unchecked());
  const auto to_u8 = [](float v) {
    return static_cast<std::uint8_t>(std::lround(v < 0.0f ? 0.0f : v > 255.0f ? 255.0f : v));
  };
  for (std::size_t y = 0; y < source.height(); ++y) {
    for (std::size_t x = 0; x < source.width(); ++x) {
      float rgb[3];
      bool gray = from <= 2;
      for (std::size_t c = 0; c < 3; ++c) rgb[c] = source.at(x, y, gray ? 0 : c);
      if (composite) {
        const float a = source.at(x, y, from - 1) / 255.0f;
        for (std::size_t c = 0; c < 3; ++c) rgb[c] = rgb[c] * a + static_cast<float>(bg[c]) * (1.0f - a);
        gray = gray && gray_background;
      }
      if (channels == 3) {
        for (std::size_t c = 0; c < 3; ++c) result.at(x, y, c) = to_u8(rgb[c]);
      } else {
        result.at(x, y, 0) = to_u8(gray ? rgb[0] : 0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2]);
      }
    }
  }
  return result;
}

/// Fills `out` (one image: input.h * input.w * input.c floats, NHWC) from the image, as described at the
/// top of this file. `input` is the network's input shape, e.g. models::vgg16::input_shape.
/// Throws shape_error (input not an HxWxC shape, or `out` of the wrong size) or image_error (see above);
/// `out` is written only when nothing is thrown.
inline void to_input_tensor(const image& source, shape input, std::span<float> out, const input_options& options = {}) {
  if (input.rank != 3 || input.elements() == 0)
    throw shape_error("to_input_tensor: the network input must be an HxWxC image shape");
  if (out.size() != input.elements())
    throw shape_error("to_input_tensor: expected " + std::to_string(input.elements()) + " floats (" +
                      std::to_string(input.h) + "x" + std::to_string(input.w) + "x" + std::to_string(input.c) +
                      "), got " + std::to_string(out.size()));
  if ((options.mode == preprocessing::caffe || options.mode == preprocessing::torch) && input.c != 3)
    throw image_error(std::string("to_input_tensor: ") +
                      (options.mode == preprocessing::caffe ? "caffe" : "torch") +
                      " preprocessing is defined for RGB; the network takes " + std::to_string(input.c) + " channels");
  if (source.empty()) throw image_error("to_input_tensor: the image is empty");
  if (!options.resize && (source.width() != input.w || source.height() != input.h))
    throw image_error("to_input_tensor: the image is " + std::to_string(source.width()) + "x" +
                      std::to_string(source.height()) + " (width x height) but the network takes " +
                      std::to_string(input.w) + "x" + std::to_string(input.h) + ", and resizing is off");

  // Work on the source itself where no step changes it: a photo is megabytes, the input kilobytes.
  const image* current = &source;
  image converted, resized;
  const bool alpha_changes = options.channels.alpha == alpha_handling::composite &&
                             (source.channels() == 2 || source.channels() == 4);
  if (source.channels() != input.c || alpha_changes) {
    converted = convert_channels(source, input.c, options.channels);
    current = &converted;
  }
  if (current->width() != input.w || current->height() != input.h) {
    resized = resize(*current, input.w, input.h, *options.resize);
    current = &resized;
  }

  const auto pixels = current->pixels();
  for (std::size_t i = 0; i < pixels.size(); ++i) {
    const float v = pixels[i];
    switch (options.mode) {
      case preprocessing::scale_0_1: out[i] = v / 255.0f; break;
      case preprocessing::tf: out[i] = v / 127.5f - 1.0f; break;
      case preprocessing::caffe: {
        constexpr float bgr_mean[3] = {103.939f, 116.779f, 123.68f};
        const std::size_t rgb = i % 3;  // this value is R, G or B; it lands in BGR order
        out[i - rgb + (2 - rgb)] = v - bgr_mean[2 - rgb];
        break;
      }
      case preprocessing::torch: {
        constexpr float mean[3] = {0.485f, 0.456f, 0.406f};
        constexpr float stddev[3] = {0.229f, 0.224f, 0.225f};
        out[i] = (v / 255.0f - mean[i % 3]) / stddev[i % 3];
        break;
      }
    }
  }
}

/// The same, returning a new buffer.
inline std::vector<float> to_input_tensor(const image& source, shape input, const input_options& options = {}) {
  std::vector<float> out(input.rank == 3 ? input.elements() : 0);
  to_input_tensor(source, input, out, options);
  return out;
}

}  // namespace constnet::io
