// Pictures out: viridis, feature-map grids (dimensions, per-map normalization, a pixel-exact small grid
// with separator and scaling), the three filter pictures, PNG writing, and the model-and-layer-name
// conveniences with their errors.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <ostream>
#include <vector>

#include "constnet/constnet.hpp"
#include "constnet/core/random.hpp"
#include "support/random_data.hpp"

using namespace constnet;

namespace constnet::viz {
// Found by Boost.Test through argument-dependent lookup, to print colours in failure messages.
inline std::ostream& boost_test_print_type(std::ostream& out, const rgb& c) {
  return out << "rgb(" << int{c.r} << ", " << int{c.g} << ", " << int{c.b} << ")";
}
}  // namespace constnet::viz

namespace {

using constnet::testing::random_images;

std::vector<int> values_of(const io::image& img) { return {img.pixels().begin(), img.pixels().end()}; }

viz::rgb pixel(const io::image& img, std::size_t x, std::size_t y) {
  return {img.at(x, y, 0), img.at(x, y, 1), img.at(x, y, 2)};
}

/// The levels of cell (row, col) of a grid drawn at scale 1, as one gray value per cell pixel.
std::vector<int> cell_levels(const io::image& img, std::size_t row, std::size_t col, std::size_t h, std::size_t w,
                             std::size_t separator) {
  std::vector<int> levels;
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < w; ++x) levels.push_back(img.at(col * (w + separator) + x, row * (h + separator) + y, 0));
  return levels;
}

using net = sequential<input<12, 12, 1>, conv2d<8, kernel<3>, act::relu, named<"edges">>, max_pool<pool_size<2>>,
                       flatten<>, dense<4>>;

}  // namespace

BOOST_AUTO_TEST_SUITE(pictures)

// ---- viridis --------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(viridis_runs_from_dark_purple_to_yellow_and_brightens_steadily) {
  // matplotlib's ends and middle, #440154, #21918c and #fde725, each channel within 1 (colormap.hpp).
  const auto near = [](viz::rgb a, viz::rgb b) {
    return std::abs(a.r - b.r) <= 1 && std::abs(a.g - b.g) <= 1 && std::abs(a.b - b.b) <= 1;
  };
  BOOST_TEST(near(viz::viridis[0], {0x44, 0x01, 0x54}));
  BOOST_TEST(near(viz::viridis[128], {0x21, 0x91, 0x8c}));
  BOOST_TEST(near(viz::viridis[255], {0xfd, 0xe7, 0x25}));
  // Perceptually uniform means, among other things, a luminance that never falls.
  double last = -1.0;
  for (const viz::rgb& c : viz::viridis) {
    const double luminance = 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b;
    BOOST_TEST(luminance >= last - 0.5);
    last = luminance;
  }
  BOOST_TEST(viz::colour_of(viz::colormap::gray, 37) == (viz::rgb{37, 37, 37}));
  BOOST_TEST(viz::colour_of(viz::colormap::viridis, 37) == viz::viridis[37]);
}

// ---- feature-map grids ------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(small_grid_is_pixel_exact) {
  // Two 2x2 maps (channels of one 2x2x2 tensor): channel 0 = 0 1 / 2 3 -> levels 0 85 / 170 255;
  // channel 1 = 5 5 / 5 5 (constant) -> all 0. Scale 2, a 1-pixel red separator: 9 x 4 pixels.
  const std::vector<float> maps = {0, 5, 1, 5, 2, 5, 3, 5};
  const io::image img = viz::feature_map_grid(maps, feature_maps(2, 2, 2), {.rows = 1, .cols = 2},
                                              {.scale = 2, .separator = 1, .separator_colour = {255, 0, 0}});
  BOOST_REQUIRE_EQUAL(img.width(), 9u);
  BOOST_REQUIRE_EQUAL(img.height(), 4u);
  BOOST_REQUIRE_EQUAL(img.channels(), 3u);
  const int S = -1;  // the separator
  const int expected[4][9] = {{0, 0, 85, 85, S, 0, 0, 0, 0},
                              {0, 0, 85, 85, S, 0, 0, 0, 0},
                              {170, 170, 255, 255, S, 0, 0, 0, 0},
                              {170, 170, 255, 255, S, 0, 0, 0, 0}};
  for (std::size_t y = 0; y < 4; ++y)
    for (std::size_t x = 0; x < 9; ++x) {
      const int e = expected[y][x];
      const viz::rgb want = e == S ? viz::rgb{255, 0, 0} : viz::rgb{std::uint8_t(e), std::uint8_t(e), std::uint8_t(e)};
      BOOST_TEST(pixel(img, x, y) == want, "pixel (" << x << ", " << y << ")");
    }
}

