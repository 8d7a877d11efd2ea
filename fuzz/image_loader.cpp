// libFuzzer target for the image loader: arbitrary bytes through decode_image and, when they decode, on
// through resize (both filters) and the conversion to a small network input in every preprocessing mode.
// The contract under test: every input either decodes or throws a constnet::error; nothing crashes,
// leaks, hangs or reads out of bounds.
//
// The limits are smaller than the defaults so that a header declaring a big-but-allowed image cannot
// make one run allocate gigabytes (libFuzzer's default -rss_limit_mb is 2048); the check itself is the
// same code. By hand, without the CMake option:
//   clang++-14 -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -Iinclude -I/usr/include/stb \
//     fuzz/image_loader.cpp -lstb -o fuzz_image_loader
//   mkdir -p corpus && ./fuzz_image_loader -max_total_time=120 corpus tests/fuzz_corpus/image_loader
// (new inputs go to the first directory; the committed seed corpus stays as it is).
// stb_image is the system's libstb, not built with sanitizers: its own reads are not
// instrumented, but every buffer it returns is checked here.

#include <cstddef>
#include <cstdint>
#include <span>

#include "constnet/core/errors.hpp"
#include "constnet/core/shape.hpp"
#include "constnet/io/image.hpp"
#include "constnet/io/image_input.hpp"
#include "constnet/io/image_resize.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace constnet;
  const io::image_limits limits{.max_side = 4096, .max_pixels = std::size_t{1} << 22};
  try {
    const io::image img = io::decode_image(std::as_bytes(std::span(data, size)), limits, "fuzz input");
    if (img.pixels().size() != img.width() * img.height() * img.channels()) __builtin_trap();
    const io::image small = io::resize(img, 5, 3, io::resize_filter::bilinear, limits);
    const io::image nearest = io::resize(img, 3, 5, io::resize_filter::nearest, limits);
    if (small.channels() != img.channels() || nearest.channels() != img.channels()) __builtin_trap();
    float out[4 * 4 * 3];
    for (auto mode : {io::preprocessing::scale_0_1, io::preprocessing::tf, io::preprocessing::caffe,
                      io::preprocessing::torch}) {
      io::to_input_tensor(img, feature_maps(4, 4, 3), out, {.mode = mode, .resize = io::resize_filter::bilinear});
      io::to_input_tensor(img, feature_maps(4, 4, 1), std::span(out, 16),
                          {.channels = {.alpha = io::alpha_handling::composite}});
    }
  } catch (const constnet::error&) {
    // Refusing bad input with a typed error is the expected outcome.
  }
  return 0;
}
