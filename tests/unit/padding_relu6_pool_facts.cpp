// The compile-time facts of a network built from zero padding, ReLU6 (fused and as Keras' ReLU layer),
// dilated and ceil_mode pools, in the shape of MobileNetV2's stem (Keras' layer names), checked by the
// compiler: output shapes, receptive fields, parameters, names and Keras types. Then at run time: the
// summary, the structural receptive regions against the compile-time fields, and the model running.
//
// Every number below is worked out in the comments from the layer's rule, not read from constnet:
//   shapes     floor((n + p_begin + p_end - f_eff) / s) + 1, f_eff = d (f - 1) + 1; ceil_mode rounds up
//              (and drops a last window that would start past the input and its leading padding);
//              zero padding adds its cells.
//   fields     size += (f_eff - 1) jump, jump *= s, start -= p_begin jump (zero padding: a 1x1 window
//              with its padding before it).

#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "constnet/constnet.hpp"
#include "constnet/explain/receptive_field.hpp"
#include "support/random_data.hpp"

using namespace constnet;

namespace {

using stem = sequential<
    input<33, 33, 3>,
    zero_padding2d<pad<0, 1, 0, 1>, named<"Conv1_pad">>,            // 34x34x3
    conv2d<8, kernel<3>, strides<2>, no_bias, named<"Conv1">>,       // (34 - 3) / 2 + 1 = 16: 16x16x8
    batch_norm<named<"bn_Conv1">>,
    relu6<named<"Conv1_relu">>,
    zero_padding2d<>,                                                // 18x18x8
    conv2d<8, kernel<3>, act::relu6>,                                // 16x16x8
    max_pool<pool_size<3>, strides<2>, dilation<2>, pad<1>>,         // f_eff 5: (18 - 5) / 2 + 1 = 7: 7x7x8
    relu<>,
    max_pool<pool_size<2>, strides<2>, ceil_mode>,                   // ceil(5 / 2) + 1 = 4 (floor: 3): 4x4x8
    avg_pool<pool_size<3>, strides<2>, pad<1>, ceil_mode, count_padding>,  // ceil(3 / 2) + 1 = 3: 3x3x8
    global_avg_pool<>,
    dense<10>>;

// Names: Keras' defaults for the unnamed layers, counted per stem.
static_assert(stem::facts[5].name.view() == "zero_padding2d");
static_assert(stem::facts[6].name.view() == "conv2d");
static_assert(stem::facts[7].name.view() == "max_pooling2d");
static_assert(stem::facts[8].name.view() == "re_lu");
static_assert(stem::facts[9].name.view() == "max_pooling2d_1");
static_assert(stem::facts[10].name.view() == "average_pooling2d");
static_assert(stem::layer_named<"Conv1_pad">.type == "ZeroPadding2D");
static_assert(stem::layer_named<"Conv1_relu">.type == "ReLU");
static_assert(stem::layer_named<"re_lu">.type == "ReLU");

// Shapes.
static_assert(stem::layer_named<"Conv1_pad">.output == feature_maps(34, 34, 3));
static_assert(stem::layer_named<"Conv1">.output == feature_maps(16, 16, 8));
static_assert(stem::layer_named<"Conv1_relu">.output == feature_maps(16, 16, 8));
static_assert(stem::layer_named<"zero_padding2d">.output == feature_maps(18, 18, 8));
static_assert(stem::layer_named<"conv2d">.output == feature_maps(16, 16, 8));
static_assert(stem::layer_named<"max_pooling2d">.output == feature_maps(7, 7, 8));
static_assert(stem::layer_named<"max_pooling2d_1">.output == feature_maps(4, 4, 8));
static_assert(stem::layer_named<"average_pooling2d">.output == feature_maps(3, 3, 8));
static_assert(stem::output_shape == features(10));

// Receptive fields. Conv1_pad: 1, jump 1, start 0 (its padding is below and right). Conv1: 1 + 2 = 3,
// jump 2. zero_padding2d: start 0 - 1 * 2 = -2. conv2d: 3 + 2 * 2 = 7. The dilated pool: f_eff 5, so
// 7 + 4 * 2 = 15, jump 4, start -2 - 1 * 2 = -4. The ceil_mode max pool: 15 + 1 * 4 = 19, jump 8. The
// average: 19 + 2 * 8 = 35, jump 16, start -4 - 1 * 8 = -12.
constexpr axis_receptive_field rf(std::size_t size, std::size_t jump, long start) { return {size, jump, start}; }
static_assert(stem::layer_named<"Conv1_pad">.rf.y == rf(1, 1, 0));
static_assert(stem::layer_named<"Conv1">.rf.x == rf(3, 2, 0));
static_assert(stem::layer_named<"zero_padding2d">.rf.y == rf(3, 2, -2));
static_assert(stem::layer_named<"conv2d">.rf.y == rf(7, 2, -2));
static_assert(stem::layer_named<"max_pooling2d">.rf.x == rf(15, 4, -4));
static_assert(stem::layer_named<"re_lu">.rf.x == rf(15, 4, -4));
static_assert(stem::layer_named<"max_pooling2d_1">.rf.y == rf(19, 8, -4));
static_assert(stem::layer_named<"average_pooling2d">.rf.y == rf(35, 16, -12));
static_assert(stem::layer_named<"average_pooling2d">.rf.x == rf(35, 16, -12));

// Parameters: Conv1 3*3*3*8 without bias, bn_Conv1 4*8 (16 moving statistics), conv2d 3*3*8*8 + 8,
// dense 8*10 + 10; padding, ReLUs and pools have none. MACs of the padding and the ReLUs: none.
static_assert(stem::layer_named<"Conv1">.params == 216);
static_assert(stem::layer_named<"conv2d">.params == 584);
static_assert(stem::total_params == 216 + 32 + 584 + 90);
static_assert(stem::non_trainable_params == 16);
static_assert(stem::layer_named<"Conv1_pad">.params == 0 && stem::layer_named<"Conv1_pad">.macs == 0);
static_assert(stem::layer_named<"Conv1_relu">.macs == 0);
// The ReLU layers run in place on their input, the zero padding writes a tensor of its own.
static_assert(stem::layer_named<"Conv1_relu">.buffers == buffer_use::in_place);
static_assert(stem::layer_named<"Conv1_pad">.buffers == buffer_use::separate);

// The geometries the kernels get.
static_assert(stem::layer_type<4>::geometry(feature_maps(16, 16, 8)).act == activation::relu6);
static_assert(stem::layer_type<8>::geometry(feature_maps(7, 7, 8)).act == activation::relu);
static_assert(stem::layer_type<6>::geometry(feature_maps(18, 18, 8)).act == activation::relu6);
static_assert(stem::layer_type<7>::geometry(feature_maps(16, 16, 8)).dilation == extent2{2, 2});
static_assert(stem::layer_type<9>::geometry(feature_maps(7, 7, 8)).ceil_mode);
static_assert(stem::layer_type<1>::geometry(feature_maps(33, 33, 3)).pad == padding2{0, 1, 0, 1});

}  // namespace

