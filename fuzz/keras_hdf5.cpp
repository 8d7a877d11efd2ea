// libFuzzer target: the Keras HDF5 reader on arbitrary bytes, read as an in-memory HDF5 image.
// Every input must end in a tensor_set or a constnet::error; anything else (a crash, a sanitizer
// report, a hang, an exception of another type) is a finding.
//
// Needs HDF5: link constnet::hdf5. Seed corpus: tests/fuzz_corpus/keras_hdf5/ (a Keras-default
// oldest-format file, which has no metadata checksums and so lets mutations reach deep into
// libhdf5, newest-format files, and a few malformed ones).
//
// libhdf5 is Debian's uninstrumented build: coverage guides the fuzzer through our reader only, and a
// fault inside libhdf5 shows up as a SEGV, a timeout, or an ASan report on memory our code allocated.
// What libhdf5 1.10.8 did under this fuzzer, and how it is bounded:
//   - Hang: a variable-length string attribute whose global heap collection is corrupt makes
//     H5Aread loop forever (inside H5HG_read, via H5T__conv_vlen). No check before the read can rule
//     it out, so the reader refuses variable-length strings (Keras never writes them for layer_names
//     or weight_names); -timeout=10 catches any other hang.
//   - Leaks: several error paths inside libhdf5 lose memory, e.g. an object header whose checksum
//     fails ("incorrect metadata checksum after all read attempts") leaks its image, allocated by
//     H5FL_blk_malloc under H5O_protect. They are libhdf5's, so the suppression below ignores leaks
//     whose allocation stack passes through libhdf5; leaks in our own code are still reported. The
//     lost memory makes the RSS grow by about 0.2 KB per input (365 -> 393 MB over 200,000 inputs),
//     so runs longer than a few hours need -rss_limit_mb above the default or -fork mode.
//   - Huge allocations: a corrupt metadata length makes libhdf5 call malloc for up to terabytes
//     (H5C_protect's on-disk image buffer). An uninstrumented malloc returns null and libhdf5 turns that
//     into an error; ASan aborts instead, so allocator_may_return_null=1 below restores the real
//     behaviour. A huge operator new in our own code still throws std::bad_alloc, which escapes the
//     catch below and is reported. Regression input: tests/data/hdf5/bad_huge_metadata_size.h5.
//   - Out-of-bounds reads: a mutated object header makes H5Aexists read past a libhdf5 buffer
//     (fuzz/libhdf5_findings/). The first 26-minute run (300,000 inputs) missed it; a later 2-minute
//     run hit it after about 2,000. libhdf5 is not safe on hostile files: the README says to load
//     untrusted weights from safetensors, and CI only replays this target's seed corpus.
#include <cstddef>
#include <cstdint>
#include <span>

#include "constnet/io/keras_hdf5.hpp"

extern "C" const char* __lsan_default_suppressions() { return "leak:libhdf5\n"; }
extern "C" const char* __asan_default_options() { return "allocator_may_return_null=1"; }

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const constnet::io::tensor_set set =
        constnet::io::read_keras_hdf5(std::span<const std::byte>(reinterpret_cast<const std::byte*>(data), size));
    // Touch every byte handed out, so ASan sees any entry that points outside its storage.
    volatile unsigned char sink = 0;
    for (const auto& entry : set.entries())
      for (std::byte b : entry.bytes) sink = sink ^ static_cast<unsigned char>(b);
  } catch (const constnet::error&) {
    // the expected outcome for malformed input
  }
  return 0;
}
