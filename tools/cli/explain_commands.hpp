#pragma once
// The commands that show what neurons want and see: maximize (activation maximization of filters, a
// neuron or a class) and receptive-field (a neuron's compile-time receptive field drawn on an image).

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "command.hpp"
#include "constnet/core/errors.hpp"
#include "constnet/explain/gradient_model.hpp"
#include "constnet/explain/maximize.hpp"
#include "constnet/explain/progress.hpp"
#include "constnet/explain/receptive_field.hpp"
#include "constnet/io/image.hpp"
#include "constnet/models/zoo.hpp"
#include "constnet/viz/png.hpp"
#include "constnet/viz/synthesized_pictures.hpp"
#include "run_commands.hpp"
#include "weights_option.hpp"

namespace constnet::cli {

/// "Y,X" as two numbers; usage_error otherwise.
inline std::pair<std::size_t, std::size_t> pair_option(const arguments& args, std::string_view option) {
  const auto list = args.size_list(option);
  if (!list || list->size() != 2) throw usage_error(std::string(option) + " expects two numbers, as 3,4");
  return {(*list)[0], (*list)[1]};
}

/// The largest side maximize --size accepts: 4096 x 4096 x 3 floats are 200 MB per image.
inline constexpr std::size_t max_image_side = 4096;

/// Throws shape_error unless (y, x) is a position of the layer's output.
template <class Network>
void check_neuron(std::size_t layer, std::size_t y, std::size_t x) {
  const layer_facts& f = Network::facts[layer];
  if (y >= f.output.h || x >= f.output.w)
    throw shape_error(std::string(f.name.view()) + " is " + std::to_string(f.output.h) + "x" +
                      std::to_string(f.output.w) + "; there is no neuron at " + std::to_string(y) + "," +
                      std::to_string(x));
}

/// "(y0,x0)-(y1,x1)". Built with append(): GCC 12 reports a false -Wrestrict on operator+ chains.
inline std::string box_text(const pixel_box& b) {
  std::string text = "(";
  text.append(std::to_string(b.y0)).append(",").append(std::to_string(b.x0)).append(")-(");
  text.append(std::to_string(b.y1)).append(",").append(std::to_string(b.x1)).append(")");
  return text;
}

/// The body of `constnet maximize` for one network (compiled apart for the zoo's large
/// networks: tools/cli/zoo_parts.hpp).
template <class net>
int maximize_on(const arguments& args) {
  using gmodel = gradient_model<net, threads<2>>;
  const shape input = net::input_shape;
  std::size_t image_h = input.h, image_w = input.w;  // the synthesized image's size
  if (args.has("--size")) {
    std::tie(image_h, image_w) = pair_option(args, "--size");
    if (image_h == 0 || image_w == 0 || image_h > max_image_side || image_w > max_image_side)
      throw usage_error("--size " + std::to_string(image_h) + "," + std::to_string(image_w) +
                        ": each side must be between 1 and " + std::to_string(max_image_side));
  }
  const int targets = int{args.has("--filters")} + int{args.has("--class")} +
                      int{args.has("--filter") || args.has("--neuron")};
  if (targets != 1)
    throw usage_error("maximize takes one of --filter K (with --neuron Y,X), --filters K1,K2,.. or --class C");
  if (args.has("--filter") && args.has("--filters")) throw usage_error("--filter and --filters exclude each other");
  if (!args.has("--layer") && !args.has("--class")) throw usage_error("maximize needs --layer NAME");

  const std::size_t layer =
      args.has("--layer") ? model<net>::index_of(*args.value("--layer")) : net::size - 1;
  std::vector<objective> objectives;
  if (args.has("--class")) {
    objectives.push_back(objective::class_logit(layer, args.size_or("--class", 0)));
  } else if (args.has("--neuron")) {
    const auto [y, x] = pair_option(args, "--neuron");
    objectives.push_back(objective::neuron(layer, args.size_or("--filter", 0), y, x));
  } else if (args.has("--filters")) {
    const std::vector<std::size_t> filters = *args.size_list("--filters");  // a named copy: the
    for (std::size_t k : filters) objectives.push_back(objective::filter(layer, k));  // optional is a temporary
  } else {
    objectives.push_back(objective::filter(layer, args.size_or("--filter", 0)));
  }
  for (const objective& o : objectives) gmodel::check(o);  // every target before any work

  auto m = std::make_unique<gmodel>();  // on the heap: VGG's weights and arena
  load_weights_option(*m, args);
  ascent_options options;
  options.steps = args.size_or("--steps", 100);
  options.seed = args.size_or("--seed", 0);
  // Neither jitter nor blur for a neuron: rolling would move its receptive field and blurring
  // would smooth pixels it never sees; without them the picture changes only inside the field.
  const bool regularize = !args.has("--neuron");
  options.jitter = regularize ? std::max<std::size_t>(1, input.h / 16) : 0;
  options.blur_every = regularize ? 4 : 0;
  options.low = 0.0f;
  options.high = 1.0f;
  options.image_height = image_h;
  options.image_width = image_w;

  std::vector<float> images;
  for (const objective& o : objectives) {
    const std::vector<float> image = maximize(*m, o, options, progress_bar{});
    images.insert(images.end(), image.begin(), image.end());
  }
  const std::size_t scale = args.size_or("--scale", std::max<std::size_t>(1, 112 / image_h));
  io::image picture;
  std::string what = std::string(net::facts[layer].name.view());
  if (args.has("--neuron")) {
    const objective& o = objectives.front();
    const pixel_box box = receptive_field_box<net>(layer, o.y, o.x);
    viz::neuron_picture_style style;
    style.scale = scale;
    picture = viz::neuron_picture({images, image_h, image_w, input.c},
                                  viz::scale_box(box, input.h, input.w, image_h, image_w), style);
    what.append(" filter ").append(std::to_string(o.channel)).append(" neuron ");
    what.append(std::to_string(o.y)).append(",").append(std::to_string(o.x));
    what.append(", receptive field ").append(box_text(box));
  } else {
    const std::size_t cols = std::min(args.size_or("--cols", 8), objectives.size());
    if (cols == 0) throw usage_error("--cols must be at least 1");
    picture = viz::synthesized_grid(images, objectives.size(), image_h, image_w, input.c, cols,
                                    {.scale = scale});
    if (args.has("--class")) what.append(" class ").append(std::to_string(objectives.front().channel));
    else what.append(", ").append(std::to_string(objectives.size())).append(" filter(s)");
  }
  viz::write_png(picture, *args.value("-o"));
  std::printf("%s: %zux%zu, %s, %zu steps\n", args.value("-o")->c_str(), picture.width(),
              picture.height(), what.c_str(), options.steps);
  return 0;
}

inline command maximize_command() {
  return {{"maximize", "MODEL", "Synthesize the images that maximally activate filters, a neuron or a class (PNG).",
           "Gradient ascent on the input from a gray image with a little noise (--seed), in the network's\n"
           "input range [0, 1] (the unit preprocessing), with a normalized gradient, 1 px jitter per 16 px\n"
           "of input and a 0.5 px Gaussian blur every 4 steps (neither for --neuron: then only the\n"
           "neuron's receptive field changes, the rest stays the start image). What is maximized:\n"
           "  --filter K / --filters K1,K2,..  the mean activation of each filter of --layer (a grid, one cell each)\n"
           "  --neuron Y,X (with --filter K, default 0)  filter K at one position of --layer: the picture\n"
           "      shows the image with the neuron's receptive field outlined, and the field zoomed\n"
           "  --class C  class C before the softmax; --layer defaults to the last layer\n"
           "Each image is normalized on its own for display: clipped to mean +- 3 standard deviations.\n"
           "--size H,W synthesizes an H x W image (default: the network's input size, fixed at compile\n"
           "time): every step the image is resized (bilinear) to the input and the gradient goes back\n"
           "through the resize's exact transpose. With --neuron the outlined field is scaled to the image,\n"
           "rounding outwards; the resampling lets pixels up to one input pixel beyond it change too.",
           {weights_option,
            {"--layer", "NAME", "the layer whose filter or neuron is maximized (required but for --class)"},
            {"--filter", "K", "one filter of the layer"},
            {"--filters", "K1,K2,..", "several filters, one grid cell each"},
            {"--neuron", "Y,X", "one position of the layer's output (of --filter K)"},
            {"--class", "C", "one output class (pre-softmax)"},
            {"--steps", "N", "ascent steps (default 100)"},
            {"--size", "H,W", "the synthesized image's size (default: the input's), 1-4096 per side"},
            {"--seed", "S", "random start and jitter (default 0): the same seed gives the same image"},
            {"--cols", "C", "columns of the --filters grid (default 8)"},
            scale_option,
            output_option,
            convention_option}},
          [](const arguments& args) {
            return models::with_zoo_network(args.positionals()[0], [&](auto network) {
              return maximize_on<typename decltype(network)::type>(args);
            });
          }};
}

inline command receptive_field_command() {
  return {{"receptive-field", "MODEL", "Draw a neuron's receptive field on an image, or on gray (PNG), and print it.",
           "The box comes from the network's compile-time facts (no weights are needed), clipped to the\n"
           "input, and is printed as (y0,x0)-(y1,x1) in input pixels, ends exclusive. With --image the box\n"
           "is scaled to the image's own size (as if the image were resized to the input); without it, it\n"
           "is drawn on a mid-gray canvas of the input size.",
           {{"--layer", "NAME", "the neuron's layer", true},
            {"--neuron", "Y,X", "the neuron's position in the layer's output", true},
            {"--image", "FILE", "draw on this image (PNG, JPEG, BMP or GIF) instead of gray"},
            output_option}},
          [](const arguments& args) {
            return models::with_zoo_network(args.positionals()[0], [&](auto network) {
              using net = typename decltype(network)::type;
              const std::size_t layer = model<net>::index_of(*args.value("--layer"));
              const auto [y, x] = pair_option(args, "--neuron");
              check_neuron<net>(layer, y, x);
              const pixel_box box = receptive_field_box<net>(layer, y, x);
              const shape input = net::input_shape;
              const io::image picture =
                  args.has("--image")
                      ? viz::receptive_field_overlay(io::load_image(*args.value("--image")), box, input.h, input.w)
                      : viz::receptive_field_overlay(viz::gray_canvas(input.h, input.w), box, input.h, input.w);
              viz::write_png(picture, *args.value("-o"));
              const receptive_field& rf = net::facts[layer].rf;
              std::printf("%s neuron %zu,%zu: receptive field %s, %zux%zu pixels", std::string(net::facts[layer].name.view()).c_str(),
                          y, x, box_text(box).c_str(), box.height(), box.width());
              if (box.height() != rf.y.size || box.width() != rf.x.size)
                std::printf(" (%zux%zu before clipping to the %zux%zu input)", static_cast<std::size_t>(rf.y.size),
                            static_cast<std::size_t>(rf.x.size), input.h, input.w);
              std::printf("\n%s: %zux%zu\n", args.value("-o")->c_str(), picture.width(), picture.height());
              return 0;
            });
          }};
}

}  // namespace constnet::cli
