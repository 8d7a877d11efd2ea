#pragma once
// Shared by the benchmark executables: the machine's measured ceilings (peak FMA throughput and memory
// read bandwidth, the denominators of "% of peak" and "% of bandwidth"), a main() that measures them
// once at startup, prints them and stores them in the JSON context, and small helpers.
//
// FLOPs are counted as 2 per multiply-accumulate everywhere. GB/s counters of layers are the minimum
// traffic (input + output + weights, each touched once), not what the caches really move.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "constnet/core/aligned_buffer.hpp"
#include "constnet/kernels/simd/backends.hpp"

namespace constnet::bench {

using clock = std::chrono::steady_clock;

inline double seconds_since(clock::time_point start) {
  return std::chrono::duration<double>(clock::now() - start).count();
}

// ---- peak FMA -------------------------------------------------------------------------------------

/// Accumulators of the peak loop. Zen 3 has two 256-bit FMA pipes with 4-cycle latency, so 8 chains in
/// flight saturate them; 12 leaves slack and still fits the 16 ymm registers with the two constants.
inline constexpr std::size_t peak_accumulators = 12;

/// `iterations` rounds of peak_accumulators independent FMAs (acc = acc * a + b, which converges to a
/// normal number, so no denormals). Returns a sum so the compiler keeps the work. noipa, not just
/// noinline: GCC otherwise proves the function pure and hoists repeated calls out of a timing loop.
template <class B>
[[gnu::noipa]] float fma_loop(std::size_t iterations, float seed) {
  using vec = typename B::vec;
  vec acc[peak_accumulators];
#pragma GCC unroll 16
  for (std::size_t i = 0; i < peak_accumulators; ++i) acc[i] = B::broadcast(seed + 0.001f * static_cast<float>(i));
  const vec a = B::broadcast(0.999999f), b = B::broadcast(1e-6f);
  for (std::size_t n = 0; n < iterations; ++n) {
#pragma GCC unroll 16
    for (std::size_t i = 0; i < peak_accumulators; ++i) acc[i] = B::fma(acc[i], a, b);
  }
  vec s = acc[0];
#pragma GCC unroll 16
  for (std::size_t i = 1; i < peak_accumulators; ++i) s = B::add(s, acc[i]);
  return B::reduce_add(s);
}

template <class B>
constexpr double fma_loop_flops(std::size_t iterations) {
  return 2.0 * static_cast<double>(iterations * peak_accumulators * B::width);
}

/// Runs f(thread index) on `threads` threads (the calling thread is thread 0) and joins them.
template <class F>
void on_threads(std::size_t threads, F&& f) {
  std::vector<std::thread> others;
  for (std::size_t t = 1; t < threads; ++t) others.emplace_back([&f, t] { f(t); });
  f(std::size_t{0});
  for (auto& t : others) t.join();
}

inline double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

/// CPU time of every thread of this process: divided by the thread count, an estimate of a parallel
/// section's time on an otherwise idle machine (sleeping waiters cost nothing; spinning ones would).
inline double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

/// Wall and process CPU seconds of two computations run alternately, call after call, in one loop: both
/// see the same machine state (frequency, other processes, cache pollution), so their ratio is steadier
/// than one of two separate rows.
struct alternating_times {
  double first = 0, second = 0, first_cpu = 0, second_cpu = 0;
};
/// Each iteration runs first() then second(); the iteration's manual time is first()'s (UseManualTime).
template <class First, class Second>
alternating_times time_alternately(benchmark::State& state, First&& first, Second&& second) {
  alternating_times t;
  for (auto _ : state) {
    double cpu = process_cpu_seconds();
    auto start = clock::now();
    first();
    const double elapsed = seconds_since(start);
    t.first_cpu += process_cpu_seconds() - cpu;
    cpu = process_cpu_seconds();
    start = clock::now();
    second();
    t.second += seconds_since(start);
    t.second_cpu += process_cpu_seconds() - cpu;
    t.first += elapsed;
    state.SetIterationTime(elapsed);
  }
  return t;
}
struct peak_measurement {
  double wall = 0;  // total FLOPs / wall time of the round
  double cpu = 0;   // sum over threads of FLOPs / that thread's CPU time: the hardware's rate even when
                    // other processes take turns on the cores (equal to `wall` on an idle machine)
};

/// Peak fp32 GFLOP/s of `threads` threads on the default SIMD backend: best of `rounds` timed rounds.
inline peak_measurement measure_peak_gflops(std::size_t threads, std::size_t rounds = 5,
                                            std::size_t iterations = 20'000'000) {
  using B = simd::default_backend;
  peak_measurement best;
  for (std::size_t r = 0; r < rounds; ++r) {
    std::vector<double> cpu(threads);
    const auto start = clock::now();
    on_threads(threads, [&](std::size_t t) {
      const double c = thread_cpu_seconds();
      benchmark::DoNotOptimize(fma_loop<B>(iterations, 1.0f + static_cast<float>(t)));
      cpu[t] = thread_cpu_seconds() - c;
    });
    const double wall = seconds_since(start);
    double cpu_rate = 0;
    for (double c : cpu) cpu_rate += fma_loop_flops<B>(iterations) / c * 1e-9;
    best.wall = std::max(best.wall, fma_loop_flops<B>(iterations) * static_cast<double>(threads) / wall * 1e-9);
    best.cpu = std::max(best.cpu, cpu_rate);
  }
  return best;
}

// ---- memory read bandwidth ------------------------------------------------------------------------

/// Sums n floats (n a multiple of 8 * width) read as 4 sequential streams side by side (its quarters),
/// 8 vector accumulators. One Zen 3 core reads 17-18 GB/s from a single stream and about 25 GB/s from 4
/// (more misses in flight): a single stream understated the machine (oneDNN's inner product and the
/// dense kernel, which reads unit blocks side by side, ran at 125% of it).
template <class B>
[[gnu::noipa]] float read_sum(const float* p, std::size_t n) {
  using vec = typename B::vec;
  constexpr std::size_t W = B::width, streams = 4, per_stream = 2, lanes = streams * per_stream;
  const std::size_t quarter = n / streams;
  vec acc[lanes];
  for (auto& a : acc) a = B::zero();
  for (std::size_t i = 0; i < quarter; i += per_stream * W) {
#pragma GCC unroll 4
    for (std::size_t s = 0; s < streams; ++s)
#pragma GCC unroll 2
      for (std::size_t j = 0; j < per_stream; ++j)
        acc[s * per_stream + j] = B::add(acc[s * per_stream + j], B::load(p + s * quarter + i + j * W));
  }
  vec s = acc[0];
  for (std::size_t j = 1; j < lanes; ++j) s = B::add(s, acc[j]);
  return B::reduce_add(s);
}

/// A buffer far larger than the 32 MiB L3, touched once so its pages exist before anything is timed.
inline constexpr std::size_t stream_bytes = std::size_t{512} << 20;

inline const aligned_buffer<float>& stream_buffer() {
  static const aligned_buffer<float> buffer = [] {
    aligned_buffer<float> b(stream_bytes / sizeof(float));
    for (std::size_t i = 0; i < b.size(); i += 1024) b.data()[i] = 1.0f;
    return b;
  }();
  return buffer;
}

/// One read pass over the buffer split into `threads` contiguous shares: wall-clock seconds, and the
/// bandwidth computed per thread from its CPU time (summed; equal to the wall-clock rate when idle).
struct read_pass {
  double seconds = 0, cpu_gbs = 0;
};
inline read_pass timed_read_pass(std::size_t threads) {
  using B = simd::default_backend;
  const auto& buffer = stream_buffer();
  const std::size_t chunk = 8 * B::width, chunks = buffer.size() / chunk;
  std::vector<double> gbs(threads);
  const auto start = clock::now();
  on_threads(threads, [&](std::size_t t) {
    const std::size_t begin = chunks * t / threads, end = chunks * (t + 1) / threads;
    const double c = thread_cpu_seconds();
    benchmark::DoNotOptimize(read_sum<B>(buffer.data() + begin * chunk, (end - begin) * chunk));
    gbs[t] = static_cast<double>((end - begin) * chunk * sizeof(float)) / (thread_cpu_seconds() - c) * 1e-9;
  });
  read_pass r{seconds_since(start), 0};
  for (double g : gbs) r.cpu_gbs += g;
  return r;
}

/// Read bandwidth in GB/s (1e9 bytes): best of `rounds` passes over stream_bytes, by the wall clock and
/// by CPU time.
inline std::pair<double, double> measure_read_gbs(std::size_t threads, std::size_t rounds = 4) {
  double wall = 0, cpu = 0;
  for (std::size_t r = 0; r < rounds; ++r) {
    const read_pass pass = timed_read_pass(threads);
    wall = std::max(wall, static_cast<double>(stream_bytes) / pass.seconds * 1e-9);
    cpu = std::max(cpu, pass.cpu_gbs);
  }
  return {wall, cpu};
}

// ---- the ceilings, measured once per process ------------------------------------------------------

struct ceilings {
  double peak_gflops[3] = {};  // by thread count: [1], [2]
  double read_gbs[3] = {};
  double peak(std::size_t threads) const { return peak_gflops[std::min<std::size_t>(threads, 2)]; }
  double bandwidth(std::size_t threads) const { return read_gbs[std::min<std::size_t>(threads, 2)]; }
};

inline ceilings& machine() {
  static ceilings c;
  return c;
}

/// Measures the peak (1 and 2 threads) and, if asked, the read bandwidth; prints them and records them
/// in the JSON output's context (the table script reads them from there). The peak used for %peak is
/// the larger of the wall-clock and the CPU-time rate, so a busy machine does not deflate it (for the
/// bandwidth see below; other processes also take their share of the memory bus).
inline void measure_ceilings(bool bandwidth) {
  auto& m = machine();
  benchmark::DoNotOptimize(fma_loop<simd::default_backend>(50'000'000, 1.0f));  // let the clock ramp up
  peak_measurement measured[3];
  for (std::size_t t : {1, 2}) {
    measured[t] = measure_peak_gflops(t);
    m.peak_gflops[t] = std::max(measured[t].wall, measured[t].cpu);
  }
  // Bandwidth: one thread's CPU-time rate is sound (the bus is not shared with our other thread), a sum
  // of two threads' CPU-time rates is not (time-sliced, they never shared the bus); two threads read at
  // least as fast as one.
  double read_wall[3] = {};
  if (bandwidth) {
    const auto [wall1, cpu1] = measure_read_gbs(1);
    const auto [wall2, cpu2] = measure_read_gbs(2);
    read_wall[1] = wall1;
    read_wall[2] = wall2;
    m.read_gbs[1] = std::max(wall1, cpu1);
    m.read_gbs[2] = std::max(wall2, m.read_gbs[1]);
  }
  std::fprintf(stderr, "ceilings (measured at startup, %s %s, %zu accumulators):\n",
               std::string(simd::default_backend::name).c_str(), std::string(simd::default_backend::isa).c_str(),
               peak_accumulators);
  for (std::size_t t : {1, 2}) {
    std::fprintf(stderr, "  peak fp32 FMA, %zu thread%s: %.1f GFLOP/s (wall clock %.1f)", t, t == 1 ? " " : "s",
                 m.peak_gflops[t], measured[t].wall);
    if (bandwidth) std::fprintf(stderr, "   read bandwidth: %.1f GB/s (wall clock %.1f)", m.read_gbs[t], read_wall[t]);
    std::fprintf(stderr, "\n");
    benchmark::AddCustomContext("peak_gflops_" + std::to_string(t) + "t", std::to_string(m.peak_gflops[t]));
    benchmark::AddCustomContext("peak_gflops_wall_" + std::to_string(t) + "t", std::to_string(measured[t].wall));
    if (bandwidth) benchmark::AddCustomContext("read_gbs_" + std::to_string(t) + "t", std::to_string(m.read_gbs[t]));
  }
  if (measured[2].wall < 0.9 * measured[2].cpu)
    std::fprintf(stderr, "  warning: the wall-clock peak is well below the CPU-time peak: other processes are "
                         "using the cores, so wall-clock timings below will be noisy\n");
  benchmark::AddCustomContext("simd_backend", std::string(simd::default_backend::name) + " " +
                                                  std::string(simd::default_backend::isa));
}

/// A rate counter equal to `per_iteration` units per second (e.g. GFLOP per iteration -> GFLOP/s).
inline benchmark::Counter per_second(double per_iteration) {
  return benchmark::Counter(per_iteration, benchmark::Counter::kIsIterationInvariantRate);
}

inline std::string shape_text(std::size_t h, std::size_t w, std::size_t c) {
  return std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(c);
}

/// Deterministic pseudo-random floats in [lo, hi) (a 64-bit LCG; quality is irrelevant here).
inline void fill_uniform(float* p, std::size_t n, std::uint64_t seed, float lo, float hi) {
  std::uint64_t s = seed * 6364136223846793005ull + 1442695040888963407ull;
  for (std::size_t i = 0; i < n; ++i) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    p[i] = lo + (hi - lo) * static_cast<float>(s >> 40) * (1.0f / 16777216.0f);
  }
}

