// libFuzzer target for the safetensors reader. Any bytes must either parse or throw format_error; what
// parses must survive a write and a re-read unchanged, and loading it into a small model must either
// succeed or throw weights_mismatch_error with the model left bit for bit as it was. Anything else
// (another exception, a crash, a sanitizer report, a broken invariant) stops the fuzzer.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

#include "constnet/constnet.hpp"
#include "constnet/io/load_weights.hpp"
#include "constnet/io/safetensors.hpp"

namespace {

using namespace constnet;

// Every weighted layer and the flatten permutation, in a model small enough to load thousands of times a second.
// The seed corpus holds this network's weights in both conventions (tests/fuzz_corpus/safetensors/).
using fuzz_net = sequential<
    input<4, 3, 2>,
    conv2d<3, kernel<2>, same>,  // 4x3x3
    batch_norm<>,
    max_pool<pool_size<2>>,      // 2x1x3
    flatten<>,                   // 6
    dropout<rate<1, 4>>,
    batch_norm<named<"features_norm">>,
    dense<2, act::softmax>>;

void require(bool condition) {
  if (!condition) __builtin_trap();
}

bool same_sets(const io::tensor_set& a, const io::tensor_set& b) {
  if (a.size() != b.size() || a.metadata() != b.metadata()) return false;
  for (const io::tensor_entry& e : a.entries()) {
    const io::tensor_entry* f = b.find(e.name);
    if (f == nullptr || f->shape != e.shape || f->type != e.type || f->bytes.size() != e.bytes.size() ||
        (!e.bytes.empty() && std::memcmp(f->bytes.data(), e.bytes.data(), e.bytes.size()) != 0))
      return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto m = [] {
    auto created = std::make_unique<model<fuzz_net>>();
    he_normal(*created, 1);
    return created;
  }();

  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  io::tensor_set set;
  try {
    set = io::read_safetensors(bytes);
  } catch (const format_error&) {
    return 0;
  }

  // The writer accepts everything the reader returns, and reading its output gives the same set.
  const std::vector<std::byte> written = io::safetensors_bytes(set);
  require(same_sets(set, io::read_safetensors(std::span<const std::byte>(written))));

  const std::vector<float> before(m->weights().begin(), m->weights().end());
  for (const io::convention convention : {io::convention::keras, io::convention::pytorch}) {
    try {
      io::load_weights(*m, set, convention, {.reject_non_finite = (size & 1) != 0});
      return 0;  // loaded: the model now holds the file's weights
    } catch (const weights_mismatch_error&) {
      require(std::memcmp(before.data(), m->weights().data(), before.size() * sizeof(float)) == 0);
    }
  }
  return 0;
}
