// VGG16 forward end to end at 224x224: model<models::vgg16, batch<B>, threads<T>> for B in {1, 8} and
// T in {1, 2}, with the registry's default kernels (kernels::best_available). Each model (553 MB of
// weights, its packed copy and its arena) is built on the heap inside its own benchmark, one at a time,
// with deterministic He-normal weights, and freed before the next. The input is a batch of random
// images in [0, 1). Counters: images/s, ms/image, GFLOP/s (2 x the network's MACs per image) and %peak
// against the peak FMA rate of T threads measured at startup in this process.
//
// With oneDNN (CONSTNET_HAVE_DNNL), batch 1, T in {1, 2}:
//   vgg16/onednn_pipeline/threads:T   onednn::pipeline<models::vgg16> (onednn_pipeline.hpp): every layer a
//                                     oneDNN primitive chained in oneDNN's layouts, from the NHWC image to
//                                     the 1000 probabilities; the same counters as the forward rows
//   vs_onednn_pipeline/threads:T      model::forward and the pipeline alternately, call after call, in one
//                                     loop; the row's time is constnet's, counters constnet_ms, onednn_ms,
//                                     ratio = constnet / oneDNN (below 1: constnet is faster), the same from
//                                     process CPU time / T (constnet_cpu_ms, onednn_cpu_ms, cpu_ratio), and
//                                     the two outputs' differences measured before timing
// Both get the same weights: He-normal kernels and small random biases (see vgg16_with_biases). The
// binary re-executes itself with OMP_WAIT_POLICY=passive (onednn_common.hpp), so oneDNN's idle OpenMP
// workers sleep while constnet runs.

#include <algorithm>
#include <memory>
#include <vector>

#include "bench_common.hpp"
#include "constnet/constnet.hpp"
#include "constnet/models/vgg.hpp"

#ifdef CONSTNET_HAVE_DNNL
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <string>

#include "onednn_pipeline.hpp"
#endif

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

/// What fusing the max pools into the convolutions before them saves: the default model and one whose
/// five pooled convolutions are taps (which keeps each pool a layer of its own, see
/// model::fuses_max_pool), same weights, alternately in one loop; ratio = fused / unfused.
template <std::size_t Threads>
void fused_versus_unfused_pools(benchmark::State& state) {
  using fused = model<models::vgg16, threads<Threads>>;
  using unfused = model<models::vgg16, threads<Threads>, taps<"block1_conv2", "block2_conv2", "block3_conv3", "block4_conv3", "block5_conv3">>;
  static_assert(fused::template fuses_max_pool<models::vgg16::index_of<"block1_conv2">> &&
                !unfused::template fuses_max_pool<models::vgg16::index_of<"block1_conv2">>);
  auto a = std::make_unique<fused>();
  he_normal(*a, 1);
  auto b = std::make_unique<unfused>();
  std::copy(a->weights().begin(), a->weights().end(), b->weights().begin());
  b->pack_weights();
  std::vector<float> image(fused::input_elements);
  fill_uniform(image.data(), image.size(), 3, 0.0f, 1.0f);
  const std::span<const float, fused::input_elements> input(image.data(), fused::input_elements);
  const auto from_fused = a->forward(input);
  const auto from_unfused = b->forward(input);
  if (!std::equal(from_fused.begin(), from_fused.end(), from_unfused.begin())) {
    state.SkipWithError("the fused and unfused models disagree");
    for (auto _ : state) {
    }
    return;
  }
  const alternating_times t = time_alternately(
      state, [&] { benchmark::DoNotOptimize(a->forward(input).data()); },
      [&] { benchmark::DoNotOptimize(b->forward(input).data()); });
  state.SetLabel("batch 1, " + std::to_string(Threads) + " thread(s), pools fused vs separate");
  set_alternating_counters(state, t, Threads, "fused", "unfused");
}
BENCHMARK(fused_versus_unfused_pools<1>)->Name("vgg16/fused_vs_unfused_pools/threads:1")->UseManualTime()->MeasureProcessCPUTime()->Unit(benchmark::kMillisecond);
BENCHMARK(fused_versus_unfused_pools<2>)->Name("vgg16/fused_vs_unfused_pools/threads:2")->UseManualTime()->MeasureProcessCPUTime()->Unit(benchmark::kMillisecond);

