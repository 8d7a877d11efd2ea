// Receptive fields (explain/receptive_field.hpp): the structural region of a neuron against the
// compile-time receptive field (facts[i].rf clipped to the image), for every layer of VGG16 (at 64x64
// and at 224x224), of the seed CNNs and of a stack of depthwise and separable layers, at the corners,
// edges and centre of each map; then the region against real input gradients.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <ostream>
#include <vector>

#include "constnet/constnet.hpp"
#include "constnet/explain/gradient_model.hpp"
#include "constnet/explain/receptive_field.hpp"
#include "constnet/models/seed_cnns.hpp"
#include "constnet/models/vgg.hpp"
#include "support/random_data.hpp"

using namespace constnet;

namespace constnet {
std::ostream& operator<<(std::ostream& os, const pixel_box& b) {
  return os << "rows [" << b.y0 << ", " << b.y1 << ") x columns [" << b.x0 << ", " << b.x1 << ")";
}
}  // namespace constnet

namespace {

/// Positions probed in an h x w map: corners, edge middles and the centre.
std::vector<std::pair<std::size_t, std::size_t>> probes(std::size_t h, std::size_t w) {
  std::vector<std::pair<std::size_t, std::size_t>> p;
  for (std::size_t y : {std::size_t{0}, h / 2, h - 1})
    for (std::size_t x : {std::size_t{0}, w / 2, w - 1}) p.emplace_back(y, x);
  std::sort(p.begin(), p.end());
  p.erase(std::unique(p.begin(), p.end()), p.end());
  return p;
}

template <class Network>
void check_every_layer() {
  std::size_t checked = 0;
  for (std::size_t i = 0; i < Network::size; ++i) {
    const layer_facts& f = Network::facts[i];
    BOOST_TEST_CONTEXT(f.name.view() << " (" << f.type << ")") {
      if (f.output.rank == 3) {
        for (auto [y, x] : probes(f.output.h, f.output.w)) {
          const input_region r = receptive_region<Network>(i, f.output.c - 1, y, x);
          const pixel_box expected = receptive_field_box<Network>(i, y, x);
          BOOST_TEST_INFO("neuron y=" << y << " x=" << x);
          BOOST_TEST(r.box == expected);
          BOOST_TEST(r.pixels == expected.area());  // no dilation in these networks: no holes
          ++checked;
        }
      } else if (f.type == "Flatten") {
        // Unit u of a flatten is pixel u / C of its input map: that position's field, inside the map's.
        const shape in = f.input;
        for (auto [y, x] : probes(in.h, in.w)) {
          const std::size_t unit = (y * in.w + x) * in.c + in.c - 1;
          const input_region r = receptive_region<Network>(i, unit, 0, 0);
          BOOST_TEST(r.box == receptive_field_box<Network>(i - 1, y, x));
          const pixel_box whole = receptive_field_box<Network>(i, 0, 0);
          BOOST_TEST((whole.y0 <= r.box.y0 && r.box.y1 <= whole.y1 && whole.x0 <= r.box.x0 && r.box.x1 <= whole.x1));
          ++checked;
        }
      } else {
        // Dense and global pools: every unit sees the whole field of the map before them.
        const input_region r = receptive_region<Network>(i, f.output.c - 1, 0, 0);
        BOOST_TEST(r.box == receptive_field_box<Network>(i, 0, 0));
        BOOST_TEST(r.pixels == r.box.area());
        ++checked;
      }
    }
  }
  BOOST_TEST(checked >= Network::size);
}

/// He-normal magnitudes: every weight positive, so with positive inputs no ReLU is ever off and no
/// sum cancels, and the only zeros of a gradient are structural (or a max pool's losers).
template <class Model>
void positive_weights(Model& m) {
  he_normal(m, 5);
  for (float& w : m.weights()) w = std::abs(w) + 1e-3f;
  m.pack_weights();
}

/// The support of a neuron's real input gradient (over all channels of a pixel).
template <class Model>
pixel_box gradient_support(Model& m, const std::vector<float>& image, const objective& o, std::size_t& pixels) {
  m.value_and_gradient(o, std::span<const float, Model::input_elements>(image.data(), Model::input_elements));
  const auto g = m.input_gradient();
  const shape s = Model::network_type::input_shape;
  pixel_box box{s.h, 0, s.w, 0};
  pixels = 0;
  for (std::size_t y = 0; y < s.h; ++y)
    for (std::size_t x = 0; x < s.w; ++x) {
      bool nonzero = false;
      for (std::size_t c = 0; c < s.c; ++c) nonzero = nonzero || g[(y * s.w + x) * s.c + c] != 0.0f;
      if (!nonzero) continue;
      ++pixels;
      box = {std::min(box.y0, y), std::max(box.y1, y + 1), std::min(box.x0, x), std::max(box.x1, x + 1)};
    }
  return box;
}

/// VGG16's topology at 32x32 with average pools: positive weights and inputs make the real gradient of
/// a neuron nonzero exactly on its structural region.
using vgg_avg_32 = sequential<
    input<32, 32, 3>,
    conv2d<8, kernel<3>, same, act::relu>, conv2d<8, kernel<3>, same, act::relu>, avg_pool<pool_size<2>>,
    conv2d<8, kernel<3>, same, act::relu>, conv2d<8, kernel<3>, same, act::relu>, avg_pool<pool_size<2>>,
    conv2d<8, kernel<3>, same, act::relu>, conv2d<8, kernel<3>, same, act::relu>, avg_pool<pool_size<2>, strides<2>, same>,
    conv2d<8, kernel<3>, dilation<2>, same, act::relu>>;

/// Depthwise and separable layers, strided and padded, no max pool: a depthwise neuron reads one channel,
/// but every pixel of its windows, so its region is still the whole box.
using depthwise_32 = sequential<
    input<32, 32, 3>,
    conv2d<8, kernel<3>, strides<2>, same, act::relu>,
    depthwise_conv2d<kernel<3>, same, act::relu>,
    separable_conv2d<16, kernel<3>, strides<2>, same, depth_multiplier<2>, act::relu>,
    depthwise_conv2d<kernel<3>, depth_multiplier<2>, act::relu>,
    separable_conv2d<8, kernel<5>, strides<2>, pad<2>>>;

}  // namespace