/// Counters <a>_ms, <b>_ms, ratio = a / b (below 1: a is faster), and the same from process CPU time
/// over the thread count (<a>_cpu_ms, <b>_cpu_ms, cpu_ratio): what the wall clock would show on an idle
/// machine. With gflop (per call) > 0 also GFLOP/s and %peak of a, and <b>_GFLOP/s and <b>_%peak.
inline void set_alternating_counters(benchmark::State& state, const alternating_times& t, std::size_t threads,
                                     const std::string& a, const std::string& b, double gflop = 0) {
  const double n = static_cast<double>(state.iterations()), T = static_cast<double>(threads);
  state.counters[a + "_ms"] = 1e3 * t.first / n;
  state.counters[b + "_ms"] = 1e3 * t.second / n;
  state.counters["ratio"] = t.first / t.second;
  state.counters[a + "_cpu_ms"] = 1e3 * t.first_cpu / n / T;
  state.counters[b + "_cpu_ms"] = 1e3 * t.second_cpu / n / T;
  state.counters["cpu_ratio"] = t.first_cpu / t.second_cpu;
  if (gflop > 0) {
    state.counters["GFLOP/s"] = gflop * n / t.first;
    state.counters[b + "_GFLOP/s"] = gflop * n / t.second;
    state.counters["%peak"] = 100.0 * gflop * n / t.first / machine().peak(threads);
    state.counters[b + "_%peak"] = 100.0 * gflop * n / t.second / machine().peak(threads);
  }
}

}  // namespace constnet::bench
