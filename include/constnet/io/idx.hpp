#pragma once
// IDX files, the format of MNIST and Fashion-MNIST: two zero bytes, a type code, the number of dimensions,
// each dimension as a big-endian uint32, then the values. Images are read as floats in [0, 1] (pixel /
// 255, the scaling the shipped model was trained with), labels as bytes. Files may be gzip-compressed,
// as Debian ships them (dataset-fashion-mnist installs /usr/share/datasets/fashion-mnist/*.gz); that is
// recognised by the content, not the file name.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "constnet/core/errors.hpp"
#include "constnet/io/read_file.hpp"
#include "constnet/io/gzip.hpp"

namespace constnet::io {

/// Grayscale images, one after another, each rows x cols floats in [0, 1] (NHWC with one channel).
struct idx_images {
  std::size_t count = 0;
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<float> pixels;

  std::size_t image_size() const { return rows * cols; }
  /// requires: i < count.
  std::span<const float> image(std::size_t i) const { return std::span(pixels).subspan(i * image_size(), image_size()); }
};

namespace detail {

/// An unsigned-byte IDX array of the expected rank: its dimensions and its values.
struct idx_bytes {
  std::vector<std::size_t> dims;
  std::span<const std::byte> values;
};

inline idx_bytes parse_idx(std::span<const std::byte> bytes, std::size_t expected_rank, const char* what) {
  const std::string context = std::string("IDX ") + what + ": ";
  if (bytes.size() < 4) throw format_error(context + "the file is " + std::to_string(bytes.size()) + " bytes, shorter than the 4-byte magic number");
  if (bytes[0] != std::byte{0} || bytes[1] != std::byte{0})
    throw format_error(context + "not an IDX file (the magic number does not start with two zero bytes)");
  const auto type = static_cast<unsigned>(bytes[2]);
  if (type != 0x08) {
    constexpr char hex[] = "0123456789abcdef";
    throw format_error(context + "element type 0x" + hex[type >> 4] + hex[type & 15] + " is not supported; only unsigned bytes (0x08) are");
  }
  const auto rank = static_cast<std::size_t>(bytes[3]);
  if (rank != expected_rank)
    throw format_error(context + "expected " + std::to_string(expected_rank) + " dimensions, the file has " + std::to_string(rank));
  const std::size_t header = 4 + 4 * rank;
  if (bytes.size() < header) throw format_error(context + "the file ends inside its dimensions");

  idx_bytes out;
  std::size_t elements = 1;
  for (std::size_t d = 0; d < rank; ++d) {
    std::size_t n = 0;
    for (std::size_t k = 0; k < 4; ++k) n = n << 8 | static_cast<std::size_t>(bytes[4 + 4 * d + k]);
    if (n != 0 && elements > std::numeric_limits<std::size_t>::max() / n)
      throw format_error(context + "the dimensions' product overflows");
    elements *= n;
    out.dims.push_back(n);
  }
  if (bytes.size() - header != elements)
    throw format_error(context + "the dimensions promise " + std::to_string(elements) + " values, the file holds " +
                       std::to_string(bytes.size() - header) + (bytes.size() - header < elements ? " (truncated?)" : ""));
  out.values = bytes.subspan(header);
  return out;
}

inline std::vector<std::byte> decompressed(std::span<const std::byte> bytes) {
  return is_gzip(bytes) ? gunzip(bytes) : std::vector<std::byte>(bytes.begin(), bytes.end());
}

}  // namespace detail

/// Images from the bytes of an IDX file of rank 3 (count, rows, cols), gzip-compressed or not.
/// requires: nothing.  ensures: pixels.size() == count * rows * cols, each value byte / 255.0f; throws
/// format_error for anything else (bad magic, another element type or rank, a zero-sized image,
/// truncated or trailing data, a damaged gzip stream).
inline idx_images parse_idx_images(std::span<const std::byte> file) {
  const std::vector<std::byte> bytes = detail::decompressed(file);
  const detail::idx_bytes idx = detail::parse_idx(bytes, 3, "images");
  if (idx.dims[1] == 0 || idx.dims[2] == 0)
    throw format_error("IDX images: " + std::to_string(idx.dims[1]) + "x" + std::to_string(idx.dims[2]) + " images are empty");
  idx_images images{idx.dims[0], idx.dims[1], idx.dims[2], std::vector<float>(idx.values.size())};
  for (std::size_t i = 0; i < idx.values.size(); ++i)
    images.pixels[i] = static_cast<float>(static_cast<std::uint8_t>(idx.values[i])) / 255.0f;
  return images;
}

/// Labels from the bytes of an IDX file of rank 1, gzip-compressed or not. Throws format_error as
/// parse_idx_images does; the values are not range-checked (the reader does not know the class count).
inline std::vector<std::uint8_t> parse_idx_labels(std::span<const std::byte> file) {
  const std::vector<std::byte> bytes = detail::decompressed(file);
  const detail::idx_bytes idx = detail::parse_idx(bytes, 1, "labels");
  std::vector<std::uint8_t> labels(idx.values.size());
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<std::uint8_t>(idx.values[i]);
  return labels;
}

/// parse_idx_images of a file's contents; io_error if it cannot be opened or read.
inline idx_images read_idx_images(const std::filesystem::path& path) {
  try {
    return parse_idx_images(read_file(path));
  } catch (const format_error& e) {
    throw format_error(path.string() + ": " + e.what());
  }
}

/// parse_idx_labels of a file's contents; io_error if it cannot be opened or read.
inline std::vector<std::uint8_t> read_idx_labels(const std::filesystem::path& path) {
  try {
    return parse_idx_labels(read_file(path));
  } catch (const format_error& e) {
    throw format_error(path.string() + ": " + e.what());
  }
}

}  // namespace constnet::io
