// The Keras HDF5 reader against the files tools/make_test_h5.py writes into tests/data/hdf5/: every
// layout gives the same names, shapes and bit-exact values, every malformed file its typed error, and
// a save_weights file of a zoo network loads into its model and computes what the same values do.
#include <boost/test/unit_test.hpp>

#include <hdf5.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "constnet/engine/model.hpp"
#include "constnet/io/keras_hdf5.hpp"
#include "constnet/io/load_weights.hpp"
#include "constnet/models/seed_cnns.hpp"
#include "support/random_data.hpp"

namespace {

using constnet::io::dtype;
using constnet::io::read_keras_hdf5;
using constnet::io::tensor_entry;
using constnet::io::tensor_set;

const std::filesystem::path data_dir = std::filesystem::path(CONSTNET_TEST_DATA_DIR) / "hdf5";

struct expected_tensor {
  std::string name;
  std::vector<std::size_t> shape;
};

// Must match TINY and SEED39 in tools/make_test_h5.py (the file order of the tensors).
const std::vector<expected_tensor> tiny = {
    {"conv2d.kernel", {3, 3, 2, 4}},   {"conv2d.bias", {4}},
    {"batch_normalization.gamma", {4}}, {"batch_normalization.beta", {4}},
    {"batch_normalization.moving_mean", {4}}, {"batch_normalization.moving_variance", {4}},
    {"dense.kernel", {16, 3}},         {"dense.bias", {3}},
};
const std::vector<expected_tensor> seed39 = {
    {"conv2d.kernel", {3, 3, 3, 10}},    {"conv2d.bias", {10}},
    {"conv2d_1.kernel", {5, 5, 10, 20}}, {"conv2d_1.bias", {20}},
    {"conv2d_2.kernel", {5, 5, 20, 40}}, {"conv2d_2.bias", {40}},
};

/// The script's formula for element i of the k-th tensor: exact in float and double.
double expected_value(std::size_t k, const std::string& name, std::size_t i) {
  const auto r = static_cast<double>((37 * i + 11 * k) % 101);
  return name.ends_with(".moving_variance") ? (r + 14) / 64.0 : (r - 50) / 64.0;
}

/// Every tensor: name, shape, dtype (`types` per tensor) and each element bit for bit.
void check_tensors(const tensor_set& set, const std::vector<expected_tensor>& expected, const std::vector<dtype>& types) {
  BOOST_REQUIRE_EQUAL(set.size(), expected.size());
  for (std::size_t k = 0; k < expected.size(); ++k) {
    const tensor_entry& e = set.entries()[k];
    BOOST_TEST_CONTEXT("tensor " << k << " (" << expected[k].name << ")") {
      BOOST_TEST(e.name == expected[k].name);
      BOOST_TEST(e.shape == expected[k].shape, boost::test_tools::per_element());
      BOOST_TEST((e.type == types[k]));
      std::vector<float> values(e.elements());
      BOOST_REQUIRE_EQUAL(e.bytes.size(), values.size() * constnet::io::size_of(e.type));
      convert_to_f32(e, values);
      std::size_t wrong = 0;
      for (std::size_t i = 0; i < values.size(); ++i) {
        double stored = values[i];
        if (e.type == dtype::f64) std::memcpy(&stored, e.bytes.data() + 8 * i, 8);
        if (stored != expected_value(k, e.name, i)) ++wrong;
      }
      BOOST_TEST(wrong == 0u);
    }
  }
}

std::vector<dtype> all(dtype t, std::size_t n) { return std::vector<dtype>(n, t); }

std::vector<std::byte> file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> bytes(chars.size());
  std::memcpy(bytes.data(), chars.data(), chars.size());
  return bytes;
}