BOOST_AUTO_TEST_CASE(grid_dimensions_follow_rows_cols_scale_and_separator) {
  const std::vector<float> maps = random_images(7 * 5 * 10, 1);
  const io::image img = viz::feature_map_grid(maps, feature_maps(7, 5, 10), {.rows = 2, .cols = 3}, {.scale = 3, .separator = 2});
  BOOST_TEST(img.width() == 3u * 5 * 3 + 2 * 2);
  BOOST_TEST(img.height() == 2u * 7 * 3 + 1 * 2);
  const io::image plain = viz::feature_map_grid(maps, feature_maps(7, 5, 10), {.rows = 1, .cols = 1}, {.separator = 0});
  BOOST_TEST(plain.width() == 5u);
  BOOST_TEST(plain.height() == 7u);
}

BOOST_AUTO_TEST_CASE(each_map_is_normalized_on_its_own) {
  // Channels on very different scales: every cell still spans 0..255, and its ranks are the map's.
  const std::size_t h = 6, w = 4, c = 3;
  std::vector<float> maps = random_images(h * w * c, 2);
  for (std::size_t p = 0; p < h * w; ++p) {
    maps[p * c + 1] = maps[p * c + 1] * 1000.0f - 400.0f;
    maps[p * c + 2] = maps[p * c + 2] * 1e-3f;
  }
  const io::image img = viz::feature_map_grid(maps, feature_maps(h, w, c), {.rows = 1, .cols = 3});
  for (std::size_t k = 0; k < c; ++k) {
    const std::vector<int> levels = cell_levels(img, 0, k, h, w, 1);
    BOOST_TEST(*std::min_element(levels.begin(), levels.end()) == 0);
    BOOST_TEST(*std::max_element(levels.begin(), levels.end()) == 255);
    for (std::size_t p = 0; p < h * w; ++p)
      for (std::size_t q = 0; q < h * w; ++q)
        if (maps[p * c + k] < maps[q * c + k]) BOOST_TEST(levels[p] <= levels[q]);
  }
}

BOOST_AUTO_TEST_CASE(chosen_channels_fill_rows_and_leave_the_rest_blank) {
  // Channel k of a 1x1xC map... is constant, so use 1x2 maps whose channel k is (0, k + 1).
  const std::size_t c = 5;
  std::vector<float> maps(2 * c);
  for (std::size_t k = 0; k < c; ++k) maps[c + k] = static_cast<float>(k + 1);
  const io::image img = viz::feature_map_grid(maps, feature_maps(1, 2, c), {.cols = 2, .indices = {4, 0, 2}},
                                              {.separator_colour = {0, 0, 255}});
  BOOST_TEST(img.width() == 5u);   // 2 cols of 2 pixels + 1 separator
  BOOST_TEST(img.height() == 3u);  // 2 rows of 1 pixel + 1 separator
  BOOST_TEST(pixel(img, 0, 0) == (viz::rgb{0, 0, 0}));
  BOOST_TEST(pixel(img, 1, 0) == (viz::rgb{255, 255, 255}));
  BOOST_TEST(pixel(img, 3, 2) == (viz::rgb{0, 0, 255}));  // the fourth cell is empty
  BOOST_TEST(pixel(img, 4, 2) == (viz::rgb{0, 0, 255}));
}

