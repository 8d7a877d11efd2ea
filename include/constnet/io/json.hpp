#pragma once
// A small, strict JSON parser for file headers that come from untrusted bytes (the safetensors header).
// It accepts only what such headers need: objects, arrays, strings (with every escape, validated UTF-8)
// and non-negative integers. Anything else (negative or fractional numbers, true/false/null, duplicate
// keys, trailing bytes other than whitespace) is a format_error naming the byte where it went wrong.
// Depth and the number of values are bounded, so hostile input cannot exhaust the stack or memory.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "constnet/core/errors.hpp"

namespace constnet::io::json {

/// One parsed value. Objects keep their members in document order (keys[i] names items[i]).
struct value {
  enum class kind { object, array, string, integer };
  kind type = kind::integer;
  std::string text;              // kind::string
  std::uint64_t integer = 0;     // kind::integer
  std::vector<std::string> keys; // kind::object
  std::vector<value> items;      // kind::object (member values) and kind::array (elements)

  /// The member named `key` of an object, or nullptr.
  const value* find(std::string_view key) const {
    for (std::size_t i = 0; i < keys.size(); ++i)
      if (keys[i] == key) return &items[i];
    return nullptr;
  }
};

constexpr std::string_view kind_name(value::kind k) {
  switch (k) {
    case value::kind::object: return "an object";
    case value::kind::array: return "an array";
    case value::kind::string: return "a string";
    case value::kind::integer: break;
  }
  return "an integer";
}

struct limits {
  std::size_t max_depth = 16;          // nested objects and arrays
  std::size_t max_values = 1u << 20;   // values of any kind in the document
};

/// Length of the valid UTF-8 sequence starting at s[0], or 0 if it is not one (overlong forms,
/// surrogates and code points past U+10FFFF are invalid).
constexpr std::size_t utf8_sequence_length(std::string_view s) {
  if (s.empty()) return 0;
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char b0 = byte(0);
  if (b0 < 0x80) return 1;
  std::size_t n = 0;
  unsigned char low = 0x80, high = 0xbf;  // allowed range of the second byte
  if (b0 >= 0xc2 && b0 <= 0xdf) n = 2;
  else if (b0 == 0xe0) n = 3, low = 0xa0;
  else if (b0 >= 0xe1 && b0 <= 0xec) n = 3;
  else if (b0 == 0xed) n = 3, high = 0x9f;  // U+D800..U+DFFF are surrogates
  else if (b0 >= 0xee && b0 <= 0xef) n = 3;
  else if (b0 == 0xf0) n = 4, low = 0x90;
  else if (b0 >= 0xf1 && b0 <= 0xf3) n = 4;
  else if (b0 == 0xf4) n = 4, high = 0x8f;
  else return 0;
  if (s.size() < n || byte(1) < low || byte(1) > high) return 0;
  for (std::size_t i = 2; i < n; ++i)
    if (byte(i) < 0x80 || byte(i) > 0xbf) return 0;
  return n;
}

constexpr bool is_valid_utf8(std::string_view s) {
  while (!s.empty()) {
    const std::size_t n = utf8_sequence_length(s);
    if (n == 0) return false;
    s.remove_prefix(n);
  }
  return true;
}

/// `text` as a JSON string literal, quotes included.
inline std::string to_literal(std::string_view text) {
  std::string out = "\"";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      constexpr char hex[] = "0123456789abcdef";
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

namespace detail {

class parser {
 public:
  parser(std::string_view text, limits bounds, std::string_view context)
      : text_(text), limits_(bounds), context_(context) {}

  value parse_document() {
    skip_whitespace();
    value v = parse_value(0);
    skip_whitespace();
    if (pos_ != text_.size()) fail("unexpected bytes after the end of the JSON value");
    return v;
  }

 private:
  [[noreturn]] void fail(std::string_view what) const {
    std::string message(context_);
    message += ": not valid JSON at byte ";
    message += std::to_string(pos_);
    message += ": ";
    message += what;
    throw format_error(message);
  }

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }

  void skip_whitespace() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++pos_;
  }

  void expect(char c, std::string_view what) {
    skip_whitespace();
    if (at_end() || peek() != c) fail(what);
    ++pos_;
  }

  value parse_value(std::size_t depth) {
    if (++values_ > limits_.max_values)
      fail("more than " + std::to_string(limits_.max_values) + " values");
    if (at_end()) fail("expected a value, found the end of the text");
    const char c = peek();
    if (c == '{' || c == '[') {
      if (depth >= limits_.max_depth) fail("nested deeper than " + std::to_string(limits_.max_depth) + " levels");
      return c == '{' ? parse_object(depth + 1) : parse_array(depth + 1);
    }
    if (c == '"') {
      value v;
      v.type = value::kind::string;
      v.text = parse_string();
      return v;
    }
    if (c >= '0' && c <= '9') return parse_integer();
    if (c == '-') fail("negative numbers are not accepted here");
    fail(std::string("expected an object, array, string or non-negative integer, found '") + printable(c) + "'");
  }

  static std::string printable(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) return std::string(1, c);
    constexpr char hex[] = "0123456789abcdef";
    return std::string("\\x") + hex[u >> 4] + hex[u & 0xf];
  }

