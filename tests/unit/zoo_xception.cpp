// Xception in the zoo: Keras' totals and names, and a forward pass at 71x71 (the smallest input Keras
// accepts) with the default kernels against the reference.

#include <boost/test/unit_test.hpp>

#include "constnet/models/xception.hpp"
#include "support/zoo_forward.hpp"

using namespace constnet;
using models::xception;

// keras.applications.Xception().summary(): 22,910,480 parameters, 54,528 non-trainable;
// include_top=False: 20,861,480.
static_assert(xception::total_params == 22'910'480);
static_assert(xception::non_trainable_params == 54'528);
static_assert(models::xception_notop::total_params == 20'861'480);
static_assert(xception::layer_named<"block1_conv1">.output == feature_maps(149, 149, 32));
static_assert(xception::layer_named<"add">.output == feature_maps(74, 74, 128));
static_assert(xception::layer_named<"add_2">.output == feature_maps(19, 19, 728));
static_assert(xception::layer_named<"add_10">.output == feature_maps(19, 19, 728));
static_assert(xception::layer_named<"add_11">.output == feature_maps(10, 10, 1024));
static_assert(xception::layer_named<"block14_sepconv2_act">.output == feature_maps(10, 10, 2048));
// The middle flow's blocks add their input: block5's add reads block5_sepconv3_bn and add_2.
static_assert(xception::layer_named<"add_3">.inputs.index[1] == xception::index_of<"add_2">);

BOOST_AUTO_TEST_SUITE(zoo_xception)

BOOST_AUTO_TEST_CASE(forward_agrees_with_the_reference_on_any_thread_count) {
  testing::check_zoo_forward<models::xception_at<71, 71, 10>, "add_10">(43);
}

BOOST_AUTO_TEST_SUITE_END()
