#pragma once
// The commands that run or draw a trained network: predict, features and filters.

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "command.hpp"
#include "constnet/engine/model.hpp"
#include "constnet/models/zoo.hpp"
#include "constnet/viz/model_pictures.hpp"
#include "constnet/viz/png.hpp"
#include "image_option.hpp"
#include "weights_option.hpp"

namespace constnet::cli {

inline constexpr option_spec layer_option{"--layer", "NAME", "a layer of the network (see `constnet summary MODEL`)", true};
inline constexpr option_spec output_option{"-o", "FILE", "the PNG to write", true};
inline constexpr option_spec rows_option{"--rows", "R", "rows of the grid"};
inline constexpr option_spec cols_option{"--cols", "C", "columns of the grid"};
inline constexpr option_spec scale_option{"--scale", "N", "pixels per value (nearest-neighbour upscaling)"};

/// The model of a zoo network, on the heap (VGG16's weights are 553 MB), with --weights loaded.
template <class Network>
std::unique_ptr<model<Network>> trained_model(const arguments& args) {
  auto m = std::make_unique<model<Network>>();
  load_weights_option(*m, args);
  return m;
}

inline std::vector<std::string> read_labels(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw io_error("cannot open the labels file " + path);
  std::vector<std::string> labels;
  for (std::string line; std::getline(file, line);) labels.push_back(line);
  return labels;
}

inline viz::grid_layout layout_of(const arguments& args, std::size_t rows, std::size_t cols) {
  viz::grid_layout layout;
  layout.rows = args.size_or("--rows", rows);
  layout.cols = args.size_or("--cols", cols);
  if (layout.rows == 0 || layout.cols == 0) throw usage_error("--rows and --cols must be at least 1");
  if (auto list = args.size_list("--maps")) {
    layout.indices = std::move(*list);
    if (!args.has("--rows") && !args.has("--cols")) {  // one row of the chosen maps unless told otherwise
      layout.rows = 1;
      layout.cols = layout.indices.size();
    }
  }
  return layout;
}

inline viz::colormap colormap_of(const arguments& args) {
  const std::string name = args.value_or("--colormap", "gray");
  if (name == "gray") return viz::colormap::gray;
  if (name == "viridis") return viz::colormap::viridis;
  throw usage_error("--colormap is gray or viridis, not '" + name + "'");
}

/// The body of `constnet predict` for one network (compiled apart for the zoo's large
/// networks: tools/cli/zoo_parts.hpp).
template <class net>
int predict_on(const arguments& args) {
  auto m = trained_model<net>(args);
  const std::vector<float> input = input_from_image_option<net>(args);
  const std::span<const char* const> zoo_labels = models::zoo_class_names_of(args.positionals()[0]);
  const std::vector<std::string> labels = args.has("--labels")
                                              ? read_labels(*args.value("--labels"))
                                              : std::vector<std::string>(zoo_labels.begin(), zoo_labels.end());
  const auto out = m->forward(std::span<const float>(input));
  std::vector<std::size_t> order(out.size());
  std::iota(order.begin(), order.end(), 0);
  const std::size_t k = std::min(args.size_or("--top", 5), order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                    [&](std::size_t a, std::size_t b) { return out[a] > out[b]; });
  for (std::size_t r = 0; r < k; ++r) {
    const std::size_t c = order[r];
    std::printf("%zu  %4zu  %-24s %.6f\n", r + 1, c, c < labels.size() ? labels[c].c_str() : "",
                static_cast<double>(out[c]));
  }
  return 0;
}

inline command predict_command() {
  return {{"predict", "MODEL", "Classify an image: the top K outputs of the network with their values.",
           "Prints one line per class: rank, index, label and the network's output (a probability\n"
           "when the network ends in softmax). Labels: --labels FILE, else the zoo's own class names\n"
           "(ImageNet's for vgg16 and vgg19, Fashion-MNIST's for fashion_mnist_cnn).",
           {weights_option, image_option, {"--top", "K", "how many classes to print (default 5)"},
            {"--labels", "FILE", "class names, one per line, in output order (default: the model's own, if any)"}, preprocess_option, resize_option,
            convention_option}},
          [](const arguments& args) {
            return models::with_zoo_network(args.positionals()[0], [&](auto network) {
              return predict_on<typename decltype(network)::type>(args);
            });
          }};
}

/// The body of `constnet features` for one network (compiled apart for the zoo's large
/// networks: tools/cli/zoo_parts.hpp).
template <class net>
int features_on(const arguments& args) {
  auto m = trained_model<net>(args);
  const std::vector<float> input = input_from_image_option<net>(args);
  viz::picture_style style;
  style.map = colormap_of(args);
  const std::size_t layer = model<net>::index_of(*args.value("--layer"));
  const shape out = net::facts[layer].output;
  // Small maps get bigger cells so they stay visible: about 64 pixels a side unless told.
  style.scale = args.size_or("--scale", std::max<std::size_t>(1, 64 / std::max<std::size_t>(1, out.h)));
  const io::image picture =
      viz::feature_map_grid(*m, *args.value("--layer"), input, layout_of(args, 4, 8), style);
  viz::write_png(picture, *args.value("-o"));
  std::printf("%s: %zux%zu, maps of %s (%zux%zux%zu)\n", args.value("-o")->c_str(), picture.width(),
              picture.height(), args.value("--layer")->c_str(), out.h, out.w, out.c);
  return 0;
}

inline command features_command() {
  return {{"features", "MODEL", "Draw a layer's feature maps for an image as a PNG grid (seed show_feature_maps).",
           "Each map is min-max normalized on its own. --maps picks maps by index (default: the first\n"
           "rows x cols); cells are separated by a 1-pixel white line.",
           {weights_option, image_option, layer_option, output_option, rows_option, cols_option,
            {"--maps", "K1,K2,..", "draw these maps instead of the first rows x cols"}, scale_option,
            {"--colormap", "NAME", "gray (default) or viridis"}, preprocess_option, resize_option, convention_option}},
          [](const arguments& args) {
            return models::with_zoo_network(args.positionals()[0], [&](auto network) {
              return features_on<typename decltype(network)::type>(args);
            });
          }};
}

/// The body of `constnet filters` for one network (compiled apart for the zoo's large
/// networks: tools/cli/zoo_parts.hpp).
template <class net>
int filters_on(const arguments& args) {
  auto m = trained_model<net>(args);
  const viz::conv_kernel_view k = viz::conv_kernel(*m, *args.value("--layer"));
  const std::string style_name = args.value_or("--style", k.in == 3 ? "rgb" : "grid");
  viz::picture_style style = viz::filter_style;
  style.scale = args.size_or("--scale", style.scale);
  style.map = colormap_of(args);
  io::image picture;
  if (style_name == "rgb") {
    picture = viz::filter_rgb_tiles(k, layout_of(args, 4, 8), style);
  } else if (style_name == "grid") {
    std::optional<std::size_t> channel;
    if (args.has("--channel")) channel = args.size_or("--channel", 0);
    picture = viz::filter_grid(k, layout_of(args, 4, 8), channel, style);
  } else if (style_name == "channels") {
    const std::size_t filters = args.size_or("--rows", std::min<std::size_t>(6, k.filters));
    const std::size_t channels = args.size_or("--cols", std::min<std::size_t>(32, k.in));
    picture = viz::filter_channels_figure(k, filters, channels, style);
  } else {
    throw usage_error("--style is rgb, grid or channels, not '" + style_name + "'");
  }
  viz::write_png(picture, *args.value("-o"));
  std::printf("%s: %zux%zu, %zu filters of %zux%zux%zu\n", args.value("-o")->c_str(), picture.width(),
              picture.height(), k.filters, k.kh, k.kw, k.in);
  return 0;
}

inline command filters_command() {
  return {{"filters", "MODEL", "Draw a convolution layer's filters as a PNG.",
           "--style rgb: one colour tile per filter (layers with 3 input channels; the default there);\n"
           "--style grid: seed 000's grid, one gray cell per filter from --channel K or the mean over\n"
           "input channels (the default for other layers); --style channels: seed 003's figure, one\n"
           "row per filter and one column per input channel, normalized over the layer.",
           {weights_option, layer_option, output_option, {"--style", "NAME", "rgb, grid or channels"}, rows_option,
            cols_option, {"--channel", "K", "input channel for --style grid (default: the mean)"}, scale_option,
            {"--colormap", "NAME", "gray (default) or viridis, for grid"}, convention_option}},
          [](const arguments& args) {
            return models::with_zoo_network(args.positionals()[0], [&](auto network) {
              return filters_on<typename decltype(network)::type>(args);
            });
          }};
}

}  // namespace constnet::cli
