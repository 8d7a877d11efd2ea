// gunzip against streams made by zlib (Python's gzip module wrote the byte arrays below) for each deflate
// block type, and against damaged or hand-built streams that must be rejected with format_error.

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "constnet/io/gzip.hpp"

using namespace constnet;

namespace {

std::vector<std::byte> bytes_of(std::initializer_list<unsigned> values) {
  std::vector<std::byte> v;
  for (unsigned x : values) v.push_back(static_cast<std::byte>(x));
  return v;
}

std::string text_of(const std::vector<std::byte>& v) {
  std::string s;
  for (std::byte b : v) s.push_back(static_cast<char>(b));
  return s;
}

std::vector<std::byte> bytes_of_text(const std::string& s) {
  std::vector<std::byte> v;
  for (char c : s) v.push_back(static_cast<std::byte>(c));
  return v;
}

// "constnet" at zlib level 0: one stored block.
const std::vector<std::byte> stored = bytes_of({
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x01, 0x08, 0x00, 0xf7, 0xff, 0x63,
    0x6f, 0x6e, 0x73, 0x74, 0x6e, 0x65, 0x74, 0x2e, 0x4b, 0xc2, 0x23, 0x08, 0x00, 0x00, 0x00,
});
// "constnet" at level 9: fixed Huffman codes.
const std::vector<std::byte> fixed = bytes_of({
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x4b, 0xce, 0xcf, 0x2b, 0x2e, 0xc9,
    0x4b, 0x2d, 0x01, 0x00, 0x2e, 0x4b, 0xc2, 0x23, 0x08, 0x00, 0x00, 0x00,
});
// "constnet" at level 9 with every optional header field: FEXTRA "xy", FNAME "a.idx", FCOMMENT "hi", FHCRC.
const std::vector<std::byte> with_header_fields = bytes_of({
    0x1f, 0x8b, 0x08, 0x1e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x02, 0x00, 0x78, 0x79, 0x61, 0x2e,
    0x69, 0x64, 0x78, 0x00, 0x68, 0x69, 0x00, 0xce, 0x97, 0x4b, 0xce, 0xcf, 0x2b, 0x2e, 0xc9, 0x4b,
    0x2d, 0x01, 0x00, 0x2e, 0x4b, 0xc2, 0x23, 0x08, 0x00, 0x00, 0x00,
});
// dynamic_text() at level 9: one block with its own (dynamic) Huffman codes and many back references.
const std::vector<std::byte> dynamic = bytes_of({
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x65, 0xd2, 0xb1, 0x11, 0x03, 0x21,
    0x0c, 0x44, 0xd1, 0x7c, 0xab, 0xb8, 0x12, 0x4e, 0x12, 0x08, 0x28, 0xc7, 0x89, 0xc7, 0x17, 0xf8,
    0x1c, 0xd8, 0xfd, 0x8f, 0x15, 0x7f, 0xd2, 0x1d, 0x10, 0xfb, 0x06, 0x9d, 0xc7, 0xf3, 0xf1, 0x7d,
    0x5d, 0x9f, 0xfb, 0x78, 0xdf, 0xd7, 0xf7, 0x77, 0x9c, 0x32, 0x24, 0x26, 0x47, 0xd2, 0x14, 0x48,
    0x96, 0x1a, 0x6f, 0xa5, 0x3a, 0x22, 0xef, 0x4a, 0x44, 0x91, 0x1a, 0x1c, 0xbe, 0x34, 0x11, 0x65,
    0xd3, 0x42, 0x34, 0x4d, 0x76, 0x72, 0x98, 0x8c, 0xdd, 0xbd, 0xc9, 0xb6, 0xf6, 0x43, 0xc6, 0xfe,
    0xc3, 0x65, 0x14, 0x54, 0x44, 0x41, 0xd4, 0xab, 0x24, 0x64, 0x9d, 0xa3, 0x61, 0x75, 0x19, 0x11,
    0x51, 0xf5, 0xa8, 0x18, 0xa7, 0x9c, 0x0a, 0x73, 0x39, 0x19, 0x3d, 0xe4, 0x64, 0xac, 0x94, 0x93,
    0xd1, 0x9a, 0x9c, 0x8c, 0x55, 0xff, 0x47, 0x47, 0xab, 0x79, 0x74, 0xac, 0xba, 0x4b, 0x47, 0xaf,
    0x7e, 0x74, 0x4c, 0x39, 0x19, 0xd9, 0x15, 0x64, 0xf8, 0x50, 0x90, 0x31, 0xa7, 0x82, 0x8c, 0x5e,
    0xcb, 0x44, 0x86, 0xbb, 0x82, 0x8c, 0xb9, 0x14, 0x64, 0xa4, 0x29, 0xb6, 0x8d, 0xaa, 0x2e, 0x64,
    0x58, 0x9d, 0xdb, 0x18, 0xa9, 0xd8, 0x1c, 0xa9, 0x3f, 0xe7, 0x7c, 0xfa, 0x55, 0x0f, 0x03, 0x00,
    0x00,
});

std::string dynamic_text() {
  std::string s;
  for (int i = 0; i < 40; ++i) s += std::to_string(i) + " fashion mnist " + std::to_string(i * i % 97) + "\n";
  return s;
}

// Deflate's bit order, for building streams by hand: fields least significant bit first, Huffman codes
// most significant bit first.
struct bit_writer {
  std::vector<std::byte> bytes;
  int used = 8;
  void put(std::uint32_t value, int n) {
    for (int i = 0; i < n; ++i) {
      if (used == 8) {
        bytes.push_back(std::byte{0});
        used = 0;
      }
      bytes.back() |= static_cast<std::byte>(((value >> i) & 1u) << used++);
    }
  }
  void put_code(std::uint32_t code, int length) {
    for (int i = length - 1; i >= 0; --i) put((code >> i) & 1u, 1);
  }
};

// A gzip member around a raw deflate stream, with the trailer the expected output calls for.
std::vector<std::byte> gzip_member(const std::vector<std::byte>& deflate, const std::string& expected) {
  std::vector<std::byte> out = bytes_of({0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03});
  out.insert(out.end(), deflate.begin(), deflate.end());
  const std::uint32_t crc = io::detail::crc32(bytes_of_text(expected));
  const auto size = static_cast<std::uint32_t>(expected.size());
  for (std::uint32_t v : {crc, size})
    for (int k = 0; k < 4; ++k) out.push_back(static_cast<std::byte>((v >> (8 * k)) & 0xFFu));
  return out;
}

void check_format_error(const std::vector<std::byte>& file, const std::string& expected_words) {
  try {
    io::gunzip(file);
    BOOST_ERROR("no format_error; expected one mentioning '" << expected_words << "'");
  } catch (const format_error& e) {
    BOOST_TEST(std::string(e.what()).find(expected_words) != std::string::npos, e.what());
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(gzip)

BOOST_AUTO_TEST_CASE(crc32_matches_the_standard_check_value) {
  BOOST_TEST(io::detail::crc32(bytes_of_text("123456789")) == 0xCBF43926u);  // the CRC-32 "check" value
  BOOST_TEST(io::detail::crc32({}) == 0u);
}

BOOST_AUTO_TEST_CASE(decodes_stored_fixed_and_dynamic_blocks) {
  BOOST_TEST(text_of(io::gunzip(stored)) == "constnet");
  BOOST_TEST(text_of(io::gunzip(fixed)) == "constnet");
  BOOST_TEST(text_of(io::gunzip(with_header_fields)) == "constnet");
  BOOST_TEST(text_of(io::gunzip(dynamic)) == dynamic_text());
}

BOOST_AUTO_TEST_CASE(concatenated_members_decode_one_after_another) {
  std::vector<std::byte> both = dynamic;
  both.insert(both.end(), stored.begin(), stored.end());
  BOOST_TEST(text_of(io::gunzip(both)) == dynamic_text() + "constnet");
}

BOOST_AUTO_TEST_CASE(a_back_reference_may_overlap_its_own_output) {
  bit_writer w;
  w.put(1, 1);                // last block
  w.put(1, 2);                // fixed codes
  w.put_code(0x30 + 'a', 8);  // literal 'a' (0..143 are 8-bit codes from 0x30)
  w.put_code(259 - 256, 7);   // length 5 (257..279 are 7-bit codes from 0)
  w.put_code(0, 5);           // distance 1
  w.put_code(0, 7);           // end of block
  BOOST_TEST(text_of(io::gunzip(gzip_member(w.bytes, "aaaaaa"))) == "aaaaaa");
}

BOOST_AUTO_TEST_CASE(is_gzip_looks_at_the_magic_number) {
  BOOST_TEST(io::is_gzip(stored));
  BOOST_TEST(!io::is_gzip(bytes_of({0x00, 0x00, 0x08, 0x03})));
  BOOST_TEST(!io::is_gzip(bytes_of({0x1f})));
}

BOOST_AUTO_TEST_CASE(damaged_files_are_format_errors) {
  check_format_error(bytes_of({0x00, 0x00, 0x08, 0x01}), "not a gzip file");
  check_format_error({}, "not a gzip file");
  check_format_error(std::vector<std::byte>(stored.begin(), stored.begin() + 6), "ends inside a member's header");

  auto method = stored;
  method[2] = std::byte{7};
  check_format_error(method, "compression method 7");

  auto reserved_flag = stored;
  reserved_flag[3] = std::byte{0x20};
  check_format_error(reserved_flag, "reserved header flags");

  auto flipped = stored;
  flipped[16] ^= std::byte{0x01};  // a byte of the stored data: decodes, but the CRC disagrees
  check_format_error(flipped, "CRC-32 mismatch");

  auto wrong_size = fixed;
  wrong_size[wrong_size.size() - 4] = std::byte{9};
  check_format_error(wrong_size, "the trailer records 9 bytes, the data decompresses to 8");

  check_format_error(std::vector<std::byte>(dynamic.begin(), dynamic.begin() + 100), "ends early");
  check_format_error(std::vector<std::byte>(fixed.begin(), fixed.end() - 3), "ends inside a member's header or trailer");

  auto trailing = fixed;
  trailing.push_back(std::byte{0});
  check_format_error(trailing, "after the last member are not gzip data");

  auto stored_complement = stored;
  stored_complement[13] = std::byte{0};  // NLEN no longer ~LEN
  check_format_error(stored_complement, "length and its complement disagree");
}

BOOST_AUTO_TEST_CASE(malformed_deflate_data_is_a_format_error) {
  {
    bit_writer w;
    w.put(1, 1);
    w.put(3, 2);  // block type 3 is reserved
    check_format_error(gzip_member(w.bytes, ""), "reserved type 3");
  }
  {
    bit_writer w;
    w.put(1, 1);
    w.put(1, 2);
    w.put_code(257 - 256, 7);  // length 3 ...
    w.put_code(0, 5);          // ... at distance 1, before any output
    check_format_error(gzip_member(w.bytes, ""), "before its start");
  }
  {
    bit_writer w;
    w.put(1, 1);
    w.put(1, 2);
    w.put_code(0xC0 + (286 - 280), 8);  // length code 286 does not exist (280..287 are 8-bit codes from 0xC0)
    check_format_error(gzip_member(w.bytes, ""), "invalid length code 286");
  }
  {
    bit_writer w;
    w.put(1, 1);
    w.put(2, 2);
    w.put(0, 5);   // 257 literal/length codes
    w.put(0, 5);   // 1 distance code
    w.put(15, 4);  // 19 code-length codes ...
    for (int i = 0; i < 19; ++i) w.put(1, 3);  // ... all 1 bit long: 19 codes cannot share 2 patterns
    check_format_error(gzip_member(w.bytes, ""), "over-subscribed");
  }
  {
    bit_writer w;
    w.put(1, 1);
    w.put(2, 2);
    w.put(30, 5);  // 287 literal/length codes: more than deflate has
    w.put(0, 5);
    w.put(0, 4);
    check_format_error(gzip_member(w.bytes, ""), "at most 286 and 30");
  }
  {
    bit_writer w;
    w.put(1, 1);
    w.put(2, 2);
    w.put(0, 5);
    w.put(0, 5);
    w.put(0, 4);   // 4 code-length codes, for the symbols 16, 17, 18, 0 ...
    w.put(1, 3);   // 16: 1 bit
    w.put(1, 3);   // 17: 1 bit
    w.put(0, 3);
    w.put(0, 3);
    w.put_code(0, 1);  // symbol 16, "repeat the previous length", with nothing before it
    check_format_error(gzip_member(w.bytes, ""), "repeats a code length before giving one");
  }
}

BOOST_AUTO_TEST_SUITE_END()