  value parse_object(std::size_t depth) {
    value v;
    v.type = value::kind::object;
    ++pos_;  // '{'
    skip_whitespace();
    if (!at_end() && peek() == '}') {
      ++pos_;
      return v;
    }
    std::unordered_set<std::string> seen;
    for (;;) {
      skip_whitespace();
      if (at_end() || peek() != '"') fail("expected a string key in an object");
      std::string key = parse_string();
      if (!seen.insert(key).second) fail("the key " + to_literal(key) + " appears twice in one object");
      expect(':', "expected ':' after an object key");
      skip_whitespace();
      v.keys.push_back(std::move(key));
      v.items.push_back(parse_value(depth));
      skip_whitespace();
      if (at_end()) fail("unterminated object");
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        return v;
      }
      fail("expected ',' or '}' in an object");
    }
  }

  value parse_array(std::size_t depth) {
    value v;
    v.type = value::kind::array;
    ++pos_;  // '['
    skip_whitespace();
    if (!at_end() && peek() == ']') {
      ++pos_;
      return v;
    }
    for (;;) {
      skip_whitespace();
      v.items.push_back(parse_value(depth));
      skip_whitespace();
      if (at_end()) fail("unterminated array");
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == ']') {
        ++pos_;
        return v;
      }
      fail("expected ',' or ']' in an array");
    }
  }

  value parse_integer() {
    value v;
    v.type = value::kind::integer;
    if (peek() == '0' && pos_ + 1 < text_.size() && text_[pos_ + 1] >= '0' && text_[pos_ + 1] <= '9')
      fail("numbers may not have leading zeros");
    while (!at_end() && peek() >= '0' && peek() <= '9') {
      const auto digit = static_cast<std::uint64_t>(peek() - '0');
      if (v.integer > (UINT64_MAX - digit) / 10) fail("integer does not fit in 64 bits");
      v.integer = v.integer * 10 + digit;
      ++pos_;
    }
    if (!at_end() && (peek() == '.' || peek() == 'e' || peek() == 'E'))
      fail("only non-negative integers are accepted, not fractions or exponents");
    return v;
  }

  unsigned hex4() {
    if (text_.size() - pos_ < 4) fail("truncated \\u escape");
    unsigned code = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_++];
      code <<= 4;
      if (c >= '0' && c <= '9') code |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') code |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') code |= static_cast<unsigned>(c - 'A' + 10);
      else fail("\\u must be followed by four hexadecimal digits");
    }
    return code;
  }

  static void append_utf8(std::string& out, unsigned code) {
    const auto put = [&](unsigned b) { out += static_cast<char>(b); };
    if (code < 0x80) {
      put(code);
    } else if (code < 0x800) {
      put(0xc0 | (code >> 6));
      put(0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
      put(0xe0 | (code >> 12));
      put(0x80 | ((code >> 6) & 0x3f));
      put(0x80 | (code & 0x3f));
    } else {
      put(0xf0 | (code >> 18));
      put(0x80 | ((code >> 12) & 0x3f));
      put(0x80 | ((code >> 6) & 0x3f));
      put(0x80 | (code & 0x3f));
    }
  }

  std::string parse_string() {
    ++pos_;  // opening quote
    std::string out;
    for (;;) {
      if (at_end()) fail("unterminated string");
      const char c = peek();
      const auto u = static_cast<unsigned char>(c);
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (u < 0x20) fail("control character inside a string (it must be escaped)");
      if (c != '\\') {
        const std::size_t n = utf8_sequence_length(text_.substr(pos_));
        if (n == 0) fail("invalid UTF-8 inside a string");
        out.append(text_.substr(pos_, n));
        pos_ += n;
        continue;
      }
      ++pos_;
      if (at_end()) fail("unterminated escape");
      const char e = text_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned code = hex4();
          if (code >= 0xdc00 && code <= 0xdfff) fail("a low surrogate without a high surrogate before it");
          if (code >= 0xd800 && code <= 0xdbff) {
            if (text_.size() - pos_ < 2 || text_[pos_] != '\\' || text_[pos_ + 1] != 'u')
              fail("a high surrogate must be followed by a \\u low surrogate");
            pos_ += 2;
            const unsigned low = hex4();
            if (low < 0xdc00 || low > 0xdfff) fail("a high surrogate must be followed by a low surrogate");
            code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
          }
          append_utf8(out, code);
          break;
        }
        default: fail(std::string("unknown escape \\") + printable(e));
      }
    }
  }

  std::string_view text_;
  limits limits_;
  std::string_view context_;
  std::size_t pos_ = 0;
  std::size_t values_ = 0;
};

}  // namespace detail

/// Parses one JSON document. Requires nothing of `text`; ensures the result is a complete, valid
/// document within `bounds`, or throws format_error whose message starts with `context`.
inline value parse(std::string_view text, limits bounds = {}, std::string_view context = "JSON") {
  return detail::parser(text, bounds, context).parse_document();
}

}  // namespace constnet::io::json
