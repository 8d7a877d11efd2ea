#pragma once
// Activation maximization: the image that maximally activates a filter, a neuron or a class, found by
// gradient ascent on the input of a gradient_model (explain/gradient_model.hpp).
//
//   gradient_model<truncate_at<vgg16, "block3_conv3">, threads<2>> m;  // load weights
//   ascent_options opts;  opts.steps = 200;  opts.jitter = 4;  opts.blur_every = 4;
//   std::vector<float> image = maximize(m, objective::filter(m.index_of("block3_conv3"), 7), opts, progress_bar{});
//
// Every step is one forward and one backward pass; then, in this order and each optional:
//   jitter              the image the network sees is the current one rolled (wrapping around) by a random
//                       shift of up to `jitter` pixels per axis, and the gradient is rolled back, so no
//                       feature can depend on exact pixel positions (fewer high-frequency artefacts)
//   normalize_gradient  the gradient is divided by its root mean square (per image), so that step_size is
//                       the RMS change of the pixels per step, whatever the objective's scale
//   the step            image += step_size * gradient (ascent)
//   l2_decay            image = mean + (image - mean) * (1 - l2_decay), pulling pixels towards the start
//                       image's mean value (weight decay towards grey; keeps values bounded)
//   blur                every `blur_every` steps a Gaussian blur of `blur_sigma` pixels (periodic
//                       smoothing: the image is free to sharpen in between)
//   value range         pixels clamped to [low, high] (default: no clamp)
// The image's size: the network's input size is fixed at compile time, but the image optimized need not
// be: with image_height x image_width set (0: the input's own), every pass sees the image bilinearly
// resized to the input H x W, and the gradient goes back through the resize's exact transpose
// (image_ops::resize_adjoint). So a 448 x 448 picture can be synthesized for a 224 x 224 network (each
// network pixel then sees about 2 x 2 image pixels), or a 28 x 56 one stretched into a 28 x 28 input.
// Octaves (octaves > 1) are coarser parametrizations of that image, not smaller inputs: octave k of n
// optimizes an image of (image size) / octave_scale^(n-1-k) pixels, resized the same way; between
// octaves the image is upsampled to the next octave's size. Coarse octaves lay out large structures, the
// last (the image's own size) adds detail. Each octave runs `steps` steps; blur acts at the octave's
// resolution, jitter on the network's view (H x W).
// Deterministic: the start image and the jitter come from core/random.hpp seeded with `seed`, and the
// model computes bit-identical results for any thread count, so a seed gives the same image anywhere.
// With a batch, each image is optimized for the same objective from its own random start.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "constnet/core/errors.hpp"
#include "constnet/core/random.hpp"
#include "constnet/core/shape.hpp"
#include "constnet/explain/image_ops.hpp"
#include "constnet/explain/objective.hpp"