BOOST_AUTO_TEST_CASE(viridis_grid_and_non_finite_values) {
  // One 1x4 map: -inf, 0, 2, NaN, +inf -> finite range [0, 2]; NaN and -inf at level 0, +inf at 255.
  const std::vector<float> maps = {-std::numeric_limits<float>::infinity(), 0.0f, 2.0f,
                                   std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()};
  const io::image img = viz::feature_map_grid(maps, feature_maps(1, 5, 1), {.rows = 1, .cols = 1}, {.map = viz::colormap::viridis});
  BOOST_TEST(pixel(img, 0, 0) == viz::viridis[0]);
  BOOST_TEST(pixel(img, 1, 0) == viz::viridis[0]);
  BOOST_TEST(pixel(img, 2, 0) == viz::viridis[255]);
  BOOST_TEST(pixel(img, 3, 0) == viz::viridis[0]);
  BOOST_TEST(pixel(img, 4, 0) == viz::viridis[255]);
}

BOOST_AUTO_TEST_CASE(grid_requests_that_cannot_be_drawn_are_typed_errors) {
  const std::vector<float> maps = random_images(4 * 4 * 6, 3);
  const shape s = feature_maps(4, 4, 6);
  BOOST_CHECK_THROW(viz::feature_map_grid(maps, s, {.rows = 2, .cols = 4}), shape_error);       // 8 cells, 6 maps
  BOOST_CHECK_THROW(viz::feature_map_grid(maps, s, {.cols = 2, .indices = {1, 6}}), shape_error);  // no channel 6
  BOOST_CHECK_THROW(viz::feature_map_grid(std::span(maps).first(10), s), shape_error);
  BOOST_CHECK_THROW(viz::feature_map_grid(maps, features(96)), shape_error);
  BOOST_CHECK_THROW(viz::feature_map_grid(maps, s, {.rows = 0, .cols = 2}), image_error);
  BOOST_CHECK_THROW(viz::feature_map_grid(maps, s, {.rows = 1, .cols = 0}), image_error);
  BOOST_CHECK_THROW(viz::feature_map_grid(maps, s, {.rows = 1, .cols = 2}, {.scale = 0}), image_error);
  BOOST_CHECK_THROW(viz::feature_map_grid(maps, s, {.rows = 1, .cols = 2}, {.scale = std::size_t{1} << 40}), image_error);
  BOOST_CHECK_THROW(viz::feature_map_grid(maps, s, {.rows = 1, .cols = 2}, {.scale = 10000}), image_error);
}

// ---- filters --------------------------------------------------------------------------------------

// A 1x2 kernel, 3 input channels, 2 filters, HWIO: value(x, c, f) = x + 2c + 6f, so 0..11 over the layer.
std::vector<float> small_kernel() {
  std::vector<float> k(1 * 2 * 3 * 2);
  for (std::size_t x = 0; x < 2; ++x)
    for (std::size_t c = 0; c < 3; ++c)
      for (std::size_t f = 0; f < 2; ++f) k[(x * 3 + c) * 2 + f] = static_cast<float>(x + 2 * c + 6 * f);
  return k;
}
int layer_level(double v) { return static_cast<int>(v / 11.0 * 255.0 + 0.5); }

