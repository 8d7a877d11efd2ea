#pragma once
// gunzip: decompresses gzip files (RFC 1952) holding deflate data (RFC 1951), as Debian ships datasets
// such as Fashion-MNIST's IDX files. Written here rather than linked from zlib so that reading a dataset
// adds no dependency to a header-only library. It decodes one bit at a time (about 50 MB/s of output on
// a Zen 3 core), plenty for datasets read once, and checks every field: a damaged file is a format_error.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "constnet/core/errors.hpp"

namespace constnet::io {

namespace detail {

/// CRC-32 (ISO 3309, the polynomial gzip and PNG use), table-driven.
inline constexpr std::array<std::uint32_t, 256> crc32_table = [] {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t n = 0; n < 256; ++n) {
    std::uint32_t c = n;
    for (int k = 0; k < 8; ++k) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[n] = c;
  }
  return table;
}();

inline std::uint32_t crc32(std::span<const std::byte> bytes) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::byte b : bytes) c = crc32_table[(c ^ static_cast<std::uint32_t>(b)) & 0xFFu] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

/// Deflate's bits: least significant bit of each byte first. Running past the end is a format_error.
class bit_reader {
 public:
  explicit bit_reader(std::span<const std::byte> in, std::size_t position) : in_(in), position_(position) {}

  /// The next n bits (n <= 16) as a number, first bit lowest.
  std::uint32_t bits(int n) {
    std::uint32_t value = buffer_;
    while (count_ < n) {
      value |= static_cast<std::uint32_t>(next_byte()) << count_;
      count_ += 8;
    }
    buffer_ = value >> n;
    count_ -= n;
    return value & ((1u << n) - 1u);
  }
  /// Drops the rest of the current byte; byte_position() is then the next whole byte.
  void align_to_byte() {
    buffer_ = 0;
    count_ = 0;
  }
  std::uint8_t next_byte() {
    if (position_ == in_.size()) throw format_error("gzip: the compressed data ends early (truncated file?)");
    return static_cast<std::uint8_t>(in_[position_++]);
  }
  std::size_t byte_position() const { return position_; }

 private:
  std::span<const std::byte> in_;
  std::size_t position_;
  std::uint32_t buffer_ = 0;
  int count_ = 0;  // bits in buffer_, always < 8 between calls
};

/// A canonical Huffman code given by its code lengths: how many codes have each length, and the symbols
/// ordered by (length, symbol), which is all that decoding a canonical code needs.
struct huffman {
  static constexpr int max_bits = 15;
  std::array<std::uint16_t, max_bits + 1> count{};
  std::array<std::uint16_t, 320> symbols{};

  /// Requires lengths.size() <= 320 and each length <= 15. An incomplete code is accepted (deflate
  /// allows one, e.g. a single distance code) and an unused bit pattern is rejected when decoded; an
  /// over-subscribed code is a format_error.
  explicit huffman(std::span<const std::uint8_t> lengths) {
    for (std::uint8_t len : lengths) ++count[len];
    count[0] = 0;
    int left = 1;  // codes still available at the current length
    for (int len = 1; len <= max_bits; ++len) {
      left = 2 * left - count[len];
      if (left < 0) throw format_error("gzip: a Huffman code in the deflate data is over-subscribed");
    }
    std::array<std::uint16_t, max_bits + 2> offset{};
    for (int len = 1; len <= max_bits; ++len) offset[len + 1] = static_cast<std::uint16_t>(offset[len] + count[len]);
    for (std::size_t symbol = 0; symbol < lengths.size(); ++symbol)
      if (lengths[symbol] != 0) symbols[offset[lengths[symbol]]++] = static_cast<std::uint16_t>(symbol);
  }

  /// Reads one code, bit by bit (Huffman codes are stored first bit highest).
  int decode(bit_reader& in) const {
    int code = 0, first = 0, index = 0;
    for (int len = 1; len <= max_bits; ++len) {
      code |= static_cast<int>(in.bits(1));
      const int n = count[len];
      if (code - first < n) return symbols[index + code - first];
      index += n;
      first = (first + n) << 1;
      code <<= 1;
    }
    throw format_error("gzip: the deflate data holds a code its Huffman table does not assign");
  }
};

inline const huffman& fixed_literal_code() {
  static const huffman code = [] {
    std::array<std::uint8_t, 288> lengths{};
    for (std::size_t s = 0; s < 288; ++s) lengths[s] = s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8;
    return huffman(lengths);
  }();
  return code;
}

