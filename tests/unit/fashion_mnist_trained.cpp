// The trained network that ships in data/fashion_mnist/ (tools/train_fashion_mnist.py) against PyTorch:
// logits on the 64 golden images, with the kernels the registry chooses and with the reference kernels,
// from both weight files (PyTorch and Keras layouts); and its accuracy on the whole test set.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <vector>

#include "constnet/constnet.hpp"
#include "constnet/io/idx.hpp"
#include "constnet/models/fashion_mnist.hpp"
#include "support/sanitizers.hpp"

using namespace constnet;

namespace {

using net = models::fashion_mnist_cnn;
using constnet::testing::sanitized;
const std::filesystem::path data_dir = std::filesystem::path(CONSTNET_DATA_DIR) / "fashion_mnist";

std::vector<float> tensor_floats(const io::tensor_set& set, const char* name) {
  const io::tensor_entry* e = set.find(name);
  BOOST_TEST_REQUIRE(e != nullptr, "golden.safetensors has no tensor " << name);
  std::vector<float> v(e->elements());
  io::convert_to_f32(*e, v);
  return v;
}

/// max |constnet logit - PyTorch logit| over the 64 golden images, batch 8 at a time.
template <class Policy>
double golden_logit_error(const char* weights_file, io::convention convention) {
  const io::tensor_set golden = io::read_safetensors(data_dir / "golden.safetensors");
  const std::vector<float> images = tensor_floats(golden, "images");
  const std::vector<float> logits = tensor_floats(golden, "logits");
  BOOST_TEST_REQUIRE(images.size() == 64 * net::input_shape.elements());
  BOOST_TEST_REQUIRE(logits.size() == 64u * 10u);

  using fashion_model = model<net, batch<8>, Policy>;
  auto m = std::make_unique<fashion_model>();
  io::load_weights(*m, data_dir / weights_file, convention, {.reject_non_finite = true});
  double worst = 0.0;
  for (std::size_t first = 0; first < 64; first += 8) {
    const std::span<const float> batch(images.data() + first * net::input_shape.elements(), fashion_model::input_elements);
    const auto out = m->template forward_to<"dense_2">(std::span<const float, fashion_model::input_elements>(batch));
    for (std::size_t i = 0; i < 8 * 10; ++i)
      worst = std::max(worst, std::abs(static_cast<double>(out[i]) - logits[first * 10 + i]));
  }
  return worst;
}

boost::test_tools::assertion_result dataset_installed(boost::unit_test::test_unit_id) {
  boost::test_tools::assertion_result ok =
      std::filesystem::exists("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");
  ok.message() << "skipped: install Debian's dataset-fashion-mnist (tools/install-deps.sh does)";
  return ok;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fashion_mnist_trained)

// 1e-4 absolute, as the issue asks: logits are of order 10, so fp32 sums of 1152 products in another
// order than PyTorch's differ by a few 1e-6; 1e-4 leaves margin while catching any layout mistake
// (a wrong permutation or transpose changes logits by whole units).
BOOST_AUTO_TEST_CASE(logits_match_pytorch_with_the_chosen_kernels) {
  BOOST_TEST(golden_logit_error<kernels::best_available>("weights.safetensors", io::convention::pytorch) <= 1e-4);
  BOOST_TEST(golden_logit_error<kernels::best_available>("weights_keras.safetensors", io::convention::keras) <= 1e-4);
}

BOOST_AUTO_TEST_CASE(logits_match_pytorch_with_the_reference_kernels) {
  BOOST_TEST(golden_logit_error<kernels::reference_only>("weights.safetensors", io::convention::pytorch) <= 1e-4);
}

BOOST_AUTO_TEST_CASE(the_whole_test_set_is_at_least_90_percent_right, *boost::unit_test::precondition(dataset_installed)) {
  const io::idx_images images = io::read_idx_images("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");
  const std::vector<std::uint8_t> labels = io::read_idx_labels("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz");
  using fashion_model = model<net, batch<100>>;
  auto m = std::make_unique<fashion_model>();
  io::load_weights(*m, data_dir / "weights.safetensors", io::convention::pytorch);
  // Under the sanitizers the 10,000 forward passes take over 5 minutes; the first 2,000 images exercise
  // the same code (1835 of them, 91.75%, are right: tools/train_fashion_mnist.py's float64 forward).
  const std::size_t count = sanitized ? 2'000 : images.count;
  BOOST_TEST_REQUIRE(count % 100 == 0u);
  std::size_t correct = 0;
  for (std::size_t first = 0; first < count; first += 100) {
    const auto p = m->forward(std::span<const float>(images.pixels.data() + first * 784, fashion_model::input_elements));
    for (std::size_t i = 0; i < 100; ++i) {
      const auto row = p.subspan(i * 10, 10);
      correct += static_cast<std::size_t>(std::max_element(row.begin(), row.end()) - row.begin()) == labels[first + i];
    }
  }
  BOOST_TEST_MESSAGE("Fashion-MNIST test accuracy: " << correct << " / " << count);
  BOOST_TEST(correct * 10 >= count * 9);
}

BOOST_AUTO_TEST_SUITE_END()