BOOST_AUTO_TEST_CASE(filter_channels_figure_is_one_row_per_filter_normalized_over_the_layer) {
  const std::vector<float> values = small_kernel();
  const viz::conv_kernel_view k{values, 1, 2, 3, 2};
  const io::image img = viz::filter_channels_figure(k, 2, std::nullopt, {.scale = 1, .separator = 1});
  BOOST_REQUIRE_EQUAL(img.width(), 3u * 2 + 2);  // 3 channels of 2 pixels
  BOOST_REQUIRE_EQUAL(img.height(), 2u * 1 + 1);  // 2 filters of 1 pixel
  for (std::size_t f = 0; f < 2; ++f)
    for (std::size_t c = 0; c < 3; ++c)
      for (std::size_t x = 0; x < 2; ++x)
        BOOST_TEST(img.at(c * 3 + x, f * 2, 0) == layer_level(double(x + 2 * c + 6 * f)), "f " << f << " c " << c << " x " << x);
  // The default style draws 16x16 blocks; fewer filters and channels may be asked for.
  const io::image big = viz::filter_channels_figure(k, 1, 2);
  BOOST_TEST(big.width() == 2u * 2 * 16 + 1);
  BOOST_TEST(big.height() == 16u);
  BOOST_CHECK_THROW(viz::filter_channels_figure(k, 3), shape_error);
  BOOST_CHECK_THROW(viz::filter_channels_figure(k, 2, 4), shape_error);
}

BOOST_AUTO_TEST_CASE(filter_rgb_tiles_put_input_channels_in_red_green_blue) {
  const std::vector<float> values = small_kernel();
  const viz::conv_kernel_view k{values, 1, 2, 3, 2};
  const io::image img = viz::filter_rgb_tiles(k, {.rows = 1, .cols = 2}, {.scale = 1, .separator = 1});
  BOOST_REQUIRE_EQUAL(img.width(), 5u);
  BOOST_REQUIRE_EQUAL(img.height(), 1u);
  for (std::size_t f = 0; f < 2; ++f)
    for (std::size_t x = 0; x < 2; ++x) {
      const viz::rgb want{std::uint8_t(layer_level(double(x + 6 * f))), std::uint8_t(layer_level(double(x + 2 + 6 * f))),
                          std::uint8_t(layer_level(double(x + 4 + 6 * f)))};
      BOOST_TEST(pixel(img, f * 3 + x, 0) == want, "filter " << f << " x " << x);
    }
  const std::vector<float> two_channels(1 * 2 * 2 * 2, 1.0f);
  BOOST_CHECK_THROW(viz::filter_rgb_tiles({two_channels, 1, 2, 2, 2}), shape_error);
}

BOOST_AUTO_TEST_CASE(filter_grid_shows_one_channel_or_the_mean_per_filter) {
  const std::vector<float> values = small_kernel();
  const viz::conv_kernel_view k{values, 1, 2, 3, 2};
  const viz::picture_style plain{.scale = 1, .separator = 1};
  // Each filter's slice is (a, a + 1) for any channel or the mean: normalized per filter -> 0, 255.
  for (std::optional<std::size_t> channel : {std::optional<std::size_t>{}, std::optional<std::size_t>{2}}) {
    const io::image img = viz::filter_grid(k, {.rows = 1, .cols = 2}, channel, plain);
    BOOST_TEST(values_of(img) == (std::vector<int>{0, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 0, 255, 255, 255}),
               boost::test_tools::per_element());
  }
  // The mean is the mean: filter 0's channels (0, 1), (2, 3), (4, 5) and a kernel built to differ.
  std::vector<float> skew = values;
  skew[(0 * 3 + 0) * 2 + 0] = 30.0f;  // x 0, channel 0, filter 0: now the mean at x 0 exceeds x 1
  const io::image img = viz::filter_grid({skew, 1, 2, 3, 2}, {.rows = 1, .cols = 1}, std::nullopt, plain);
  BOOST_TEST(img.at(0, 0, 0) == 255);
  BOOST_TEST(img.at(1, 0, 0) == 0);
  const io::image ch1 = viz::filter_grid({skew, 1, 2, 3, 2}, {.rows = 1, .cols = 1}, 1, plain);
  BOOST_TEST(ch1.at(0, 0, 0) == 0);
  BOOST_CHECK_THROW(viz::filter_grid(k, {.rows = 1, .cols = 2}, 3), shape_error);
  BOOST_CHECK_THROW(viz::filter_grid(k, {.rows = 1, .cols = 3}), shape_error);
  BOOST_CHECK_THROW(viz::filter_grid({std::span(values).first(5), 1, 2, 3, 2}), shape_error);
  BOOST_CHECK_THROW(viz::filter_grid({values, 0, 2, 3, 2}), shape_error);
}

