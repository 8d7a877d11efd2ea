#pragma once
// Activation functions fused into conv2d and dense (Keras' `activation=` argument).

#include <string_view>

namespace constnet {

enum class activation { linear, relu, tanh, sigmoid, softmax };

constexpr std::string_view to_string(activation a) {
  switch (a) {
    case activation::linear: return "linear";
    case activation::relu: return "relu";
    case activation::tanh: return "tanh";
    case activation::sigmoid: return "sigmoid";
    case activation::softmax: return "softmax";
  }
  return "?";
}

}  // namespace constnet
