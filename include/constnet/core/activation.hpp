#pragma once
// Activation functions fused into conv2d and dense (Keras' `activation=` argument).
// relu6 is min(max(x, 0), 6): Keras' ReLU(max_value=6), PyTorch's ReLU6, MobileNetV2's activation.

#include <string_view>

namespace constnet {

enum class activation { linear, relu, relu6, tanh, sigmoid, softmax };

constexpr std::string_view to_string(activation a) {
  switch (a) {
    case activation::linear: return "linear";
    case activation::relu: return "relu";
    case activation::relu6: return "relu6";
    case activation::tanh: return "tanh";
    case activation::sigmoid: return "sigmoid";
    case activation::softmax: return "softmax";
  }
  return "?";
}

}  // namespace constnet
