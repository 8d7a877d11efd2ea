#pragma once
// A whole file's bytes, for the readers that parse from memory (images, IDX datasets). Safetensors maps
// its files instead (io/safetensors.hpp), because VGG16's weights are too large to copy.

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include "constnet/core/errors.hpp"

namespace constnet::io {

/// requires: nothing.  ensures: the file's bytes; throws io_error for a directory, a file that cannot be
/// opened or a short read, and format_error for a file of more than max_bytes.
inline std::vector<std::byte> read_file(const std::filesystem::path& path, std::size_t max_bytes = ~std::size_t{0}) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw io_error(path.string() + ": is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw io_error(path.string() + ": cannot open for reading");
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) throw io_error(path.string() + ": cannot determine the file size");
  if (static_cast<std::size_t>(size) > max_bytes)
    throw format_error(path.string() + ": " + std::to_string(size) + " bytes is more than the " +
                       std::to_string(max_bytes) + " this reader accepts");
  in.seekg(0, std::ios::beg);
  std::vector<std::byte> bytes(static_cast<std::size_t>(size));
  if (!bytes.empty() && !in.read(reinterpret_cast<char*>(bytes.data()), size)) throw io_error(path.string() + ": short read");
  return bytes;
}

}  // namespace constnet::io
