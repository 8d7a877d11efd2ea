// Images in: decoding PNG, BMP, JPEG and GIF (written here by stb_image_write, or the tiny files of
// tests/data/images made by tools/make_test_images.cpp), resizing, the conversion to a network's input
// tensor in every preprocessing mode, gray and alpha, and every malformed input giving a typed error.

#include <boost/test/unit_test.hpp>

#include <stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "constnet/constnet.hpp"
#include "constnet/core/random.hpp"
#include "constnet/models/seed_cnns.hpp"
#include "constnet/models/vgg.hpp"

using namespace constnet;

namespace {

const std::filesystem::path data_dir = std::filesystem::path(CONSTNET_TEST_DATA_DIR) / "images";

/// An image whose every value is different and known: value(x, y, c) = (x * 37 + y * 11 + c * 73) mod 256.
io::image known_image(std::size_t w, std::size_t h, std::size_t n) {
  io::image img(w, h, n);
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < w; ++x)
      for (std::size_t c = 0; c < n; ++c) img.at(x, y, c) = static_cast<std::uint8_t>((x * 37 + y * 11 + c * 73) % 256);
  return img;
}

io::image from_values(std::size_t w, std::size_t h, std::size_t n, const std::vector<int>& values) {
  io::image img(w, h, n);
  BOOST_REQUIRE_EQUAL(values.size(), w * h * n);
  std::transform(values.begin(), values.end(), img.pixels().begin(), [](int v) { return static_cast<std::uint8_t>(v); });
  return img;
}

std::vector<int> values_of(const io::image& img) { return {img.pixels().begin(), img.pixels().end()}; }

void append(void* context, void* data, int size) {
  auto* out = static_cast<std::vector<std::byte>*>(context);
  const auto* first = static_cast<const std::byte*>(data);
  out->insert(out->end(), first, first + size);
}

std::vector<std::byte> encode_bmp(const io::image& img) {
  std::vector<std::byte> out;
  BOOST_REQUIRE(stbi_write_bmp_to_func(append, &out, static_cast<int>(img.width()), static_cast<int>(img.height()),
                                       static_cast<int>(img.channels()), img.pixels().data()) != 0);
  return out;
}

std::vector<std::byte> encode_jpeg(const io::image& img, int quality) {
  std::vector<std::byte> out;
  BOOST_REQUIRE(stbi_write_jpg_to_func(append, &out, static_cast<int>(img.width()), static_cast<int>(img.height()),
                                       static_cast<int>(img.channels()), img.pixels().data(), quality) != 0);
  return out;
}

/// A scratch directory of its own for each test that writes files.
struct scratch_dir {
  std::filesystem::path path;
  explicit scratch_dir(const std::string& name)
      : path(std::filesystem::temp_directory_path() / ("constnet_images_" + name)) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~scratch_dir() { std::filesystem::remove_all(path); }
};