#ifdef CONSTNET_HAVE_DNNL
using onednn_vgg16 = onednn::pipeline<models::vgg16>;

/// he_normal's weights (as the forward rows) with small random biases instead of zeros, so that a bias
/// in the wrong place or layout in the oneDNN pipeline shows in the numerical check. Values do not
/// change the time.
template <class M>
std::unique_ptr<M> vgg16_with_biases() {
  auto m = std::make_unique<M>();
  he_normal(*m, 1);
  std::uint64_t seed = 100;
  for (const layer_facts& f : models::vgg16::facts)
    for (std::size_t t = 0; t < f.weight_tensor_count; ++t)
      if (f.weights[t].name.view() == "bias") {
        const auto b = m->layer_weights(f.index).subspan(f.weights[t].offset, f.weights[t].elements());
        fill_uniform(b.data(), b.size(), seed++, -0.1f, 0.1f);
      }
  m->pack_weights();
  return m;
}

/// Prints the pipeline's primitives once per thread count and description (repetitions rebuild it).
void report(const onednn_vgg16& p, std::size_t threads) {
  static std::set<std::string> printed;
  const std::string text = p.describe();
  if (!printed.insert(std::to_string(threads) + text).second) return;
  std::fprintf(stderr, "oneDNN VGG16 pipeline (%zu thread%s): %s\n%s", threads, threads == 1 ? "" : "s",
               p.summary().c_str(), text.c_str());
}

