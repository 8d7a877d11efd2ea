// Reference kernels, layer by layer and end to end, on the seed's CIFAR-10 CNN and on VGG16's layers at
// 56x56 input. The reference kernels are the oracle, not the fast path: these numbers are the baseline
// the SIMD and Winograd kernels are measured against. FLOPs are counted as 2 per multiply-accumulate.

#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "constnet/constnet.hpp"
#include "constnet/models/seed_cnns.hpp"
#include "constnet/models/vgg.hpp"

namespace {

using namespace constnet;

template <class Network, std::size_t I>
void reference_layer(benchmark::State& state) {
  using layer = typename Network::template layer_type<I>;
  constexpr layer_facts facts = Network::facts[I];
  constexpr auto geometry = layer::geometry(facts.input);
  using kernel = typename kernels::reference_only::template kernel<geometry>;
  std::vector<float> weights(facts.params, 0.01f), in(facts.input.elements(), 0.5f), out(facts.output.elements());
  for (auto _ : state) {
    kernel::run(geometry, weights, in.data(), out.data(), nullptr, 1);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetLabel(std::string(facts.name.view()) + " " + std::string(kernel::name));
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * static_cast<double>(facts.macs) * 1e-9,
                                                 benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GB/s"] = benchmark::Counter(
      static_cast<double>(facts.input.bytes() + facts.output.bytes() + facts.params * sizeof(float)) * 1e-9,
      benchmark::Counter::kIsIterationInvariantRate);
}

template <class Network>
void reference_forward(benchmark::State& state) {
  using M = model<Network, kernels::reference_only>;
  auto m = std::make_unique<M>();
  he_normal(*m, 1);
  std::vector<float> image(M::input_elements, 0.5f);
  for (auto _ : state) benchmark::DoNotOptimize(m->forward(std::span<const float>(image)).data());
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * static_cast<double>(Network::total_macs) * 1e-9,
                                                 benchmark::Counter::kIsIterationInvariantRate);
}

using vgg16_56 = models::vgg16_at<56, 56, 10>;

BENCHMARK(reference_layer<models::cifar10_cnn, 1>);
BENCHMARK(reference_layer<models::cifar10_cnn, 3>);
BENCHMARK(reference_layer<models::cifar10_cnn, 5>);
BENCHMARK(reference_layer<models::cifar10_cnn, 8>);
BENCHMARK(reference_forward<models::cifar10_cnn>);
BENCHMARK(reference_layer<vgg16_56, 1>)->Unit(benchmark::kMillisecond);
BENCHMARK(reference_layer<vgg16_56, 2>)->Unit(benchmark::kMillisecond);
BENCHMARK(reference_layer<vgg16_56, 3>)->Unit(benchmark::kMillisecond);
BENCHMARK(reference_layer<vgg16_56, 9>)->Unit(benchmark::kMillisecond);
BENCHMARK(reference_layer<vgg16_56, 16>)->Unit(benchmark::kMillisecond);
BENCHMARK(reference_forward<vgg16_56>)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
