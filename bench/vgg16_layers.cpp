// VGG16's layers at 224x224, batch 1, one row per (layer, kernel, threads):
//
//   conv/<layer>/<kernel>/threads:T      every kernel of kernels::all_kernels<conv2d_geometry> that
//                                        supports the layer (kernels whose name ends in _scalar, i.e. the
//                                        reference and the scalar direct kernel, only on block1_conv1
//                                        and one layer per block, with 1 thread: 0.1-0.5 s per call)
//   conv/<layer>/onednn_direct/...       oneDNN 2.x convolution_forward, algorithm::convolution_direct
//   conv/<layer>/onednn_winograd/...     algorithm::convolution_winograd (an error row where oneDNN has
//                                        no implementation: it has none for AVX2 machines)
//   vs_onednn/<layer>/threads:T          the registry's default kernel and oneDNN direct timed in the
//                                        same loop, call after call; counters constnet_ms, onednn_ms,
//                                        ratio = constnet / oneDNN (below 1: constnet is faster)
//   direct_vs_onednn/<layer>/...         the same with constnet's best direct kernel instead of the
//                                        registry's choice (which is Winograd on most 3x3 layers)
//   dense/fc1/<kernel>/threads:T         every kernel of all_kernels<dense_geometry>, and oneDNN's
//                                        inner_product_forward (25088 -> 4096, memory bound)
//
// oneDNN rows: memory format `any` for source, weights and destination (oneDNN picks its blocked
// layouts), bias, ReLU fused as an eltwise post-op, forward_inference. Reorders into oneDNN's layouts
// happen once, outside the timed loop: the time is the primitive's execution alone. Its buffers come
// from the allocator constnet's use (huge pages for large ones: onednn_common.hpp). Its OpenMP thread
// count is set per row with omp_set_num_threads(T) before the primitive is created. At startup the
// binary re-executes itself with OMP_WAIT_POLICY=passive (unless the variable is already set), so idle
// OpenMP workers sleep instead of spinning on the core constnet's threads need; each oneDNN call then
// pays one wake-up (microseconds, against layer times of milliseconds).
//
// Times: the wall clock (UseRealTime; manual time for vs_onednn), and in the CPU column the CPU time of
// all the process's threads per iteration (MeasureProcessCPUTime). On a machine shared with other work,
// CPU time / threads estimates the idle-machine time (tools/bench-table.py --clock cpu).
//
// Counters: GFLOP/s (2 x MACs), GB/s (input + output + weights once), %peak (against the peak FMA rate
// of the same thread count, measured at startup in this process and printed), %bw for dense layers
// (against the measured read bandwidth). Compare with tools/bench-table.py.

#include <array>
#include <cmath>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "bench_common.hpp"
#include "constnet/constnet.hpp"
#include "constnet/engine/thread_pool.hpp"
#include "constnet/kernels/registry.hpp"
#include "constnet/models/vgg.hpp"

#ifdef CONSTNET_HAVE_DNNL
#include "onednn_common.hpp"
#endif

