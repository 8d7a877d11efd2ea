// Activation maximization (explain/maximize.hpp): the objective increases (filters, neurons, classes,
// with and without every regularizer), each regularizer does what it says on its own (L2 decay shrinks
// the image's spread, an unnormalized step is step_size times the gradient, octaves alone still climb),
// an image of another size than the input is optimized through the resize, a neuron's image changes
// only inside its receptive field, a seed gives the same image for any thread count, and the image
// operations behind the regularizers (the resize adjoint, roll, blur) do what they say.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "constnet/constnet.hpp"
#include "constnet/explain/gradient_model.hpp"
#include "constnet/explain/maximize.hpp"
#include "constnet/explain/progress.hpp"
#include "constnet/explain/receptive_field.hpp"
#include "constnet/models/seed_cnns.hpp"
#include "support/random_data.hpp"

using namespace constnet;

namespace {

using cnn = models::cifar10_cnn;

template <class Model>
double value_at(Model& m, const objective& o, const std::vector<float>& image) {
  return m.value_and_gradient(o, std::span<const float, Model::input_elements>(image.data(), Model::input_elements));
}

/// The standard deviation of an image's values.
double spread(const std::vector<float>& image) {
  double sum = 0, squares = 0;
  for (float v : image) sum += v;
  const double mean = sum / static_cast<double>(image.size());
  for (float v : image) squares += (v - mean) * (v - mean);
  return std::sqrt(squares / static_cast<double>(image.size()));
}

/// A start image like maximize's own: start_value +- start_noise.
std::vector<float> noisy_start(std::size_t floats, std::uint64_t seed) {
  random_source random(seed);
  std::vector<float> start(floats);
  for (float& v : start) v = 0.5f + 0.05f * static_cast<float>(random.uniform(-1.0, 1.0));
  return start;
}

/// The filter of a layer most active on the image (with random weights many are off: ReLU, no gradient).
template <class Model>
objective most_active_filter(Model& m, std::size_t layer, const std::vector<float>& image) {
  const shape s = cnn::facts[layer].output;
  const std::span<const float> a = m.forward_to(cnn::facts[layer].name.view(), image);
  std::vector<double> score(s.c, 0.0);
  for (std::size_t p = 0; p < s.h * s.w; ++p)
    for (std::size_t c = 0; c < s.c; ++c) score[c] += a[p * s.c + c];
  return objective::filter(layer, static_cast<std::size_t>(std::max_element(score.begin(), score.end()) - score.begin()));
}

template <class Model>
std::unique_ptr<Model> random_model() {
  auto m = std::make_unique<Model>();
  he_normal(*m, 21);
  return m;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(activation_maximization)

BOOST_AUTO_TEST_CASE(the_objective_increases) {
  auto m = random_model<gradient_model<cnn>>();
  ascent_options plain;
  plain.steps = 20;
  plain.step_size = 0.03f;
  ascent_options regularized = plain;
  regularized.jitter = 2;
  regularized.l2_decay = 0.01f;
  regularized.blur_every = 4;
  regularized.octaves = 2;
  regularized.low = 0.0f;
  regularized.high = 1.0f;
  random_source random(plain.seed);
  std::vector<float> start(cnn::input_shape.elements());
  for (float& v : start) v = plain.start_value + plain.start_noise * static_cast<float>(random.uniform(-1.0, 1.0));

  // The filter and the neuron most active at the start (with random weights many are switched off by
  // their ReLU, and an objective at 0 has no gradient to climb).
  auto most_active = [&](std::size_t layer, bool neuron, std::size_t y, std::size_t x) {
    const shape s = cnn::facts[layer].output;
    const std::span<const float> a = m->forward_to(cnn::facts[layer].name.view(), start);
    std::vector<double> score(s.c, 0.0);
    for (std::size_t p = 0; p < s.h * s.w; ++p)
      if (!neuron || p == y * s.w + x)
        for (std::size_t c = 0; c < s.c; ++c) score[c] += a[p * s.c + c];
    return static_cast<std::size_t>(std::max_element(score.begin(), score.end()) - score.begin());
  };
  const std::size_t filter_layer = cnn::index_of<"conv2d_1">, neuron_layer = cnn::index_of<"conv2d_2">;
  const objective filter = objective::filter(filter_layer, most_active(filter_layer, false, 0, 0));
  const objective neuron = objective::neuron(neuron_layer, most_active(neuron_layer, true, 2, 1), 2, 1);
  const objective class_7 = objective::class_logit(cnn::index_of<"dense_2">, 7);

  struct run {
    objective o;
    const ascent_options* options;
  };
  // A single neuron under jitter is a moving target (each step it sees a shifted image), so the
  // regularized runs climb the filter and the class.
  for (const run& r : {run{filter, &plain}, run{neuron, &plain}, run{class_7, &plain}, run{filter, &regularized},
                       run{class_7, &regularized}}) {
    std::vector<double> values;
    const std::vector<float> image =
        maximize(*m, r.o, start, *r.options, [&](const ascent_progress& p) { values.push_back(p.objective); });
    BOOST_REQUIRE(values.size() == r.options->steps * r.options->octaves);
    const double before = value_at(*m, r.o, start), after = value_at(*m, r.o, image);
    BOOST_TEST_MESSAGE(cnn::facts[r.o.layer].name.view() << (r.options->jitter ? " regularized" : " plain") << ": "
                                                         << before << " -> " << after);
    BOOST_TEST_CONTEXT(cnn::facts[r.o.layer].name.view() << ", jitter " << r.options->jitter) {
      BOOST_TEST(after > before + 1.0);  // He-normal activations are of order 1: a clear gain, not noise
      const double first = std::accumulate(values.begin(), values.begin() + 5, 0.0);
      const double last = std::accumulate(values.end() - 5, values.end(), 0.0);
      BOOST_TEST(last > first);
    }
  }
}

BOOST_AUTO_TEST_CASE(l2_decay_alone_shrinks_the_spread) {
  // The same run with and without decay: decay pulls every pixel towards the start's mean each step.
  auto m = random_model<gradient_model<cnn>>();
  const std::vector<float> start = noisy_start(cnn::input_shape.elements(), 5);
  const objective o = most_active_filter(*m, cnn::index_of<"conv2d_1">, start);
  ascent_options plain;
  plain.steps = 20;
  plain.step_size = 0.05f;
  ascent_options decayed = plain;
  decayed.l2_decay = 0.1f;
  const std::vector<float> a = maximize(*m, o, start, plain), b = maximize(*m, o, start, decayed);
  BOOST_TEST_MESSAGE("spread: start " << spread(start) << ", no decay " << spread(a) << ", decay " << spread(b));
  BOOST_TEST(spread(b) < 0.8 * spread(a));
  BOOST_TEST(spread(a) > spread(start));  // the ascent itself spreads the values
}

BOOST_AUTO_TEST_CASE(an_unnormalized_step_is_step_size_times_the_gradient) {
  auto m = random_model<gradient_model<cnn>>();
  const std::vector<float> start = noisy_start(cnn::input_shape.elements(), 6);
  const objective o = most_active_filter(*m, cnn::index_of<"conv2d_2">, start);
  value_at(*m, o, start);
  const std::vector<float> g(m->input_gradient().begin(), m->input_gradient().end());
  BOOST_REQUIRE(std::any_of(g.begin(), g.end(), [](float v) { return v != 0.0f; }));
  ascent_options options;
  options.steps = 1;
  options.step_size = 0.25f;
  options.normalize_gradient = false;
  const std::vector<float> stepped = maximize(*m, o, start, options);
  double worst = 0;  // exact but for the rounding of one multiply-add (contracted or not)
  for (std::size_t i = 0; i < start.size(); ++i) {
    const double want = static_cast<double>(start[i]) + 0.25 * static_cast<double>(g[i]);
    worst = std::max(worst, std::abs(stepped[i] - want) / std::max(1.0, std::abs(want)));
  }
  BOOST_TEST(worst <= 2e-7);
  // Normalized (the default), the same step moves the pixels by step_size in root mean square.
  options.normalize_gradient = true;
  const std::vector<float> normalized = maximize(*m, o, start, options);
  double squares = 0;
  for (std::size_t i = 0; i < start.size(); ++i) squares += std::pow(normalized[i] - start[i], 2);
  BOOST_TEST(std::sqrt(squares / static_cast<double>(start.size())) == 0.25, boost::test_tools::tolerance(1e-4));
}

BOOST_AUTO_TEST_CASE(octaves_alone_raise_the_objective) {
  auto m = random_model<gradient_model<cnn>>();
  const std::vector<float> start = noisy_start(cnn::input_shape.elements(), 7);
  const objective o = most_active_filter(*m, cnn::index_of<"conv2d_2">, start);
  ascent_options options;
  options.steps = 10;
  options.step_size = 0.03f;
  options.octaves = 3;
  std::vector<double> values;
  const std::vector<float> image = maximize(*m, o, start, options, [&](const ascent_progress& p) { values.push_back(p.objective); });
  BOOST_TEST(values.size() == 30u);
  const double before = value_at(*m, o, start), after = value_at(*m, o, image);
  BOOST_TEST_MESSAGE("octaves alone: " << before << " -> " << after);
  BOOST_TEST(after > before + 1.0);
  BOOST_TEST(image.size() == start.size());
}

BOOST_AUTO_TEST_CASE(an_image_of_another_size_is_optimized_through_the_resize) {
  // A 41 x 36 image for the 32 x 32 network: each pass sees it resized, the step is the gradient taken
  // back through the resize's transpose.
  auto m = random_model<gradient_model<cnn>>();
  constexpr shape in = cnn::input_shape;
  const std::size_t h = 41, w = 36;
  const std::vector<float> start = noisy_start(h * w * in.c, 8);
  auto seen = [&](const std::vector<float>& image) {
    std::vector<float> resized(in.elements());
    image_ops::resize(image, h, w, resized, in.h, in.w, in.c);
    return resized;
  };
  const objective o = most_active_filter(*m, cnn::index_of<"conv2d_1">, seen(start));
  ascent_options options;
  options.image_height = h;
  options.image_width = w;
  options.steps = 1;
  options.step_size = 0.5f;
  options.normalize_gradient = false;
  value_at(*m, o, seen(start));
  std::vector<float> g(h * w * in.c);
  image_ops::resize_adjoint(m->input_gradient(), in.h, in.w, g, h, w, in.c);
  const std::vector<float> stepped = maximize(*m, o, start, options);
  BOOST_REQUIRE(stepped.size() == h * w * in.c);
  double worst = 0, largest = 0;
  for (std::size_t i = 0; i < start.size(); ++i) {
    const double want = static_cast<double>(start[i]) + 0.5 * static_cast<double>(g[i]);
    worst = std::max(worst, std::abs(stepped[i] - want) / std::max(1.0, std::abs(want)));
    largest = std::max(largest, std::abs(0.5 * static_cast<double>(g[i])));
  }
  BOOST_TEST(worst <= 2e-7);
  BOOST_TEST(largest > 1e-3);  // the step moved the image
  // Many steps, with octaves and the regularizers: the objective of the resized image climbs.
  options = {};
  options.image_height = h;
  options.image_width = w;
  options.steps = 15;
  options.step_size = 0.03f;
  options.octaves = 2;
  options.jitter = 2;
  options.blur_every = 4;
  const std::vector<float> image = maximize(*m, o, start, options);
  BOOST_REQUIRE(image.size() == h * w * in.c);
  const double before = value_at(*m, o, seen(start)), after = value_at(*m, o, seen(image));
  BOOST_TEST_MESSAGE("41x36 image: " << before << " -> " << after);
  BOOST_TEST(after > before + 1.0);
  // The start's size is the image's: an input-sized start is refused.
  BOOST_CHECK_THROW(maximize(*m, o, std::vector<float>(in.elements(), 0.5f), options), shape_error);
  // The random start is drawn at the image's size too.
  BOOST_TEST(maximize(*m, o, options).size() == h * w * in.c);
}

BOOST_AUTO_TEST_CASE(a_neuron_changes_only_its_receptive_field) {
  // From a constant image with no jitter, blur, decay or octaves, only pixels with a nonzero gradient
  // ever move: those of the neuron's receptive field.
  auto m = random_model<gradient_model<cnn>>();
  ascent_options options;
  options.steps = 20;
  options.step_size = 0.05f;
  const std::vector<float> grey(cnn::input_shape.elements(), 0.5f);
  const shape s = cnn::input_shape;
  for (const char* name : {"conv2d", "max_pooling2d", "conv2d_1", "conv2d_2"}) {
    const std::size_t layer = cnn::find(name);
    const shape out = cnn::facts[layer].output;
    const std::size_t y = out.h / 3, x = out.w - 1;
    // A channel whose neuron is on at the grey image (with random weights about half are off: ReLU).
    std::size_t channel = 0;
    for (; channel < out.c; ++channel) {
      value_at(*m, objective::neuron(layer, channel, y, x), grey);
      const auto g = m->input_gradient();
      if (std::any_of(g.begin(), g.end(), [](float v) { return v != 0.0f; })) break;
    }
    BOOST_REQUIRE(channel < out.c);
    const std::vector<float> image = maximize(*m, objective::neuron(layer, channel, y, x), grey, options);
    const pixel_box field = receptive_field_box<cnn>(layer, y, x);
    std::size_t moved_inside = 0, moved_outside = 0;
    for (std::size_t iy = 0; iy < s.h; ++iy)
      for (std::size_t ix = 0; ix < s.w; ++ix)
        for (std::size_t c = 0; c < s.c; ++c) {
          const bool moved = image[(iy * s.w + ix) * s.c + c] != 0.5f;
          const bool inside = iy >= field.y0 && iy < field.y1 && ix >= field.x0 && ix < field.x1;
          (inside ? moved_inside : moved_outside) += moved;
        }
    BOOST_TEST_INFO(name);
    BOOST_TEST(moved_outside == 0u);
    BOOST_TEST(moved_inside > 0u);
  }
}

BOOST_AUTO_TEST_CASE(a_seed_gives_the_same_image_for_any_thread_count) {
  auto one = random_model<gradient_model<cnn>>();
  auto two = random_model<gradient_model<cnn, threads<2>>>();
  ascent_options options;
  options.steps = 8;
  options.jitter = 3;
  options.blur_every = 2;
  options.octaves = 2;
  options.seed = 99;
  const objective o = objective::filter(cnn::index_of<"conv2d_2">, 11);
  const std::vector<float> a = maximize(*one, o, options);
  const std::vector<float> b = maximize(*one, o, options);
  const std::vector<float> c = maximize(*two, o, options);
  BOOST_TEST(a == b);
  BOOST_TEST(a == c);
  options.seed = 100;
  BOOST_TEST(maximize(*one, o, options) != a);
}

BOOST_AUTO_TEST_CASE(bad_requests_throw_before_running) {
  auto m = random_model<gradient_model<cnn>>();
  const objective o = objective::filter(1, 0);
  ascent_options options;
  options.steps = 0;
  BOOST_CHECK_THROW(maximize(*m, o, options), shape_error);
  options = {};
  options.octaves = 3;
  options.octave_scale = 1.0f;
  BOOST_CHECK_THROW(maximize(*m, o, options), shape_error);
  options = {};
  BOOST_CHECK_THROW(maximize(*m, objective::filter(1, 99), options), shape_error);
  const std::vector<float> wrong(10, 0.0f);
  BOOST_CHECK_THROW(maximize(*m, o, wrong, options), shape_error);
}

BOOST_AUTO_TEST_CASE(the_progress_bar_draws_only_when_asked) {
  std::FILE* file = std::tmpfile();
  BOOST_REQUIRE(file != nullptr);
  BOOST_TEST(!progress_bar(file).enabled());  // a file is not a terminal
  const progress_bar forced(file, true);
  forced({5, 10, 0, 1, 2.5});
  forced({10, 10, 0, 1, 3.25});
  std::rewind(file);
  char text[256] = {};
  const std::size_t read = std::fread(text, 1, sizeof text - 1, file);
  std::fclose(file);
  const std::string s(text, read);
  BOOST_TEST(s.find("    5/10") != std::string::npos);
  BOOST_TEST(s.find("10/10  octave 1/1  objective 3.25\n") != std::string::npos);
  BOOST_TEST(s.find("[###############---------------]") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(resize_adjoint_is_the_transpose) {
  // <resize(a), b> == <a, resize_adjoint(b)> for random a (small) and b (large).
  const std::size_t hi = 5, wi = 7, ho = 12, wo = 9, c = 2;
  const auto a = constnet::testing::random_images(hi * wi * c, 1);
  const auto b = constnet::testing::random_images(ho * wo * c, 2);
  std::vector<float> ra(ho * wo * c), tb(hi * wi * c);
  image_ops::resize(a, hi, wi, ra, ho, wo, c);
  image_ops::resize_adjoint(b, ho, wo, tb, hi, wi, c);
  const double left = std::inner_product(ra.begin(), ra.end(), b.begin(), 0.0);
  const double right = std::inner_product(a.begin(), a.end(), tb.begin(), 0.0);
  BOOST_TEST(std::abs(left - right) <= 1e-5 * std::abs(left));
  // Same size: the identity.
  std::vector<float> same(hi * wi * c);
  image_ops::resize(a, hi, wi, same, hi, wi, c);
  BOOST_TEST(same == a);
}

BOOST_AUTO_TEST_CASE(roll_and_blur) {
  const std::size_t h = 4, w = 5, c = 1;
  std::vector<float> image(h * w, 0.0f), rolled(h * w), back(h * w), scratch(h * w);
  image[1 * w + 4] = 1.0f;
  image_ops::roll(image, rolled, h, w, c, 2, 1);  // (1, 4) moves to (3, 0), wrapping in x
  BOOST_TEST(rolled[3 * w + 0] == 1.0f);
  image_ops::roll(rolled, back, h, w, c, -2, -1);
  BOOST_TEST(back == image);
  const auto taps = image_ops::gaussian_taps(0.8f);
  BOOST_TEST(std::accumulate(taps.begin(), taps.end(), 0.0f) == 1.0f, boost::test_tools::tolerance(1e-6f));
  std::vector<float> flat(h * w, 0.25f);
  image_ops::blur(flat, scratch, h, w, c, taps);  // a constant stays constant, edges included
  for (float v : flat) BOOST_TEST(v == 0.25f, boost::test_tools::tolerance(1e-6f));
  image_ops::blur(image, scratch, h, w, c, taps);
  BOOST_TEST(image[1 * w + 4] < 1.0f);
  BOOST_TEST(image[1 * w + 3] > 0.0f);
}

BOOST_AUTO_TEST_SUITE_END()
