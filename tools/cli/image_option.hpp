#pragma once
// --image FILE with its preprocessing, shared by the commands that run a network on a picture.

#include <string>
#include <vector>

#include "command_line.hpp"
#include "constnet/io/image.hpp"
#include "constnet/io/image_input.hpp"

namespace constnet::cli {

inline constexpr option_spec image_option{"--image", "FILE", "PNG, JPEG, BMP or GIF; resized to the network's input", true};
inline constexpr option_spec preprocess_option{
    "--preprocess", "MODE", "unit ([0,1], default), tf ([-1,1]), caffe (BGR minus mean) or torch (ImageNet mean/std)"};
inline constexpr option_spec resize_option{"--resize", "FILTER", "nearest (default, as the seeds), bilinear or none"};

inline io::input_options input_options_of(const arguments& args) {
  io::input_options options;
  const std::string mode = args.value_or("--preprocess", "unit");
  if (mode == "unit") options.mode = io::preprocessing::scale_0_1;
  else if (mode == "tf") options.mode = io::preprocessing::tf;
  else if (mode == "caffe") options.mode = io::preprocessing::caffe;
  else if (mode == "torch") options.mode = io::preprocessing::torch;
  else throw usage_error("--preprocess is unit, tf, caffe or torch, not '" + mode + "'");
  const std::string filter = args.value_or("--resize", "nearest");
  if (filter == "nearest") options.resize = io::resize_filter::nearest;
  else if (filter == "bilinear") options.resize = io::resize_filter::bilinear;
  else if (filter == "none") options.resize = std::nullopt;
  else throw usage_error("--resize is nearest, bilinear or none, not '" + filter + "'");
  return options;
}

/// The --image file as the network's input tensor (one image, NHWC).
template <class Network>
std::vector<float> input_from_image_option(const arguments& args) {
  return io::to_input_tensor(io::load_image(*args.value("--image")), Network::input_shape, input_options_of(args));
}

}  // namespace constnet::cli
