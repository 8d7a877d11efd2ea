#pragma once
// Shared by the weight-file suites: a small network with every kind of weighted layer and every
// layout question (a non-square kernel, a batch norm folded into a conv, a flatten of a non-square map
// feeding a 1-D batch norm and a dense through dropout), random weights for all of them, temporary
// files, and a snapshot that proves a failed load left a model exactly as it was.

#include <cstring>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include <unistd.h>

#include "constnet/constnet.hpp"
#include "constnet/core/random.hpp"
#include "support/random_data.hpp"

namespace constnet::testing {

using weights_net = sequential<
    input<6, 5, 3>,
    conv2d<4, kernel<3, 2>, same, act::relu>,  // 6x5x4, kernel [3][2][3][4]
    max_pool<pool_size<2>>,                     // 3x2x4
    conv2d<5, kernel<2>, same>,                 // 3x2x5, linear: the batch norm below folds into it
    batch_norm<>,
    flatten<>,                                  // 30 features in H,W,C order
    dropout<rate<1, 2>>,
    batch_norm<named<"features_norm">>,         // a 1-D batch norm over flattened features
    dense<7, act::relu, named<"hidden">>,       // its rows follow the flatten order
    dense<3, act::softmax>>;

/// Every weight random (kernels and biases in [-1, 1), gamma in [0.5, 1.5), variances in [0.5, 1.5)),
/// so a tensor copied to the wrong place changes the output.
template <class Model>
void randomize(Model& m, std::uint64_t seed) {
  random_source random(seed);
  for (const layer_facts& f : Model::network_type::facts) {
    auto w = m.layer_weights(f.index);
    for (std::size_t t = 0; t < f.weight_tensor_count; ++t) {
      const std::string_view name = f.weights[t].name.view();
      const bool positive = name == "gamma" || name == "moving_variance";
      for (float& v : w.subspan(f.weights[t].offset, f.weights[t].elements()))
        v = static_cast<float>(positive ? random.uniform(0.5, 1.5) : random.uniform(-1.0, 1.0));
    }
  }
  m.pack_weights();
}

/// A fresh directory for one suite's files, removed when the suite's process ends.
class temp_dir {
 public:
  explicit temp_dir(const std::string& suite)
      : path_(std::filesystem::temp_directory_path() / ("constnet-" + suite + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline void write_file(const std::filesystem::path& path, std::span<const std::byte> bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

/// A model's weights and its output on a fixed input. untouched() is true only if both are bit for
/// bit what they were: the output covers the packed weights, which only pack_weights() changes.
template <class Model>
class model_snapshot {
 public:
  explicit model_snapshot(Model& m) : model_(m), weights_(m.weights().begin(), m.weights().end()) {
    output_ = run();
  }
  bool untouched() {
    const auto now = m_weights();
    return std::memcmp(now.data(), weights_.data(), weights_.size() * sizeof(float)) == 0 && run() == output_;
  }

 private:
  std::span<const float> m_weights() const { return model_.weights(); }
  std::vector<float> run() {
    const auto out = model_.forward(std::span<const float>(input_));
    return {out.begin(), out.end()};
  }
  Model& model_;
  std::vector<float> weights_;
  std::vector<float> input_ = random_images(Model::input_elements, 99);
  std::vector<float> output_;
};

}  // namespace constnet::testing