namespace constnet {

struct ascent_options {
  std::size_t steps = 200;        // per octave
  float step_size = 0.01f;        // with normalize_gradient: the RMS pixel change per step
  std::uint64_t seed = 0;
  float start_value = 0.5f;       // the random start: start_value + uniform noise in [-start_noise, start_noise]
  float start_noise = 0.05f;
  std::size_t jitter = 0;         // pixels; 0: off
  float l2_decay = 0.0f;          // fraction per step; 0: off
  std::size_t blur_every = 0;     // steps; 0: off
  float blur_sigma = 0.5f;        // pixels
  bool normalize_gradient = true;
  std::size_t octaves = 1;        // 1: full resolution only
  float octave_scale = 1.4f;      // resolution ratio between octaves
  float low = -std::numeric_limits<float>::infinity();  // value range
  float high = std::numeric_limits<float>::infinity();
  std::size_t image_height = 0;   // the synthesized image's size; 0: the network's input height
  std::size_t image_width = 0;    // 0: the input width
};

/// The size of the image maximize() optimizes and returns: options.image_height x image_width, each 0
/// standing for the network's input size.
template <class GradientModel>
constexpr std::pair<std::size_t, std::size_t> synthesized_size(const ascent_options& o) {
  constexpr shape in = GradientModel::network_type::input_shape;
  return {o.image_height ? o.image_height : in.h, o.image_width ? o.image_width : in.w};
}

/// What the progress callback sees after each step.
struct ascent_progress {
  std::size_t step = 0;    // 1-based, over all octaves
  std::size_t steps = 0;   // steps * octaves
  std::size_t octave = 0;  // 0-based
  std::size_t octaves = 1;
  double objective = 0;    // the objective's value (summed over the batch) at this step's input
};

using ascent_callback = std::function<void(const ascent_progress&)>;

namespace detail {
inline void check_ascent_options(const ascent_options& o) {
  if (o.steps == 0) throw shape_error("maximize: steps must be at least 1");
  if (o.octaves == 0) throw shape_error("maximize: octaves must be at least 1");
  if (o.octaves > 1 && !(o.octave_scale > 1.0f))
    throw shape_error("maximize: octave_scale must be above 1 with several octaves, got " + std::to_string(o.octave_scale));
  if (o.blur_every > 0 && !(o.blur_sigma > 0.0f)) throw shape_error("maximize: blur_sigma must be positive");
  if (!(o.l2_decay >= 0.0f && o.l2_decay < 1.0f)) throw shape_error("maximize: l2_decay must be in [0, 1)");
  if (!(o.low <= o.high)) throw shape_error("maximize: the value range is empty (low > high)");
}
}  // namespace detail

/// Gradient ascent from a given start image (NHWC, the model's whole batch, at synthesized_size(options)).
/// requires: GradientModel is a gradient_model; start.size() == batch * image height * width * channels
///           (input_elements with the default size; else shape_error).
/// ensures:  returns the final image (as many floats as start). Throws shape_error for an objective the
///           network does not have or invalid options, before any pass runs.
template <class GradientModel>
std::vector<float> maximize(GradientModel& m, const objective& target, std::span<const float> start,
                            const ascent_options& options, const ascent_callback& progress = {}) {
  using M = GradientModel;
  constexpr shape in = M::network_type::input_shape;
  constexpr std::size_t H = in.h, W = in.w, C = in.c, per_image = in.elements(), batch = M::batch_size;
  detail::check_ascent_options(options);
  M::check(target);
  const auto [IH, IW] = synthesized_size<M>(options);
  if (start.size() != batch * IH * IW * C)
    throw shape_error("maximize: the start image has " + std::to_string(start.size()) + " floats; a batch of " +
                      std::to_string(batch) + " " + std::to_string(IH) + "x" + std::to_string(IW) + "x" +
                      std::to_string(C) + " images takes " + std::to_string(batch * IH * IW * C));

  random_source random(options.seed ^ 0x6a09e667f3bcc909ULL);  // jitter's own stream, apart from the start's
  const std::vector<float> taps = image_ops::gaussian_taps(options.blur_sigma);
  double mean = 0;
  for (float v : start) mean += v;
  const float centre = static_cast<float>(mean / static_cast<double>(start.size()));

  // The octave sizes, coarsest first; the last is the image's.
  std::vector<std::pair<std::size_t, std::size_t>> sizes;
  for (std::size_t k = 0; k < options.octaves; ++k) {
    const double f = std::pow(static_cast<double>(options.octave_scale), static_cast<double>(options.octaves - 1 - k));
    sizes.emplace_back(std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(static_cast<double>(IH) / f))),
                       std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(static_cast<double>(IW) / f))));
  }

  // params: the image at the octave's resolution; full: resized to the input; seen: jittered; g*: gradients.
  const std::size_t start_cells = IH * IW * C;
  std::vector<float> params(batch * sizes[0].first * sizes[0].second * C), next;
  for (std::size_t n = 0; n < batch; ++n)
    image_ops::resize(start.subspan(n * start_cells, start_cells), IH, IW,
                      std::span<float>(params).subspan(n * sizes[0].first * sizes[0].second * C,
                                                       sizes[0].first * sizes[0].second * C),
                      sizes[0].first, sizes[0].second, C);
  std::vector<float> full(M::input_elements), seen(M::input_elements), grad_full(M::input_elements), grad(params.size()),
      scratch(batch * start_cells);

  std::size_t step = 0;
  for (std::size_t octave = 0; octave < options.octaves; ++octave) {
    const auto [h, w] = sizes[octave];
    const std::size_t cells = h * w * C;
    if (octave > 0) {  // upsample the previous octave's image
      const auto [ph, pw] = sizes[octave - 1];
      next.assign(batch * cells, 0.0f);
      for (std::size_t n = 0; n < batch; ++n)
        image_ops::resize(std::span<const float>(params).subspan(n * ph * pw * C, ph * pw * C), ph, pw,
                          std::span<float>(next).subspan(n * cells, cells), h, w, C);
      params.swap(next);
      grad.assign(params.size(), 0.0f);
    }
    for (std::size_t s = 0; s < options.steps; ++s) {
      // The network's view: resized to the input, then jittered.
      const long jy = options.jitter ? static_cast<long>(random.next() % (2 * options.jitter + 1)) - static_cast<long>(options.jitter) : 0;
      const long jx = options.jitter ? static_cast<long>(random.next() % (2 * options.jitter + 1)) - static_cast<long>(options.jitter) : 0;
      for (std::size_t n = 0; n < batch; ++n) {
        const std::span<float> f(full.data() + n * per_image, per_image);
        image_ops::resize(std::span<const float>(params).subspan(n * cells, cells), h, w, f, H, W, C);
        image_ops::roll(f, std::span<float>(seen).subspan(n * per_image, per_image), H, W, C, jy, jx);
      }
      const double value = m.value_and_gradient(target, std::span<const float, M::input_elements>(seen.data(), M::input_elements));
      const auto g = m.input_gradient();
      for (std::size_t n = 0; n < batch; ++n) {
        image_ops::roll(g.subspan(n * per_image, per_image), std::span<float>(grad_full).subspan(n * per_image, per_image),
                        H, W, C, -jy, -jx);
        image_ops::resize_adjoint(std::span<const float>(grad_full).subspan(n * per_image, per_image), H, W,
                                  std::span<float>(grad).subspan(n * cells, cells), h, w, C);
      }
      for (std::size_t n = 0; n < batch; ++n) {
        float* p = params.data() + n * cells;
        const float* d = grad.data() + n * cells;
        float scale = options.step_size;
        if (options.normalize_gradient) {
          double squares = 0;
          for (std::size_t i = 0; i < cells; ++i) squares += static_cast<double>(d[i]) * d[i];
          scale = static_cast<float>(options.step_size / (std::sqrt(squares / static_cast<double>(cells)) + 1e-12));
        }
        for (std::size_t i = 0; i < cells; ++i) {
          float v = p[i] + scale * d[i];
          if (options.l2_decay > 0) v = centre + (v - centre) * (1.0f - options.l2_decay);
          p[i] = v;
        }
        if (options.blur_every > 0 && (s + 1) % options.blur_every == 0)
          image_ops::blur(std::span<float>(p, cells), std::span<float>(scratch).first(cells), h, w, C, taps);
        for (std::size_t i = 0; i < cells; ++i) p[i] = std::clamp(p[i], options.low, options.high);
      }
      ++step;
      if (progress) progress({step, options.steps * options.octaves, octave, options.octaves, value});
    }
  }
  // The last octave is at the image's size: params is the image.
  return params;
}

/// Gradient ascent from a random start (at synthesized_size(options)): start_value plus uniform noise of
/// +-start_noise, from `seed`.
template <class GradientModel>
std::vector<float> maximize(GradientModel& m, const objective& target, const ascent_options& options,
                            const ascent_callback& progress = {}) {
  random_source random(options.seed);
  const auto [h, w] = synthesized_size<GradientModel>(options);
  std::vector<float> start(GradientModel::batch_size * h * w * GradientModel::network_type::input_shape.c);
  for (float& v : start) v = options.start_value + options.start_noise * static_cast<float>(random.uniform(-1.0, 1.0));
  return maximize(m, target, std::span<const float>(start), options, progress);
}

}  // namespace constnet