void set_end_to_end_counters(benchmark::State& state, std::size_t threads) {
  const double gflop = 2.0 * static_cast<double>(models::vgg16::total_macs) * 1e-9;
  state.counters["images/s"] = per_second(1.0);
  state.counters["ms/image"] =
      benchmark::Counter(1e-3, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["GFLOP/s"] = per_second(gflop);
  state.counters["%peak"] = per_second(100.0 * gflop / machine().peak(threads));
}

template <std::size_t Threads>
void onednn_pipeline_forward(benchmark::State& state) {
  std::unique_ptr<onednn_vgg16> p;
  {
    // constnet's model only supplies the weights; freed before timing.
    const auto m = vgg16_with_biases<model<models::vgg16>>();
    p = std::make_unique<onednn_vgg16>(m->weights(), Threads);
  }
  report(*p, Threads);
  std::vector<float> image(models::vgg16::input_shape.elements());
  fill_uniform(image.data(), image.size(), 3, 0.0f, 1.0f);
  benchmark::DoNotOptimize(p->run(image.data()).data());  // warm: pages, caches, OpenMP's threads
  for (auto _ : state) {
    benchmark::DoNotOptimize(p->run(image.data()).data());
    benchmark::ClobberMemory();
  }
  state.SetLabel("batch 1, " + std::to_string(Threads) + " thread(s), oneDNN: " + p->summary());
  set_end_to_end_counters(state, Threads);
}

/// The network's logits from constnet's fc2 output, in double: the softmax saturates or flattens
/// differences, and the logits are what both libraries compute before it.
template <class M>
std::vector<float> constnet_logits(M& m, std::span<const float, M::input_elements> input) {
  const auto fc2 = m.template forward_to<"fc2">(input);
  const auto w = m.template layer_weights<"predictions">();
  constexpr std::size_t in = 4096, units = 1000;
  std::vector<float> logits(units);
  for (std::size_t o = 0; o < units; ++o) {
    double sum = w[in * units + o];  // the bias follows the kernel
    for (std::size_t i = 0; i < in; ++i) sum += static_cast<double>(fc2[i]) * w[i * units + o];
    logits[o] = static_cast<float>(sum);
  }
  return logits;
}

/// Tolerance of the logits check: max |difference| over the largest |logit|. Both sides are fp32 with
/// different summation orders (constnet: Winograd F(4x4,3x3) in blocks 1-4 and F(2x2,3x3) in block 5;
/// oneDNN: direct), about 6e-6 per convolution layer in constnet_bench_layers' vs_onednn rows; 16 layers
/// in a row measured 3e-6 here. A real mistake is orders of magnitude larger: one layer's biases left
/// out gave 4e-2, fc1's weights flattened in C, H, W order instead of H, W, C gave 0.8.
constexpr double max_logits_difference = 1e-4;

template <std::size_t Threads>
void versus_onednn_pipeline(benchmark::State& state) {
  using M = model<models::vgg16, threads<Threads>>;
  const auto m = vgg16_with_biases<M>();
  const auto p = std::make_unique<onednn_vgg16>(m->weights(), Threads);
  report(*p, Threads);
  std::vector<float> image(M::input_elements);
  fill_uniform(image.data(), image.size(), 3, 0.0f, 1.0f);
  const std::span<const float, M::input_elements> input(image.data(), M::input_elements);

  const std::vector<float> our_logits = constnet_logits(*m, input);
  const auto ours = m->forward(input);
  const auto theirs = p->run(image.data());
  const std::vector<float> their_logits = p->logits();
  const double logits_difference = onednn::relative_difference(our_logits.data(), their_logits);
  const double difference = onednn::relative_difference(ours.data(), theirs);
  // The softmax turns absolute logit errors e_i into relative probability errors of at most 2 max |e|:
  // to first order p_i' / p_i = 1 + e_i - sum_j p_j e_j.
  double largest_logit = 0;
  for (float z : their_logits) largest_logit = std::max(largest_logit, static_cast<double>(std::abs(z)));
  const double max_difference = 2.0 * max_logits_difference * largest_logit;
  if (logits_difference > max_logits_difference || difference > max_difference) {
    state.SkipWithError(("constnet and oneDNN disagree: max relative difference " + std::to_string(logits_difference) +
                         " of the logits (at most " + std::to_string(max_logits_difference) + "), " +
                         std::to_string(difference) + " of the probabilities (at most " +
                         std::to_string(max_difference) + ")")
                            .c_str());
    for (auto _ : state) {
    }
    return;
  }

  const alternating_times t = time_alternately(
      state, [&] { benchmark::DoNotOptimize(m->forward(input).data()); },
      [&] { benchmark::DoNotOptimize(p->run(image.data()).data()); });
  const double gflop = 2.0 * static_cast<double>(models::vgg16::total_macs) * 1e-9;
  state.SetLabel("batch 1, " + std::to_string(Threads) + " thread(s), constnet vs oneDNN: " + p->summary());
  set_alternating_counters(state, t, Threads, "constnet", "onednn", gflop);
  state.counters["max_rel_diff"] = difference;
  state.counters["logits_max_rel_diff"] = logits_difference;
}

BENCHMARK(onednn_pipeline_forward<1>)->Name("vgg16/onednn_pipeline/threads:1")->UseRealTime()->MeasureProcessCPUTime()->Unit(benchmark::kMillisecond);
BENCHMARK(onednn_pipeline_forward<2>)->Name("vgg16/onednn_pipeline/threads:2")->UseRealTime()->MeasureProcessCPUTime()->Unit(benchmark::kMillisecond);
BENCHMARK(versus_onednn_pipeline<1>)->Name("vs_onednn_pipeline/threads:1")->UseManualTime()->MeasureProcessCPUTime()->Unit(benchmark::kMillisecond);
BENCHMARK(versus_onednn_pipeline<2>)->Name("vs_onednn_pipeline/threads:2")->UseManualTime()->MeasureProcessCPUTime()->Unit(benchmark::kMillisecond);
#endif

}  // namespace

int main(int argc, char** argv) {
#ifdef CONSTNET_HAVE_DNNL
  onednn::onednn_startup(argv);
#endif
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  measure_ceilings(false);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
