// The IDX reader on small files built here, plain and gzip-compressed, and on every way such a file can
// be malformed.

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "constnet/io/idx.hpp"

using namespace constnet;

namespace {

std::vector<std::byte> bytes_of(std::initializer_list<unsigned> values) {
  std::vector<std::byte> v;
  for (unsigned x : values) v.push_back(static_cast<std::byte>(x));
  return v;
}

// An unsigned-byte IDX file: magic 0 0 0x08 rank, big-endian dimensions, then the values.
std::vector<std::byte> idx_file(std::vector<std::uint32_t> dims, std::vector<unsigned> values, unsigned type = 0x08) {
  std::vector<std::byte> out = bytes_of({0, 0, type, static_cast<unsigned>(dims.size())});
  for (std::uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::byte>((d >> shift) & 0xFFu));
  for (unsigned v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

// The same bytes as a gzip file holding one stored (uncompressed) deflate block; requires < 64 KiB.
std::vector<std::byte> gzipped(const std::vector<std::byte>& data) {
  std::vector<std::byte> out = bytes_of({0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03, 0x01});
  const auto n = static_cast<std::uint32_t>(data.size());
  for (std::uint32_t v : {n & 0xFFFFu, ~n & 0xFFFFu})
    for (int k = 0; k < 2; ++k) out.push_back(static_cast<std::byte>((v >> (8 * k)) & 0xFFu));
  out.insert(out.end(), data.begin(), data.end());
  for (std::uint32_t v : {io::detail::crc32(data), n})
    for (int k = 0; k < 4; ++k) out.push_back(static_cast<std::byte>((v >> (8 * k)) & 0xFFu));
  return out;
}

const std::vector<std::byte> two_images = idx_file({2, 2, 3}, {0, 255, 51, 1, 2, 3, 10, 20, 30, 40, 50, 60});

template <class Parse>
void check_format_error(Parse parse, const std::vector<std::byte>& file, const std::string& expected_words) {
  try {
    parse(file);
    BOOST_ERROR("no format_error; expected one mentioning '" << expected_words << "'");
  } catch (const format_error& e) {
    BOOST_TEST(std::string(e.what()).find(expected_words) != std::string::npos, e.what());
  }
}

const auto images = [](const std::vector<std::byte>& f) { return io::parse_idx_images(f); };
const auto labels = [](const std::vector<std::byte>& f) { return io::parse_idx_labels(f); };

// Random, so that test runs sharing /tmp (two build presets, two checkouts) do not collide.
std::string unique_part() { return std::to_string(std::random_device{}()); }

struct temporary_file {
  std::filesystem::path path;
  temporary_file(const std::string& name, const std::vector<std::byte>& contents)
      : path(std::filesystem::temp_directory_path() / ("constnet_idx_test_" + unique_part() + "_" + name)) {
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(contents.data()),
                                                static_cast<std::streamsize>(contents.size()));
  }
  ~temporary_file() { std::filesystem::remove(path); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(idx)

BOOST_AUTO_TEST_CASE(images_are_pixels_over_255_in_file_order) {
  const io::idx_images im = io::parse_idx_images(two_images);
  BOOST_TEST(im.count == 2u);
  BOOST_TEST(im.rows == 2u);
  BOOST_TEST(im.cols == 3u);
  BOOST_TEST(im.pixels.size() == 12u);
  BOOST_TEST(im.pixels[0] == 0.0f);
  BOOST_TEST(im.pixels[1] == 1.0f);
  BOOST_TEST(im.pixels[2] == 51.0f / 255.0f);  // exactly the float division, as the training script does
  BOOST_TEST(im.image(1).size() == 6u);
  BOOST_TEST(im.image(1)[0] == 10.0f / 255.0f);
  BOOST_TEST(im.image(1)[5] == 60.0f / 255.0f);
}

BOOST_AUTO_TEST_CASE(gzip_compressed_files_read_the_same) {
  const io::idx_images plain = io::parse_idx_images(two_images);
  const io::idx_images compressed = io::parse_idx_images(gzipped(two_images));
  BOOST_TEST(compressed.count == plain.count);
  BOOST_TEST(compressed.pixels == plain.pixels);
  BOOST_TEST(io::parse_idx_labels(gzipped(idx_file({3}, {9, 0, 4}))) == (std::vector<std::uint8_t>{9, 0, 4}));
}

BOOST_AUTO_TEST_CASE(labels_are_bytes) {
  BOOST_TEST(io::parse_idx_labels(idx_file({4}, {9, 2, 1, 255})) == (std::vector<std::uint8_t>{9, 2, 1, 255}));
  BOOST_TEST(io::parse_idx_labels(idx_file({0}, {})).empty());
}

BOOST_AUTO_TEST_CASE(malformed_files_are_format_errors) {
  check_format_error(images, bytes_of({0, 0, 8}), "shorter than the 4-byte magic number");
  check_format_error(images, bytes_of({1, 0, 8, 3, 0, 0, 0, 0}), "not an IDX file");
  check_format_error(images, idx_file({1, 1, 1}, {0, 0, 0, 0}, 0x0D), "element type 0x0d is not supported");
  check_format_error(labels, two_images, "expected 1 dimensions, the file has 3");
  check_format_error(images, idx_file({4}, {1, 2, 3, 4}), "expected 3 dimensions, the file has 1");
  check_format_error(images, bytes_of({0, 0, 8, 3, 0, 0, 0, 2, 0, 0}), "ends inside its dimensions");

  auto truncated = two_images;
  truncated.pop_back();
  check_format_error(images, truncated, "promise 12 values, the file holds 11 (truncated?)");
  auto trailing = two_images;
  trailing.push_back(std::byte{0});
  check_format_error(images, trailing, "promise 12 values, the file holds 13");

  check_format_error(images, idx_file({2, 0, 3}, {}), "0x3 images are empty");
  check_format_error(images, idx_file({0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, {}), "overflows");

  auto damaged = gzipped(two_images);
  damaged[20] ^= std::byte{0x40};  // inside the stored data: the CRC catches it
  check_format_error(images, damaged, "CRC-32 mismatch");
}

BOOST_AUTO_TEST_CASE(files_are_read_and_their_errors_name_the_path) {
  const temporary_file good("labels.idx", gzipped(idx_file({2}, {7, 3})));
  BOOST_TEST(io::read_idx_labels(good.path) == (std::vector<std::uint8_t>{7, 3}));

  const temporary_file bad("bad.idx", bytes_of({0, 0, 8, 1, 0, 0, 0, 5, 1}));
  try {
    io::read_idx_labels(bad.path);
    BOOST_ERROR("no format_error for a truncated file");
  } catch (const format_error& e) {
    BOOST_TEST(std::string(e.what()).find(bad.path.string()) != std::string::npos, e.what());
  }
  BOOST_CHECK_THROW(io::read_idx_images(std::filesystem::temp_directory_path() / "constnet_idx_test_missing"), io_error);
}

BOOST_AUTO_TEST_SUITE_END()