inline const huffman& fixed_distance_code() {
  static const huffman code = [] {
    std::array<std::uint8_t, 30> lengths{};
    lengths.fill(5);
    return huffman(lengths);
  }();
  return code;
}

/// Decodes the literals, lengths and distances of one compressed block, up to its end-of-block code.
/// `member_start` is where this gzip member's output began: no distance may reach before it.
inline void inflate_codes(bit_reader& in, const huffman& literals, const huffman& distances, std::vector<std::byte>& out,
                          std::size_t member_start) {
  static constexpr std::uint16_t length_base[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                                    31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
  static constexpr std::uint8_t length_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                                    2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
  static constexpr std::uint16_t distance_base[30] = {1,    2,    3,    4,    5,    7,     9,     13,    17,  25,
                                                      33,   49,   65,   97,   129,  193,   257,   385,   513, 769,
                                                      1025, 1537, 2049, 3073, 4097, 6145,  8193,  12289, 16385, 24577};
  static constexpr std::uint8_t distance_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                                      6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
  for (;;) {
    const int symbol = literals.decode(in);
    if (symbol < 256) {
      out.push_back(static_cast<std::byte>(symbol));
      continue;
    }
    if (symbol == 256) return;
    const int l = symbol - 257;
    if (l >= 29) throw format_error("gzip: invalid length code " + std::to_string(symbol) + " in the deflate data");
    const std::size_t length = length_base[l] + in.bits(length_extra[l]);
    const int d = distances.decode(in);
    if (d >= 30) throw format_error("gzip: invalid distance code " + std::to_string(d) + " in the deflate data");
    const std::size_t distance = distance_base[d] + in.bits(distance_extra[d]);
    if (distance > out.size() - member_start)
      throw format_error("gzip: the deflate data refers " + std::to_string(distance) + " bytes back, before its start");
    // Byte by byte: a copy may overlap the bytes it produces (distance < length repeats a pattern).
    std::size_t from = out.size() - distance;
    for (std::size_t k = 0; k < length; ++k) out.push_back(out[from++]);
  }
}

/// A block with its own Huffman codes, themselves sent as code lengths under a code-length code.
inline void inflate_dynamic(bit_reader& in, std::vector<std::byte>& out, std::size_t member_start) {
  static constexpr std::uint8_t order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
  const std::size_t literal_count = in.bits(5) + 257;
  const std::size_t distance_count = in.bits(5) + 1;
  const std::size_t length_code_count = in.bits(4) + 4;
  if (literal_count > 286 || distance_count > 30)
    throw format_error("gzip: a dynamic block declares " + std::to_string(literal_count) + " literal/length and " +
                       std::to_string(distance_count) + " distance codes (at most 286 and 30)");
  std::array<std::uint8_t, 19> length_lengths{};
  for (std::size_t i = 0; i < length_code_count; ++i) length_lengths[order[i]] = static_cast<std::uint8_t>(in.bits(3));
  const huffman length_code(length_lengths);

  std::array<std::uint8_t, 286 + 30> lengths{};
  const std::size_t total = literal_count + distance_count;
  for (std::size_t i = 0; i < total;) {
    const int symbol = length_code.decode(in);
    if (symbol < 16) {
      lengths[i++] = static_cast<std::uint8_t>(symbol);
      continue;
    }
    std::uint8_t value = 0;
    std::size_t repeat = 0;
    if (symbol == 16) {
      if (i == 0) throw format_error("gzip: a dynamic block repeats a code length before giving one");
      value = lengths[i - 1];
      repeat = 3 + in.bits(2);
    } else {
      repeat = symbol == 17 ? 3 + in.bits(3) : 11 + in.bits(7);
    }
    if (i + repeat > total) throw format_error("gzip: a dynamic block's code lengths run past their count");
    for (std::size_t k = 0; k < repeat; ++k) lengths[i++] = value;
  }
  if (lengths[256] == 0) throw format_error("gzip: a dynamic block has no end-of-block code");
  const huffman literals(std::span<const std::uint8_t>(lengths.data(), literal_count));
  const huffman distances(std::span<const std::uint8_t>(lengths.data() + literal_count, distance_count));
  inflate_codes(in, literals, distances, out, member_start);
}

/// One deflate stream, appended to out; returns the position of the first byte after it.
inline std::size_t inflate(std::span<const std::byte> in, std::size_t position, std::vector<std::byte>& out) {
  bit_reader bits(in, position);
  const std::size_t member_start = out.size();
  for (bool last = false; !last;) {
    last = bits.bits(1) == 1;
    switch (bits.bits(2)) {
      case 0: {  // stored: byte-aligned LEN, its complement NLEN, then LEN raw bytes
        bits.align_to_byte();
        std::uint32_t header = 0;
        for (int k = 0; k < 4; ++k) header |= static_cast<std::uint32_t>(bits.next_byte()) << (8 * k);
        const std::uint32_t length = header & 0xFFFFu;
        if ((header >> 16) != (~length & 0xFFFFu))
          throw format_error("gzip: a stored block's length and its complement disagree");
        for (std::uint32_t k = 0; k < length; ++k) out.push_back(static_cast<std::byte>(bits.next_byte()));
        break;
      }
      case 1: inflate_codes(bits, fixed_literal_code(), fixed_distance_code(), out, member_start); break;
      case 2: inflate_dynamic(bits, out, member_start); break;
      default: throw format_error("gzip: the deflate data has a block of the reserved type 3");
    }
  }
  bits.align_to_byte();
  return bits.byte_position();
}

inline std::uint32_t read_le32(std::span<const std::byte> in, std::size_t at) {
  std::uint32_t v = 0;
  for (int k = 0; k < 4; ++k) v |= static_cast<std::uint32_t>(in[at + static_cast<std::size_t>(k)]) << (8 * k);
  return v;
}

}  // namespace detail