BOOST_AUTO_TEST_SUITE(padding_relu6_pool_facts)

BOOST_AUTO_TEST_CASE(the_summary_lists_the_new_layers_as_keras_does) {
  const std::string text = summary_string<stem>();
  for (const char* row : {"Conv1_pad (ZeroPadding2D)", "Conv1_relu (ReLU)", "re_lu (ReLU)", "(None, 34, 34, 3)",
                          "max_pooling2d_1", "(None, 4, 4, 8)"})
    BOOST_TEST(text.find(row) != std::string::npos, "the summary has no " << row << ":\n" << text);
}

BOOST_AUTO_TEST_CASE(receptive_regions_match_the_compile_time_fields) {
  // Through zero padding, a dilated pool and ceil_mode pools: the region of a neuron (which pixels it is
  // connected to) has the compile-time field's box. Here the dilated pool leaves no holes: its samples
  // are 2 conv outputs apart (4 pixels) and each sees 7. A zero padding's own padding cells are
  // constants, connected to no pixel: their region is empty (the field arithmetic, which treats the
  // padding as a window's, still gives them a box).
  constexpr std::size_t first_pad = stem::index_of<"Conv1_pad">, second_pad = stem::index_of<"zero_padding2d">;
  auto is_padding_cell = [](std::size_t layer, std::size_t y, std::size_t x) {
    const layer_facts& f = stem::facts[layer];
    const padding2 p = layer == first_pad    ? stem::layer_type<first_pad>::cells
                       : layer == second_pad ? stem::layer_type<second_pad>::cells
                                             : padding2{};
    return y < p.top || y >= f.output.h - p.bottom || x < p.left || x >= f.output.w - p.right;
  };
  std::size_t checked = 0, padding_cells = 0;
  for (std::size_t i = 1; i <= stem::index_of<"average_pooling2d">; ++i) {
    const layer_facts& f = stem::facts[i];
    for (std::size_t y : {std::size_t{0}, f.output.h / 2, f.output.h - 1})
      for (std::size_t x : {std::size_t{0}, f.output.w - 1}) {
        const input_region r = receptive_region<stem>(i, f.output.c - 1, y, x);
        if (is_padding_cell(i, y, x)) {
          BOOST_TEST(r.pixels == 0u, f.name.view() << " padding cell " << y << "," << x);
          ++padding_cells;
          continue;
        }
        const pixel_box box = receptive_field_box<stem>(i, y, x);
        BOOST_TEST((r.box == box), f.name.view() << " neuron " << y << "," << x);
        BOOST_TEST(r.pixels == box.area(), f.name.view() << " neuron " << y << "," << x);
        ++checked;
      }
  }
  BOOST_TEST(checked == 50u);
  BOOST_TEST(padding_cells == 10u);  // Conv1_pad's last row and column, zero_padding2d's whole border
  // The last row of the ceil_mode max pool reaches past the 7-row map it pools: its field is clipped.
  const pixel_box last = receptive_field_box<stem>(stem::index_of<"max_pooling2d_1">, 3, 3);
  BOOST_TEST(last.y1 == 33u);
  BOOST_TEST(last.y0 == static_cast<std::size_t>(-4 + 3 * 8));
}

BOOST_AUTO_TEST_CASE(the_network_runs_the_same_with_every_policy) {
  auto fast = std::make_unique<model<stem, batch<2>, threads<2>>>();
  auto oracle = std::make_unique<model<stem, batch<2>, kernels::reference_only>>();
  he_normal(*fast, 5);
  std::copy(fast->weights().begin(), fast->weights().end(), oracle->weights().begin());
  oracle->pack_weights();
  const std::vector<float> images = testing::random_images(fast->input_elements, 6);
  const auto want_span = oracle->forward(std::span<const float>(images));
  const std::vector<float> want(want_span.begin(), want_span.end());
  const auto got = fast->forward(std::span<const float>(images));
  double worst = 0, scale = 1;
  for (std::size_t i = 0; i < want.size(); ++i) {
    worst = std::max(worst, static_cast<double>(std::abs(got[i] - want[i])));
    scale = std::max(scale, static_cast<double>(std::abs(want[i])));
  }
  // As tests/unit/fast_kernels.cpp argues for whole networks: the same products summed in another order.
  BOOST_TEST(worst <= 1e-5 * scale);
}

BOOST_AUTO_TEST_SUITE_END()