namespace {

using namespace constnet;
using namespace constnet::bench;
using net = models::vgg16;

template <std::size_t I>
constexpr auto geometry_of() {
  return net::geometry<I>;
}
template <std::size_t I>
constexpr bool has_geometry = I > 0;  // every layer but the input
template <std::size_t I, class Geometry>
constexpr bool is_layer_of = [] {
  if constexpr (has_geometry<I>) return std::is_same_v<std::remove_cvref_t<decltype(geometry_of<I>())>, Geometry>;
  else return false;
}();

/// Kernels whose names end in "_scalar" take 0.1-0.5 s per VGG16 layer: time them on a few layers.
constexpr bool slow_kernel(std::string_view name) { return name.ends_with("_scalar"); }
constexpr bool slow_kernel_layer(std::string_view layer) {
  for (std::string_view l : {"block1_conv1", "block1_conv2", "block2_conv2", "block3_conv2", "block4_conv2", "block5_conv2"})
    if (l == layer) return true;
  return false;
}

template <class K, class G>
constexpr bool has_tasks = requires(const G& g) { K::tasks(g, std::size_t{1}); };

/// Scratch bytes one thread needs, rounded up to a cache line (as the model plans it).
template <class K, class G>
std::size_t scratch_per_thread(const G& g) {
  return (K::scratch_bytes(g, 1) + 63) / 64 * 64;
}

/// Runs a kernel on a batch of 1 the way the model does: over the thread pool when it exposes
/// independent tasks (each thread with its own slice of scratch), else directly. The pool's body gets
/// (thread, begin, end); run_tasks takes scratch when the kernel wants it.
template <class K, class G>
void run_kernel(const G& g, std::span<const float> weights, const float* in, float* out, std::byte* scratch,
                thread_pool& pool) {
  if constexpr (has_tasks<K, G>) {
    const std::size_t per_thread = scratch_per_thread<K>(g);
    auto body = [&](std::size_t thread, std::size_t begin, std::size_t end) {
      if constexpr (requires { K::run_tasks(g, weights, in, out, scratch, std::size_t{1}, begin, end); })
        K::run_tasks(g, weights, in, out, scratch + thread * per_thread, 1, begin, end);
      else
        K::run_tasks(g, weights, in, out, 1, begin, end);
    };
    pool.parallel_for(K::tasks(g, 1), body);
  } else {
    K::run(g, weights, in, out, scratch, 1);
  }
}

/// Canonical (Keras) weights of one layer: uniform He-scaled kernel (HWIO / [in][units]), small bias.
inline aligned_buffer<float> canonical_weights(std::size_t params, std::size_t kernel_elements, std::size_t fan_in,
                                               std::uint64_t seed) {
  aligned_buffer<float> w(params);
  const float s = std::sqrt(6.0f / static_cast<float>(fan_in));
  fill_uniform(w.data(), kernel_elements, seed, -s, s);
  fill_uniform(w.data() + kernel_elements, params - kernel_elements, seed + 1, -0.1f, 0.1f);
  return w;
}

/// One layer's buffers for kernel K: canonical weights, K's packed weights if it has its own layout,
/// a random input, the output and K's scratch.
template <class K, class G>
struct layer_buffers {
  G g;
  aligned_buffer<float> canonical, packed, in, out;
  aligned_buffer<std::byte> scratch;