/// True if the bytes start like a gzip file (0x1f 0x8b).
inline bool is_gzip(std::span<const std::byte> bytes) {
  return bytes.size() >= 2 && bytes[0] == std::byte{0x1f} && bytes[1] == std::byte{0x8b};
}

/// The decompressed contents of a gzip file: every member in turn (as `cat a.gz b.gz` concatenates),
/// each checked against its CRC-32 and length.
/// requires: nothing; ensures: returns the data, or throws format_error naming what is wrong (not gzip,
/// truncated, bad header flags, malformed deflate data, CRC or length mismatch, trailing bytes).
inline std::vector<std::byte> gunzip(std::span<const std::byte> file) {
  if (!is_gzip(file)) throw format_error("gzip: not a gzip file (it does not start with 0x1f 0x8b)");
  std::vector<std::byte> out;
  std::size_t at = 0;
  while (at < file.size()) {
    const std::size_t member_start = out.size();
    auto need = [&](std::size_t n) {
      if (file.size() - at < n) throw format_error("gzip: the file ends inside a member's header or trailer");
    };
    if (!is_gzip(file.subspan(at)))
      throw format_error("gzip: " + std::to_string(file.size() - at) + " bytes after the last member are not gzip data");
    need(10);
    if (file[at + 2] != std::byte{8})
      throw format_error("gzip: compression method " + std::to_string(static_cast<int>(file[at + 2])) + " is not deflate (8)");
    const auto flags = static_cast<std::uint8_t>(file[at + 3]);
    if (flags & 0xE0u) throw format_error("gzip: reserved header flags are set");
    at += 10;  // magic, method, flags, mtime, extra flags, OS
    if (flags & 0x04u) {  // FEXTRA: a 2-byte length and that many bytes
      need(2);
      const std::size_t extra = static_cast<std::size_t>(file[at]) | static_cast<std::size_t>(file[at + 1]) << 8;
      at += 2;
      need(extra);
      at += extra;
    }
    for (std::uint8_t zero_terminated : {std::uint8_t{0x08}, std::uint8_t{0x10}}) {  // FNAME, FCOMMENT
      if (!(flags & zero_terminated)) continue;
      do need(1);
      while (file[at++] != std::byte{0});
    }
    if (flags & 0x02u) {  // FHCRC
      need(2);
      at += 2;
    }
    at = detail::inflate(file, at, out);
    need(8);
    const std::uint32_t crc = detail::read_le32(file, at);
    const std::uint32_t size = detail::read_le32(file, at + 4);
    at += 8;
    const std::span<const std::byte> member(out.data() + member_start, out.size() - member_start);
    if (detail::crc32(member) != crc) throw format_error("gzip: CRC-32 mismatch: the data is damaged");
    if (static_cast<std::uint32_t>(member.size()) != size)  // ISIZE is the length modulo 2^32
      throw format_error("gzip: the trailer records " + std::to_string(size) + " bytes, the data decompresses to " +
                         std::to_string(member.size()));
  }
  return out;
}

}  // namespace constnet::io
