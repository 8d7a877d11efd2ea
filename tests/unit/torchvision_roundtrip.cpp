// A torchvision-layout VGG-style network converted by tools/convert_torchvision_vgg.py gives PyTorch's
// outputs: the fixture in tests/data/torchvision/ (made by the script's --make-test-fixture mode) holds
// the converted weights, two input images (NHWC) and PyTorch's logits for them. It exercises the same
// conversion code path as a real VGG16 .pth: the features.N / classifier.0,3,6 renaming, OIHW kernels,
// [out][in] dense kernels and the C,H,W flatten that the loader permutes for the pytorch convention.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <vector>

#include "constnet/constnet.hpp"
#include "constnet/io/load_weights.hpp"
#include "constnet/models/vgg.hpp"

using namespace constnet;

namespace {

// The script's tiny_vgg, with the layer names the converter gives torchvision's indices. Its head has
// no softmax because torchvision's classifier ends in a plain Linear: logits are compared.
using tiny_vgg = sequential<
    input<32, 32, 3, named<"input_1">>,
    models::vgg_conv<4, "block1_conv1">, models::vgg_conv<4, "block1_conv2">, models::vgg_pool<"block1_pool">,
    models::vgg_conv<8, "block2_conv1">, models::vgg_pool<"block2_pool">,
    flatten<named<"flatten">>,
    dense<16, act::relu, named<"fc1">>,
    dense<16, act::relu, named<"fc2">>,
    dense<10, act::linear, named<"predictions">>>;

const std::filesystem::path fixture_dir = std::filesystem::path(CONSTNET_TEST_DATA_DIR) / "torchvision";
constexpr std::size_t images = 2;

std::vector<float> tensor_floats(const io::tensor_set& set, const char* name) {
  const io::tensor_entry* e = set.find(name);
  BOOST_TEST_REQUIRE(e != nullptr, "outputs.safetensors has no tensor " << name);
  std::vector<float> v(e->elements());
  io::convert_to_f32(*e, v);
  return v;
}

/// max |constnet logit - PyTorch logit| over the fixture's images.
template <class Policy>
double logit_error() {
  const io::tensor_set golden = io::read_safetensors(fixture_dir / "outputs.safetensors");
  const std::vector<float> input = tensor_floats(golden, "images");
  const std::vector<float> logits = tensor_floats(golden, "logits");
  using tiny_model = model<tiny_vgg, batch<images>, Policy>;
  BOOST_TEST_REQUIRE(input.size() == tiny_model::input_elements);
  BOOST_TEST_REQUIRE(logits.size() == images * 10);

  auto m = std::make_unique<tiny_model>();
  io::load_weights(*m, fixture_dir / "weights.safetensors", io::convention::pytorch, {.reject_non_finite = true});
  const auto out = m->forward(std::span<const float, tiny_model::input_elements>(input));
  BOOST_TEST_REQUIRE(out.size() == logits.size());
  double worst = 0.0;
  for (std::size_t i = 0; i < out.size(); ++i)
    worst = std::max(worst, std::abs(static_cast<double>(out[i]) - logits[i]));
  return worst;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(torchvision_roundtrip)

// 1e-4 absolute: the script scales the weights so the logits spread over about [-6.5, 4], and fp32 sums
// of at most 512 products taken in another order than PyTorch's differ by a few 1e-6 there; any layout
// mistake (an unpermuted flatten, a transposed kernel, a swapped layer) moves logits by tenths or more.
// (Flattening H,W,C without the loader's permutation would move them by up to 7.5 on this fixture.)
BOOST_AUTO_TEST_CASE(logits_match_pytorch_with_the_chosen_kernels) {
  const double error = logit_error<kernels::best_available>();
  BOOST_TEST_MESSAGE("max |logit - PyTorch's| with the chosen kernels: " << error);
  BOOST_TEST(error <= 1e-4);
}

BOOST_AUTO_TEST_CASE(logits_match_pytorch_with_the_reference_kernels) {
  const double error = logit_error<kernels::reference_only>();
  BOOST_TEST_MESSAGE("max |logit - PyTorch's| with the reference kernels: " << error);
  BOOST_TEST(error <= 1e-4);
}

// The file must be refused in the Keras convention: its metadata names pytorch, so a user who passes the
// wrong convention gets a clear error instead of silently permuted weights.
BOOST_AUTO_TEST_CASE(the_converted_file_is_refused_as_keras_layout) {
  auto m = std::make_unique<model<tiny_vgg>>();
  BOOST_CHECK_THROW(io::load_weights(*m, fixture_dir / "weights.safetensors", io::convention::keras),
                    weights_mismatch_error);
}

BOOST_AUTO_TEST_SUITE_END()
