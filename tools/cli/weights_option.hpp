#pragma once
// --weights FILE for every command that needs trained weights: safetensors always, Keras HDF5 when the
// tool was built with HDF5. The layout convention comes from --convention, else from the file's own
// metadata (constnet and tools/ write it), else Keras'.

#include <filesystem>
#include <string>

#include "command_line.hpp"
#include "constnet/core/errors.hpp"
#include "constnet/io/load_weights.hpp"
#include "constnet/io/safetensors.hpp"
#ifdef CONSTNET_HAS_HDF5
#include "constnet/io/keras_hdf5.hpp"
#endif

namespace constnet::cli {

inline constexpr option_spec weights_option{"--weights", "FILE", "trained weights: .safetensors or Keras .h5", true};
inline constexpr option_spec convention_option{
    "--convention", "NAME", "keras or pytorch layouts (default: the file's metadata, else keras)"};

inline io::convention parse_convention(std::string_view text) {
  if (text == "keras") return io::convention::keras;
  if (text == "pytorch") return io::convention::pytorch;
  throw usage_error("--convention is keras or pytorch, not '" + std::string(text) + "'");
}

/// Reads --weights into the model, checked against its network (see io::load_weights).
template <class Model>
void load_weights_option(Model& m, const arguments& args) {
  const std::filesystem::path path = *args.value("--weights");
  const std::string extension = path.extension().string();
  if (extension == ".h5" || extension == ".hdf5") {
#ifdef CONSTNET_HAS_HDF5
    const io::tensor_set set = io::read_keras_hdf5(path);
    io::load_weights(m, set, parse_convention(args.value_or("--convention", "keras")));
    return;
#else
    throw io_error(path.string() + ": this constnet was built without HDF5 (install libhdf5-dev and rebuild)");
#endif
  }
  const io::tensor_set set = io::read_safetensors(path);
  std::string convention = "keras";
  if (const auto it = set.metadata().find("convention"); it != set.metadata().end()) {
    convention = it->second;
    if (convention != "keras" && convention != "pytorch")
      throw format_error(path.string() + ": metadata names an unknown convention '" + convention + "'");
  }
  io::load_weights(m, set, parse_convention(args.value_or("--convention", convention)));
}

}  // namespace constnet::cli
