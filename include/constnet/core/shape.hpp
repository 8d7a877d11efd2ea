#pragma once
// Activation shapes: rank 3 (height, width, channels: channels_last as Keras) or rank 1 (features).

#include <cstddef>

namespace constnet {

struct shape {
  int rank = 3;           // 3: H x W x C feature maps; 1: a flat feature vector (C holds its length)
  std::size_t h = 1;
  std::size_t w = 1;
  std::size_t c = 1;

  constexpr std::size_t elements() const { return h * w * c; }
  constexpr std::size_t bytes() const { return elements() * sizeof(float); }
  friend constexpr bool operator==(const shape&, const shape&) = default;
};

constexpr shape feature_maps(std::size_t h, std::size_t w, std::size_t c) { return {3, h, w, c}; }
constexpr shape features(std::size_t n) { return {1, 1, 1, n}; }

/// A 2-D extent (kernel, stride, dilation, pool window), height first.
struct extent2 {
  std::size_t h = 1;
  std::size_t w = 1;
  friend constexpr bool operator==(const extent2&, const extent2&) = default;
};

/// Zero padding around a feature map, in cells. TensorFlow's 'same' puts the odd cell at the bottom/right.
struct padding2 {
  std::size_t top = 0, bottom = 0, left = 0, right = 0;
  friend constexpr bool operator==(const padding2&, const padding2&) = default;
};

}  // namespace constnet
