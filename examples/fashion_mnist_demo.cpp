// The main demo: a really trained network, offline. Loads the Fashion-MNIST model that ships in
// data/fashion_mnist/ (trained by tools/train_fashion_mnist.py), classifies the sample images (or yours),
// and draws what the network sees: the feature maps of every convolution layer and the first layer's
// filters, as PNG.
//
// usage: fashion_mnist_demo [--data DIR] [--out DIR] [--invert] [IMAGE...]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

#include "constnet/constnet.hpp"
#include "constnet/models/fashion_mnist.hpp"

#ifndef CONSTNET_DATA_DIR
#define CONSTNET_DATA_DIR "data"
#endif

namespace {

using namespace constnet;
using net = models::fashion_mnist_cnn;
using fashion_model = model<net>;

constexpr std::string_view usage =
    "usage: fashion_mnist_demo [--data DIR] [--out DIR] [--invert] [IMAGE...]\n"
    "\n"
    "Classifies Fashion-MNIST images with the trained network in DIR/fashion_mnist (default: the\n"
    "repository's data/), printing the top 3 classes of each, and writes the feature maps of every\n"
    "convolution layer and the first layer's filters for the first image as PNG into --out\n"
    "(default: fashion_mnist_pictures).\n"
    "\n"
    "Without IMAGE arguments it uses the 12 test images in data/fashion_mnist/samples. Your own images\n"
    "may have any size and colour: they are converted to gray (luma), resized to 28x28 (bilinear) and\n"
    "scaled to [0, 1]. The network was trained on light garments on a black background; --invert\n"
    "flips a photo of a dark garment on a light background to match.\n";

struct sample {
  std::filesystem::path path;
  int label = -1;  // -1: unknown (a user's image)
};

std::vector<sample> shipped_samples(const std::filesystem::path& dir) {
  std::ifstream list(dir / "labels.txt");
  if (!list) throw io_error("cannot open " + (dir / "labels.txt").string());
  std::vector<sample> samples;
  std::string name;
  int label = 0;
  while (list >> name >> label) samples.push_back({dir / name, label});
  return samples;
}

std::vector<float> input_of(const sample& s, bool invert) {
  io::input_options options;
  options.resize = io::resize_filter::bilinear;  // user images are usually larger: average, do not drop pixels
  std::vector<float> input = io::to_input_tensor(io::load_image(s.path), net::input_shape, options);
  if (invert)
    for (float& v : input) v = 1.0f - v;
  return input;
}

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path data = CONSTNET_DATA_DIR, out = "fashion_mnist_pictures";
  bool invert = false;
  std::vector<sample> samples;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if ((arg == "--data" || arg == "--out") && i + 1 < argc) {
      (arg == "--data" ? data : out) = argv[++i];
    } else if (arg == "--invert") {
      invert = true;
    } else if (arg.starts_with("-")) {
      std::fputs(usage.data(), arg == "--help" || arg == "-h" ? stdout : stderr);
      return arg == "--help" || arg == "-h" ? 0 : 2;
    } else {
      samples.push_back({std::filesystem::path(arg), -1});
    }
  }

  try {
    auto m = std::make_unique<fashion_model>();
    const auto weights = data / "fashion_mnist" / "weights.safetensors";
    io::load_weights(*m, weights, io::convention::pytorch, {.reject_non_finite = true});
    std::printf("%s: %zu parameters loaded (PyTorch layouts, converted once at load)\n", weights.string().c_str(),
                static_cast<std::size_t>(net::total_params));
    if (samples.empty()) samples = shipped_samples(data / "fashion_mnist" / "samples");

    std::size_t correct = 0, labelled = 0;
    for (const sample& s : samples) {
      const std::vector<float> input = input_of(s, invert);
      const auto p = m->forward(std::span<const float>(input));
      std::array<std::size_t, 10> order{};
      std::iota(order.begin(), order.end(), 0);
      std::partial_sort(order.begin(), order.begin() + 3, order.end(), [&](auto a, auto b) { return p[a] > p[b]; });
      std::printf("\n%s", s.path.filename().string().c_str());
      if (s.label >= 0) {
        std::printf("  (true: %s)", models::fashion_mnist_classes[s.label]);
        ++labelled;
        correct += order[0] == static_cast<std::size_t>(s.label);
      }
      std::printf("\n");
      for (std::size_t k = 0; k < 3; ++k)
        std::printf("  %-12s %6.2f%%\n", models::fashion_mnist_classes[order[k]], 100.0 * static_cast<double>(p[order[k]]));
    }
    if (labelled > 0) std::printf("\ntop-1 correct: %zu of %zu\n", correct, labelled);

    // Pictures of the first image: what each convolution layer sees, and the filters that see it.
    std::filesystem::create_directories(out);
    const std::vector<float> first = input_of(samples.front(), invert);
    viz::write_png(io::resize(io::load_image(samples.front().path), 112, 112, io::resize_filter::nearest), out / "input.png");
    for (const char* layer : {"conv2d", "conv2d_1", "conv2d_2"}) {
      const std::size_t i = fashion_model::index_of(layer);
      const shape s = net::facts[i].output;
      viz::picture_style style;
      style.scale = 112 / s.h;  // every layer's maps drawn about 112 pixels wide
      style.map = viz::colormap::viridis;
      const auto picture = viz::feature_map_grid(*m, layer, first, {.rows = 4, .cols = 8}, style);
      viz::write_png(picture, out / (std::string(layer) + "_maps.png"));
    }
    const auto kernel = viz::conv_kernel(*m, "conv2d");
    viz::write_png(viz::filter_grid(kernel, {.rows = 4, .cols = 8}), out / "conv2d_filters.png");
    std::printf("\nwrote %s/: input.png, conv2d_maps.png, conv2d_1_maps.png, conv2d_2_maps.png (first 32 maps each,\n"
                "viridis), conv2d_filters.png (the 32 first-layer 3x3 filters)\n",
                out.string().c_str());

    // Time: the best of several runs of 200 forwards, so one slow moment does not count.
    double best = 1e30;
    for (int run = 0; run < 5; ++run) {
      const auto start = std::chrono::steady_clock::now();
      for (int k = 0; k < 200; ++k) m->forward(std::span<const float>(first));
      best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / 200);
    }
    std::printf("forward: %.1f us per image (%s kernels for conv2d_1), %.2f MFLOP\n", best * 1e6,
                std::string(fashion_model::kernel_of<3>::type::name).c_str(), 2.0 * static_cast<double>(net::total_macs) / 1e6);
    std::printf("activation arena: %.1f KiB, planned at compile time (one buffer per tensor: %.1f KiB)\n",
                static_cast<double>(fashion_model::arena_bytes) / 1024.0,
                static_cast<double>(fashion_model::plan.separate_bytes) / 1024.0);
    return 0;
  } catch (const constnet::error& e) {
    std::fprintf(stderr, "fashion_mnist_demo: %s\n", e.what());
    return 1;
  }
}
