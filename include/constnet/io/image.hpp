#pragma once
// io::image: an owning 8-bit image (width x height x channels, rows top to bottom, channels interleaved)
// and its decoding from a file or from bytes with stb_image (PNG, JPEG, BMP, GIF's first frame, and the
// other formats stb_image reads: TGA, PSD, HDR, PIC, PNM). The same type holds the pictures viz/ draws.
//
// 8-bit because every format the seeds use is 8-bit and networks take floats made from it anyway
// (io/image_input.hpp); 16-bit PNGs are reduced to 8 bits and HDR files tone-mapped by stb_image.
//
// Untrusted bytes never reach an allocation unchecked: the header's dimensions are read first
// (stbi_info_from_memory) and compared with image_limits before stb_image decodes anything, because stb
// allocates the whole image (for GIF three times) from the declared size before it reads the pixels.
//
// Errors: io_error (a file that cannot be opened or read), format_error (bytes that stb_image cannot
// decode: empty, truncated, corrupt, not an image), image_error (an image that decodes but breaks a
// limit or a requested size). On failure nothing is returned and nothing leaks.
//
// stb_image keeps a per-thread "flip vertically" flag (stbi_set_flip_vertically_on_load_thread); we
// never set it, so rows come top to bottom unless the caller sets it on its own thread.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <stb_image.h>

#include "constnet/core/errors.hpp"
#include "constnet/io/read_file.hpp"

namespace constnet::io {

/// The largest image decode_image() and load_image() accept; checked against the header before decoding.
struct image_limits {
  std::size_t max_side = std::size_t{1} << 15;     // 32768 pixels: panoramas, not corrupt headers
  std::size_t max_pixels = std::size_t{1} << 26;   // 64 Mpx: 256 MiB at 4 channels

  /// For images derived from one already in memory, whose size was checked when it was made.
  static constexpr image_limits unchecked() {
    return {std::numeric_limits<std::size_t>::max(), std::numeric_limits<std::size_t>::max()};
  }
};

class image {
 public:
  /// An empty image (0 x 0 x 0), the state after moving from one.
  image() = default;

  /// A black image. requires: width, height >= 1, channels in 1..4, width * height <= limits.max_pixels
  /// and each side <= limits.max_side; otherwise throws image_error.
  image(std::size_t width, std::size_t height, std::size_t channels, image_limits limits = {})
      : width_(width), height_(height), channels_(channels) {
    check_extent(width, height, channels, limits, "image");
    pixels_.assign(width * height * channels, 0);
  }

  std::size_t width() const { return width_; }
  std::size_t height() const { return height_; }
  std::size_t channels() const { return channels_; }
  bool empty() const { return pixels_.empty(); }

  /// All pixels: row y starts at y * width * channels, pixel x of it at x * channels.
  std::span<std::uint8_t> pixels() { return pixels_; }
  std::span<const std::uint8_t> pixels() const { return pixels_; }

  /// Channel c of pixel (x, y). requires: x < width, y < height, c < channels (not checked).
  std::uint8_t& at(std::size_t x, std::size_t y, std::size_t c) { return pixels_[(y * width_ + x) * channels_ + c]; }
  std::uint8_t at(std::size_t x, std::size_t y, std::size_t c) const { return pixels_[(y * width_ + x) * channels_ + c]; }

  /// Throws image_error naming `what` unless the extent is a valid image within the limits.
  static void check_extent(std::size_t width, std::size_t height, std::size_t channels, const image_limits& limits,
                           const char* what) {
    if (width == 0 || height == 0)
      throw image_error(std::string(what) + ": zero-size image (" + std::to_string(width) + "x" +
                        std::to_string(height) + ")");
    if (channels < 1 || channels > 4)
      throw image_error(std::string(what) + ": " + std::to_string(channels) + " channels; an image has 1 to 4");
    if (width > limits.max_side || height > limits.max_side || width > limits.max_pixels / height)
      throw image_error(std::string(what) + ": " + std::to_string(width) + "x" + std::to_string(height) +
                        " is larger than the limit of " + std::to_string(limits.max_side) + " pixels a side and " +
                        std::to_string(limits.max_pixels) + " pixels in all");
  }

