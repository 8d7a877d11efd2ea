// The safetensors reader and writer: hand-written files read as the spec says, round trips keep every
// byte, F16/BF16/F64 convert exactly, and every malformed file is a typed error with a message that
// names the problem, leaving a model that tried to load it untouched.

#include <boost/test/unit_test.hpp>

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "constnet/io/load_weights.hpp"
#include "constnet/io/safetensors.hpp"
#include "support/weight_files.hpp"

using namespace constnet;
using namespace constnet::io;
using constnet::testing::model_snapshot;
using constnet::testing::randomize;
using constnet::testing::temp_dir;
using constnet::testing::weights_net;
using constnet::testing::write_file;

namespace {

const temp_dir& files() {
  static const temp_dir dir("safetensors");
  return dir;
}

/// A file: the 8-byte length (the header's own unless `declared` says otherwise), the header, then
/// `data_bytes` bytes counting up from 0.
std::vector<std::byte> file_bytes(std::string_view header, std::size_t data_bytes,
                                  std::optional<std::uint64_t> declared = std::nullopt) {
  std::vector<std::byte> out;
  std::uint64_t n = declared.value_or(header.size());
  for (int i = 0; i < 8; ++i, n >>= 8) out.push_back(static_cast<std::byte>(n & 0xff));
  for (char c : header) out.push_back(static_cast<std::byte>(c));
  for (std::size_t i = 0; i < data_bytes; ++i) out.push_back(static_cast<std::byte>(i & 0xff));
  return out;
}

std::string tensor_json(std::string_view name, std::string_view dtype_name, std::string_view shape, std::size_t begin,
                        std::size_t end) {
  return "\"" + std::string(name) + "\":{\"dtype\":\"" + std::string(dtype_name) + "\",\"shape\":" + std::string(shape) +
         ",\"data_offsets\":[" + std::to_string(begin) + "," + std::to_string(end) + "]}";
}

/// A tensor_set whose entries point into buffers it keeps alive.
class owned_set {
 public:
  template <class T>
  void add(std::string name, std::vector<std::size_t> shape, dtype type, std::vector<T> values) {
    auto buffer = std::make_shared<std::vector<T>>(std::move(values));
    set.add(std::move(name), std::move(shape), type, std::as_bytes(std::span<const T>(*buffer)));
    set.keep_alive(buffer);
  }
  tensor_set set;
};

std::vector<float> as_floats(const tensor_entry& e) {
  std::vector<float> out(e.elements());
  convert_to_f32(e, out);
  return out;
}

bool same_bytes(std::span<const std::byte> a, std::span<const std::byte> b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

void check_same_sets(const tensor_set& a, const tensor_set& b) {
  BOOST_TEST(a.size() == b.size());
  BOOST_TEST((a.metadata() == b.metadata()));
  for (const tensor_entry& e : a.entries()) {
    BOOST_TEST_CONTEXT("tensor " << e.name) {
      const tensor_entry* f = b.find(e.name);
      BOOST_REQUIRE(f != nullptr);
      BOOST_TEST(f->shape == e.shape);
      BOOST_TEST((f->type == e.type));
      BOOST_TEST(same_bytes(f->bytes, e.bytes));
    }
  }
}

/// The bytes must be a format_error whose message contains `expected`, both from memory and from a
/// file; loading the file into a model must throw the same and leave the model exactly as it was.
void expect_malformed(const std::vector<std::byte>& bytes, const std::string& expected) {
  BOOST_TEST_CONTEXT("expected message: " << expected) {
    const auto has_message = [&](const format_error& e) {
      const bool found = std::string(e.what()).find(expected) != std::string::npos;
      if (!found) BOOST_TEST_MESSAGE("actual message: " << e.what());
      return found;
    };
    BOOST_CHECK_EXCEPTION(read_safetensors(std::span<const std::byte>(bytes)), format_error, has_message);

    static int counter = 0;
    const auto path = files() / ("malformed_" + std::to_string(counter++) + ".safetensors");
    write_file(path, bytes);
    BOOST_CHECK_EXCEPTION(read_safetensors(path), format_error, has_message);

    auto m = std::make_unique<model<weights_net>>();
    randomize(*m, 3);
    model_snapshot<model<weights_net>> before(*m);
    BOOST_CHECK_EXCEPTION(load_weights(*m, path, convention::keras), format_error, has_message);
    BOOST_TEST(before.untouched());
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(safetensors)

BOOST_AUTO_TEST_CASE(reads_a_hand_written_file_in_data_order) {
  // Keys in the header out of data order, metadata last: the set lists tensors in data order.
  const std::string header = "{" + tensor_json("b", "F32", "[2]", 8, 16) + "," + tensor_json("a", "F32", "[1,2]", 0, 8) +
                             ",\"__metadata__\":{\"format\":\"pt\",\"note\":\"caf\\u00e9 \\\"q\\\"\"}}";
  std::vector<std::byte> bytes = file_bytes(header, 0);
  for (float v : {1.0f, -2.0f, 0.5f, 1e30f}) {
    const auto b = std::bit_cast<std::array<std::byte, 4>>(v);
    bytes.insert(bytes.end(), b.begin(), b.end());
  }
  const tensor_set set = read_safetensors(std::span<const std::byte>(bytes));
  BOOST_TEST(set.size() == 2u);
  BOOST_TEST(set.entries()[0].name == "a");
  BOOST_TEST(set.entries()[1].name == "b");
  BOOST_TEST((set.entries()[0].shape == std::vector<std::size_t>{1, 2}));
  BOOST_TEST((as_floats(set.entries()[0]) == std::vector<float>{1.0f, -2.0f}));
  BOOST_TEST((as_floats(set.entries()[1]) == std::vector<float>{0.5f, 1e30f}));
  BOOST_TEST(set.metadata().at("format") == "pt");
  BOOST_TEST(set.metadata().at("note") == "caf\xc3\xa9 \"q\"");
}

BOOST_AUTO_TEST_CASE(an_empty_file_of_tensors_and_a_zero_size_tensor_are_valid) {
  const auto empty = file_bytes("{}", 0);
  BOOST_TEST(read_safetensors(std::span<const std::byte>(empty)).size() == 0u);
  // Zero-size tensors take no bytes; the spec allows them anywhere, including between two others.
  const std::string header = "{" + tensor_json("a", "F32", "[1]", 0, 4) + "," + tensor_json("z", "F16", "[0,3]", 4, 4) +
                             "," + tensor_json("b", "F32", "[1]", 4, 8) + "}";
  const auto bytes = file_bytes(header, 8);
  const tensor_set set = read_safetensors(std::span<const std::byte>(bytes));
  BOOST_TEST(set.size() == 3u);
  BOOST_TEST(set.find("z")->elements() == 0u);
}

BOOST_AUTO_TEST_CASE(round_trip_keeps_every_byte_in_memory_and_through_a_file) {
  owned_set s;
  s.add("conv.kernel", {2, 3}, dtype::f32, std::vector<float>{1, 2, 3, 4, 5, 6});
  s.add("odd.half", {3}, dtype::f16, std::vector<std::uint16_t>{0x3c00, 0xc000, 0x0001});
  s.add("brain", {1, 1}, dtype::bf16, std::vector<std::uint16_t>{0x4049});
  s.add("wide", {2}, dtype::f64, std::vector<double>{0.1, -1e300});
  s.add("empty", {0}, dtype::f32, std::vector<float>{});
  s.set.metadata()["convention"] = "keras";
  s.set.metadata()["quote\"and\\backslash\n"] = "line\tbreak";

  const std::vector<std::byte> bytes = safetensors_bytes(s.set);
  std::uint64_t header_length = 0;
  for (int i = 7; i >= 0; --i) header_length = (header_length << 8) | static_cast<std::uint64_t>(bytes[i]);
  BOOST_TEST((8 + header_length) % 8 == 0u);
  BOOST_TEST(static_cast<char>(bytes[8]) == '{');

  const tensor_set back = read_safetensors(std::span<const std::byte>(bytes));
  check_same_sets(s.set, back);
  // Widest dtype first, then the set's order; every tensor starts at a multiple of its element size.
  std::vector<std::string> order;
  for (const tensor_entry& e : back.entries()) {
    order.push_back(e.name);
    BOOST_TEST(reinterpret_cast<std::uintptr_t>(e.bytes.data()) % size_of(e.type) ==
               reinterpret_cast<std::uintptr_t>(bytes.data()) % size_of(e.type));
  }
  BOOST_TEST((order == std::vector<std::string>{"wide", "conv.kernel", "empty", "odd.half", "brain"}));

  BOOST_TEST((safetensors_bytes(back) == bytes));  // deterministic: the same set, the same bytes
  const auto path = files() / "round_trip.safetensors";
  write_safetensors(path, s.set);
  const tensor_set mapped = read_safetensors(path);
  check_same_sets(s.set, mapped);
  BOOST_TEST(std::filesystem::file_size(path) == bytes.size());
}

BOOST_AUTO_TEST_CASE(half_bfloat_and_double_convert_exactly) {
  owned_set s;
  // 1, -2, 65504 (largest), 2^-24 (smallest subnormal), -0, +Inf, 0x3555 = 0.333251953125, 2^-14 (smallest normal)
  s.add("h", {8}, dtype::f16, std::vector<std::uint16_t>{0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7c00, 0x3555, 0x0400});
  // 1, 3.140625, -Inf, 2^-133 (a bfloat16 subnormal), the largest finite bfloat16
  s.add("b", {5}, dtype::bf16, std::vector<std::uint16_t>{0x3f80, 0x4049, 0xff80, 0x0001, 0x7f7f});
  s.add("d", {3}, dtype::f64, std::vector<double>{0.1, -3.5, 1e-50});
  const auto bytes = safetensors_bytes(s.set);
  const tensor_set set = read_safetensors(std::span<const std::byte>(bytes));

  const auto h = as_floats(*set.find("h"));
  const float inf = std::numeric_limits<float>::infinity();
  BOOST_TEST((h == std::vector<float>{1.0f, -2.0f, 65504.0f, 0x1p-24f, -0.0f, inf, 0.333251953125f, 0x1p-14f}));
  BOOST_TEST(std::signbit(h[4]));
  const auto b = as_floats(*set.find("b"));
  BOOST_TEST((b == std::vector<float>{1.0f, 3.140625f, -inf, 0x1p-133f, 0x1.fep127f}));
  const auto d = as_floats(*set.find("d"));
  BOOST_TEST((d == std::vector<float>{static_cast<float>(0.1), -3.5f, 0.0f}));  // 1e-50 underflows fp32
  // A half NaN stays NaN.
  owned_set n;
  n.add("nan", {1}, dtype::f16, std::vector<std::uint16_t>{0x7e00});
  BOOST_TEST(std::isnan(as_floats(n.set.entries()[0])[0]));
}

BOOST_AUTO_TEST_CASE(a_failed_write_leaves_no_file) {
  owned_set s;
  s.add("x", {1}, dtype::f32, std::vector<float>{1});
  const auto nowhere = files() / "no_such_dir" / "w.safetensors";
  BOOST_CHECK_THROW(write_safetensors(nowhere, s.set), io_error);
  BOOST_TEST(!std::filesystem::exists(nowhere));
  BOOST_TEST(!std::filesystem::exists(files() / "no_such_dir"));

  // Writing over an existing file replaces it whole and leaves no temporary behind.
  const auto path = files() / "replaced.safetensors";
  write_file(path, std::vector<std::byte>(1000, std::byte{0x55}));
  write_safetensors(path, s.set);
  BOOST_TEST(std::filesystem::file_size(path) == safetensors_bytes(s.set).size());
  for (const auto& entry : std::filesystem::directory_iterator(files().path()))
    BOOST_TEST(entry.path().string().find(".partial") == std::string::npos);

  // Names JSON cannot carry are refused before a byte is written.
  owned_set bad;
  bad.add(std::string("\xff"), {1}, dtype::f32, std::vector<float>{1});
  BOOST_CHECK_THROW(write_safetensors(files() / "bad_name.safetensors", bad.set), format_error);
  BOOST_TEST(!std::filesystem::exists(files() / "bad_name.safetensors"));
}

BOOST_AUTO_TEST_CASE(files_that_cannot_be_read_are_io_errors) {
  const auto has = [](std::string text) {
    return [text](const io_error& e) { return std::string(e.what()).find(text) != std::string::npos; };
  };
  BOOST_CHECK_EXCEPTION(read_safetensors(files() / "missing.safetensors"), io_error, has("missing.safetensors"));
  BOOST_CHECK_EXCEPTION(read_safetensors(files().path()), io_error, has("not a regular file"));
  auto m = std::make_unique<model<weights_net>>();
  randomize(*m, 3);
  model_snapshot<model<weights_net>> before(*m);
  BOOST_CHECK_THROW(load_weights(*m, files() / "missing.safetensors", convention::keras), io_error);
  BOOST_TEST(before.untouched());
}

BOOST_AUTO_TEST_CASE(truncated_files_and_bad_header_lengths) {
  expect_malformed({}, "the file has 0 bytes");
  expect_malformed(std::vector<std::byte>(5), "the file has 5 bytes; it must start with an 8-byte header length");
  expect_malformed(file_bytes("{}", 0, 1000), "the header length 1000 goes past the end of the file (2 bytes follow");
  expect_malformed(file_bytes("{}", 0, std::uint64_t{1} << 63), "goes past the end of the file");
  expect_malformed(file_bytes("{}", 0, 0), "must be a JSON object starting with '{'");
  // A file cut inside its data: the last tensor now ends past the data section.
  expect_malformed(file_bytes("{" + tensor_json("w", "F32", "[4]", 0, 16) + "}", 10), "past the end of the data section (10 bytes)");
}

BOOST_AUTO_TEST_CASE(headers_that_are_not_strict_json) {
  const auto json_error = [](std::string header, std::string expected) {
    expect_malformed(file_bytes(header, 0), "safetensors header: not valid JSON at byte " + expected);
  };
  json_error("{\"a\":}", "5: expected an object, array, string or non-negative integer, found '}'");
  json_error("{} x", "3: unexpected bytes after the end of the JSON value");
  json_error("{\"a\" 1}", "5: expected ':' after an object key");
  json_error("{\"a\":{},}", "8: expected a string key");
  json_error("{\"a\":[1 2]}", "8: expected ',' or ']' in an array");
  json_error("{\"abc", "5: unterminated string");
  json_error("{\"a\\q\":1}", "5: unknown escape \\q");
  json_error("{\"\\ud800\":1}", "8: a high surrogate must be followed by a \\u low surrogate");
  json_error("{\"\\udc00\":1}", "8: a low surrogate without a high surrogate");
  json_error("{\"\\u12g4\":1}", "7: \\u must be followed by four hexadecimal digits");
  json_error("{\"a\xff\":1}", "3: invalid UTF-8 inside a string");
  json_error("{\"a\xc0\xaf\":1}", "3: invalid UTF-8 inside a string");  // an overlong '/'
  json_error("{\"a\nb\":1}", "3: control character inside a string");
  json_error("{\"a\":[-1]}", "6: negative numbers are not accepted");
  json_error("{\"a\":[1.5]}", "7: only non-negative integers are accepted");
  json_error("{\"a\":[1e3]}", "7: only non-negative integers are accepted");
  json_error("{\"a\":[01]}", "6: numbers may not have leading zeros");
  json_error("{\"a\":[18446744073709551616]}", "25: integer does not fit in 64 bits");
  json_error("{\"a\":true}", "5: expected an object, array, string or non-negative integer, found 't'");
  json_error("{\"a\":null}", "5: expected an object, array, string or non-negative integer, found 'n'");
  json_error("{\"a\":1,\"a\":2}", "10: the key \"a\" appears twice in one object");
  json_error("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F16\"}}", "27: the key \"dtype\" appears twice in one object");
  json_error("{\"__metadata__\":{\"x\":" + std::string(16, '[') + std::string(16, ']') + "}}", "35: nested deeper than 16 levels");
  expect_malformed(file_bytes("[1,2]", 0), "must be a JSON object starting with '{'");
  expect_malformed(file_bytes("hello", 0), "must be a JSON object starting with '{'");
}

BOOST_AUTO_TEST_CASE(tensor_descriptions_that_do_not_follow_the_spec) {
  const auto bad = [](std::string body, std::size_t data, std::string expected) {
    expect_malformed(file_bytes("{" + body + "}", data), "safetensors: " + expected);
  };
  bad("\"a\":1", 0, "tensor a must be described by an object, not an integer");
  bad("\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}", 4, "tensor a has no \"dtype\"");
  bad("\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}", 4, "tensor a has no \"shape\"");
  bad("\"a\":{\"dtype\":\"F32\",\"shape\":[1]}", 4, "tensor a has no \"data_offsets\"");
  bad("\"a\":{\"dtype\":\"F32\",\"shape\":1,\"data_offsets\":[0,4]}", 4, "\"shape\" of tensor a must be an array, not an integer");
  bad("\"a\":{\"dtype\":1,\"shape\":[1],\"data_offsets\":[0,4]}", 4, "\"dtype\" of tensor a must be a string");
  bad("\"a\":{\"dtype\":\"F32\",\"shape\":[\"1\"],\"data_offsets\":[0,4]}", 4, "the shape of tensor a must hold integers, not a string");
  bad("\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}", 8, "data_offsets of tensor a must be two integers");
  bad("\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":[]}", 4, "tensor a has an unknown field \"extra\"");
  bad(tensor_json("ids", "I64", "[2]", 0, 16), 16, "tensor ids has dtype \"I64\"; constnet reads only floating-point weights (F32, F16, BF16, F64)");
  bad(tensor_json("mask", "U8", "[2]", 0, 2), 2, "tensor mask has dtype \"U8\"");
  bad(tensor_json("w", "F17", "[2]", 0, 8), 8, "tensor w has dtype \"F17\"");
  bad(tensor_json("", "F32", "[1]", 0, 4), 4, "a tensor has an empty name");
  bad(tensor_json("w", "F32", "[3]", 0, 8), 8, "tensor w has shape [3] of F32, which needs 12 bytes, but its data_offsets [0, 8) hold 8");
  bad(tensor_json("w", "F32", "[4294967296,4294967296,2]", 0, 8), 8, "tensor w has shape [4294967296, 4294967296, 2], whose size overflows 64 bits");
  bad(tensor_json("w", "F32", "[1]", 8, 4), 8, "tensor w has data_offsets [8, 4) that end before they begin");
  bad(tensor_json("w", "F32", "[4]", 0, 16), 8, "tensor w has data_offsets [0, 16) past the end of the data section (8 bytes)");
  bad(tensor_json("a", "F32", "[2]", 0, 8) + "," + tensor_json("b", "F32", "[2]", 4, 12), 12,
      "tensors a and b overlap (bytes [4, 8) of the data section)");
  bad(tensor_json("a", "F32", "[2]", 0, 8) + "," + tensor_json("b", "F32", "[2]", 12, 20), 20,
      "bytes [8, 12) of the data section belong to no tensor (a gap before b)");
  bad(tensor_json("a", "F32", "[2]", 4, 12), 12, "bytes [0, 4) of the data section belong to no tensor (a gap before a)");
  bad(tensor_json("a", "F32", "[2]", 0, 8), 12, "the data section has 12 bytes but the tensors cover 8; the last 4 bytes belong to no tensor");
  bad("\"__metadata__\":[]", 0, "__metadata__ must be an object, not an array");
  bad("\"__metadata__\":{\"epochs\":10}", 0, "__metadata__ entry \"epochs\" must be a string, not an integer");
}

BOOST_AUTO_TEST_SUITE_END()