// ---- PNG ------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(png_output_decodes_to_the_same_picture) {
  const std::vector<float> maps = random_images(5 * 6 * 4, 9);
  const io::image grid = viz::feature_map_grid(maps, feature_maps(5, 6, 4), {.rows = 2, .cols = 2},
                                               {.scale = 2, .map = viz::colormap::viridis});
  const std::vector<std::byte> png = viz::encode_png(grid);
  BOOST_TEST(png.size() > 8u);
  BOOST_TEST(std::to_integer<int>(png[1]) == 'P');
  const io::image back = io::decode_image(png);
  BOOST_TEST(back.width() == grid.width());
  BOOST_TEST(back.height() == grid.height());
  BOOST_TEST(values_of(back) == values_of(grid), boost::test_tools::per_element());

  const auto dir = std::filesystem::temp_directory_path() / "constnet_pictures_png";
  std::filesystem::create_directories(dir);
  viz::write_png(grid, dir / "grid.png");
  BOOST_TEST(values_of(io::load_image(dir / "grid.png")) == values_of(grid), boost::test_tools::per_element());
  std::filesystem::remove_all(dir);
  BOOST_CHECK_THROW(viz::write_png(grid, dir / "no" / "such" / "dir.png"), io_error);
  BOOST_CHECK_THROW(viz::encode_png(io::image{}), image_error);
}

// ---- from a model and a layer name ------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(model_conveniences_read_the_layer_by_name) {
  model<net> m;
  he_normal(m, 4);
  const viz::conv_kernel_view k = viz::conv_kernel(m, "edges");
  BOOST_TEST(k.kh == 3u);
  BOOST_TEST(k.kw == 3u);
  BOOST_TEST(k.in == 1u);
  BOOST_TEST(k.filters == 8u);
  const std::span<float> kernel = m.weight("edges", "kernel");
  BOOST_TEST(k.values.data() == kernel.data());
  BOOST_TEST(k.values.size() == kernel.size());

  const std::vector<float> input = random_images(12 * 12, 5);
  const io::image grid = viz::feature_map_grid(m, "edges", input, {.rows = 2, .cols = 4}, {.scale = 2});
  const std::span<const float> maps = m.forward_to("edges", input);
  const std::vector<float> copy(maps.begin(), maps.end());
  const io::image direct = viz::feature_map_grid(copy, feature_maps(10, 10, 8), {.rows = 2, .cols = 4}, {.scale = 2});
  BOOST_TEST(values_of(grid) == values_of(direct), boost::test_tools::per_element());
  BOOST_TEST(viz::filter_grid(k, {.rows = 2, .cols = 4}).width() == 4u * 3 * 16 + 3);
}

BOOST_AUTO_TEST_CASE(model_conveniences_reject_bad_names_and_layers) {
  model<net> m;
  he_normal(m, 4);
  const std::vector<float> input = random_images(12 * 12, 5);
  BOOST_CHECK_THROW(viz::conv_kernel(m, "edgs"), unknown_name_error);
  BOOST_CHECK_THROW(viz::conv_kernel(m, "max_pooling2d"), unknown_name_error);  // no weights at all
  BOOST_CHECK_THROW(viz::conv_kernel(m, "dense"), shape_error);                 // a kernel, but rank 2
  BOOST_CHECK_THROW(viz::feature_map_grid(m, "edgs", input), unknown_name_error);
  BOOST_CHECK_THROW(viz::feature_map_grid(m, "dense", input, {.rows = 1, .cols = 2}), shape_error);
  BOOST_CHECK_THROW(viz::feature_map_grid(m, "edges", std::span(input).first(100)), shape_error);
  try {
    viz::conv_kernel(m, "edgs");
  } catch (const unknown_name_error& e) {
    BOOST_TEST(std::string(e.what()).find("edges") != std::string::npos);
  }
}

BOOST_AUTO_TEST_SUITE_END()
