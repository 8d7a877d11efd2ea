// VGG16 forward end to end at 224x224: model<models::vgg16, batch<B>, threads<T>> for B in {1, 8} and
// T in {1, 2}, with the registry's default kernels (kernels::best_available). Each model (553 MB of
// weights, its packed copy and its arena) is built on the heap inside its own benchmark, one at a time,
// with deterministic He-normal weights, and freed before the next. The input is a batch of random
// images in [0, 1). Counters: images/s, ms/image, GFLOP/s (2 x the network's MACs per image) and %peak
// against the peak FMA rate of T threads measured at startup in this process.

#include <memory>
#include <vector>

#include "bench_common.hpp"
#include "constnet/constnet.hpp"
#include "constnet/models/vgg.hpp"

namespace {

using namespace constnet;
using namespace constnet::bench;

template <std::size_t Batch, std::size_t Threads>
void vgg16_forward(benchmark::State& state) {
  using M = model<models::vgg16, batch<Batch>, threads<Threads>>;
  auto m = std::make_unique<M>();
  he_normal(*m, 1);
  std::vector<float> images(M::input_elements);
  fill_uniform(images.data(), images.size(), 3, 0.0f, 1.0f);
  const std::span<const float, M::input_elements> input(images.data(), M::input_elements);
  benchmark::DoNotOptimize(m->forward(input).data());  // warm: pages, caches, thread start-up
  for (auto _ : state) {
    benchmark::DoNotOptimize(m->forward(input).data());
    benchmark::ClobberMemory();
  }
  const double gflop = 2.0 * static_cast<double>(models::vgg16::total_macs) * Batch * 1e-9;
  state.SetLabel("batch " + std::to_string(Batch) + ", " + std::to_string(Threads) + " thread(s), arena " +
                 std::to_string(M::arena_bytes >> 20) + " MiB");
  state.counters["images/s"] = per_second(static_cast<double>(Batch));
  // 1 / (thousands of images per second) = milliseconds per image
  state.counters["ms/image"] = benchmark::Counter(1e-3 * Batch, benchmark::Counter::kIsIterationInvariantRate |
                                                                    benchmark::Counter::kInvert);
  state.counters["GFLOP/s"] = per_second(gflop);
  state.counters["%peak"] = per_second(100.0 * gflop / machine().peak(Threads));
}

BENCHMARK(vgg16_forward<1, 1>)->Name("vgg16/forward/batch:1/threads:1")->UseRealTime()->MeasureProcessCPUTime()->Unit(benchmark::kMillisecond);
BENCHMARK(vgg16_forward<1, 2>)->Name("vgg16/forward/batch:1/threads:2")->UseRealTime()->MeasureProcessCPUTime()->Unit(benchmark::kMillisecond);
BENCHMARK(vgg16_forward<8, 1>)->Name("vgg16/forward/batch:8/threads:1")->UseRealTime()->MeasureProcessCPUTime()->Unit(benchmark::kMillisecond);
BENCHMARK(vgg16_forward<8, 2>)->Name("vgg16/forward/batch:8/threads:2")->UseRealTime()->MeasureProcessCPUTime()->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  measure_ceilings(false);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
