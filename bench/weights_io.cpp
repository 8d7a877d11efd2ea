// Loading VGG16's weights (138,357,544 parameters, 528 MiB of F32) from a safetensors file, against
// reading the same file into memory: issue 5 asks that the load take about the time of reading the file.
// The file is written once at startup (io::save_weights, Keras and PyTorch conventions) into the
// temporary directory and removed at exit; every row then finds it in the page cache, so the rows
// compare the work on the bytes, not the disk.
//
//   weights/read_file             std::fread of the whole file into a buffer allocated once (the baseline)
//   weights/read_safetensors      io::read_safetensors: map the file (MAP_POPULATE) and check its header
//   weights/load_weights/keras    io::load_weights(model, path, keras): read, check every name and shape,
//                                 copy into the model, pack_weights() (Winograd's filter transforms)
//   weights/load_weights/pytorch  the same with the PyTorch convention (OIHW kernels transposed, the first
//                                 dense layer's rows permuted)
//   weights/pack_weights          model::pack_weights() alone, the part of a load that is not I/O
//
// Counter GB/s: the file's bytes over the time.
//   ./build/release/bench/constnet_bench_weights --benchmark_repetitions=3

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <vector>

#include "bench_common.hpp"
#include "constnet/constnet.hpp"
#include "constnet/io/load_weights.hpp"
#include "constnet/models/vgg.hpp"

namespace {

using namespace constnet;
using namespace constnet::bench;
using vgg16_model = model<models::vgg16>;

struct weight_files {
  std::filesystem::path keras, pytorch;
  std::size_t bytes = 0;
  weight_files() {
    const auto dir = std::filesystem::temp_directory_path();
    keras = dir / "constnet_bench_vgg16_keras.safetensors";
    pytorch = dir / "constnet_bench_vgg16_pytorch.safetensors";
    auto m = std::make_unique<vgg16_model>();
    he_normal(*m, 1);
    io::save_weights(*m, keras, io::convention::keras);
    io::save_weights(*m, pytorch, io::convention::pytorch);
    bytes = std::filesystem::file_size(keras);
  }
  ~weight_files() {
    std::error_code ignored;
    std::filesystem::remove(keras, ignored);
    std::filesystem::remove(pytorch, ignored);
  }
};

const weight_files& files() {
  static const weight_files f;
  return f;
}

void set_bandwidth(benchmark::State& state) { state.counters["GB/s"] = per_second(static_cast<double>(files().bytes) * 1e-9); }

void read_file(benchmark::State& state) {
  std::vector<char> buffer(files().bytes);
  for (auto _ : state) {
    std::FILE* f = std::fopen(files().keras.c_str(), "rb");
    if (f == nullptr) throw std::runtime_error("cannot open " + files().keras.string());
    const std::size_t got = std::fread(buffer.data(), 1, buffer.size(), f);
    std::fclose(f);
    if (got != buffer.size()) throw std::runtime_error("short read");
    benchmark::DoNotOptimize(buffer.data());
  }
  set_bandwidth(state);
}

void read_safetensors(benchmark::State& state) {
  for (auto _ : state) {
    io::tensor_set set = io::read_safetensors(files().keras);
    benchmark::DoNotOptimize(set.size());
  }
  set_bandwidth(state);
}

void load_weights(benchmark::State& state, io::convention convention) {
  auto m = std::make_unique<vgg16_model>();
  const auto& path = convention == io::convention::keras ? files().keras : files().pytorch;
  for (auto _ : state) io::load_weights(*m, path, convention);
  set_bandwidth(state);
}

void pack_weights(benchmark::State& state) {
  auto m = std::make_unique<vgg16_model>();
  he_normal(*m, 1);
  for (auto _ : state) m->pack_weights();
  set_bandwidth(state);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  files();  // write them before any row is timed
  for (auto* b : {benchmark::RegisterBenchmark("weights/read_file", read_file),
                  benchmark::RegisterBenchmark("weights/read_safetensors", read_safetensors),
                  benchmark::RegisterBenchmark("weights/load_weights/keras", load_weights, io::convention::keras),
                  benchmark::RegisterBenchmark("weights/load_weights/pytorch", load_weights, io::convention::pytorch),
                  benchmark::RegisterBenchmark("weights/pack_weights", pack_weights)})
    b->Unit(benchmark::kMillisecond)->UseRealTime();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
