// Depthwise and separable convolutions against PyTorch. The fixture in tests/data/depthwise/ (made by
// tools/make_depthwise_fixture.py) holds the weights of torch.nn.Conv2d(C, C*M, k, groups=C) modules and,
// for separable layers, of the 1x1 Conv2d after them, in PyTorch's layouts under constnet's names, two
// images and PyTorch's output of every layer. Loaded through the pytorch convention, the network below
// must give those outputs at every layer, and saving it in that convention must give back PyTorch's
// tensors.
//
// Tolerance: 1e-5 absolute. Every value is of order 1 (the script scales the weights by fan-in: outputs
// within [-1.8, 1.2]); each layer sums at most kh*kw + C*M = 24 products, where both sides' float32
// rounding is bounded by (K + J + 5) u = 29 * 2^-24 < 2e-6 of the sum of |terms| (unit.reference_kernels
// derives it), which stays of order 1 here, and 4 layers with 1-Lipschitz activations and weights of
// order 1 carry such differences along without growing them much. The observed worst, printed per layer,
// is 2.4e-7 (1 to 2 ulps). A layout slip moves values by tenths or more: `a_channel_order_slip_is_caught`
// shows it (1.2 for the first layer).

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "constnet/constnet.hpp"
#include "constnet/io/load_weights.hpp"

using namespace constnet;

