#pragma once
// The zoo's graph networks run forward: the default kernels (batch norms folded, fast kernels) against the
// reference kernels (every layer as declared), and 1 thread against 2. Weights are He-normal with batch
// norm statistics drawn away from the identity, so folding matters; the networks run at reduced input
// sizes (same topology) to keep the reference fast.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string_view>
#include <vector>

#include "constnet/constnet.hpp"
#include "constnet/core/random.hpp"
#include "support/random_data.hpp"

namespace constnet::testing {

/// He-normal kernels, batch norm statistics and biases away from their trivial values; moving variances
/// in [1, 2] and gammas in [0.5, 1] keep a deep stack's activations from growing layer after layer.
template <class Model>
void zoo_weights(Model& m, std::uint64_t seed) {
  randomize_weights(m, seed, {.shift = 0.1, .gamma_low = 0.5, .gamma_high = 1.0, .variance_low = 1.0, .variance_high = 2.0});
}

/// Runs Network with the reference and the default kernels (1 and 2 threads) and compares the output
/// and the tapped layer Tap: the default kernels give the same bits on 1 and 2 threads, and agree with
/// the reference within 1e-3 of the tensor's largest magnitude (float sums of up to a few thousand
/// products, rounded differently by Winograd and folded batch norms, through some fifty layers; an
/// error in any layer's indexing is of the order of the values themselves).
template <class Network, fixed_string Tap>
void check_zoo_forward(std::uint64_t seed) {
  auto reference = std::make_unique<model<Network, kernels::reference_only, taps<Tap>>>();
  zoo_weights(*reference, seed);
  auto fast = std::make_unique<model<Network, taps<Tap>>>();
  auto fast2 = std::make_unique<model<Network, taps<Tap>, threads<2>>>();
  std::copy(reference->weights().begin(), reference->weights().end(), fast->weights().begin());
  std::copy(reference->weights().begin(), reference->weights().end(), fast2->weights().begin());
  fast->pack_weights();
  fast2->pack_weights();
  const std::vector<float> image = random_images(Network::input_shape.elements(), seed + 2);
  const std::span<const float> in(image);

  auto compare = [](std::span<const float> got, std::span<const float> want, std::string_view what) {
    double scale = 0, worst = 0;
    for (float v : want) scale = std::max(scale, static_cast<double>(std::abs(v)));
    for (std::size_t i = 0; i < want.size(); ++i) worst = std::max(worst, static_cast<double>(std::abs(got[i] - want[i])));
    BOOST_TEST_CONTEXT(what << ": largest |value| " << scale << ", largest difference " << worst) {
      BOOST_TEST(scale > 1e-6);  // not all zeros: the comparison means something
      BOOST_TEST(worst <= 1e-3 * scale);
    }
  };
  auto run = [&](auto& m) {
    const auto out = m.forward(in);
    return std::vector<float>(out.begin(), out.end());
  };
  const std::vector<float> want = run(*reference), got = run(*fast), got2 = run(*fast2);
  BOOST_TEST(got == got2);  // bit for bit on any number of threads
  compare(got, want, "output");
  compare(fast->template output<Tap>(), reference->template output<Tap>(), Tap.view());
  BOOST_TEST((fast->template output<Tap>().size() == fast2->template output<Tap>().size() &&
              std::equal(fast->template output<Tap>().begin(), fast->template output<Tap>().end(),
                         fast2->template output<Tap>().begin())));
}

}  // namespace constnet::testing