BOOST_AUTO_TEST_SUITE(receptive_fields)

BOOST_AUTO_TEST_CASE(vgg16_at_64x64_every_layer) { check_every_layer<models::vgg16_at<64, 64>>(); }
BOOST_AUTO_TEST_CASE(vgg16_at_224x224_every_layer) { check_every_layer<models::vgg16>(); }
BOOST_AUTO_TEST_CASE(seed_cifar10_cnn_every_layer) { check_every_layer<models::cifar10_cnn>(); }
BOOST_AUTO_TEST_CASE(seed_bn_cnn_64_every_layer) { check_every_layer<models::bn_cnn_64>(); }
BOOST_AUTO_TEST_CASE(seed_39x39_example_every_layer) { check_every_layer<models::seed_39x39_example>(); }

BOOST_AUTO_TEST_CASE(pinned_boxes) {
  // VGG16 block3_conv3 at 224x224: a 40x40 field with jump 4 starting at -18; neuron (28, 28) sees
  // rows and columns [94, 134).
  using vgg = models::vgg16;
  constexpr std::size_t l = vgg::index_of<"block3_conv3">;
  static_assert(vgg::facts[l].rf.y.size == 40 && vgg::facts[l].rf.y.jump == 4 && vgg::facts[l].rf.y.start == -18);
  BOOST_TEST((receptive_region<vgg>(l, 0, 28, 28).box == pixel_box{94, 134, 94, 134}));
  BOOST_TEST((receptive_region<vgg>(l, 0, 0, 0).box == pixel_box{0, 22, 0, 22}));  // clipped at the corner
  // The seed's 39x39 example: the last conv's fields are 3 + 4 + 4 * 2 = 15 wide with jump 4, so its
  // 7x7 neurons tile the image from [0, 15) to [24, 39).
  using seed = models::seed_39x39_example;
  BOOST_TEST((receptive_region<seed>(3, 0, 0, 0).box == pixel_box{0, 15, 0, 15}));
  BOOST_TEST((receptive_region<seed>(3, 0, 6, 6).box == pixel_box{24, 39, 24, 39}));
}

BOOST_AUTO_TEST_CASE(dilation_leaves_holes_inside_the_box) {
  using net = sequential<input<9, 9, 1>, conv2d<1, kernel<3>, dilation<3>>>;
  const input_region r = receptive_region<net>(1, 0, 1, 1);
  BOOST_TEST((r.box == pixel_box{1, 8, 1, 8}));
  BOOST_TEST(r.pixels == 9u);
}

BOOST_AUTO_TEST_CASE(depthwise_and_separable_every_layer) { check_every_layer<depthwise_32>(); }

BOOST_AUTO_TEST_CASE(depthwise_dilation_leaves_holes_inside_the_box) {
  using net = sequential<input<9, 9, 2>, depthwise_conv2d<kernel<3>, dilation<3>, depth_multiplier<2>>>;
  const input_region r = receptive_region<net>(1, 3, 1, 1);
  BOOST_TEST((r.box == pixel_box{1, 8, 1, 8}));
  BOOST_TEST(r.pixels == 9u);
  using separable = sequential<input<9, 9, 2>, separable_conv2d<4, kernel<3>, dilation<3>>>;
  BOOST_TEST(receptive_region<separable>(1, 0, 1, 1).pixels == 9u);
}

