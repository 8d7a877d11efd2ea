// Pinned facts of the model zoo: shapes, parameter counts and receptive fields, checked by the compiler
// (static_assert) and, for the printed summary, against the seed's Keras listing.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "constnet/constnet.hpp"
#include "constnet/models/fashion_mnist.hpp"
#include "constnet/models/seed_cnns.hpp"
#include "constnet/models/vgg.hpp"
#include "constnet/models/zoo.hpp"
#include "constnet/io/load_weights.hpp"

using namespace constnet;
using models::vgg16;

// VGG16, as keras.applications builds it (seed 003).
static_assert(vgg16::size == 23);
static_assert(vgg16::total_params == 138'357'544);
static_assert(vgg16::input_shape == feature_maps(224, 224, 3));
static_assert(vgg16::output_shape == features(1000));
static_assert(vgg16::layer_named<"block1_conv1">.params == 1792);
static_assert(vgg16::layer_named<"block1_conv1">.output == feature_maps(224, 224, 64));
static_assert(vgg16::layer_named<"block5_pool">.output == feature_maps(7, 7, 512));
static_assert(vgg16::layer_named<"flatten">.output == features(25088));
static_assert(vgg16::layer_named<"fc1">.params == 102'764'544);
static_assert(vgg16::layer_named<"predictions">.params == 4'097'000);
// Receptive fields: r_out = r_in + (f - 1) j_in, j_out = j_in s.
static_assert(vgg16::layer_named<"block1_conv1">.rf.y.size == 3);
static_assert(vgg16::layer_named<"block1_conv2">.rf.y.size == 5);
static_assert(vgg16::layer_named<"block1_pool">.rf.y.size == 6);
static_assert(vgg16::layer_named<"block3_conv3">.rf.y.size == 40);
static_assert(vgg16::layer_named<"block5_conv3">.rf.y.size == 196);
static_assert(vgg16::layer_named<"block5_conv3">.rf.x.size == 196);
static_assert(vgg16::layer_named<"block5_conv3">.rf.y.jump == 16);
static_assert(vgg16::layer_named<"block5_pool">.rf.y.size == 212);
static_assert(vgg16::layer_named<"block5_pool">.rf.y.jump == 32);
// 'same' padding of 1 at every conv: neuron 0 of block5_conv3 starts 90 pixels above the image.
static_assert(vgg16::layer_named<"block5_conv3">.rf.y.start == -90);
static_assert(vgg16::layer_named<"block1_conv1">.macs == 224ull * 224 * 64 * 27);
static_assert(vgg16::total_macs == 15'470'264'320ull);

// VGG19.
static_assert(models::vgg19::total_params == 143'667'240);
static_assert(models::vgg19::size == 26);

// The seed's CIFAR-10 CNN (004): conv 32/64/128 with pools, dense 256/128/10.
using models::cifar10_cnn;
static_assert(cifar10_cnn::total_params == 258'762);
static_assert(cifar10_cnn::layer_named<"conv2d">.output == feature_maps(30, 30, 32));
static_assert(cifar10_cnn::layer_named<"max_pooling2d_1">.output == feature_maps(6, 6, 64));
static_assert(cifar10_cnn::layer_named<"conv2d_2">.output == feature_maps(4, 4, 128));
static_assert(cifar10_cnn::layer_named<"flatten">.output == features(512));
static_assert(cifar10_cnn::layer_named<"dense_2">.output == features(10));

// The seed's 64x64 batch-norm CNN (004): Keras prints 2,618,446 parameters, 896 non-trainable.
using models::bn_cnn_64;
static_assert(bn_cnn_64::total_params == 2'618'446);
static_assert(bn_cnn_64::non_trainable_params == 2 * (3 + 32 + 64 + 128));
static_assert(bn_cnn_64::layer_named<"batch_normalization">.params == 12);
static_assert(bn_cnn_64::layer_named<"flatten">.output == features(4608));

// The seed's 39x39x3 example: 37x37x10 -> 17x17x20 -> 7x7x40 = 1960 features.
using models::seed_39x39_example;
static_assert(seed_39x39_example::facts[1].output == feature_maps(37, 37, 10));
static_assert(seed_39x39_example::facts[2].output == feature_maps(17, 17, 20));
static_assert(seed_39x39_example::facts[3].output == feature_maps(7, 7, 40));
static_assert(seed_39x39_example::output_shape == features(1960));

// The shipped Fashion-MNIST network: the seed's CNN with 'same' convolutions on 28x28x1; the floored last
// pool leaves 3x3x128, so PyTorch's C, H, W flatten order differs from constnet's H, W, C. Parameters:
// (9*1*32 + 32) + (9*32*64 + 64) + (9*64*128 + 128) + (1152*256 + 256) + (256*128 + 128) + (128*10 + 10).
using models::fashion_mnist_cnn;
static_assert(fashion_mnist_cnn::total_params == 320 + 18'496 + 73'856 + 295'168 + 32'896 + 1'290);
static_assert(fashion_mnist_cnn::total_params == 422'026);
static_assert(fashion_mnist_cnn::size == 12);
static_assert(fashion_mnist_cnn::input_shape == feature_maps(28, 28, 1));
static_assert(fashion_mnist_cnn::layer_named<"conv2d">.output == feature_maps(28, 28, 32));
static_assert(fashion_mnist_cnn::layer_named<"max_pooling2d">.output == feature_maps(14, 14, 32));
static_assert(fashion_mnist_cnn::layer_named<"conv2d_1">.output == feature_maps(14, 14, 64));
static_assert(fashion_mnist_cnn::layer_named<"max_pooling2d_1">.output == feature_maps(7, 7, 64));
static_assert(fashion_mnist_cnn::layer_named<"conv2d_2">.output == feature_maps(7, 7, 128));
static_assert(fashion_mnist_cnn::layer_named<"max_pooling2d_2">.output == feature_maps(3, 3, 128));
static_assert(fashion_mnist_cnn::layer_named<"flatten">.output == features(1152));
static_assert(fashion_mnist_cnn::layer_named<"dense">.params == 295'168);
static_assert(fashion_mnist_cnn::layer_named<"dense_2">.output == features(10));
static_assert(fashion_mnist_cnn::layer_named<"activation">.output == features(10));
static_assert(fashion_mnist_cnn::output_shape == features(10));
// Receptive fields 3, 4, 8, 10, 18, 22 with jumps 1, 2, 2, 4, 4, 8; each 'same' conv starts its field
// (f - 1) / 2 jumps earlier: -1, -1, -3, -3, -7, -7. A last-pool neuron sees 22x22 pixels, 8 apart.
static_assert(fashion_mnist_cnn::layer_named<"conv2d_2">.rf.y.size == 18);
static_assert(fashion_mnist_cnn::layer_named<"max_pooling2d_2">.rf.y.size == 22);
static_assert(fashion_mnist_cnn::layer_named<"max_pooling2d_2">.rf.y.jump == 8);
static_assert(fashion_mnist_cnn::layer_named<"max_pooling2d_2">.rf.y.start == -7);
static_assert(model<fashion_mnist_cnn>::arena_bytes == model<fashion_mnist_cnn>::plan.lower_bound);

// Truncation keeps names and shapes: the seeds' viz_model up to block1_conv1.
using block1 = truncate_at<vgg16, "block1_conv1">;
static_assert(block1::size == 2);
static_assert(block1::output_shape == feature_maps(224, 224, 64));
static_assert(block1::facts[1].name.view() == "block1_conv1");
static_assert(truncate_at<vgg16, "block3_conv2">::total_params == 1792 + 36928 + 73856 + 147584 + 295168 + 590080);

// The arena: VGG16 at 224x224, fp32, batch 1 needs block1_conv1 and block1_conv2 alive together,
// 2 x 224*224*64*4 bytes = 24.5 MiB, plus block1_conv2's kernel scratch (Winograd's per-thread blocks,
// independent of the batch), and the planner reaches that bound; one buffer per tensor is ~58 MiB.
using vgg16_model = model<vgg16>;
constexpr std::size_t block1_conv2_scratch = vgg16_model::plan.scratch_bytes[vgg16::index_of<"block1_conv2">];
static_assert(vgg16_model::plan.lower_bound == 2 * 224 * 224 * 64 * 4 + block1_conv2_scratch);
static_assert(vgg16_model::arena_bytes == vgg16_model::plan.lower_bound);
static_assert(vgg16_model::plan.separate_bytes > 58 * 1024 * 1024);
static_assert(model<cifar10_cnn>::arena_bytes == model<cifar10_cnn>::plan.lower_bound);
static_assert(model<bn_cnn_64>::arena_bytes == model<bn_cnn_64>::plan.lower_bound);
static_assert(model<models::vgg19>::arena_bytes == model<models::vgg19>::plan.lower_bound);
static_assert(model<vgg16, batch<8>>::arena_bytes == 8 * 2 * 224 * 224 * 64 * 4 + block1_conv2_scratch);

// VGG16(include_top=False): Keras' notop model, 14,714,688 parameters (keras.applications summary).
static_assert(models::vgg16_notop::size == 19);
static_assert(models::vgg16_notop::total_params == 14'714'688);
static_assert(models::vgg16_notop::output_shape == feature_maps(7, 7, 512));
static_assert(models::vgg19_notop::total_params == 20'024'384);
static_assert(models::vgg19_notop::output_shape == feature_maps(7, 7, 512));

// A MobileNet-style stack. Keras counts a DepthwiseConv2D as kh*kw*C*M + C*M parameters and a
// SeparableConv2D as kh*kw*C*M + C*M*filters + filters; MACs are one per tap per depthwise value, plus
// C*M per pointwise output.
using mobile_stack = sequential<
    input<32, 32, 3>,
    conv2d<8, kernel<3>, strides<2>, same, act::relu>,                       // 16x16x8: 27*8 + 8
    depthwise_conv2d<kernel<3>, same, act::relu>,                            // 16x16x8: 9*8 + 8
    separable_conv2d<16, kernel<3>, strides<2>, same, depth_multiplier<2>>,  // 8x8x16: 9*16 + 16*16 + 16
    depthwise_conv2d<kernel<3>, depth_multiplier<2>, no_bias>,               // 6x6x32: 9*32
    global_avg_pool<>,
    dense<4>>;                                                               // 32*4 + 4
static_assert(mobile_stack::layer_named<"depthwise_conv2d">.params == 80);
static_assert(mobile_stack::layer_named<"separable_conv2d">.params == 416);
static_assert(mobile_stack::layer_named<"depthwise_conv2d_1">.params == 288);
static_assert(mobile_stack::total_params == 224 + 80 + 416 + 288 + 132);
static_assert(mobile_stack::total_params == 1'140);
static_assert(mobile_stack::layer_named<"depthwise_conv2d">.type == "DepthwiseConv2D");
static_assert(mobile_stack::layer_named<"separable_conv2d">.type == "SeparableConv2D");
static_assert(mobile_stack::layer_named<"separable_conv2d">.output == feature_maps(8, 8, 16));
static_assert(mobile_stack::layer_named<"depthwise_conv2d_1">.output == feature_maps(6, 6, 32));
static_assert(mobile_stack::layer_named<"depthwise_conv2d">.macs == 16 * 16 * 8 * 9);
static_assert(mobile_stack::layer_named<"separable_conv2d">.macs == 8 * 8 * 16 * (9 + 16));
static_assert(mobile_stack::layer_named<"depthwise_conv2d_1">.macs == 6 * 6 * 32 * 9);
// Receptive fields 3, 3 + 2*2, 7 + 2*2, 11 + 2*4 with jumps 2, 2, 4, 4: the separable layer's pointwise
// stage adds nothing.
static_assert(mobile_stack::layer_named<"depthwise_conv2d">.rf.y.size == 7);
static_assert(mobile_stack::layer_named<"separable_conv2d">.rf.y.size == 11);
static_assert(mobile_stack::layer_named<"separable_conv2d">.rf.y.jump == 4);
static_assert(mobile_stack::layer_named<"depthwise_conv2d_1">.rf.x.size == 19);

BOOST_AUTO_TEST_SUITE(model_zoo)

// Keras' summary rows for the depthwise and separable layers: its print_summary cuts "name (Type)" to 28
// characters and a space, so the types show as "DepthwiseC" and "SeparableC".
BOOST_AUTO_TEST_CASE(depthwise_and_separable_summary_rows_are_keras_rows) {
  const std::string keras_rows[] = {
      "conv2d (Conv2D)              (None, 16, 16, 8)         224",
      "depthwise_conv2d (DepthwiseC (None, 16, 16, 8)         80",
      "separable_conv2d (SeparableC (None, 8, 8, 16)          416",
      "depthwise_conv2d_1 (Depthwis (None, 6, 6, 32)          288",
      "global_average_pooling2d (Gl (None, 32)                0",
      "dense (Dense)                (None, 4)                 132",
  };
  const std::string text = summary_string<mobile_stack>();
  for (const std::string& row : keras_rows) BOOST_TEST(text.find(row) != std::string::npos, "no row: " << row);
  BOOST_TEST(text.find("Total params: 1,140") != std::string::npos);
}

// The notop network's tensors are exactly the full network's convolution tensors (same names and
// shapes, so Keras' _notop.h5 loads), and it computes the full network's block5_pool. At 32x32 to stay
// small: the names and the topology do not depend on the input size.
BOOST_AUTO_TEST_CASE(notop_vgg16_is_the_full_networks_convolutional_part) {
  using full_net = models::vgg16_at<32, 32, 10>;
  using notop_net = models::vgg16_notop_at<32, 32>;
  auto full = std::make_unique<model<full_net>>();
  he_normal(*full, 7);
  const io::tensor_set all = io::to_tensor_set(*full, io::convention::keras);
  io::tensor_set conv_only;
  std::size_t dense_tensors = 0;
  for (const io::tensor_entry& e : all.entries()) {
    if (e.name.starts_with("fc") || e.name.starts_with("predictions")) {
      ++dense_tensors;
      continue;
    }
    conv_only.add(e.name, e.shape, e.type, e.bytes);  // `all` outlives conv_only's use
  }
  BOOST_TEST(dense_tensors == 6u);
  BOOST_TEST(conv_only.entries().size() == 26u);

  auto notop = std::make_unique<model<notop_net>>();
  io::load_weights(*notop, conv_only, io::convention::keras);
  // The full set has fc1..predictions too: loading it into the notop network names them as unexpected.
  BOOST_CHECK_THROW(io::load_weights(*notop, all, io::convention::keras), weights_mismatch_error);

  std::vector<float> image(32 * 32 * 3);
  for (std::size_t i = 0; i < image.size(); ++i) image[i] = static_cast<float>((i * 37) % 101) / 101.0f;
  const std::span<const float> from_full = full->forward_to("block5_pool", image);
  const std::vector<float> expected(from_full.begin(), from_full.end());
  const auto from_notop = notop->forward(std::span<const float>(image));
  BOOST_TEST(std::equal(expected.begin(), expected.end(), from_notop.begin(), from_notop.end()));
}

BOOST_AUTO_TEST_CASE(zoo_class_names_follow_each_network) {
  BOOST_TEST(models::zoo_class_names_of("vgg16").size() == 1000u);
  BOOST_TEST(std::string(models::zoo_class_names_of("vgg16")[281]) == "tabby");
  BOOST_TEST(std::string(models::zoo_class_names_of("vgg19")[0]) == "tench");
  BOOST_TEST(std::string(models::zoo_class_names_of("fashion_mnist_cnn")[9]) == "Ankle boot");
  BOOST_TEST(models::zoo_class_names_of("vgg16_notop").empty());
  BOOST_CHECK_EXCEPTION(models::zoo_class_names_of("vgg61"), unknown_name_error, [](const unknown_name_error& e) {
    return std::string(e.what()).find("the closest is vgg16") != std::string::npos;
  });
  for (std::size_t i = 0; i < models::zoo_size; ++i) {
    const std::span<const char* const> names = models::zoo_class_names[i];
    BOOST_TEST_CONTEXT(models::zoo_names[i]) {
      // Every distinct: a duplicate would make a printed top-k ambiguous.
      std::vector<std::string> sorted(names.begin(), names.end());
      std::sort(sorted.begin(), sorted.end());
      BOOST_TEST((std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end()));
    }
  }
}

// Every row of the seed's VGG16 listing appears, character for character, as the first three columns
// of our summary.
BOOST_AUTO_TEST_CASE(vgg16_summary_matches_the_seed_listing) {
  const std::string seed_rows[] = {
      "Layer (type)                 Output Shape              Param #",
      "input_1 (InputLayer)         (None, 224, 224, 3)       0",
      "block1_conv1 (Conv2D)        (None, 224, 224, 64)      1792",
      "block1_conv2 (Conv2D)        (None, 224, 224, 64)      36928",
      "block1_pool (MaxPooling2D)   (None, 112, 112, 64)      0",
      "block2_conv1 (Conv2D)        (None, 112, 112, 128)     73856",
      "block2_conv2 (Conv2D)        (None, 112, 112, 128)     147584",
      "block2_pool (MaxPooling2D)   (None, 56, 56, 128)       0",
      "block3_conv1 (Conv2D)        (None, 56, 56, 256)       295168",
      "block3_conv2 (Conv2D)        (None, 56, 56, 256)       590080",
      "block3_conv3 (Conv2D)        (None, 56, 56, 256)       590080",
      "block3_pool (MaxPooling2D)   (None, 28, 28, 256)       0",
      "block4_conv1 (Conv2D)        (None, 28, 28, 512)       1180160",
      "block4_conv2 (Conv2D)        (None, 28, 28, 512)       2359808",
      "block4_conv3 (Conv2D)        (None, 28, 28, 512)       2359808",
      "block4_pool (MaxPooling2D)   (None, 14, 14, 512)       0",
      "block5_conv1 (Conv2D)        (None, 14, 14, 512)       2359808",
      "block5_conv2 (Conv2D)        (None, 14, 14, 512)       2359808",
      "block5_conv3 (Conv2D)        (None, 14, 14, 512)       2359808",
      "block5_pool (MaxPooling2D)   (None, 7, 7, 512)         0",
      "flatten (Flatten)            (None, 25088)             0",
      "fc1 (Dense)                  (None, 4096)              102764544",
      "fc2 (Dense)                  (None, 4096)              16781312",
      "predictions (Dense)          (None, 1000)              4097000",
  };
  std::istringstream printed(summary_string<vgg16>());
  std::vector<std::string> lines;
  for (std::string line; std::getline(printed, line);) lines.push_back(line);

  std::size_t next = 0;
  for (const std::string& line : lines) {
    if (next == std::size(seed_rows)) break;
    std::string keras_part = line.substr(0, 65);
    keras_part.erase(keras_part.find_last_not_of(' ') + 1);
    if (keras_part == seed_rows[next]) ++next;
  }
  BOOST_TEST(next == std::size(seed_rows), "seed row " << next << " not found in order: " << seed_rows[next]);

  const std::string text = printed.str();
  BOOST_TEST(text.find("Total params: 138,357,544") != std::string::npos);
  BOOST_TEST(text.find("Trainable params: 138,357,544") != std::string::npos);
  BOOST_TEST(text.find("Non-trainable params: 0") != std::string::npos);
  BOOST_TEST(text.find("196x196") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(bn_cnn_summary_counts_non_trainable_statistics) {
  const std::string text = summary_string<bn_cnn_64>();
  BOOST_TEST(text.find("Total params: 2,618,446") != std::string::npos);
  BOOST_TEST(text.find("Non-trainable params: 454") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(runtime_lookup_matches_compile_time_lookup) {
  BOOST_TEST(vgg16::find("block3_conv2") == vgg16::index_of<"block3_conv2">);
  BOOST_TEST(vgg16::find("no_such_layer") == vgg16::size);
  BOOST_CHECK_THROW(vgg16_model::index_of("block1_con1"), unknown_name_error);
  try {
    vgg16_model::index_of("block1_con1");
  } catch (const unknown_name_error& e) {
    BOOST_TEST(std::string(e.what()).find("block1_conv1") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(visit_layers_walks_front_to_back) {
  std::vector<std::string> names;
  std::size_t conv_layers = 0;
  visit_layers<vgg16>([&](auto index, const layer_facts& f) {
    BOOST_TEST(decltype(index)::value == f.index);
    names.emplace_back(f.name.view());
    if (f.type == "Conv2D") ++conv_layers;
  });
  BOOST_TEST(names.size() == vgg16::size);
  BOOST_TEST(names.front() == "input_1");
  BOOST_TEST(names.back() == "predictions");
  BOOST_TEST(conv_layers == 13u);
  BOOST_TEST((layer<"fc2", vgg16>().params) == 16'781'312u);
  BOOST_TEST((layer<1, vgg16>().name.view()) == "block1_conv1");
}

BOOST_AUTO_TEST_CASE(zoo_finds_networks_by_name) {
  for (std::size_t i = 0; i < models::zoo_size; ++i)
    for (std::size_t j = i + 1; j < models::zoo_size; ++j) BOOST_TEST(models::zoo_names[i] != models::zoo_names[j]);
  const std::size_t params = models::with_zoo_network("vgg16", [](auto n) { return decltype(n)::type::total_params; });
  BOOST_TEST(params == vgg16::total_params);
  const std::size_t layers = models::with_zoo_network("seed_39x39_example", [](auto n) { return decltype(n)::type::size; });
  BOOST_TEST(layers == models::seed_39x39_example::size);
  try {
    models::with_zoo_network("cifar_cnn", [](auto) { return 0; });
    BOOST_FAIL("an unknown name must throw");
  } catch (const unknown_name_error& e) {
    BOOST_TEST(std::string(e.what()).find("the closest is cifar10_cnn") != std::string::npos);
  }
}

BOOST_AUTO_TEST_SUITE_END()
