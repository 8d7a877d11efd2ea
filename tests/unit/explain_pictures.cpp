// Pictures of activation maximization and receptive fields (viz/synthesized_pictures.hpp): the display
// normalization, grid geometry, the neuron picture's crop location and zoom, and the overlay rectangle's
// exact pixels, on small hand-made cases.

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <vector>

#include "constnet/viz/synthesized_pictures.hpp"

using namespace constnet;
using viz::rgb;

namespace {

rgb pixel(const io::image& im, std::size_t x, std::size_t y) { return {im.at(x, y, 0), im.at(x, y, 1), im.at(x, y, 2)}; }
bool is(const io::image& im, std::size_t x, std::size_t y, rgb c) { return pixel(im, x, y) == c; }

}  // namespace

BOOST_AUTO_TEST_SUITE(explain_pictures)

BOOST_AUTO_TEST_CASE(display_range_clips_outliers_at_three_standard_deviations) {
  // 99 zeros and one 100: mean 1, sd sqrt(99) ~ 9.95, so hi = 1 + 3 * 9.95 ~ 30.8, far below the max.
  std::vector<float> v(100, 0.0f);
  v[0] = 100.0f;
  const auto r = viz::display_range::of(v);
  BOOST_TEST(r.lo == 0.0);  // mean - 3 sd is below the min: the min
  BOOST_TEST(r.hi == 1.0 + 3.0 * std::sqrt(99.0), boost::test_tools::tolerance(1e-9));
  BOOST_TEST(r.level(100.0f) == 255);
  BOOST_TEST(r.level(0.0f) == 0);
  // Without outliers the range is the min-max one.
  const std::vector<float> two{1.0f, 3.0f};
  const auto m = viz::display_range::of(two);
  BOOST_TEST(m.lo == 1.0);
  BOOST_TEST(m.hi == 3.0);
  BOOST_TEST(m.level(2.0f) == 128);
  // A constant image draws black.
  const std::vector<float> flat(4, 0.7f);
  BOOST_TEST(viz::display_range::of(flat).level(0.7f) == 0);
}

BOOST_AUTO_TEST_CASE(grid_has_one_normalized_cell_per_image) {
  // Three 2x2 gray images in 2 columns at scale 2, separator 1: 2 rows -> 9 x 9 pixels.
  std::vector<float> images{0, 1, 2, 3,  10, 10, 10, 20,  -1, -1, -1, -1};
  const io::image g = viz::synthesized_grid(images, 3, 2, 2, 1, 2, {.scale = 2});
  BOOST_TEST(g.width() == 9u);
  BOOST_TEST(g.height() == 9u);
  BOOST_TEST(is(g, 0, 0, {0, 0, 0}));        // image 0, value 0 (its min)
  BOOST_TEST(is(g, 3, 3, {255, 255, 255}));  // image 0, value 3 (its max), block (2..3, 2..3)
  BOOST_TEST(is(g, 2, 0, {85, 85, 85}));     // value 1 of 0..3
  BOOST_TEST(is(g, 4, 0, {255, 255, 255}));  // the separator column
  BOOST_TEST(is(g, 5, 0, {0, 0, 0}));        // image 1 normalized on its own: 10 is its min
  BOOST_TEST(is(g, 8, 3, {255, 255, 255}));  // and 20 its max
  BOOST_TEST(is(g, 0, 5, {0, 0, 0}));        // image 2, constant: black
  BOOST_TEST(is(g, 5, 5, {255, 255, 255}));  // the empty fourth cell shows the separator colour
}

BOOST_AUTO_TEST_CASE(rgb_images_share_one_range_across_channels) {
  std::vector<float> image{0, 0.5f, 1};  // 1x1x3
  const io::image g = viz::synthesized_grid(image, 1, 1, 1, 3, 1, {.scale = 1});
  BOOST_TEST(is(g, 0, 0, {0, 128, 255}));
}

