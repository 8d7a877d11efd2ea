// Fashion-MNIST's test set, read from Debian's dataset-fashion-mnist package by the library's IDX reader.
// Skipped, with a message saying which package to install, when the dataset is absent.

#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdint>
#include <filesystem>
#include <numeric>
#include <string>

#include "constnet/io/idx.hpp"
#include "constnet/models/fashion_mnist.hpp"

using namespace constnet;

namespace {

const std::filesystem::path dataset_dir = "/usr/share/datasets/fashion-mnist";
const std::filesystem::path test_images = dataset_dir / "t10k-images-idx3-ubyte.gz";
const std::filesystem::path test_labels = dataset_dir / "t10k-labels-idx1-ubyte.gz";

boost::test_tools::assertion_result dataset_installed(boost::unit_test::test_unit_id) {
  boost::test_tools::assertion_result installed = std::filesystem::exists(test_images) && std::filesystem::exists(test_labels);
  installed.message() << "skipped: " << test_images << " is missing; install Debian's dataset-fashion-mnist package "
                      << "(tools/install-deps.sh does)";
  return installed;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fashion_mnist)

BOOST_AUTO_TEST_CASE(the_test_set_has_10000_images_with_labels_0_to_9,
                     *boost::unit_test::precondition(dataset_installed)) {
  const io::idx_images images = io::read_idx_images(test_images);
  const std::vector<std::uint8_t> labels = io::read_idx_labels(test_labels);

  using net = models::fashion_mnist_cnn;
  BOOST_TEST(images.count == 10'000u);
  BOOST_TEST(images.rows == net::input_shape.h);
  BOOST_TEST(images.cols == net::input_shape.w);
  BOOST_TEST(labels.size() == images.count);

  std::array<std::size_t, 10> per_class{};
  for (std::uint8_t label : labels) {
    BOOST_TEST_REQUIRE(label < 10u);
    ++per_class[label];
  }
  for (std::size_t n : per_class) BOOST_TEST(n == 1000u);  // the test set is balanced
  BOOST_TEST(labels[0] == 9u);                            // the first test image is an ankle boot
  BOOST_TEST(std::string(models::fashion_mnist_classes[labels[0]]) == "Ankle boot");

  bool in_range = true;
  for (float p : images.pixels) in_range = in_range && p >= 0.0f && p <= 1.0f;
  BOOST_TEST(in_range);
  // The first image's byte sum, from Python's gzip + numpy over the same file. Each float k / 255 is
  // within half an ulp (3e-8 relative) of the exact quotient and the sum runs in double, so the scaled
  // sum is within 1e-7 relative of the integer; 1e-6 leaves room.
  const auto first = images.image(0);
  BOOST_TEST(std::accumulate(first.begin(), first.end(), 0.0) * 255.0 == 33456.0, boost::test_tools::tolerance(1e-6));
}

BOOST_AUTO_TEST_SUITE_END()