 private:
  std::size_t width_ = 0;
  std::size_t height_ = 0;
  std::size_t channels_ = 0;
  std::vector<std::uint8_t> pixels_;
};

namespace detail {
/// stb's last error on this thread; never null (stb leaves it null until its first failure).
inline std::string stb_reason() {
  const char* reason = stbi_failure_reason();
  return reason != nullptr ? reason : "no reason given";
}

/// stb_image 2.27 (Debian 12's libstb) builds a JPEG Huffman table without checking that its 16 code
/// counts sum to at most 256, so a crafted DHT segment writes up to 4 KB past the table inside stb's
/// decoder state (found by fuzzing with stb compiled under UBSan; 2.28 added the check). Until the
/// system's stb has it, every DHT segment of a JPEG is checked here first: markers are found as stb
/// finds them (0xFF then a byte that is not 0x00, 0xFF or a restart), including DHTs between the scans
/// of a progressive JPEG. Conservative: a corrupt file may be refused a little earlier than stb would.
inline void check_jpeg_huffman_tables(std::span<const std::byte> bytes, const std::string& source) {
  const auto at = [&](std::size_t i) { return std::to_integer<unsigned>(bytes[i]); };
  if (bytes.size() < 2 || at(0) != 0xFF || at(1) != 0xD8) return;  // not a JPEG
  std::size_t i = 2;
  while (i + 1 < bytes.size()) {
    const unsigned marker = at(i + 1);
    if (at(i) != 0xFF || marker == 0xFF) { ++i; continue; }           // entropy-coded data, fill bytes
    if (marker == 0x00 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) { i += 2; continue; }
    if (marker == 0xD9 || i + 3 >= bytes.size()) return;              // end of image
    const std::size_t length = at(i + 2) << 8 | at(i + 3);
    if (marker == 0xC4) {
      // As stb reads it: tables while the declared length lasts, even one whose counts run past it,
      // and bytes past the end of the buffer read as 0.
      const auto byte_or_0 = [&](std::size_t k) { return k < bytes.size() ? at(k) : 0u; };
      std::size_t table = i + 4;
      for (long left = static_cast<long>(length) - 2; left > 0;) {
        std::size_t codes = 0;
        for (std::size_t k = 1; k <= 16; ++k) codes += byte_or_0(table + k);
        if (codes > 256)
          throw format_error(source + ": corrupt JPEG (a Huffman table declares " + std::to_string(codes) +
                             " codes; at most 256 exist)");
        table += 17 + codes;
        left -= static_cast<long>(17 + codes);
      }
    }
    i += 2 + std::max<std::size_t>(length, 2);
  }
}

}  // namespace detail

/// Decodes an image held in memory, keeping its own channel count (1 gray, 2 gray + alpha, 3 RGB, 4 RGBA).
/// `source` names it in error messages. Throws format_error or image_error (see the top of this file).
inline image decode_image(std::span<const std::byte> bytes, image_limits limits = {},
                          const std::string& source = "image") {
  if (bytes.empty()) throw format_error(source + ": empty (0 bytes), not an image");
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw format_error(source + ": " + std::to_string(bytes.size()) + " bytes is more than stb_image can read");
  detail::check_jpeg_huffman_tables(bytes, source);
  const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
  const int length = static_cast<int>(bytes.size());

  int w = 0, h = 0, n = 0;
  if (stbi_info_from_memory(data, length, &w, &h, &n) == 0)
    throw format_error(source + ": not a readable image (" + detail::stb_reason() + ")");
  if (w <= 0 || h <= 0 || n < 1 || n > 4)
    throw format_error(source + ": the header declares " + std::to_string(w) + "x" + std::to_string(h) + "x" +
                       std::to_string(n));
  image::check_extent(static_cast<std::size_t>(w), static_cast<std::size_t>(h), static_cast<std::size_t>(n),
                      limits, source.c_str());

  int dw = 0, dh = 0, dn = 0;
  const std::unique_ptr<stbi_uc, void (*)(void*)> decoded(stbi_load_from_memory(data, length, &dw, &dh, &dn, 0),
                                                          stbi_image_free);
  if (!decoded) throw format_error(source + ": corrupt image (" + detail::stb_reason() + ")");
  // The header was read twice; trust only what the decoder returned, and only within the limits.
  if (dw <= 0 || dh <= 0 || dn < 1 || dn > 4)
    throw format_error(source + ": decoding gave " + std::to_string(dw) + "x" + std::to_string(dh) + "x" +
                       std::to_string(dn));
  w = dw;
  h = dh;
  n = dn;
  image result(static_cast<std::size_t>(w), static_cast<std::size_t>(h), static_cast<std::size_t>(n), limits);
  const auto out = result.pixels();
  std::copy(decoded.get(), decoded.get() + out.size(), out.begin());
  return result;
}


/// Loads an image file. Throws io_error, format_error or image_error (see the top of this file).
inline image load_image(const std::filesystem::path& path, image_limits limits = {}) {
  return decode_image(read_file(path, static_cast<std::size_t>(std::numeric_limits<int>::max())), limits, path.string());
}

}  // namespace constnet::io
