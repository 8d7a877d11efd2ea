// The main demo: VGG16's summary, then one forward pass at 224x224 on deterministic synthetic weights
// (He-normal, seeded), with the time it took and the memory the compile-time plan gave it.
//
// usage: vgg16_demo [--seed N]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <numeric>
#include <string_view>
#include <vector>

#include "constnet/constnet.hpp"
#include "constnet/models/vgg.hpp"

int main(int argc, char** argv) {
  using namespace constnet;
  std::uint64_t seed = 42;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--seed" && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else {
      std::printf("usage: %s [--seed N]\n  Prints VGG16's summary and runs one forward pass on synthetic\n"
                  "  He-normal weights drawn from seed N (default 42).\n", argv[0]);
      return arg == "--help" || arg == "-h" ? 0 : 2;
    }
  }

  using net = models::vgg16;
  using vgg16_model = model<net>;
  summary<net>();

  auto m = std::make_unique<vgg16_model>();  // 553 MB of weights: on the heap, allocated once
  he_normal(*m, seed);

  // A deterministic test image: smooth gradients per channel, in [0, 1).
  std::vector<float> image(vgg16_model::input_elements);
  for (std::size_t y = 0; y < 224; ++y)
    for (std::size_t x = 0; x < 224; ++x)
      for (std::size_t c = 0; c < 3; ++c)
        image[(y * 224 + x) * 3 + c] = static_cast<float>((y + 2 * x + 50 * c) % 224) / 224.0f;

  const auto start = std::chrono::steady_clock::now();
  const auto probabilities = m->forward(std::span<const float>(image));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::vector<std::size_t> order(probabilities.size());
  std::iota(order.begin(), order.end(), 0);
  std::partial_sort(order.begin(), order.begin() + 3, order.end(),
                    [&](std::size_t a, std::size_t b) { return probabilities[a] > probabilities[b]; });
  std::printf("\nforward pass (batch 1, %s kernels): %.3f s, %.2f GFLOP/s\n",
              std::string(vgg16_model::kernel_of<1>::type::name).c_str(), seconds,
              2.0 * static_cast<double>(net::total_macs) / seconds / 1e9);
  std::printf("activation arena: %.2f MiB planned at compile time (one buffer per tensor: %.2f MiB)\n",
              static_cast<double>(vgg16_model::arena_bytes) / (1024.0 * 1024.0),
              static_cast<double>(vgg16_model::plan.separate_bytes) / (1024.0 * 1024.0));
  std::printf("weights: %.1f MB; synthetic, so the classes below mean nothing yet\n",
              static_cast<double>(vgg16_model::weight_floats) * 4 / 1e6);
  for (std::size_t k = 0; k < 3; ++k)
    std::printf("  class %4zu  p = %.5f\n", order[k], static_cast<double>(probabilities[order[k]]));
  const float total = std::accumulate(probabilities.begin(), probabilities.end(), 0.0f);
  return total > 0.99f && total < 1.01f ? 0 : 1;
}
