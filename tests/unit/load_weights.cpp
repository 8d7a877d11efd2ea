// Loading weights into a model and saving them: round trips in both conventions give bit-identical
// weights and outputs, a PyTorch-layout file built independently here (OIHW kernels, [out][in] dense,
// C,H,W flatten) gives the same outputs as the Keras-layout file, and every mismatch is one typed error
// listing every problem while the model stays exactly as it was.

#include <boost/test/unit_test.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "constnet/io/load_weights.hpp"
#include "constnet/models/seed_cnns.hpp"
#include "support/weight_files.hpp"

using namespace constnet;
using namespace constnet::io;
using constnet::testing::model_snapshot;
using constnet::testing::random_images;
using constnet::testing::randomize;
using constnet::testing::temp_dir;
using constnet::testing::weights_net;

namespace {

using small_model = model<weights_net>;

const temp_dir& files() {
  static const temp_dir dir("load_weights");
  return dir;
}

template <class Model>
std::vector<float> run(Model& m, std::uint64_t seed = 7) {
  const auto input = random_images(Model::input_elements, seed);
  const auto out = m.forward(std::span<const float>(input));
  return {out.begin(), out.end()};
}

template <class Model>
bool same_weights(const Model& a, const Model& b) {
  const auto x = a.weights(), y = b.weights();
  return std::memcmp(x.data(), y.data(), x.size_bytes()) == 0;
}

/// A set that owns its buffers; entries may also be borrowed from another set kept alive by the caller.
struct building_set {
  void add(std::string name, std::vector<std::size_t> shape, std::vector<float> values) {
    auto buffer = std::make_shared<std::vector<float>>(std::move(values));
    set.add(std::move(name), std::move(shape), dtype::f32, std::as_bytes(std::span<const float>(*buffer)));
    set.keep_alive(buffer);
  }
  template <class T>
  void add_raw(std::string name, std::vector<std::size_t> shape, dtype type, std::vector<T> values) {
    auto buffer = std::make_shared<std::vector<T>>(std::move(values));
    set.add(std::move(name), std::move(shape), type, std::as_bytes(std::span<const T>(*buffer)));
    set.keep_alive(buffer);
  }
  void copy(const tensor_entry& e, std::string name) { set.add(std::move(name), e.shape, e.type, e.bytes); }
  tensor_set set;
};

std::vector<float> floats(const tensor_entry& e) {
  std::vector<float> out(e.elements());
  convert_to_f32(e, out);
  return out;
}

bool message_has(const std::exception& e, const std::string& text) {
  const bool found = std::string(e.what()).find(text) != std::string::npos;
  if (!found) BOOST_TEST_MESSAGE("message was: " << e.what() << "\nwanted: " << text);
  return found;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(load_weights)

BOOST_AUTO_TEST_CASE(keras_round_trip_through_a_file_is_bit_exact) {
  auto saved = std::make_unique<small_model>();
  auto loaded = std::make_unique<small_model>();
  randomize(*saved, 1);
  const auto path = files() / "keras.safetensors";
  save_weights(*saved, path, convention::keras);
  io::load_weights(*loaded, path, convention::keras);
  BOOST_TEST(same_weights(*saved, *loaded));
  BOOST_TEST((run(*saved) == run(*loaded)));  // pack_weights ran: the folded batch norm is in place

  const tensor_set set = read_safetensors(path);
  BOOST_TEST(set.metadata().at("convention") == "keras");
  BOOST_TEST(set.size() == 16u);
  BOOST_TEST((set.find("conv2d.kernel")->shape == std::vector<std::size_t>{3, 2, 3, 4}));
  BOOST_TEST((set.find("hidden.kernel")->shape == std::vector<std::size_t>{30, 7}));
  BOOST_TEST((set.find("features_norm.moving_variance")->shape == std::vector<std::size_t>{30}));
}

BOOST_AUTO_TEST_CASE(pytorch_round_trip_through_a_file_is_bit_exact) {
  auto saved = std::make_unique<small_model>();
  auto loaded = std::make_unique<small_model>();
  randomize(*saved, 2);
  const auto path = files() / "pytorch.safetensors";
  save_weights(*saved, path, convention::pytorch);
  io::load_weights(*loaded, path, convention::pytorch);
  BOOST_TEST(same_weights(*saved, *loaded));
  BOOST_TEST((run(*saved) == run(*loaded)));

  const tensor_set set = read_safetensors(path);
  BOOST_TEST(set.metadata().at("convention") == "pytorch");
  BOOST_TEST((set.find("conv2d.kernel")->shape == std::vector<std::size_t>{4, 3, 3, 2}));  // OIHW
  BOOST_TEST((set.find("hidden.kernel")->shape == std::vector<std::size_t>{7, 30}));      // [out][in]
  BOOST_TEST((set.find("dense.kernel")->shape == std::vector<std::size_t>{3, 7}));
}

BOOST_AUTO_TEST_CASE(a_bigger_network_round_trips_in_both_conventions) {
  using net = models::bn_cnn_64;  // a batch norm on the input, flatten of 6x6x128, four dense layers
  auto saved = std::make_unique<model<net>>();
  randomize(*saved, 4);
  for (const convention c : {convention::keras, convention::pytorch}) {
    auto loaded = std::make_unique<model<net>>();
    io::load_weights(*loaded, to_tensor_set(*saved, c), c);
    BOOST_TEST(same_weights(*saved, *loaded));
    BOOST_TEST((run(*saved) == run(*loaded)));
  }
}

// The PyTorch file is built here from the Keras tensors with the index formulas written out, not with
// the library's own permutation, so the test checks the convention rather than the code against itself.
BOOST_AUTO_TEST_CASE(pytorch_and_keras_files_of_one_network_give_the_same_outputs) {
  auto original = std::make_unique<small_model>();
  randomize(*original, 3);
  const tensor_set keras = to_tensor_set(*original, convention::keras);

  building_set pytorch;
  pytorch.set.metadata()["convention"] = "pytorch";
  const auto k = [&](const std::string& name) { return floats(*keras.find(name)); };
  // conv kernels: HWIO [kh][kw][ci][co] -> OIHW [co][ci][kh][kw]
  for (const std::string layer : {"conv2d", "conv2d_1"}) {
    const auto& shape = keras.find(layer + ".kernel")->shape;
    const std::size_t kh = shape[0], kw = shape[1], ci = shape[2], co = shape[3];
    const auto hwio = k(layer + ".kernel");
    std::vector<float> oihw(hwio.size());
    for (std::size_t o = 0; o < co; ++o)
      for (std::size_t i = 0; i < ci; ++i)
        for (std::size_t y = 0; y < kh; ++y)
          for (std::size_t x = 0; x < kw; ++x) oihw[((o * ci + i) * kh + y) * kw + x] = hwio[((y * kw + x) * ci + i) * co + o];
    pytorch.add(layer + ".kernel", {co, ci, kh, kw}, oihw);
    pytorch.add(layer + ".bias", {co}, k(layer + ".bias"));
  }
  for (const std::string t : {"gamma", "beta", "moving_mean", "moving_variance"})
    pytorch.add("batch_normalization." + t, {5}, k("batch_normalization." + t));
  // The flattened 3x2x5 map: Keras feature (y * 2 + x) * 5 + c is PyTorch feature c * 6 + y * 2 + x.
  constexpr std::size_t H = 3, W = 2, C = 5;
  const auto torch_feature = [](std::size_t keras_feature) {
    const std::size_t c = keras_feature % C, x = (keras_feature / C) % W, y = keras_feature / (C * W);
    return c * H * W + y * W + x;
  };
  for (const std::string t : {"gamma", "beta", "moving_mean", "moving_variance"}) {
    const auto v = k("features_norm." + t);
    std::vector<float> permuted(v.size());
    for (std::size_t f = 0; f < v.size(); ++f) permuted[torch_feature(f)] = v[f];
    pytorch.add("features_norm." + t, {30}, permuted);
  }
  {
    const auto in_out = k("hidden.kernel");  // [30][7]
    std::vector<float> out_in(in_out.size());
    for (std::size_t f = 0; f < 30; ++f)
      for (std::size_t o = 0; o < 7; ++o) out_in[o * 30 + torch_feature(f)] = in_out[f * 7 + o];
    pytorch.add("hidden.kernel", {7, 30}, out_in);
    pytorch.add("hidden.bias", {7}, k("hidden.bias"));
  }
  {
    const auto in_out = k("dense.kernel");  // [7][3], after a dense: a plain transpose
    std::vector<float> out_in(in_out.size());
    for (std::size_t i = 0; i < 7; ++i)
      for (std::size_t o = 0; o < 3; ++o) out_in[o * 7 + i] = in_out[i * 3 + o];
    pytorch.add("dense.kernel", {3, 7}, out_in);
    pytorch.add("dense.bias", {3}, k("dense.bias"));
  }

  const auto keras_path = files() / "same_keras.safetensors";
  const auto pytorch_path = files() / "same_pytorch.safetensors";
  write_safetensors(keras_path, keras);
  write_safetensors(pytorch_path, pytorch.set);
  auto from_keras = std::make_unique<small_model>();
  auto from_pytorch = std::make_unique<small_model>();
  io::load_weights(*from_keras, keras_path, convention::keras);
  io::load_weights(*from_pytorch, pytorch_path, convention::pytorch);
  const auto expected = run(*original);
  BOOST_TEST((run(*from_keras) == expected));
  BOOST_TEST((run(*from_pytorch) == expected));  // a pure permutation of the same floats: bit for bit
  BOOST_TEST(same_weights(*from_pytorch, *original));
  // And the library's own PyTorch export is that same file.
  BOOST_TEST((safetensors_bytes(to_tensor_set(*original, convention::pytorch)) == safetensors_bytes(pytorch.set)));
}

// Depthwise kernels: Keras' [kh][kw][C][M] against PyTorch's [C*M][1][kh][kw] (Conv2d with groups=C, output
// channel c*M + m), written out element by element here; pointwise kernels are 1x1 OIHW. (tests/unit/
// depthwise_pytorch.cpp checks the same convention against PyTorch's own modules.)
BOOST_AUTO_TEST_CASE(depthwise_and_separable_kernels_in_both_conventions) {
  using net = sequential<input<7, 6, 4>, depthwise_conv2d<kernel<3, 2>, depth_multiplier<3>, same, act::relu>,
                         separable_conv2d<5, kernel<2>, depth_multiplier<2>, strides<2>>>;
  auto saved = std::make_unique<model<net>>();
  randomize(*saved, 13);
  for (const convention c : {convention::keras, convention::pytorch}) {
    auto loaded = std::make_unique<model<net>>();
    io::load_weights(*loaded, to_tensor_set(*saved, c), c);
    BOOST_TEST(same_weights(*saved, *loaded));
    BOOST_TEST((run(*saved) == run(*loaded)));
  }

  const tensor_set keras = to_tensor_set(*saved, convention::keras);
  const tensor_set pytorch = to_tensor_set(*saved, convention::pytorch);
  BOOST_TEST((keras.find("depthwise_conv2d.depthwise_kernel")->shape == std::vector<std::size_t>{3, 2, 4, 3}));
  BOOST_TEST((pytorch.find("depthwise_conv2d.depthwise_kernel")->shape == std::vector<std::size_t>{12, 1, 3, 2}));
  BOOST_TEST((pytorch.find("separable_conv2d.depthwise_kernel")->shape == std::vector<std::size_t>{24, 1, 2, 2}));
  BOOST_TEST((pytorch.find("separable_conv2d.pointwise_kernel")->shape == std::vector<std::size_t>{5, 24, 1, 1}));
  BOOST_TEST((pytorch.find("separable_conv2d.bias")->shape == std::vector<std::size_t>{5}));
  const auto hwcm = floats(*keras.find("depthwise_conv2d.depthwise_kernel"));
  const auto torch_depthwise = floats(*pytorch.find("depthwise_conv2d.depthwise_kernel"));
  std::size_t misplaced = 0;
  for (std::size_t o = 0; o < 12; ++o)
    for (std::size_t y = 0; y < 3; ++y)
      for (std::size_t x = 0; x < 2; ++x)
        misplaced += torch_depthwise[(o * 3 + y) * 2 + x] != hwcm[((y * 2 + x) * 4 + o / 3) * 3 + o % 3];
  BOOST_TEST(misplaced == 0u);
  const auto hwio = floats(*keras.find("separable_conv2d.pointwise_kernel"));  // [1][1][24][5]
  const auto oihw = floats(*pytorch.find("separable_conv2d.pointwise_kernel"));
  misplaced = 0;
  for (std::size_t o = 0; o < 5; ++o)
    for (std::size_t i = 0; i < 24; ++i) misplaced += oihw[o * 24 + i] != hwio[i * 5 + o];
  BOOST_TEST(misplaced == 0u);

  // Without metadata, PyTorch's shapes loaded as Keras' are reported with the hint.
  tensor_set unlabelled = to_tensor_set(*saved, convention::pytorch);
  unlabelled.metadata().clear();
  auto target = std::make_unique<model<net>>();
  BOOST_CHECK_EXCEPTION(io::load_weights(*target, unlabelled, convention::keras), weights_mismatch_error, [](const auto& e) {
    return message_has(e, "0 missing, 0 unexpected, 3 with the wrong shape") &&
           message_has(e, "wrong shape: depthwise_conv2d.depthwise_kernel is [12, 1, 3, 2], expected [3, 2, 4, 3] "
                          "(keras layout); that is the pytorch layout");
  });
}

// A ReLU layer (Keras' ReLU, PyTorch's nn.ReLU or ReLU6 module) between a flatten and a dense keeps the
// features in order, so a PyTorch file's dense kernel, whose inputs are in C,H,W order, is permuted
// through it as through dropout or an Activation. The file is built with the index formula written out.
BOOST_AUTO_TEST_CASE(a_relu_layer_between_flatten_and_dense_keeps_the_pytorch_order) {
  using net = sequential<input<2, 3, 2>, flatten<>, relu6<>, dense<4, named<"fc">>>;
  auto original = std::make_unique<model<net>>();
  randomize(*original, 8);
  const tensor_set keras = to_tensor_set(*original, convention::keras);
  const std::vector<float> w = floats(*keras.find("fc.kernel"));  // [in (y, x, c)][4]
  std::vector<float> out_in(4 * 12);                               // [4][in (c, y, x)]
  for (std::size_t y = 0; y < 2; ++y)
    for (std::size_t x = 0; x < 3; ++x)
      for (std::size_t c = 0; c < 2; ++c)
        for (std::size_t u = 0; u < 4; ++u) out_in[u * 12 + (c * 2 + y) * 3 + x] = w[((y * 3 + x) * 2 + c) * 4 + u];
  building_set pytorch;
  pytorch.set.metadata()["convention"] = "pytorch";
  pytorch.add("fc.kernel", {4, 12}, out_in);
  pytorch.add("fc.bias", {4}, floats(*keras.find("fc.bias")));
  auto loaded = std::make_unique<model<net>>();
  io::load_weights(*loaded, pytorch.set, convention::pytorch);
  BOOST_TEST(same_weights(*loaded, *original));
}

BOOST_AUTO_TEST_CASE(half_and_bfloat_files_load_exactly) {
  // Values k / 64 with |k| <= 64 have at most 7 significant bits: exact in F16 and BF16, so the loaded
  // weights must equal them bit for bit.
  auto reference = std::make_unique<small_model>();
  random_source random(5);
  for (float& w : reference->weights())
    w = static_cast<float>(std::floor(random.uniform(-64.0, 65.0))) / 64.0f;
  for (const layer_facts& f : weights_net::facts)  // keep variances positive
    if (f.type == "BatchNormalization") {
      auto v = reference->layer_weights(f.index).subspan(3 * f.output.c, f.output.c);
      for (float& x : v) x = std::abs(x) + 0.5f;
    }
  reference->pack_weights();
  const tensor_set f32 = to_tensor_set(*reference, convention::pytorch);

  for (const dtype type : {dtype::f16, dtype::bf16, dtype::f64}) {
    BOOST_TEST_CONTEXT("dtype " << to_string(type)) {
      building_set narrow;
      for (const tensor_entry& e : f32.entries()) {
        const auto v = floats(e);
        if (type == dtype::f64) {
          narrow.add_raw(e.name, e.shape, type, std::vector<double>(v.begin(), v.end()));
          continue;
        }
        std::vector<std::uint16_t> bits;
        for (float x : v) {
          const auto u = std::bit_cast<std::uint32_t>(x);
          if (type == dtype::bf16) {
            bits.push_back(static_cast<std::uint16_t>(u >> 16));
          } else if (x == 0.0f) {
            bits.push_back(static_cast<std::uint16_t>((u >> 16) & 0x8000u));
          } else {  // a normal half: rebias the exponent from 127 to 15, keep the top 10 mantissa bits
            const std::uint32_t exponent = ((u >> 23) & 0xffu) - 127 + 15;
            bits.push_back(static_cast<std::uint16_t>(((u >> 16) & 0x8000u) | (exponent << 10) | ((u >> 13) & 0x3ffu)));
          }
        }
        narrow.add_raw(e.name, e.shape, type, bits);
      }
      auto loaded = std::make_unique<small_model>();
      io::load_weights(*loaded, read_safetensors(std::span<const std::byte>(safetensors_bytes(narrow.set))), convention::pytorch);
      BOOST_TEST(same_weights(*loaded, *reference));
    }
  }
}

BOOST_AUTO_TEST_CASE(one_error_lists_every_missing_unexpected_and_misshaped_tensor) {
  auto source = std::make_unique<small_model>();
  randomize(*source, 6);
  const tensor_set good = to_tensor_set(*source, convention::keras);
  building_set bad;
  for (const tensor_entry& e : good.entries()) {
    if (e.name == "hidden.bias") continue;                          // missing
    if (e.name == "dense.bias") bad.copy(e, "dense.bais");          // a near miss: unexpected and missing
    else if (e.name == "conv2d.kernel") bad.add(e.name, {4, 3, 3, 2}, floats(e));  // the PyTorch layout
    else if (e.name == "conv2d_1.bias") bad.add(e.name, {6}, std::vector<float>(6));
    else bad.copy(e, e.name);
  }
  bad.add("optimizer.step", {1}, {0.0f});

  auto target = std::make_unique<small_model>();
  randomize(*target, 8);
  model_snapshot<small_model> before(*target);
  const auto all_listed = [](const weights_mismatch_error& e) {
    return message_has(e, "the weights (keras convention) do not fit the network: 2 missing, 2 unexpected, 2 with the wrong shape") &&
           message_has(e, "\n  missing: hidden.bias [7]") && message_has(e, "\n  missing: dense.bias [3]") &&
           message_has(e, "\n  unexpected: dense.bais [3] (did you mean dense.bias?)") &&
           message_has(e, "\n  unexpected: optimizer.step [1]\n") &&
           message_has(e, "\n  wrong shape: conv2d.kernel is [4, 3, 3, 2], expected [3, 2, 3, 4] (keras layout); that is "
                          "the pytorch layout, so the file may use the other convention") &&
           message_has(e, "\n  wrong shape: conv2d_1.bias is [6], expected [5] (keras layout)");
  };
  BOOST_CHECK_EXCEPTION(io::load_weights(*target, bad.set, convention::keras), weights_mismatch_error, all_listed);
  BOOST_TEST(before.untouched());

  // An empty set: everything missing, nothing copied.
  BOOST_CHECK_EXCEPTION(io::load_weights(*target, tensor_set{}, convention::keras), weights_mismatch_error,
                        [](const auto& e) { return message_has(e, "16 missing, 0 unexpected, 0 with the wrong shape"); });
  BOOST_TEST(before.untouched());
}

BOOST_AUTO_TEST_CASE(a_file_in_the_other_convention_is_refused) {
  auto source = std::make_unique<small_model>();
  randomize(*source, 9);
  auto target = std::make_unique<small_model>();
  randomize(*target, 10);
  model_snapshot<small_model> before(*target);

  const auto path = files() / "says_pytorch.safetensors";
  save_weights(*source, path, convention::pytorch);
  BOOST_CHECK_EXCEPTION(io::load_weights(*target, path, convention::keras), weights_mismatch_error, [](const auto& e) {
    return message_has(e, "the weights say their convention is \"pytorch\", but they were loaded as keras");
  });
  BOOST_TEST(before.untouched());

  // Without the metadata the shapes give it away: every kernel is reported with the hint.
  tensor_set unlabelled = to_tensor_set(*source, convention::pytorch);
  unlabelled.metadata().clear();
  BOOST_CHECK_EXCEPTION(io::load_weights(*target, unlabelled, convention::keras), weights_mismatch_error, [](const auto& e) {
    return message_has(e, "0 missing, 0 unexpected, 4 with the wrong shape") &&
           message_has(e, "wrong shape: hidden.kernel is [7, 30], expected [30, 7] (keras layout); that is the pytorch layout");
  });
  BOOST_TEST(before.untouched());
}

BOOST_AUTO_TEST_CASE(non_finite_values_are_rejected_on_request) {
  auto source = std::make_unique<small_model>();
  randomize(*source, 11);
  source->weight("conv2d", "kernel")[5] = std::numeric_limits<float>::quiet_NaN();
  source->weight("hidden", "bias")[2] = -std::numeric_limits<float>::infinity();
  source->weight("hidden", "bias")[4] = std::numeric_limits<float>::infinity();
  const tensor_set keras = to_tensor_set(*source, convention::keras);

  auto target = std::make_unique<small_model>();
  randomize(*target, 12);
  model_snapshot<small_model> before(*target);
  BOOST_CHECK_EXCEPTION(io::load_weights(*target, keras, convention::keras, {.reject_non_finite = true}),
                        weights_mismatch_error, [](const auto& e) {
                          return message_has(e, "the weights hold NaN or Inf:\n  conv2d.kernel: element 5 (in file order) is NaN\n"
                                                "  hidden.bias: element 2 (in file order) is -Inf, and 1 more are not finite");
                        });
  BOOST_TEST(before.untouched());

  // Element indices are the file's: in the PyTorch layout, HWIO element 5 (co 1 of tap (0,0,1)) is OIHW 1*18 + 1*6 = 24.
  BOOST_CHECK_EXCEPTION(io::load_weights(*target, to_tensor_set(*source, convention::pytorch), convention::pytorch,
                                         {.reject_non_finite = true}),
                        weights_mismatch_error,
                        [](const auto& e) { return message_has(e, "conv2d.kernel: element 24 (in file order) is NaN"); });
  BOOST_TEST(before.untouched());

  // Not asked to check, the load copies them as they are.
  io::load_weights(*target, keras, convention::keras);
  BOOST_TEST(std::isnan(target->weight("conv2d", "kernel")[5]));
  BOOST_TEST(std::isinf(target->weight("hidden", "bias")[4]));
}

BOOST_AUTO_TEST_SUITE_END()
