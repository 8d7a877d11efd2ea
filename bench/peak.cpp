// The machine's ceilings, as Google Benchmark rows: peak fp32 FMA throughput of the SIMD shim's
// backends (1 and 2 threads) and the memory read bandwidth of a 512 MiB stream (16x the L3). These are
// the denominators of the "% of peak" and "% of bandwidth" columns of the other benchmarks, which
// measure the same loops again at their own startup.

#include "bench_common.hpp"

namespace {

using namespace constnet;
using namespace constnet::bench;

// Each thread runs its own independent chains; the counter is the sum over threads.
template <class B>
void peak_fma(benchmark::State& state) {
  constexpr std::size_t iterations = 1'000'000;  // about 2 ms per benchmark iteration on one AVX2 core
  float seed = 1.0f + static_cast<float>(state.thread_index());
  for (auto _ : state) benchmark::DoNotOptimize(fma_loop<B>(iterations, seed));
  state.SetLabel(std::string(B::name) + " " + std::string(B::isa) + ", " + std::to_string(peak_accumulators) +
                 " independent accumulators");
  state.counters["GFLOP/s"] = benchmark::Counter(fma_loop_flops<B>(iterations) * 1e-9,
                                                 benchmark::Counter::kIsIterationInvariantRate |
                                                     benchmark::Counter::kAvgThreads);
}

void read_bandwidth(benchmark::State& state) {
  const auto threads = static_cast<std::size_t>(state.range(0));
  stream_buffer();
  for (auto _ : state) benchmark::DoNotOptimize(timed_read_pass(threads));
  state.SetLabel("sum over " + std::to_string(stream_bytes >> 20) + " MiB, " + std::to_string(threads) +
                 " thread(s), each a contiguous share");
  state.counters["GB/s"] = per_second(static_cast<double>(stream_bytes) * 1e-9);
}

BENCHMARK(peak_fma<simd::xsimd_backend>)->Name("peak/fma/xsimd")->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(peak_fma<simd::highway_backend>)->Name("peak/fma/highway")->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(peak_fma<simd::scalar_backend>)->Name("peak/fma/scalar")->Threads(1)->UseRealTime();
BENCHMARK(read_bandwidth)->Name("peak/read_bandwidth")->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  measure_ceilings(true);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
