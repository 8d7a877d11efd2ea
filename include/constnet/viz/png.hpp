#pragma once
// Writing an io::image as PNG with stb_image_write: to memory, or to a file. Any channel count 1-4 is
// written as it is (gray, gray + alpha, RGB, RGBA), 8 bits per channel, rows top to bottom (we never
// call stbi_flip_vertically_on_write, a process-wide switch).
//
// The file is written by us, not by stbi_write_png, so a path is any std::filesystem::path and a failed
// write is an io_error rather than a zero return.

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <limits>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include <stb_image_write.h>

#include "constnet/core/errors.hpp"
#include "constnet/io/image.hpp"

namespace constnet::viz {

/// The PNG encoding of the image. Throws image_error for an empty image or one too large for
/// stb_image_write's int sizes, and std::bad_alloc when memory runs out.
inline std::vector<std::byte> encode_png(const io::image& picture) {
  if (picture.empty()) throw image_error("encode_png: the image is empty");
  constexpr auto int_max = static_cast<std::size_t>(std::numeric_limits<int>::max());
  if (picture.width() * picture.channels() > int_max || picture.height() > int_max)
    throw image_error("encode_png: " + std::to_string(picture.width()) + "x" + std::to_string(picture.height()) +
                      " is too large for stb_image_write");

  struct sink {
    std::vector<std::byte> bytes;
    bool failed = false;
  } out;
  // stb calls back from C: an exception must not cross it, so a failed append is remembered instead.
  auto append = [](void* context, void* data, int size) {
    auto& s = *static_cast<sink*>(context);
    try {
      const auto* first = static_cast<const std::byte*>(data);
      s.bytes.insert(s.bytes.end(), first, first + size);
    } catch (...) {
      s.failed = true;
    }
  };
  const int w = static_cast<int>(picture.width());
  const int n = static_cast<int>(picture.channels());
  const int ok = stbi_write_png_to_func(append, &out, w, static_cast<int>(picture.height()), n,
                                        picture.pixels().data(), w * n);
  if (ok == 0 || out.failed) throw std::bad_alloc();
  return std::move(out.bytes);
}

/// Writes the image as a PNG file, replacing any file there. Throws image_error (as encode_png) or
/// io_error if the file cannot be written.
inline void write_png(const io::image& picture, const std::filesystem::path& path) {
  const std::vector<std::byte> bytes = encode_png(picture);
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) throw io_error(path.string() + ": cannot open for writing");
  file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  file.close();
  if (!file) throw io_error(path.string() + ": write failed");
}

}  // namespace constnet::viz