/// Reads a malformed file both from disk and as an image: format_error both times, with the same
/// message after the prefix naming the source, which must contain `expected`.
void check_rejected(const std::string& file, const std::string& expected) {
  BOOST_TEST_CONTEXT(file) {
    const std::filesystem::path path = data_dir / file;
    std::string from_file;
    try {
      read_keras_hdf5(path);
      BOOST_ERROR("no error");
    } catch (const constnet::format_error& e) {
      from_file = e.what();
    }
    BOOST_TEST(from_file.find(expected) != std::string::npos, "message: " << from_file);
    BOOST_TEST(from_file.starts_with("Keras HDF5 file " + path.string() + ": "));

    const std::vector<std::byte> image = file_bytes(path);
    std::string from_image;
    try {
      read_keras_hdf5(std::span<const std::byte>(image));
      BOOST_ERROR("no error from the image");
    } catch (const constnet::format_error& e) {
      from_image = e.what();
    }
    BOOST_TEST(from_image.find(expected) != std::string::npos, "message: " << from_image);
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(keras_hdf5)

BOOST_AUTO_TEST_CASE(save_weights_layout) {
  check_tensors(read_keras_hdf5(data_dir / "tiny_save_weights.h5"), tiny, all(dtype::f32, tiny.size()));
}

BOOST_AUTO_TEST_CASE(whole_model_save_nests_under_model_weights) {
  // input_1 (no weights) and the optimizer's weights outside /model_weights give no tensors
  check_tensors(read_keras_hdf5(data_dir / "tiny_model_weights.h5"), tiny, all(dtype::f32, tiny.size()));
}

BOOST_AUTO_TEST_CASE(keras1_names_are_translated) {
  // conv2d_W_1:0 -> conv2d.kernel, ..., batch_normalization_running_std_1:0 -> .moving_variance
  check_tensors(read_keras_hdf5(data_dir / "tiny_old_names.h5"), tiny, all(dtype::f32, tiny.size()));
}

BOOST_AUTO_TEST_CASE(nested_model_float64_big_endian_and_chunked_layer_names) {
  // One group "sequential" holds every weight: the tensors take the inner layers' names.
  std::vector<dtype> types = all(dtype::f64, tiny.size());
  types[6] = dtype::f32;  // dense.kernel is big-endian float32 in the file, little-endian here
  check_tensors(read_keras_hdf5(data_dir / "tiny_variants.h5"), tiny, types);
}

BOOST_AUTO_TEST_CASE(seed_39x39_example) {
  check_tensors(read_keras_hdf5(data_dir / "seed39_save_weights.h5"), seed39, all(dtype::f32, seed39.size()));
}

BOOST_AUTO_TEST_CASE(save_weights_file_runs_the_zoo_network_like_its_values) {
  // seed39_save_weights.h5 holds models::seed_39x39_example's weights (SEED39 in make_test_h5.py). It
  // has no .safetensors twin (the 200 KB budget), so the reference is the script's formula written
  // straight into a tensor_set: loaded through the public API, both models must hold the same weights
  // and give the same outputs, bit for bit.
  using net = constnet::models::seed_39x39_example;
  using model_type = constnet::model<net>;

  auto from_h5 = std::make_unique<model_type>();
  constnet::io::load_weights(*from_h5, read_keras_hdf5(data_dir / "seed39_save_weights.h5"), constnet::io::convention::keras);

  auto values = std::make_shared<std::vector<float>>();
  std::vector<std::size_t> offsets;
  for (std::size_t k = 0; k < seed39.size(); ++k) {
    std::size_t n = 1;
    for (std::size_t d : seed39[k].shape) n *= d;
    offsets.push_back(values->size());
    for (std::size_t i = 0; i < n; ++i) values->push_back(static_cast<float>(expected_value(k, seed39[k].name, i)));
  }
  offsets.push_back(values->size());
  tensor_set canonical;
  for (std::size_t k = 0; k < seed39.size(); ++k)
    canonical.add(seed39[k].name, seed39[k].shape, dtype::f32,
                  std::as_bytes(std::span<const float>(values->data() + offsets[k], offsets[k + 1] - offsets[k])));
  canonical.keep_alive(values);
  auto from_values = std::make_unique<model_type>();
  constnet::io::load_weights(*from_values, canonical, constnet::io::convention::keras);

  const auto bits = [](std::span<const float> v) {
    std::vector<std::uint32_t> b(v.size());
    std::transform(v.begin(), v.end(), b.begin(), [](float x) { return std::bit_cast<std::uint32_t>(x); });
    return b;
  };
  BOOST_TEST(bits(from_h5->weights()) == bits(from_values->weights()));

  const std::vector<float> input = constnet::testing::random_images(model_type::input_elements, 39);
  const auto h5_out = from_h5->forward(std::span<const float>(input));
  const std::vector<std::uint32_t> h5_bits = bits(h5_out);
  const std::size_t nonzero = static_cast<std::size_t>(std::count_if(h5_out.begin(), h5_out.end(), [](float x) { return x != 0.0f; }));
  const auto values_out = from_values->forward(std::span<const float>(input));
  BOOST_TEST(h5_bits == bits(values_out), boost::test_tools::per_element());
  BOOST_TEST_MESSAGE(nonzero << " of " << h5_out.size() << " outputs are nonzero");
  BOOST_TEST(nonzero > h5_out.size() / 10);  // the ReLUs leave enough for the comparison to mean something
}

BOOST_AUTO_TEST_CASE(image_in_memory_reads_like_the_file) {
  for (const char* file : {"tiny_save_weights.h5", "tiny_model_weights.h5", "tiny_old_names.h5"}) {
    BOOST_TEST_CONTEXT(file) {
      std::vector<std::byte> image = file_bytes(data_dir / file);
      const tensor_set set = read_keras_hdf5(std::span<const std::byte>(image));
      std::fill(image.begin(), image.end(), std::byte{0});  // the set does not refer to the image
      check_tensors(set, tiny, all(dtype::f32, tiny.size()));
    }
  }
}

BOOST_AUTO_TEST_CASE(tensors_outlive_a_moved_set) {
  tensor_set moved;
  {
    tensor_set set = read_keras_hdf5(data_dir / "tiny_save_weights.h5");
    moved = std::move(set);
  }
  check_tensors(moved, tiny, all(dtype::f32, tiny.size()));
}

BOOST_AUTO_TEST_CASE(expected_safetensors_holds_the_same_values) {
  // The script's twin for the safetensors reader: its data section must be these tensors, in order.
  const std::vector<std::byte> file = file_bytes(data_dir / "tiny.expected.safetensors");
  BOOST_REQUIRE_GE(file.size(), 8u);
  std::uint64_t header = 0;
  std::memcpy(&header, file.data(), 8);
  BOOST_REQUIRE_LE(header, file.size() - 8);
  const tensor_set set = read_keras_hdf5(data_dir / "tiny_save_weights.h5");
  std::vector<std::byte> data;
  for (const tensor_entry& e : set.entries()) data.insert(data.end(), e.bytes.begin(), e.bytes.end());
  BOOST_TEST((std::vector<std::byte>(file.begin() + 8 + static_cast<std::ptrdiff_t>(header), file.end()) == data));
}

BOOST_AUTO_TEST_CASE(weight_names_map_to_tensor_names) {
  using constnet::io::detail::keras_hdf5::tensor_name;
  BOOST_TEST(tensor_name("block1_conv1", "block1_conv1/kernel:0") == "kernel");
  BOOST_TEST(tensor_name("block1_conv1", "block1_conv1_1/bias:0") == "bias");  // TF's scope counter
  BOOST_TEST(tensor_name("block1_conv1", "block1_conv1_W_1:0") == "kernel");
  BOOST_TEST(tensor_name("block1_conv1", "block1_conv1_b:0") == "bias");
  BOOST_TEST(tensor_name("fc1", "fc1_W") == "kernel");
  BOOST_TEST(tensor_name("bn", "bn_running_mean_3:0") == "moving_mean");
  BOOST_TEST(tensor_name("bn", "bn_running_std_1:0") == "moving_variance");
  BOOST_TEST(tensor_name("bn", "bn_gamma_1:0") == "gamma");
  BOOST_TEST(tensor_name("conv2d", "conv2d/kernel") == "kernel");  // no ":0"
  BOOST_TEST(tensor_name("conv2d", "kernel:0") == "kernel");
  BOOST_TEST(tensor_name("x", "x_alpha_2:0") == "alpha_2");  // unknown Keras 1 names pass through
  BOOST_TEST(tensor_name("conv", "conv2d_W_1:0") == "conv2d_W_1");  // not "conv_...": kept as it is
}

BOOST_AUTO_TEST_CASE(missing_file_and_directory_are_io_errors) {
  BOOST_CHECK_EXCEPTION(read_keras_hdf5(data_dir / "no_such_file.h5"), constnet::io_error, [](const constnet::io_error& e) {
    return std::string(e.what()).find("no_such_file.h5: cannot open it for reading") != std::string::npos;
  });
  BOOST_CHECK_EXCEPTION(read_keras_hdf5(data_dir), constnet::io_error,
                        [](const constnet::io_error& e) { return std::string(e.what()).ends_with("is a directory"); });
}

BOOST_AUTO_TEST_CASE(malformed_files_give_format_errors) {
  check_rejected("bad_not_hdf5.h5", "not an HDF5 file");
  check_rejected("bad_truncated.h5", "HDF5 cannot open it, it may be truncated or corrupt");
  check_rejected("bad_no_layer_names.h5", "has no layer_names attribute at the root or in /model_weights");
  check_rejected("bad_layer_names_not_strings.h5", "attribute layer_names does not hold strings");
  check_rejected("bad_missing_layer_group.h5", "layer dense_7: is listed in layer_names but the file has no group dense_7");
  check_rejected("bad_missing_weight_names.h5", "layer conv2d: has no weight_names attribute");
  check_rejected("bad_weight_names_2d.h5", "layer conv2d: attribute weight_names has rank 2");
  check_rejected("bad_variable_length_names.h5", "layer conv2d: attribute weight_names holds variable-length strings");
  check_rejected("bad_missing_dataset.h5",
                 "layer conv2d: weight conv2d/bias:0: is listed in weight_names but the file has no dataset conv2d/bias:0");
  check_rejected("bad_weight_is_group.h5", "weight conv2d/bias:0: is not a dataset");
  check_rejected("bad_duplicate_weight.h5", "gives the tensor name conv2d.kernel, which an earlier weight already has");
  check_rejected("bad_int_dataset.h5", "weight conv2d/kernel:0: is not a floating-point dataset");
  check_rejected("bad_float16_dataset.h5", "weight conv2d/bias:0: is a 16-bit float dataset");
  check_rejected("bad_rank5.h5", "weight conv2d/kernel:0: has rank 5; weights have rank 4 at most");
  check_rejected("bad_compressed.h5", "weight conv2d/kernel:0: is stored in chunks");
  check_rejected("bad_unwritten.h5", "but the file stores 0 bytes for it (its data was never written)");
  check_rejected("bad_unwritten_huge.h5", "declares shape [1048576, 1048576], more data than the whole file");
  // Found by fuzz_keras_hdf5: a corrupt metadata length makes libhdf5 ask malloc for 182 TB; the
  // allocation fails and libhdf5 reports the failure as an error, which must reach us as a format_error.
  check_rejected("bad_huge_metadata_size.h5", "HDF5 cannot open it, it may be truncated or corrupt (memory allocation failed");
}

BOOST_AUTO_TEST_CASE(malformed_images_give_format_errors) {
  BOOST_CHECK_EXCEPTION(read_keras_hdf5(std::span<const std::byte>()), constnet::format_error,
                        [](const constnet::format_error& e) { return std::string(e.what()) == "Keras HDF5 image: the image is empty"; });
  const std::array<std::byte, 64> zeros{};
  BOOST_CHECK_EXCEPTION(read_keras_hdf5(std::span<const std::byte>(zeros)), constnet::format_error, [](const constnet::format_error& e) {
    return std::string(e.what()) == "Keras HDF5 image: not an HDF5 file (no HDF5 signature)";
  });
  // A signature and nothing after it: HDF5 itself refuses.
  std::array<std::byte, 600> signature_only{};
  const unsigned char signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  std::memcpy(signature_only.data() + 512, signature, 8);
  BOOST_CHECK_EXCEPTION(read_keras_hdf5(std::span<const std::byte>(signature_only)), constnet::format_error,
                        [](const constnet::format_error& e) {
                          return std::string(e.what()).starts_with("Keras HDF5 image: HDF5 cannot open it, it may be truncated or corrupt");
                        });
}

namespace {
int printed_errors = 0;
herr_t count_errors(hid_t, void*) {
  ++printed_errors;
  return 0;
}
}  // namespace

BOOST_AUTO_TEST_CASE(hdf5_error_printing_is_silenced_then_restored) {
  H5E_auto2_t previous = nullptr;
  void* previous_data = nullptr;
  H5Eget_auto2(H5E_DEFAULT, &previous, &previous_data);
  H5Eset_auto2(H5E_DEFAULT, count_errors, nullptr);
  printed_errors = 0;
  BOOST_CHECK_THROW(read_keras_hdf5(data_dir / "bad_truncated.h5"), constnet::format_error);
  BOOST_CHECK_THROW(read_keras_hdf5(data_dir / "bad_missing_dataset.h5"), constnet::format_error);
  BOOST_TEST(printed_errors == 0);
  H5E_auto2_t during = nullptr;
  H5Eget_auto2(H5E_DEFAULT, &during, nullptr);
  BOOST_TEST((during == &count_errors));
  H5Eset_auto2(H5E_DEFAULT, previous, previous_data);
}

BOOST_AUTO_TEST_CASE(concurrent_reads_are_serialized) {
  std::vector<tensor_set> sets(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < sets.size(); ++t)
    threads.emplace_back([&sets, t] { sets[t] = read_keras_hdf5(data_dir / (t % 2 ? "tiny_old_names.h5" : "tiny_save_weights.h5")); });
  for (auto& thread : threads) thread.join();
  for (const tensor_set& set : sets) check_tensors(set, tiny, all(dtype::f32, tiny.size()));
}

BOOST_AUTO_TEST_SUITE_END()
