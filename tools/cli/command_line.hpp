#pragma once
// A small, strict command-line parser for the `constnet` tool: each command declares its options, and
// anything else (an unknown option, a missing value, a malformed number) is a usage_error whose message
// is one line, suggesting the closest option when there is one.

#include <charconv>
#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "constnet/network/analysis.hpp"

namespace constnet::cli {

class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct option_spec {
  std::string_view name;        // "--weights" or "-o"
  std::string_view value_name;  // "FILE"; empty for a flag that takes no value
  std::string_view help;
  bool required = false;
};

struct command_spec {
  std::string_view name;          // "predict"
  std::string_view positionals;   // "MODEL", shown in the usage line; each word is one required positional
  std::string_view summary;       // one line, for `constnet --help`
  std::string_view details;       // more lines for `constnet predict --help`; may be empty
  std::vector<option_spec> options;
};

inline std::size_t word_count(std::string_view s) {
  std::size_t n = 0;
  bool in_word = false;
  for (char c : s) {
    const bool space = c == ' ';
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return n;
}

/// "--weights FILE", or "--verbose" for a flag.
inline std::string option_usage(const option_spec& o) {
  std::string s(o.name);
  if (!o.value_name.empty()) s.append(" ").append(o.value_name);
  return s;
}

// Built with append() rather than operator+ chains: GCC 12 reports a false -Wrestrict on the latter.
inline std::string help_text(const command_spec& spec) {
  std::string text = "usage: constnet ";
  text.append(spec.name);
  if (!spec.positionals.empty()) text.append(" ").append(spec.positionals);
  for (const auto& o : spec.options) {
    text.append(o.required ? " " : " [").append(option_usage(o));
    if (!o.required) text.append("]");
  }
  text.append("\n\n").append(spec.summary).append("\n");
  if (!spec.details.empty()) text.append("\n").append(spec.details).append("\n");
  if (!spec.options.empty()) text.append("\noptions:\n");
  for (const auto& o : spec.options) {
    std::string left = "  ";
    left.append(option_usage(o));
    if (left.size() < 24) left.resize(24, ' ');
    else left.append("  ");
    text.append(left).append(o.help).append("\n");
  }
  return text;
}

/// The parsed arguments of one command.
class arguments {
 public:
  const std::vector<std::string>& positionals() const { return positionals_; }
  bool has(std::string_view option) const { return values_.contains(std::string(option)); }

  std::optional<std::string> value(std::string_view option) const {
    const auto it = values_.find(std::string(option));
    if (it == values_.end()) return std::nullopt;
    return it->second;
  }
  std::string value_or(std::string_view option, std::string fallback) const {
    return value(option).value_or(std::move(fallback));
  }

  /// A non-negative integer option; usage_error if it is not one.
  std::size_t size_or(std::string_view option, std::size_t fallback) const {
    const auto v = value(option);
    return v ? parse_size(option, *v) : fallback;
  }
  /// "3,7,12" as numbers; an empty optional when the option is absent.
  std::optional<std::vector<std::size_t>> size_list(std::string_view option) const {
    const auto v = value(option);
    if (!v) return std::nullopt;
    std::vector<std::size_t> list;
    std::string_view rest = *v;
    while (true) {
      const std::size_t comma = rest.find(',');
      list.push_back(parse_size(option, rest.substr(0, comma)));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    return list;
  }

  static std::size_t parse_size(std::string_view option, std::string_view text) {
    std::size_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty())
      throw usage_error(std::string(option) + " expects a non-negative integer, got '" + std::string(text) + "'");
    return n;
  }

 private:
  friend arguments parse(const command_spec&, std::span<const std::string_view>);
  std::vector<std::string> positionals_;
  std::map<std::string, std::string> values_;  // flags map to ""
};

/// Parses the words after the command name. Throws usage_error; `--help` is the caller's to check first.
inline arguments parse(const command_spec& spec, std::span<const std::string_view> words) {
  arguments parsed;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string_view word = words[i];
    // Options start with '-' ("--weights", "-o"); a lone "-" or a negative number is a positional.
    const bool looks_like_option = word.size() > 1 && word[0] == '-' && !(word[1] >= '0' && word[1] <= '9');
    if (!looks_like_option) {
      parsed.positionals_.emplace_back(word);
      continue;
    }
    std::string_view name = word;
    std::optional<std::string_view> inline_value;
    if (const std::size_t eq = word.find('='); word.starts_with("--") && eq != std::string_view::npos) {
      name = word.substr(0, eq);
      inline_value = word.substr(eq + 1);
    }
    const option_spec* match = nullptr;
    for (const auto& o : spec.options)
      if (o.name == name) match = &o;
    if (match == nullptr) {
      std::string message = "constnet " + std::string(spec.name) + ": unknown option " + std::string(name);
      if (spec.options.empty()) {
        message += "; it takes no options";
      } else {
        const option_spec* closest = &spec.options.front();
        for (const auto& o : spec.options)
          if (detail::edit_distance(o.name, name) < detail::edit_distance(closest->name, name)) closest = &o;
        message += "; did you mean " + std::string(closest->name) + "?";
      }
      throw usage_error(message);
    }
    if (parsed.values_.contains(std::string(name)))
      throw usage_error("constnet " + std::string(spec.name) + ": " + std::string(name) + " given twice");
    if (match->value_name.empty()) {
      if (inline_value) throw usage_error(std::string(name) + " takes no value");
      parsed.values_[std::string(name)] = "";
    } else if (inline_value) {
      parsed.values_[std::string(name)] = std::string(*inline_value);
    } else {
      if (i + 1 >= words.size())
        throw usage_error(std::string(name) + " needs a value (" + std::string(match->value_name) + ")");
      parsed.values_[std::string(name)] = std::string(words[++i]);
    }
  }
  for (const auto& o : spec.options)
    if (o.required && !parsed.has(o.name))
      throw usage_error("constnet " + std::string(spec.name) + ": " + std::string(o.name) + " " +
                        std::string(o.value_name) + " is required");
  const std::size_t wanted = word_count(spec.positionals);
  if (parsed.positionals_.size() != wanted)
    throw usage_error("constnet " + std::string(spec.name) + " takes " + std::to_string(wanted) + " argument" +
                      (wanted == 1 ? "" : "s") + " (" + std::string(spec.positionals) + "), got " +
                      std::to_string(parsed.positionals_.size()));
  return parsed;
}

}  // namespace constnet::cli