BOOST_AUTO_TEST_CASE(bad_neurons_throw) {
  using net = models::cifar10_cnn;
  BOOST_CHECK_THROW(receptive_region<net>(net::size, 0, 0, 0), shape_error);
  BOOST_CHECK_THROW(receptive_region<net>(1, 32, 0, 0), shape_error);
  BOOST_CHECK_THROW(receptive_region<net>(1, 0, 30, 0), shape_error);
}

BOOST_AUTO_TEST_CASE(real_gradients_fill_the_region_without_max_pools) {
  {
    using net = models::seed_39x39_example;
    auto m = std::make_unique<gradient_model<net>>();
    positive_weights(*m);
    const auto image = constnet::testing::random_images(net::input_shape.elements(), 3);
    for (std::size_t i = 1; i < 4; ++i)
      for (auto [y, x] : probes(net::facts[i].output.h, net::facts[i].output.w)) {
        std::size_t pixels = 0;
        const pixel_box box = gradient_support(*m, image, objective::neuron(i, 0, y, x), pixels);
        const input_region r = receptive_region<net>(i, 0, y, x);
        BOOST_TEST_INFO(net::facts[i].name.view() << " y=" << y << " x=" << x);
        BOOST_TEST(box == r.box);
        BOOST_TEST(pixels == r.pixels);
      }
  }
  {
    using net = depthwise_32;
    auto m = std::make_unique<gradient_model<net>>();
    positive_weights(*m);
    const auto image = constnet::testing::random_images(net::input_shape.elements(), 5);
    for (std::size_t i = 1; i < net::size; ++i)
      for (auto [y, x] : probes(net::facts[i].output.h, net::facts[i].output.w)) {
        std::size_t pixels = 0;
        const pixel_box box = gradient_support(*m, image, objective::neuron(i, 5, y, x), pixels);
        const input_region r = receptive_region<net>(i, 5, y, x);
        BOOST_TEST_INFO(net::facts[i].name.view() << " y=" << y << " x=" << x);
        BOOST_TEST(box == r.box);
        BOOST_TEST(pixels == r.pixels);
      }
  }
  {
    using net = vgg_avg_32;
    auto m = std::make_unique<gradient_model<net>>();
    positive_weights(*m);
    const auto image = constnet::testing::random_images(net::input_shape.elements(), 4);
    for (std::size_t i = 1; i < net::size; ++i)
      for (auto [y, x] : probes(net::facts[i].output.h, net::facts[i].output.w)) {
        std::size_t pixels = 0;
        const pixel_box box = gradient_support(*m, image, objective::neuron(i, 3, y, x), pixels);
        const input_region r = receptive_region<net>(i, 3, y, x);
        BOOST_TEST_INFO(net::facts[i].name.view() << " y=" << y << " x=" << x);
        BOOST_TEST(box == r.box);
        BOOST_TEST(pixels == r.pixels);
        if (i + 1 < net::size) BOOST_TEST(r.box == receptive_field_box<net>(i, y, x));
      }
  }
}

BOOST_AUTO_TEST_CASE(real_gradients_stay_inside_the_region_with_max_pools) {
  // VGG16 at 32x32 (its convolutions up to block5_conv3): a max pool passes each window's gradient to
  // one cell, so the real support is smaller than the region, but never outside it.
  using net = truncate_at<models::vgg16_at<32, 32>, "block5_conv3">;
  auto m = std::make_unique<gradient_model<net>>();
  positive_weights(*m);
  const auto image = constnet::testing::random_images(net::input_shape.elements(), 6);
  for (const char* name : {"block1_conv2", "block2_pool", "block3_conv3", "block5_conv3"}) {
    const std::size_t i = net::find(name);
    const shape s = net::facts[i].output;
    std::size_t pixels = 0;
    const pixel_box box = gradient_support(*m, image, objective::neuron(i, 0, s.h / 2, s.w / 2), pixels);
    const pixel_box region = receptive_region<net>(i, 0, s.h / 2, s.w / 2).box;
    BOOST_TEST_INFO(name);
    BOOST_TEST(pixels > 0u);
    BOOST_TEST((region.y0 <= box.y0 && box.y1 <= region.y1 && region.x0 <= box.x0 && box.x1 <= region.x1));
  }
}

BOOST_AUTO_TEST_SUITE_END()