BOOST_AUTO_TEST_CASE(neuron_picture_places_the_zoomed_crop_of_the_box) {
  // A 4x4 gray image whose value is y * 4 + x; the box rows [1, 3) x columns [2, 4), scale 2.
  std::vector<float> values(16);
  for (std::size_t i = 0; i < 16; ++i) values[i] = static_cast<float>(i);
  const viz::float_image im{values, 4, 4, 1};
  const pixel_box box{1, 3, 2, 4};
  viz::neuron_picture_style style;
  style.scale = 2;
  style.separator = 1;
  const io::image p = viz::neuron_picture(im, box, style);
  // Left panel 8x8; zoom = min(8 / 2, 8 / 2) = 4, so the crop is 8x8 from column 9.
  BOOST_TEST(p.width() == 17u);
  BOOST_TEST(p.height() == 8u);
  const auto range = viz::display_range::of(values);
  auto gray = [&](float v) { const std::uint8_t l = range.level(v); return rgb{l, l, l}; };
  BOOST_TEST(is(p, 0, 0, gray(0)));
  BOOST_TEST(is(p, 8, 0, {255, 255, 255}));  // separator
  // Crop: value (1, 2) = 6 at its top-left 4x4 block, (2, 3) = 11 at its bottom-right one.
  BOOST_TEST(is(p, 9, 0, gray(6)));
  BOOST_TEST(is(p, 12, 3, gray(6)));
  BOOST_TEST(is(p, 13, 0, gray(7)));
  BOOST_TEST(is(p, 16, 7, gray(11)));
  BOOST_TEST(is(p, 9, 4, gray(10)));
  // The box outlined on the left panel: pixel rows [2, 6) x columns [4, 8), 1 px red.
  const rgb red{255, 0, 0};
  BOOST_TEST(is(p, 4, 2, red));
  BOOST_TEST(is(p, 7, 5, red));
  BOOST_TEST(is(p, 4, 4, red));
  BOOST_TEST(is(p, 5, 3, gray(6)));  // inside the outline: the image
  BOOST_TEST(is(p, 3, 2, gray(5)));  // left of it: value (1, 1)
  BOOST_CHECK_THROW(viz::neuron_picture(im, pixel_box{1, 5, 0, 1}, style), shape_error);
  BOOST_CHECK_THROW(viz::neuron_picture(im, pixel_box{1, 1, 0, 1}, style), shape_error);
}

BOOST_AUTO_TEST_CASE(overlay_draws_the_rectangle_pixels_exactly) {
  // A 10x10 gray picture, the network input 10x10: box rows [2, 7) x columns [3, 9), 1 px thick.
  io::image gray(10, 10, 1);
  std::fill(gray.pixels().begin(), gray.pixels().end(), std::uint8_t{40});
  const rgb c{0, 255, 0};
  const io::image o = viz::receptive_field_overlay(gray, pixel_box{2, 7, 3, 9}, 10, 10, c, 1);
  BOOST_TEST(o.channels() == 3u);
  std::size_t drawn = 0;
  for (std::size_t y = 0; y < 10; ++y)
    for (std::size_t x = 0; x < 10; ++x) {
      const bool inside = y >= 2 && y < 7 && x >= 3 && x < 9;
      const bool edge = inside && (y == 2 || y == 6 || x == 3 || x == 8);
      BOOST_TEST(is(o, x, y, edge ? c : rgb{40, 40, 40}), "pixel " << x << "," << y);
      drawn += edge;
    }
  BOOST_TEST(drawn == 2 * 6 + 2 * 3u);
}

BOOST_AUTO_TEST_CASE(overlay_scales_the_box_to_a_resized_picture_rounding_outwards) {
  // Input 4x4, picture 10 wide x 6 high: box rows [1, 3) -> [floor(6/4), ceil(18/4)) = [1, 5);
  // columns [1, 2) -> [floor(10/4), ceil(20/4)) = [2, 5). 2 px thick: every pixel of a 3-wide box.
  io::image rgbim(10, 6, 3);
  const io::image o = viz::receptive_field_overlay(rgbim, pixel_box{1, 3, 1, 2}, 4, 4);
  const rgb red{255, 0, 0};
  for (std::size_t y = 0; y < 6; ++y)
    for (std::size_t x = 0; x < 10; ++x) {
      const bool in = y >= 1 && y < 5 && x >= 2 && x < 5;
      BOOST_TEST(is(o, x, y, in ? red : rgb{0, 0, 0}), "pixel " << x << "," << y);
    }
  BOOST_CHECK_THROW(viz::receptive_field_overlay(rgbim, pixel_box{1, 5, 1, 2}, 4, 4), shape_error);
  BOOST_CHECK_THROW(viz::receptive_field_overlay(io::image{}, pixel_box{1, 2, 1, 2}, 4, 4), image_error);
}

BOOST_AUTO_TEST_CASE(gray_canvas_is_mid_gray) {
  const io::image g = viz::gray_canvas(3, 5);
  BOOST_TEST(g.width() == 5u);
  BOOST_TEST(g.height() == 3u);
  BOOST_TEST(is(g, 4, 2, {128, 128, 128}));
}

BOOST_AUTO_TEST_SUITE_END()