namespace {

// tools/make_depthwise_fixture.py's LAYERS, with the shapes PyTorch computes.
using depthwise_net = sequential<
    input<10, 11, 3>,
    depthwise_conv2d<kernel<3>, depth_multiplier<2>, strides<2>, same, act::relu>,       // 5x6x6 (pad 0/1, 1/1)
    separable_conv2d<5, kernel<3>, depth_multiplier<2>, dilation<2>, same, act::tanh>,   // 5x6x5
    depthwise_conv2d<kernel<2, 3>, pad<1, 0, 2, 1>, no_bias>,                           // 5x7x5
    separable_conv2d<4, kernel<3>, depth_multiplier<3>, strides<2, 1>>>;                // 2x5x4

const std::filesystem::path fixture_dir = std::filesystem::path(CONSTNET_TEST_DATA_DIR) / "depthwise";
constexpr std::size_t images = 2;
constexpr double tolerance = 1e-5;

std::vector<float> tensor_floats(const io::tensor_set& set, const std::string& name) {
  const io::tensor_entry* e = set.find(name);
  BOOST_TEST_REQUIRE(e != nullptr, "the fixture has no tensor " << name);
  std::vector<float> v(e->elements());
  io::convert_to_f32(*e, v);
  return v;
}

template <class Policy>
using golden_model = model<depthwise_net, batch<images>, Policy>;

/// max |constnet - PyTorch| over the given layer's outputs for the fixture's images.
template <class Model>
double layer_error(Model& m, const io::tensor_set& golden, std::size_t layer) {
  const std::vector<float> input = tensor_floats(golden, "images");
  BOOST_TEST_REQUIRE(input.size() == Model::input_elements);
  const std::string name(depthwise_net::facts[layer].name.view());
  const std::vector<float> want = tensor_floats(golden, name);
  const auto got = m.forward_to(name, input);
  BOOST_TEST_REQUIRE(got.size() == want.size(), name << ": " << got.size() << " values, PyTorch has " << want.size());
  double worst = 0;
  for (std::size_t i = 0; i < want.size(); ++i)
    worst = std::max(worst, std::abs(static_cast<double>(got[i]) - want[i]));
  return worst;
}

template <class Policy>
void check_every_layer() {
  const io::tensor_set golden = io::read_safetensors(fixture_dir / "outputs.safetensors");
  auto m = std::make_unique<golden_model<Policy>>();
  io::load_weights(*m, fixture_dir / "weights.safetensors", io::convention::pytorch, {.reject_non_finite = true});
  for (std::size_t layer = 1; layer < depthwise_net::size; ++layer) {
    const double error = layer_error(*m, golden, layer);
    BOOST_TEST_MESSAGE(depthwise_net::facts[layer].name.view() << ": max |constnet - PyTorch| = " << error);
    BOOST_TEST(error <= tolerance, depthwise_net::facts[layer].name.view() << ": " << error);
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(depthwise_pytorch)

BOOST_AUTO_TEST_CASE(every_layer_matches_pytorch_with_the_reference_kernels) {
  check_every_layer<kernels::reference_only>();
}

BOOST_AUTO_TEST_CASE(every_layer_matches_pytorch_with_the_chosen_kernels) {
  check_every_layer<kernels::best_available>();
}

// Saving in the pytorch convention gives PyTorch's own tensors back, bit for bit, and the Keras export
// loads into a fresh model with the same weights.
BOOST_AUTO_TEST_CASE(saving_gives_pytorch_tensors_back) {
  const io::tensor_set file = io::read_safetensors(fixture_dir / "weights.safetensors");
  auto m = std::make_unique<model<depthwise_net>>();
  io::load_weights(*m, file, io::convention::pytorch);
  const io::tensor_set saved = io::to_tensor_set(*m, io::convention::pytorch);
  BOOST_TEST(saved.size() == file.size());
  for (const io::tensor_entry& e : file.entries()) {
    BOOST_TEST_CONTEXT(e.name) {
      const io::tensor_entry* s = saved.find(e.name);
      BOOST_TEST_REQUIRE(s != nullptr);
      BOOST_TEST(s->shape == e.shape);
      BOOST_TEST((tensor_floats(saved, e.name) == tensor_floats(file, e.name)));
    }
  }
  BOOST_TEST((saved.find("separable_conv2d_1.depthwise_kernel")->shape == std::vector<std::size_t>{15, 1, 3, 3}));
  BOOST_TEST((saved.find("separable_conv2d_1.pointwise_kernel")->shape == std::vector<std::size_t>{4, 15, 1, 1}));

  auto keras = std::make_unique<model<depthwise_net>>();
  io::load_weights(*keras, io::to_tensor_set(*m, io::convention::keras), io::convention::keras);
  BOOST_TEST((std::vector<float>(keras->weights().begin(), keras->weights().end()) ==
              std::vector<float>(m->weights().begin(), m->weights().end())));
  BOOST_TEST((io::to_tensor_set(*m, io::convention::keras).find("depthwise_conv2d.depthwise_kernel")->shape ==
              std::vector<std::size_t>{3, 3, 3, 2}));
}

// The fixture can tell the channel orders apart: with the first layer's filters read as output channel
// m*C + c (a [kh][kw][M][C] kernel) instead of Keras' and PyTorch's c*M + m, its outputs are far outside
// the tolerance.
BOOST_AUTO_TEST_CASE(a_channel_order_slip_is_caught) {
  const io::tensor_set golden = io::read_safetensors(fixture_dir / "outputs.safetensors");
  auto m = std::make_unique<golden_model<kernels::reference_only>>();
  io::load_weights(*m, fixture_dir / "weights.safetensors", io::convention::pytorch);
  BOOST_TEST(layer_error(*m, golden, 1) <= tolerance);
  const std::span<float> kernel = m->weight("depthwise_conv2d", "depthwise_kernel");
  const std::vector<float> keras(kernel.begin(), kernel.end());
  constexpr std::size_t C = 3, M = 2;
  for (std::size_t tap = 0; tap < 9; ++tap)
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t k = 0; k < M; ++k) kernel[(tap * M + k) * C + c] = keras[(tap * C + c) * M + k];
  m->pack_weights();
  const double error = layer_error(*m, golden, 1);
  BOOST_TEST_MESSAGE("with channels m*C + c: max error " << error);
  BOOST_TEST(error > 100 * tolerance);
}

// The file says it is PyTorch's: loading it as Keras' is refused rather than silently misread.
BOOST_AUTO_TEST_CASE(the_file_is_refused_as_keras_layout) {
  auto m = std::make_unique<model<depthwise_net>>();
  BOOST_CHECK_THROW(io::load_weights(*m, fixture_dir / "weights.safetensors", io::convention::keras),
                    weights_mismatch_error);
}

BOOST_AUTO_TEST_SUITE_END()
