#pragma once
// summary<Network>(): Keras' model.summary() table, column for column as the seeds print VGG16
// (Layer (type) | Output Shape | Param #, and | Connected to for a graph), followed by what Keras does not show: each layer's receptive
// field, multiply-accumulates and output memory per image. The same numbers are constexpr in
// Network::facts.

#include <cstddef>
#include <iostream>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "constnet/core/layer_facts.hpp"
#include "constnet/network/sequential.hpp"

namespace constnet {

namespace detail {

/// 138357544 -> "138,357,544", as Keras prints totals.
inline std::string with_thousands(std::size_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

inline std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB"};
  int u = 0;
  while (bytes >= 1024.0 && u < 3) {
    bytes /= 1024.0;
    ++u;
  }
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(u == 0 ? 0 : 2);
  s << bytes << ' ' << units[u];
  return s.str();
}

/// "(None, 224, 224, 64)" or "(None, 25088)": the batch dimension first, as Keras shows it.
inline std::string keras_shape(const shape& s) {
  if (s.rank == 1) return "(None, " + std::to_string(s.c) + ")";
  return "(None, " + std::to_string(s.h) + ", " + std::to_string(s.w) + ", " + std::to_string(s.c) + ")";
}

/// Keras' print_row: each field is cut or padded to end at its column, with at least one space between.
inline std::string summary_row(std::span<const std::string> fields, std::span<const std::size_t> ends) {
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) line = line.substr(0, line.size() - 1) + ' ';
    line += fields[i];
    line = line.substr(0, ends[i]);
    line += std::string(ends[i] - line.size(), ' ');
  }
  return line;
}

/// Keras' Sequential table (every layer reads the one before), or with `connected` its functional-model
/// table, whose "Connected to" column names each layer's inputs as Keras does ("conv1_relu[0][0]"), one
/// per line.
inline void print_summary(std::ostream& out, std::span<const layer_facts> facts, std::size_t total,
                          std::size_t non_trainable, std::size_t macs, bool connected = false) {
  // Keras' first three columns (and for graphs its fourth), then ours.
  static constexpr std::size_t chain_ends[] = {29, 55, 65, 83, 100, 113};
  static constexpr std::size_t graph_ends[] = {32, 53, 65, 98, 116, 133, 146};
  const std::span<const std::size_t> ends = connected ? std::span<const std::size_t>(graph_ends) : chain_ends;
  const std::string rule(ends.back(), '_'), double_rule(ends.back(), '=');
  auto row = [&](std::vector<std::string> fields) {
    if (!connected) fields.erase(fields.begin() + 3);
    out << summary_row(fields, ends) << '\n';
  };
  auto input_label = [&](const layer_facts& f, std::size_t k) {
    return k < f.inputs.count ? std::string(facts[f.inputs.index[k]].name.view()) + "[0][0]" : std::string();
  };
  out << rule << '\n';
  row({"Layer (type)", "Output Shape", "Param #", "Connected to", "Receptive field", "MACs", "Activations"});
  out << double_rule << '\n';
  std::size_t activation_total = 0;
  for (std::size_t i = 0; i < facts.size(); ++i) {
    const layer_facts& f = facts[i];
    activation_total += f.activation_bytes;
    row({std::string(f.name.view()) + " (" + std::string(f.type) + ")", keras_shape(f.output),
         std::to_string(f.params), input_label(f, 0), std::to_string(f.rf.y.size) + "x" + std::to_string(f.rf.x.size),
         with_thousands(f.macs), human_bytes(static_cast<double>(f.activation_bytes))});
    for (std::size_t k = 1; connected && k < f.inputs.count; ++k) row({"", "", "", input_label(f, k), "", "", ""});
    out << (i + 1 == facts.size() ? double_rule : rule) << '\n';
  }
  out << "Total params: " << with_thousands(total) << '\n'
      << "Trainable params: " << with_thousands(total - non_trainable) << '\n'
      << "Non-trainable params: " << with_thousands(non_trainable) << '\n'
      << "Total MACs per image: " << with_thousands(macs) << '\n'
      << "Activations per image, one buffer each: " << human_bytes(static_cast<double>(activation_total)) << '\n'
      << rule << '\n';
}

}  // namespace detail

/// Prints the Keras-style summary of a network.
template <network Network>
void summary(std::ostream& out = std::cout) {
  detail::print_summary(out, Network::facts, Network::total_params, Network::non_trainable_params,
                        Network::total_macs, !Network::is_chain);
}

template <network Network>
std::string summary_string() {
  std::ostringstream s;
  summary<Network>(s);
  return s.str();
}

}  // namespace constnet
