#pragma once
// Compile-time error messages that carry numbers.
//
// C++20's static_assert only takes a string literal, so it cannot say *which* layer is wrong or by how
// much. Instead a check formats its message into a `diagnostic` at compile time and, when the message
// is not empty, names the never-defined type `network_error<message>`. GCC and Clang print that type,
// with the full message, on the first line of the error, e.g.
//
//   error: invalid application of 'sizeof' to incomplete type
//     'constnet::network_error<constnet::diagnostic{"conv2d_3 (Conv2D): a 5x5 kernel does not fit
//      the 3x3 padded input"}>'

#include <cstddef>
#include <string_view>

namespace constnet {

struct diagnostic {
  static constexpr std::size_t capacity = 239;
  char text[capacity + 1]{};  // the only member, so compilers print nothing but the message

  constexpr bool failed() const { return text[0] != '\0'; }
  constexpr std::size_t size() const {
    std::size_t n = 0;
    while (n < capacity && text[n] != '\0') ++n;
    return n;
  }
  constexpr std::string_view view() const { return {text, size()}; }

  constexpr diagnostic& operator<<(std::string_view s) {
    std::size_t n = size();
    for (char ch : s) {
      if (n == capacity) break;
      text[n++] = ch;
    }
    return *this;
  }
  constexpr diagnostic& operator<<(char ch) { return *this << std::string_view(&ch, 1); }
  constexpr diagnostic& operator<<(std::size_t v) {
    char digits[24]{};
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    char out[24]{};
    for (int i = 0; i < n; ++i) out[i] = digits[n - 1 - i];
    return *this << std::string_view(out, static_cast<std::size_t>(n));
  }
  constexpr diagnostic& operator<<(int v) {
    if (v < 0) {
      *this << '-';
      return *this << static_cast<std::size_t>(-static_cast<long long>(v));
    }
    return *this << static_cast<std::size_t>(v);
  }
};

/// Never defined: naming it with a failed diagnostic is how a message with numbers reaches the user.
template <diagnostic Message>
struct network_error;

/// Evaluates to true when `Message` is empty; otherwise stops compilation with the message.
template <diagnostic Message>
consteval bool report() {
  if constexpr (Message.failed()) {
    static_assert(sizeof(network_error<Message>) == 0,
                  "constnet: invalid network; the message with the numbers is in the line above");
  }
  return true;
}

}  // namespace constnet