void write_bytes(const std::filesystem::path& p, std::span<const std::byte> bytes) {
  std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

/// Float results of the preprocessing are exact up to float rounding of one division and subtraction.
void check_close(const std::vector<float>& got, const std::vector<double>& expected) {
  BOOST_REQUIRE_EQUAL(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    BOOST_TEST(got[i] == expected[i], boost::test_tools::tolerance(1e-5) << "element " << i);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(images)

// ---- decoding -------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(png_round_trip_keeps_every_pixel_for_one_to_four_channels) {
  for (std::size_t n = 1; n <= 4; ++n) {
    const io::image original = known_image(7, 5, n);
    const io::image decoded = io::decode_image(viz::encode_png(original));
    BOOST_TEST(decoded.width() == 7u);
    BOOST_TEST(decoded.height() == 5u);
    BOOST_TEST(decoded.channels() == n);
    BOOST_TEST(values_of(decoded) == values_of(original), boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(bmp_round_trip_is_exact) {
  const io::image original = known_image(6, 3, 3);
  const io::image decoded = io::decode_image(encode_bmp(original));
  BOOST_TEST(decoded.channels() == 3u);
  BOOST_TEST(values_of(decoded) == values_of(original), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(jpeg_decodes_close_to_what_was_written) {
  // A smooth 16x16 colour ramp at quality 95: JPEG is lossy, and on content this smooth every value
  // stays within a few levels (measured worst: 3); 8 leaves room for a different encoder build.
  io::image original(16, 16, 3);
  for (std::size_t y = 0; y < 16; ++y)
    for (std::size_t x = 0; x < 16; ++x) {
      original.at(x, y, 0) = static_cast<std::uint8_t>(x * 16);
      original.at(x, y, 1) = static_cast<std::uint8_t>(y * 16);
      original.at(x, y, 2) = 128;
    }
  const io::image decoded = io::decode_image(encode_jpeg(original, 95));
  BOOST_TEST(decoded.width() == 16u);
  BOOST_TEST(decoded.height() == 16u);
  BOOST_TEST(decoded.channels() == 3u);
  int worst = 0;
  for (std::size_t i = 0; i < original.pixels().size(); ++i)
    worst = std::max(worst, std::abs(int{decoded.pixels()[i]} - int{original.pixels()[i]}));
  BOOST_TEST_MESSAGE("JPEG q95 worst error: " << worst);
  BOOST_TEST(worst <= 8);
}

BOOST_AUTO_TEST_CASE(gif_first_frame_decodes_to_rgba) {
  // four_colours.gif: 4x2, palette red, green, blue, white; indices 0 1 2 3 / 3 2 1 0.
  const io::image gif = io::load_image(data_dir / "four_colours.gif");
  BOOST_TEST(gif.width() == 4u);
  BOOST_TEST(gif.height() == 2u);
  BOOST_TEST(gif.channels() == 4u);
  const std::vector<int> expected = {255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255,
                                     255, 255, 255, 255, 0, 0, 255, 255, 0, 255, 0, 255, 255, 0, 0, 255};
  BOOST_TEST(values_of(gif) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(animated_gif_gives_its_first_frame) {
  // two_frames.gif: 4x2, same palette; frame 1 is four_colours' 0 1 2 3 / 3 2 1 0, frame 2 is
  // 1 0 3 2 / 2 3 0 1, different at every pixel (stb_image decodes both: see make_test_images.cpp).
  const io::image gif = io::load_image(data_dir / "two_frames.gif");
  BOOST_TEST(gif.width() == 4u);
  BOOST_TEST(gif.height() == 2u);
  BOOST_TEST(gif.channels() == 4u);
  const std::vector<int> first = {255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255,
                                  255, 255, 255, 255, 0, 0, 255, 255, 0, 255, 0, 255, 255, 0, 0, 255};
  const std::vector<int> second = {0, 255, 0, 255, 255, 0, 0, 255, 255, 255, 255, 255, 0, 0, 255, 255,
                                   0, 0, 255, 255, 255, 255, 255, 255, 255, 0, 0, 255, 0, 255, 0, 255};
  const std::vector<int> got = values_of(gif);
  BOOST_TEST(got == first, boost::test_tools::per_element());
  for (std::size_t p = 0; p < 8; ++p)  // no pixel of the second frame shows through
    BOOST_TEST(!std::equal(second.begin() + 4 * p, second.begin() + 4 * p + 4, got.begin() + 4 * p), "pixel " << p);
}

BOOST_AUTO_TEST_CASE(load_image_reads_files_and_reports_missing_ones_as_io_error) {
  scratch_dir dir("load");
  const io::image original = known_image(9, 4, 3);
  viz::write_png(original, dir.path / "card.png");
  BOOST_TEST(values_of(io::load_image(dir.path / "card.png")) == values_of(original), boost::test_tools::per_element());
  write_bytes(dir.path / "card.bmp", encode_bmp(original));
  BOOST_TEST(values_of(io::load_image(dir.path / "card.bmp")) == values_of(original), boost::test_tools::per_element());

  BOOST_CHECK_THROW(io::load_image(dir.path / "missing.png"), io_error);
  BOOST_CHECK_THROW(io::load_image(dir.path), io_error);
}

// ---- malformed input ------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(zero_byte_file_and_empty_buffer_are_format_errors) {
  scratch_dir dir("empty");
  std::ofstream(dir.path / "empty.png").close();
  BOOST_CHECK_THROW(io::load_image(dir.path / "empty.png"), format_error);
  BOOST_CHECK_THROW(io::decode_image({}), format_error);
}

BOOST_AUTO_TEST_CASE(text_is_not_an_image) {
  const std::string text = "this is a text file, not an image\n";
  BOOST_CHECK_THROW(io::decode_image(std::as_bytes(std::span(text))), format_error);
}

BOOST_AUTO_TEST_CASE(truncated_png_is_a_format_error_and_no_prefix_crashes) {
  random_source random(5);
  io::image noisy(16, 16, 3);
  for (auto& v : noisy.pixels()) v = static_cast<std::uint8_t>(random.uniform() * 256);
  const std::vector<std::byte> png = viz::encode_png(noisy);
  BOOST_CHECK_THROW(io::decode_image(std::span(png).first(png.size() / 2)), format_error);
  // Every shorter prefix either throws a constnet error or (cut only in the trailing chunks) decodes to
  // the full-size image; none may crash, which the sanitizer build checks.
  std::size_t rejected = 0;
  for (std::size_t n = 0; n < png.size(); ++n) {
    try {
      const io::image img = io::decode_image(std::span(png).first(n));
      BOOST_TEST(img.width() == 16u);
      BOOST_TEST(img.height() == 16u);
    } catch (const error&) {
      ++rejected;
    }
  }
  BOOST_TEST(rejected >= png.size() - 12);  // at most IEND (12 bytes) may go missing unnoticed
}

BOOST_AUTO_TEST_CASE(random_bytes_never_crash) {
  random_source random(11);
  std::size_t rejected = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<std::byte> bytes(1 + static_cast<std::size_t>(random.uniform() * 300));
    for (auto& b : bytes) b = static_cast<std::byte>(random.uniform() * 256);
    try {
      const io::image img = io::decode_image(bytes);
      BOOST_TEST(img.pixels().size() == img.width() * img.height() * img.channels());
    } catch (const error&) {
      ++rejected;
    }
  }
  BOOST_TEST(rejected >= 290u);  // stb's lax TGA sniffing may take the odd random buffer for an image
}

BOOST_AUTO_TEST_CASE(corrupted_bytes_inside_a_valid_png_never_crash) {
  const std::vector<std::byte> png = viz::encode_png(known_image(12, 12, 4));
  random_source random(3);
  std::size_t rejected = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<std::byte> bytes = png;
    for (int k = 0; k < 4; ++k)
      bytes[static_cast<std::size_t>(random.uniform() * static_cast<double>(bytes.size()))] =
          static_cast<std::byte>(random.uniform() * 256);
    try {
      const io::image img = io::decode_image(bytes);
      BOOST_TEST(img.pixels().size() == img.width() * img.height() * img.channels());
    } catch (const error&) {
      ++rejected;  // stb checks no CRCs, so damaged pixel data often decodes; damaged structure must not
    }
  }
  BOOST_TEST(rejected > 0u);
}

BOOST_AUTO_TEST_CASE(jpeg_with_an_oversized_huffman_table_is_refused) {
  // stb_image 2.27 would write past its table for this (io/image.hpp): every code count set to 255.
  std::vector<std::byte> jpeg = encode_jpeg(known_image(8, 8, 3), 90);
  std::size_t dht = 2;
  while (dht + 1 < jpeg.size() && !(jpeg[dht] == std::byte{0xFF} && jpeg[dht + 1] == std::byte{0xC4})) ++dht;
  BOOST_REQUIRE(dht + 21 < jpeg.size());
  BOOST_TEST(io::decode_image(jpeg).width() == 8u);  // as written, it decodes
  for (std::size_t k = 0; k < 16; ++k) jpeg[dht + 5 + k] = std::byte{0xFF};
  BOOST_CHECK_THROW(io::decode_image(jpeg), format_error);
}

BOOST_AUTO_TEST_CASE(huge_declared_dimensions_are_refused_before_decoding) {
  // Headers declaring 16000x16000 (PNG), 30000x30000 (BMP, 2.7 GB if stb decoded it) and 65535x65535
  // (GIF) over a few bytes: refused from the header, so no huge allocation is attempted.
  BOOST_CHECK_THROW(io::load_image(data_dir / "huge_dimensions.png"), image_error);
  BOOST_CHECK_THROW(io::load_image(data_dir / "huge_dimensions.bmp"), image_error);
  BOOST_CHECK_THROW(io::load_image(data_dir / "huge_dimensions.gif"), image_error);
  BOOST_CHECK_THROW(io::load_image(data_dir / "too_wide.png"), image_error);
  // The limits are the caller's to choose.
  const std::vector<std::byte> png = viz::encode_png(known_image(16, 16, 3));
  BOOST_CHECK_THROW(io::decode_image(png, {.max_side = 8}), image_error);
  BOOST_CHECK_THROW(io::decode_image(png, {.max_side = 64, .max_pixels = 255}), image_error);
  BOOST_TEST(io::decode_image(png, {.max_side = 16, .max_pixels = 256}).width() == 16u);
}

BOOST_AUTO_TEST_CASE(images_of_zero_size_or_bad_channel_counts_cannot_be_made) {
  BOOST_CHECK_THROW(io::image(0, 4, 3), image_error);
  BOOST_CHECK_THROW(io::image(4, 0, 3), image_error);
  BOOST_CHECK_THROW(io::image(4, 4, 0), image_error);
  BOOST_CHECK_THROW(io::image(4, 4, 5), image_error);
  BOOST_CHECK_THROW(io::image(std::size_t{1} << 40, std::size_t{1} << 40, 3), image_error);
}

// ---- resizing -------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(nearest_matches_pixel_centres_exactly) {
  // One row 0 10 20 30 -> 3 wide: centres at 2/3, 2, 10/3 source pixels -> pixels 0, 2, 3
  // (tf.image.resize(method='nearest') gives the same).
  const io::image row = from_values(4, 1, 1, {0, 10, 20, 30});
  BOOST_TEST(values_of(io::resize(row, 3, 1, io::resize_filter::nearest)) == (std::vector<int>{0, 20, 30}),
             boost::test_tools::per_element());
  // 2x2 -> 4x4 repeats every pixel as a 2x2 block, every channel.
  const io::image quad = from_values(2, 2, 2, {1, 2, 3, 4, 5, 6, 7, 8});
  const std::vector<int> expected = {1, 2, 1, 2, 3, 4, 3, 4,  //
                                     1, 2, 1, 2, 3, 4, 3, 4,  //
                                     5, 6, 5, 6, 7, 8, 7, 8,  //
                                     5, 6, 5, 6, 7, 8, 7, 8};
  BOOST_TEST(values_of(io::resize(quad, 4, 4, io::resize_filter::nearest)) == expected, boost::test_tools::per_element());
  // Halving takes the second pixel of each pair (centre 2x + 1 of 2x + 0.5 + 0.5).
  const io::image wide = from_values(6, 1, 1, {0, 1, 2, 3, 4, 5});
  BOOST_TEST(values_of(io::resize(wide, 3, 1, io::resize_filter::nearest)) == (std::vector<int>{1, 3, 5}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(bilinear_upsamples_a_gradient_linearly) {
  // A ramp 0 85 170 255 to 8 wide: output pixel x samples the source at u = (x + 0.5) / 2 - 0.5,
  // clamped to [0, 3], and interpolates linearly; stb rounds to 8 bits, so within 1.
  const io::image ramp = from_values(4, 1, 1, {0, 85, 170, 255});
  const io::image up = io::resize(ramp, 8, 1, io::resize_filter::bilinear);
  for (std::size_t x = 0; x < 8; ++x) {
    const double u = std::clamp((static_cast<double>(x) + 0.5) / 2.0 - 0.5, 0.0, 3.0);
    BOOST_TEST(std::abs(up.at(x, 0, 0) - 85.0 * u) <= 1.0, "x = " << x << ": " << int{up.at(x, 0, 0)} << " vs " << 85.0 * u);
  }
  // A constant image stays constant at any size.
  io::image flat(10, 7, 3);
  std::fill(flat.pixels().begin(), flat.pixels().end(), 77);
  for (auto [w, h] : {std::pair{3, 2}, std::pair{23, 17}}) {
    const io::image r = io::resize(flat, w, h, io::resize_filter::bilinear);
    BOOST_TEST(std::all_of(r.pixels().begin(), r.pixels().end(), [](std::uint8_t v) { return v == 77; }));
  }
}

BOOST_AUTO_TEST_CASE(bilinear_downsamples_by_averaging) {
  // Halving: the triangle widens to 2 source pixels, so output 0 (centre 0.5) weighs sources -1, 0, 1, 2
  // by 1/8, 3/8, 3/8, 1/8, the edge clamped: (0 + 0 + 3 x 100 + 200) / 8 = 62.5 -> 63; output 1 (centre
  // 2.5): (100 + 3 x 200 + 3 x 255 + 255) / 8 = 215.
  const io::image ramp = from_values(4, 1, 1, {0, 100, 200, 255});
  BOOST_TEST(values_of(io::resize(ramp, 2, 1, io::resize_filter::bilinear)) == (std::vector<int>{63, 215}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(bilinear_survives_the_sizes_stb_image_resize_aborts_on) {
  // Debian's stb_image_resize fails an assertion (and aborts) on these downsamplings; found by fuzzing.
  for (auto [h, to] : {std::pair{263, 224}, std::pair{283, 224}, std::pair{36, 28}, std::pair{47, 32}, std::pair{45, 3}}) {
    io::image flat(7, static_cast<std::size_t>(h), 3);
    std::fill(flat.pixels().begin(), flat.pixels().end(), 91);
    const io::image r = io::resize(flat, 5, static_cast<std::size_t>(to), io::resize_filter::bilinear);
    BOOST_TEST(r.height() == static_cast<std::size_t>(to));
    BOOST_TEST(std::all_of(r.pixels().begin(), r.pixels().end(), [](std::uint8_t v) { return v == 91; }), h << " -> " << to);
  }
}

BOOST_AUTO_TEST_CASE(bilinear_weights_colours_by_alpha) {
  // Opaque red beside fully transparent green: no visible output pixel may turn green (pixels that
  // come out fully transparent keep the transparent source's colour, which nobody sees).
  const io::image pair = from_values(2, 1, 4, {255, 0, 0, 255, 0, 255, 0, 0});
  const io::image up = io::resize(pair, 8, 1, io::resize_filter::bilinear);
  std::size_t visible = 0;
  for (std::size_t x = 0; x < 8; ++x) {
    if (up.at(x, 0, 3) == 0) continue;
    ++visible;
    BOOST_TEST(up.at(x, 0, 1) <= 1, "x = " << x);
    BOOST_TEST(up.at(x, 0, 0) >= 254, "x = " << x);
  }
  BOOST_TEST(visible == 6u);  // alpha ramps down from 255 over x = 0..5
}

BOOST_AUTO_TEST_CASE(resize_refuses_empty_and_zero_sizes) {
  BOOST_CHECK_THROW(io::resize(io::image{}, 4, 4, io::resize_filter::nearest), image_error);
  BOOST_CHECK_THROW(io::resize(known_image(4, 4, 3), 0, 4, io::resize_filter::bilinear), image_error);
  BOOST_CHECK_THROW(io::resize(known_image(4, 4, 3), 4, 0, io::resize_filter::nearest), image_error);
}

// ---- to the network's input tensor ------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(every_preprocessing_mode_on_known_pixels) {
  // Two pixels, (10, 20, 30) and (200, 100, 0), into a 1x2x3 input, without resizing.
  const io::image img = from_values(2, 1, 3, {10, 20, 30, 200, 100, 0});
  const shape input = feature_maps(1, 2, 3);
  auto run = [&](io::preprocessing mode) { return io::to_input_tensor(img, input, {.mode = mode, .resize = std::nullopt}); };

  check_close(run(io::preprocessing::scale_0_1), {10 / 255.0, 20 / 255.0, 30 / 255.0, 200 / 255.0, 100 / 255.0, 0.0});
  check_close(run(io::preprocessing::tf), {10 / 127.5 - 1, 20 / 127.5 - 1, 30 / 127.5 - 1, 200 / 127.5 - 1, 100 / 127.5 - 1, -1.0});
  // caffe: BGR order, then minus the ImageNet means in BGR order.
  check_close(run(io::preprocessing::caffe),
              {30 - 103.939, 20 - 116.779, 10 - 123.68, 0 - 103.939, 100 - 116.779, 200 - 123.68});
  const double mean[3] = {0.485, 0.456, 0.406}, sd[3] = {0.229, 0.224, 0.225};
  check_close(run(io::preprocessing::torch),
              {(10 / 255.0 - mean[0]) / sd[0], (20 / 255.0 - mean[1]) / sd[1], (30 / 255.0 - mean[2]) / sd[2],
               (200 / 255.0 - mean[0]) / sd[0], (100 / 255.0 - mean[1]) / sd[1], (0 / 255.0 - mean[2]) / sd[2]});
}

BOOST_AUTO_TEST_CASE(images_are_resized_to_the_network_input) {
  // 2x2 RGB into a 4x4x3 network with the default (nearest): each pixel becomes a 2x2 block.
  const io::image img = from_values(2, 2, 3, {0, 0, 0, 255, 255, 255, 51, 102, 153, 255, 0, 0});
  const std::vector<float> t = io::to_input_tensor(img, feature_maps(4, 4, 3));
  BOOST_REQUIRE_EQUAL(t.size(), 48u);
  BOOST_TEST(t[(0 * 4 + 1) * 3 + 0] == 0.0f);          // (x 1, y 0) from pixel (0, 0)
  BOOST_TEST(t[(1 * 4 + 2) * 3 + 0] == 1.0f);          // (x 2, y 1) from pixel (1, 0)
  BOOST_TEST(t[(3 * 4 + 0) * 3 + 2] == 153 / 255.0f);  // (x 0, y 3) from pixel (0, 1)
  BOOST_TEST(t[(2 * 4 + 3) * 3 + 0] == 1.0f);          // (x 3, y 2) from pixel (1, 1)
  // The network's input shape, straight from the zoo.
  const io::image big = known_image(300, 200, 3);
  BOOST_TEST(io::to_input_tensor(big, models::vgg16::input_shape, {.mode = io::preprocessing::caffe}).size() ==
             224u * 224u * 3u);
}

BOOST_AUTO_TEST_CASE(gray_becomes_rgb_and_rgb_becomes_luma) {
  const io::image gray = from_values(1, 1, 1, {90});
  check_close(io::to_input_tensor(gray, feature_maps(1, 1, 3), {.resize = std::nullopt}), {90 / 255.0, 90 / 255.0, 90 / 255.0});
  // caffe on a gray image: replicated, then BGR means (the image's colour is neutral, the means are not).
  check_close(io::to_input_tensor(gray, feature_maps(1, 1, 3), {.mode = io::preprocessing::caffe}),
              {90 - 103.939, 90 - 116.779, 90 - 123.68});
  // BT.601 luma, rounded to 8 bits: red 255 -> 76.245 -> 76; (10, 200, 50) -> 126.09 -> 126.
  const io::image rgb = from_values(2, 1, 3, {255, 0, 0, 10, 200, 50});
  check_close(io::to_input_tensor(rgb, feature_maps(1, 2, 1), {.resize = std::nullopt}), {76 / 255.0, 126 / 255.0});
  // A gray image into a gray network is untouched.
  check_close(io::to_input_tensor(gray, feature_maps(1, 1, 1), {.mode = io::preprocessing::tf}), {90 / 127.5 - 1});
}

BOOST_AUTO_TEST_CASE(alpha_is_dropped_by_default_or_composited_over_the_background) {
  // (200, 100, 0) at alpha 51 (0.2).
  const io::image rgba = from_values(1, 1, 4, {200, 100, 0, 51});
  check_close(io::to_input_tensor(rgba, feature_maps(1, 1, 3)), {200 / 255.0, 100 / 255.0, 0.0});
  // Over white: 200 * 0.2 + 255 * 0.8 = 244, 100 * 0.2 + 204 = 224, 204.
  const io::input_options over_white{.channels = {.alpha = io::alpha_handling::composite}};
  check_close(io::to_input_tensor(rgba, feature_maps(1, 1, 3), over_white), {244 / 255.0, 224 / 255.0, 204 / 255.0});
  // Over black, into a gray network: (40, 20, 0) -> luma 23.7 -> 24.
  const io::input_options over_black{.channels = {.alpha = io::alpha_handling::composite, .background = {0, 0, 0}}};
  check_close(io::to_input_tensor(rgba, feature_maps(1, 1, 1), over_black), {24 / 255.0});
  // Gray + alpha: dropped keeps the gray; composited over black scales it by alpha (100 * 0.6 = 60).
  const io::image gray_alpha = from_values(1, 1, 2, {100, 153});
  check_close(io::to_input_tensor(gray_alpha, feature_maps(1, 1, 1)), {100 / 255.0});
  check_close(io::to_input_tensor(gray_alpha, feature_maps(1, 1, 3), over_black), {60 / 255.0, 60 / 255.0, 60 / 255.0});
  // A 4-channel network takes RGBA as it is.
  check_close(io::to_input_tensor(rgba, feature_maps(1, 1, 4)), {200 / 255.0, 100 / 255.0, 0.0, 51 / 255.0});
}

BOOST_AUTO_TEST_CASE(conversion_errors_are_typed_and_leave_the_output_alone) {
  const io::image img = known_image(5, 4, 3);
  std::vector<float> out(4 * 5 * 3, -7.0f);
  const auto untouched = [&] { return std::all_of(out.begin(), out.end(), [](float v) { return v == -7.0f; }); };
  // Wrong size with resizing off.
  BOOST_CHECK_THROW(io::to_input_tensor(img, feature_maps(5, 4, 3), {.resize = std::nullopt}), image_error);
  // Channel counts that cannot be converted, and modes defined only for RGB.
  BOOST_CHECK_THROW(io::to_input_tensor(img, feature_maps(4, 5, 2)), image_error);
  BOOST_CHECK_THROW(io::to_input_tensor(img, feature_maps(4, 5, 4)), image_error);
  BOOST_CHECK_THROW(io::to_input_tensor(img, feature_maps(4, 5, 1), {.mode = io::preprocessing::caffe}), image_error);
  BOOST_CHECK_THROW(io::to_input_tensor(img, feature_maps(4, 5, 1), {.mode = io::preprocessing::torch}), image_error);
  // Buffers of the wrong size and shapes that are not images.
  BOOST_CHECK_THROW(io::to_input_tensor(img, feature_maps(4, 5, 3), std::span(out).first(10)), shape_error);
  BOOST_CHECK_THROW(io::to_input_tensor(img, features(60), out), shape_error);
  BOOST_CHECK_THROW(io::to_input_tensor(io::image{}, feature_maps(4, 5, 3), out), image_error);
  BOOST_TEST(untouched());
  io::to_input_tensor(img, feature_maps(4, 5, 3), out, {.resize = std::nullopt});
  BOOST_TEST(!untouched());
}

BOOST_AUTO_TEST_CASE(a_loaded_image_runs_through_a_network) {
  // The seeds' path end to end: a file, resized and preprocessed, through a real model.
  scratch_dir dir("network");
  viz::write_png(known_image(40, 30, 3), dir.path / "in.png");
  model<models::cifar10_cnn> m;
  he_normal(m, 1);
  const std::vector<float> input =
      io::to_input_tensor(io::load_image(dir.path / "in.png"), models::cifar10_cnn::input_shape,
                          {.resize = io::resize_filter::bilinear});
  const auto p = m.forward(std::span<const float>(input));
  float sum = 0.0f;
  for (float v : p) sum += v;
  BOOST_TEST(sum == 1.0f, boost::test_tools::tolerance(1e-4f));  // softmax output
}

BOOST_AUTO_TEST_SUITE_END()
