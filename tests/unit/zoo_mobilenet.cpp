// MobileNetV2 in the zoo: Keras' totals and names, and a forward pass at 64x64 with the default kernels
// against the reference.

#include <boost/test/unit_test.hpp>

#include "constnet/models/mobilenet.hpp"
#include "support/zoo_forward.hpp"

using namespace constnet;
using models::mobilenet_v2;

// keras.applications.MobileNetV2().summary(): 3,538,984 parameters, 34,112 non-trainable;
// include_top=False: 2,257,984.
static_assert(mobilenet_v2::total_params == 3'538'984);
static_assert(mobilenet_v2::non_trainable_params == 34'112);
static_assert(models::mobilenet_v2_notop::total_params == 2'257'984);
static_assert(mobilenet_v2::layer_named<"Conv1">.output == feature_maps(112, 112, 32));
static_assert(mobilenet_v2::layer_named<"expanded_conv_project_BN">.output == feature_maps(112, 112, 16));
static_assert(mobilenet_v2::layer_named<"block_1_pad">.output == feature_maps(113, 113, 96));
static_assert(mobilenet_v2::layer_named<"block_2_add">.output == feature_maps(56, 56, 24));
static_assert(mobilenet_v2::layer_named<"block_16_project_BN">.output == feature_maps(7, 7, 320));
static_assert(mobilenet_v2::layer_named<"out_relu">.output == feature_maps(7, 7, 1280));
static_assert(mobilenet_v2::layer_named<"block_5_add">.inputs.count == 2);
static_assert(mobilenet_v2::find("block_10_add") == mobilenet_v2::size);  // 64 -> 96 channels: no shortcut

BOOST_AUTO_TEST_SUITE(zoo_mobilenet)

BOOST_AUTO_TEST_CASE(forward_agrees_with_the_reference_on_any_thread_count) {
  testing::check_zoo_forward<models::mobilenet_v2_at<64, 64, 10>, "block_12_add">(47);
}

BOOST_AUTO_TEST_SUITE_END()