  layer_buffers(const G& geometry, std::size_t params, std::size_t kernel_elements, std::size_t fan_in,
                std::size_t in_elements, std::size_t out_elements, std::size_t threads)
      : g(geometry),
        canonical(canonical_weights(params, kernel_elements, fan_in, 7)),
        packed(kernels::packed_floats<K>(geometry)),
        in(in_elements),
        out(out_elements),
        scratch(scratch_per_thread<K>(geometry) * threads) {
    if constexpr (requires { K::pack(g, canonical.span(), packed.span()); })
      if (packed.size() > 0) K::pack(g, std::as_const(canonical).span(), packed.span());
    fill_uniform(in.data(), in.size(), 11, 0.0f, 1.0f);
  }
  std::span<const float> weights() const { return packed.size() > 0 ? packed.span() : canonical.span(); }
  void run(thread_pool& pool) { run_kernel<K>(g, weights(), in.data(), out.data(), scratch.data(), pool); }
};

template <std::size_t I, class K>
auto make_conv_buffers(std::size_t threads) {
  constexpr layer_facts f = net::facts[I];
  constexpr conv2d_geometry g = geometry_of<I>();
  constexpr std::size_t kernel_elements = g.kernel.h * g.kernel.w * g.in.c * g.out.c;
  return std::make_unique<layer_buffers<K, conv2d_geometry>>(g, f.params, kernel_elements,
                                                              g.kernel.h * g.kernel.w * g.in.c, f.input.elements(),
                                                              f.output.elements(), threads);
}

template <std::size_t I>
void set_layer_counters(benchmark::State& state, std::size_t threads) {
  constexpr layer_facts f = net::facts[I];
  const double gflop = 2.0 * static_cast<double>(f.macs) * 1e-9;
  state.counters["GFLOP/s"] = per_second(gflop);
  state.counters["GB/s"] =
      per_second(static_cast<double>(f.input.bytes() + f.output.bytes() + f.params * sizeof(float)) * 1e-9);
  state.counters["%peak"] = per_second(100.0 * gflop / machine().peak(threads));
}

template <std::size_t I>
std::string layer_label(std::string_view impl) {
  constexpr layer_facts f = net::facts[I];
  std::string label = std::string(f.name.view()) + " " + shape_text(f.input.h, f.input.w, f.input.c) + "->" +
                      shape_text(f.output.h, f.output.w, f.output.c);
  label += ' ';
  label += impl;
  return label;
}

// ---- constnet kernels -----------------------------------------------------------------------------

template <std::size_t I, class K>
void conv_layer(benchmark::State& state) {
  const auto threads = static_cast<std::size_t>(state.range(0));
  auto b = make_conv_buffers<I, K>(threads);
  thread_pool pool(threads);
  b->run(pool);  // warm caches and pages
  for (auto _ : state) {
    b->run(pool);
    benchmark::ClobberMemory();
  }
  state.SetLabel(layer_label<I>(K::name));
  set_layer_counters<I>(state, threads);
}

template <std::size_t I, class K>
void dense_layer(benchmark::State& state) {
  const auto threads = static_cast<std::size_t>(state.range(0));
  constexpr layer_facts f = net::facts[I];
  constexpr dense_geometry g = geometry_of<I>();
  auto b = std::make_unique<layer_buffers<K, dense_geometry>>(g, f.params, g.in * g.units, g.in, g.in, g.units, threads);
  thread_pool pool(threads);
  b->run(pool);
  for (auto _ : state) {
    b->run(pool);
    benchmark::ClobberMemory();
  }
  state.SetLabel(std::string(f.name.view()) + " " + std::to_string(g.in) + "->" + std::to_string(g.units) + " " +
                 std::string(K::name));
  const double bytes = static_cast<double>((g.in + g.units + f.params) * sizeof(float));
  state.counters["GFLOP/s"] = per_second(2.0 * static_cast<double>(f.macs) * 1e-9);
  state.counters["GB/s"] = per_second(bytes * 1e-9);
  state.counters["%bw"] = per_second(100.0 * bytes * 1e-9 / machine().bandwidth(threads));
}

// ---- oneDNN ---------------------------------------------------------------------------------------

#ifdef CONSTNET_HAVE_DNNL
using namespace constnet::bench::onednn;

template <std::size_t I>
void onednn_conv_layer(benchmark::State& state, dnnl::algorithm algorithm) {
  const auto threads = static_cast<std::size_t>(state.range(0));
  set_onednn_threads(threads);
  using K = kernels::reference::conv2d;  // only for its canonical weights and input
  auto b = make_conv_buffers<I, K>(threads);
  std::unique_ptr<onednn_layer> l;
  try {
    l = onednn_layer::conv(b->g, algorithm, b->in.data(), b->canonical.data());
  } catch (const dnnl::error& e) {
    state.SkipWithError((std::string("oneDNN has no implementation here: ") + e.what()).c_str());
    for (auto _ : state) {
    }
    return;
  }
  l->run();
  for (auto _ : state) l->run();
  state.SetLabel(layer_label<I>("oneDNN " + l->impl));
  set_layer_counters<I>(state, threads);
}

/// The registry's choice for a layer among its direct kernels: its candidates in order, Winograd left out.
template <auto G, class List>
struct first_direct;
template <auto G, class First, class... Rest>
struct first_direct<G, kernels::kernel_list<First, Rest...>>
    : std::conditional_t<!kernels::winograd::winograd_kernel<First> && kernels::detail::chosen_for<First>(G),
                         std::type_identity<First>, first_direct<G, kernels::kernel_list<Rest...>>> {};
template <std::size_t I>
using best_direct = typename first_direct<geometry_of<I>(), kernels::candidates<conv2d_geometry>::type>::type;

/// A constnet kernel K (by default the registry's choice) and oneDNN direct, alternately, in one loop.
/// The row's time is constnet's; onednn_ms and ratio come from the same iterations.
template <std::size_t I, class K = typename kernels::best_available::template kernel<geometry_of<I>()>>
void versus_onednn(benchmark::State& state) {
  const auto threads = static_cast<std::size_t>(state.range(0));
  constexpr conv2d_geometry g = geometry_of<I>();
  set_onednn_threads(threads);
  auto b = make_conv_buffers<I, K>(threads);
  thread_pool pool(threads);
  auto l = onednn_layer::conv(g, dnnl::algorithm::convolution_direct, b->in.data(), b->canonical.data());
  b->run(pool);
  l->run();
  const double difference = relative_difference(b->out.data(), l->output());
  if (difference > 1e-4) {
    state.SkipWithError(("constnet and oneDNN disagree: max relative difference " + std::to_string(difference)).c_str());
    for (auto _ : state) {
    }
    return;
  }
  const alternating_times t = time_alternately(state, [&] { b->run(pool); }, [&] { l->run(); });
  constexpr layer_facts f = net::facts[I];
  const double gflop = 2.0 * static_cast<double>(f.macs) * 1e-9;
  state.SetLabel(layer_label<I>(std::string(K::name) + " vs oneDNN " + l->impl));
  set_alternating_counters(state, t, threads, "constnet", "onednn", gflop);
  state.counters["max_rel_diff"] = difference;
}

template <std::size_t I>
void onednn_dense_layer(benchmark::State& state) {
  const auto threads = static_cast<std::size_t>(state.range(0));
  set_onednn_threads(threads);
  constexpr layer_facts f = net::facts[I];
  constexpr dense_geometry g = geometry_of<I>();
  using K = kernels::reference::dense;
  auto b = std::make_unique<layer_buffers<K, dense_geometry>>(g, f.params, g.in * g.units, g.in, g.in, g.units, threads);
  auto l = onednn_layer::dense(g, b->in.data(), b->canonical.data());
  thread_pool pool(1);
  b->run(pool);
  l->run();
  const double difference = relative_difference(b->out.data(), l->output());
  for (auto _ : state) l->run();
  state.SetLabel(std::string(f.name.view()) + " " + std::to_string(g.in) + "->" + std::to_string(g.units) +
                 " oneDNN " + l->impl);
  const double bytes = static_cast<double>((g.in + g.units + f.params) * sizeof(float));
  state.counters["GFLOP/s"] = per_second(2.0 * static_cast<double>(f.macs) * 1e-9);
  state.counters["GB/s"] = per_second(bytes * 1e-9);
  state.counters["%bw"] = per_second(100.0 * bytes * 1e-9 / machine().bandwidth(threads));
  state.counters["max_rel_diff"] = difference;
}
#endif

// ---- registration ---------------------------------------------------------------------------------

template <class... Ts>
void for_each_type(kernels::kernel_list<Ts...>, auto&& f) {
  (f(std::type_identity<Ts>{}), ...);
}

enum class timing { real, manual };

template <class Function>
benchmark::internal::Benchmark* add(const std::string& name, Function f, std::size_t threads,
                                    timing clock_kind = timing::real) {
  auto* b = benchmark::RegisterBenchmark(name.c_str(), f)
                ->ArgName("threads")
                ->Arg(static_cast<std::int64_t>(threads))
                ->Unit(benchmark::kMillisecond)
                ->MeasureProcessCPUTime();  // the CPU column: all threads' CPU time per iteration
  return clock_kind == timing::real ? b->UseRealTime() : b->UseManualTime();
}

template <std::size_t I>
void register_layer() {
  constexpr std::string_view layer = net::facts[I].name.view();
  if constexpr (is_layer_of<I, conv2d_geometry>) {
    constexpr conv2d_geometry g = geometry_of<I>();
    for_each_type(typename kernels::all_kernels<conv2d_geometry>::type{}, [&]<class K>(std::type_identity<K>) {
      if constexpr (K::supports(g)) {
        if (slow_kernel(K::name) && !slow_kernel_layer(layer)) return;
        const std::string name = "conv/" + std::string(layer) + "/" + std::string(K::name);
        add(name, conv_layer<I, K>, 1);
        if (has_tasks<K, conv2d_geometry> && !slow_kernel(K::name)) add(name, conv_layer<I, K>, 2);
      }
    });
#ifdef CONSTNET_HAVE_DNNL
    for (std::size_t t : {1, 2}) {
      add("conv/" + std::string(layer) + "/onednn_direct",
          [](benchmark::State& s) { onednn_conv_layer<I>(s, dnnl::algorithm::convolution_direct); }, t);
      add("conv/" + std::string(layer) + "/onednn_winograd",
          [](benchmark::State& s) { onednn_conv_layer<I>(s, dnnl::algorithm::convolution_winograd); }, t);
      add("vs_onednn/" + std::string(layer), versus_onednn<I>, t, timing::manual);
      add("direct_vs_onednn/" + std::string(layer), versus_onednn<I, best_direct<I>>, t, timing::manual);
    }
#endif
  } else if constexpr (is_layer_of<I, dense_geometry>) {
    if (layer != "fc1") return;
    for_each_type(typename kernels::all_kernels<dense_geometry>::type{}, [&]<class K>(std::type_identity<K>) {
      if constexpr (K::supports(geometry_of<I>())) {
        const std::string name = "dense/" + std::string(layer) + "/" + std::string(K::name);
        add(name, dense_layer<I, K>, 1);
        if (has_tasks<K, dense_geometry>) add(name, dense_layer<I, K>, 2);
      }
    });
#ifdef CONSTNET_HAVE_DNNL
    for (std::size_t t : {1, 2}) add("dense/" + std::string(layer) + "/onednn_inner_product", onednn_dense_layer<I>, t);
#endif
  }
}

template <std::size_t... I>
void register_all(std::index_sequence<I...>) {
  (register_layer<I>(), ...);
}

}  // namespace

int main(int argc, char** argv) {
#ifdef CONSTNET_HAVE_DNNL
  onednn::onednn_startup(argv);
#endif
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  measure_ceilings(true);
  register_all(std::make_index_sequence<net::size>{});
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
