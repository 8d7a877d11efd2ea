// Writes He-normal random weights of fashion_mnist_cnn to a safetensors file, for the CLI tests that need
// --weights (maximize) without trained weights at hand. Deterministic: a fixed seed.
//   constnet_make_test_weights OUT.safetensors

#include <cstdio>
#include <exception>
#include <memory>

#include "constnet/engine/init.hpp"
#include "constnet/engine/model.hpp"
#include "constnet/io/load_weights.hpp"
#include "constnet/models/fashion_mnist.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: constnet_make_test_weights OUT.safetensors\n");
    return 2;
  }
  try {
    auto m = std::make_unique<constnet::model<constnet::models::fashion_mnist_cnn>>();
    constnet::he_normal(*m, 7);
    constnet::io::save_weights(*m, argv[1], constnet::io::convention::keras);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
