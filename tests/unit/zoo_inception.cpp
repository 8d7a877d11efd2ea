// InceptionV3 in the zoo: Keras' totals and names, and a forward pass at 75x75 (the smallest input
// Keras accepts) with the default kernels against the reference.

#include <boost/test/unit_test.hpp>

#include "constnet/models/inception.hpp"
#include "support/zoo_forward.hpp"

using namespace constnet;
using models::inception_v3;

// keras.applications.InceptionV3().summary(): 23,851,784 parameters, 34,432 non-trainable (the moving
// statistics of 94 batch norms without gamma); include_top=False: 21,802,784.
static_assert(inception_v3::total_params == 23'851'784);
static_assert(inception_v3::non_trainable_params == 34'432);
static_assert(models::inception_v3_notop::total_params == 21'802'784);
static_assert(inception_v3::layer_named<"mixed0">.output == feature_maps(35, 35, 256));
static_assert(inception_v3::layer_named<"mixed3">.output == feature_maps(17, 17, 768));
static_assert(inception_v3::layer_named<"mixed7">.output == feature_maps(17, 17, 768));
static_assert(inception_v3::layer_named<"mixed8">.output == feature_maps(8, 8, 1280));
static_assert(inception_v3::layer_named<"mixed10">.output == feature_maps(8, 8, 2048));
static_assert(inception_v3::layer_named<"conv2d_93">.output == feature_maps(8, 8, 192));
static_assert(inception_v3::layer_named<"mixed9_1">.inputs.count == 2);
static_assert(inception_v3::layer_named<"mixed10">.inputs.count == 4);
static_assert(inception_v3::size == 313);

BOOST_AUTO_TEST_SUITE(zoo_inception)

BOOST_AUTO_TEST_CASE(forward_agrees_with_the_reference_on_any_thread_count) {
  testing::check_zoo_forward<models::inception_v3_at<75, 75, 10>, "mixed7">(41);
}

BOOST_AUTO_TEST_SUITE_END()
