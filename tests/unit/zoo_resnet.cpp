// ResNet50 (Keras' v1 and torchvision's v1.5 strides) and ResNet50V2 in the zoo: Keras' totals and names,
// and forward passes at 64x64 with the default kernels against the reference.

#include <boost/test/unit_test.hpp>

#include "constnet/models/resnet.hpp"
#include "support/zoo_forward.hpp"

using namespace constnet;
using models::resnet50;
using models::resnet50v2;

// keras.applications.ResNet50().summary(): 25,636,712 parameters, 53,120 non-trainable (batch norms'
// moving statistics); include_top=False: 23,587,712. ResNet50V2: 25,613,800 and 45,440; notop 23,564,800.
static_assert(resnet50::total_params == 25'636'712);
static_assert(resnet50::non_trainable_params == 53'120);
static_assert(models::resnet50_notop::total_params == 23'587'712);
static_assert(resnet50v2::total_params == 25'613'800);
static_assert(resnet50v2::non_trainable_params == 45'440);
static_assert(models::resnet50v2_notop::total_params == 23'564'800);
static_assert(models::resnet50_v1_5::total_params == resnet50::total_params);
static_assert(resnet50::layer_named<"conv1_conv">.output == feature_maps(112, 112, 64));
static_assert(resnet50::layer_named<"pool1_pool">.output == feature_maps(56, 56, 64));
static_assert(resnet50::layer_named<"conv2_block3_out">.output == feature_maps(56, 56, 256));
static_assert(resnet50::layer_named<"conv3_block4_out">.output == feature_maps(28, 28, 512));
static_assert(resnet50::layer_named<"conv5_block3_out">.output == feature_maps(7, 7, 2048));
// v1 strides the first 1x1 of a downsampling block, v1.5 its 3x3.
static_assert(resnet50::layer_named<"conv3_block1_1_conv">.output == feature_maps(28, 28, 128));
static_assert(models::resnet50_v1_5::layer_named<"conv3_block1_1_conv">.output == feature_maps(56, 56, 128));
static_assert(resnet50::layer_named<"conv2_block1_add">.inputs.count == 2);
static_assert(resnet50v2::layer_named<"conv4_block6_out">.output == feature_maps(7, 7, 1024));
static_assert(resnet50v2::layer_named<"max_pooling2d_2">.output == feature_maps(7, 7, 1024));  // conv4_block5_out, pooled
static_assert(resnet50v2::layer_named<"post_relu">.output == feature_maps(7, 7, 2048));

BOOST_AUTO_TEST_SUITE(zoo_resnet)

BOOST_AUTO_TEST_CASE(forward_agrees_with_the_reference_on_any_thread_count) {
  testing::check_zoo_forward<models::resnet50_at<64, 64, 10>, "conv4_block6_out">(45);
  testing::check_zoo_forward<models::resnet50v2_at<64, 64, 10>, "conv4_block6_out">(46);
}

BOOST_AUTO_TEST_CASE(the_planner_reaches_the_lower_bound) {
  // ResNet50 at 224x224, batch 1, default kernels: the arena is the largest set of buffers alive at one
  // step (9,633,792 bytes, 9.2 MiB, when this was written), against 82,715,968 for one buffer per tensor
  // and scratch block.
  using M = model<resnet50>;
  BOOST_TEST_MESSAGE("ResNet50 arena " << M::plan.arena_bytes << " B, lower bound " << M::plan.lower_bound
                                       << " B, one buffer each " << M::plan.separate_bytes << " B");
  BOOST_TEST(M::plan.arena_bytes == M::plan.lower_bound);
  BOOST_TEST(M::plan.arena_bytes * 8 < M::plan.separate_bytes);
}

BOOST_AUTO_TEST_SUITE_END()
