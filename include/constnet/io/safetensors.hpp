#pragma once
// safetensors, read and written with no dependency beyond the C++ library and POSIX mmap.
//
// The format: an 8-byte little-endian header length N, N bytes of JSON, then the data section.
// The JSON object maps each tensor name to {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}
// (offsets relative to the data section, end exclusive) and may hold "__metadata__", an object of
// string -> string. The tensors must cover the data section exactly: no overlap, no gap, nothing after.
//
//   io::tensor_set weights = io::read_safetensors("vgg16.safetensors");   // mapped, validated
//   io::write_safetensors("copy.safetensors", weights);                   // temp file, then rename
//
// Reading accepts F32, F16, BF16 and F64 (converted to fp32 when loaded into a model); every other dtype,
// and every inconsistency in the header, is a format_error naming the tensor. A file that cannot be
// opened or written is an io_error.

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#define CONSTNET_HAS_MMAP 1
#endif

#include "constnet/core/errors.hpp"
#include "constnet/io/json.hpp"
#include "constnet/io/tensor_set.hpp"

namespace constnet::io {

/// The largest header accepted, as the reference implementation: real headers are kilobytes to a few
/// megabytes, and the bound keeps a hostile length from driving the JSON parser.
inline constexpr std::size_t safetensors_max_header_bytes = 100'000'000;

namespace detail {

static_assert(sizeof(std::size_t) == sizeof(std::uint64_t), "offsets and shapes are read as 64-bit sizes");

inline std::uint64_t read_le64(const std::byte* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<std::uint64_t>(p[i]);
  return v;
}

/// The dtype named by a safetensors dtype string; throws format_error for dtypes constnet does not read.
inline dtype parse_dtype(std::string_view tensor, std::string_view name) {
  for (dtype t : {dtype::f32, dtype::f16, dtype::bf16, dtype::f64})
    if (to_string(t) == name) return t;
  std::string message = "safetensors: tensor " + std::string(tensor) + " has dtype " + json::to_literal(name);
  message += "; constnet reads only floating-point weights (F32, F16, BF16, F64)";
  throw format_error(message);
}

struct parsed_tensor {
  std::string name;
  std::vector<std::size_t> shape;
  dtype type;
  std::uint64_t begin, end;
};

inline const json::value& member(const json::value& object, std::string_view tensor, std::string_view key,
                                 json::value::kind kind) {
  const json::value* v = object.find(key);
  if (v == nullptr)
    throw format_error("safetensors: tensor " + std::string(tensor) + " has no \"" + std::string(key) + "\"");
  if (v->type != kind)
    throw format_error("safetensors: \"" + std::string(key) + "\" of tensor " + std::string(tensor) + " must be " +
                       std::string(json::kind_name(kind)) + ", not " + std::string(json::kind_name(v->type)));
  return *v;
}

inline parsed_tensor parse_tensor(const std::string& name, const json::value& info, std::uint64_t data_bytes) {
  if (name.empty()) throw format_error("safetensors: a tensor has an empty name");
  if (info.type != json::value::kind::object)
    throw format_error("safetensors: tensor " + name + " must be described by an object, not " +
                       std::string(json::kind_name(info.type)));
  for (const std::string& key : info.keys)
    if (key != "dtype" && key != "shape" && key != "data_offsets")
      throw format_error("safetensors: tensor " + name + " has an unknown field " + json::to_literal(key));

  parsed_tensor t{name, {}, parse_dtype(name, member(info, name, "dtype", json::value::kind::string).text), 0, 0};

  const json::value& shape = member(info, name, "shape", json::value::kind::array);
  std::uint64_t bytes = size_of(t.type);
  bool overflow = false;
  for (const json::value& d : shape.items) {
    if (d.type != json::value::kind::integer)
      throw format_error("safetensors: the shape of tensor " + name + " must hold integers, not " +
                         std::string(json::kind_name(d.type)));
    overflow = overflow || __builtin_mul_overflow(bytes, d.integer, &bytes);
    t.shape.push_back(d.integer);
  }
  if (overflow)
    throw format_error("safetensors: tensor " + name + " has shape " + shape_string(t.shape) +
                       ", whose size overflows 64 bits");

  const json::value& offsets = member(info, name, "data_offsets", json::value::kind::array);
  if (offsets.items.size() != 2 || offsets.items[0].type != json::value::kind::integer ||
      offsets.items[1].type != json::value::kind::integer)
    throw format_error("safetensors: data_offsets of tensor " + name + " must be two integers [begin, end]");
  t.begin = offsets.items[0].integer;
  t.end = offsets.items[1].integer;
  const std::string range = "[" + std::to_string(t.begin) + ", " + std::to_string(t.end) + ")";
  if (t.begin > t.end)
    throw format_error("safetensors: tensor " + name + " has data_offsets " + range + " that end before they begin");
  if (t.end > data_bytes)
    throw format_error("safetensors: tensor " + name + " has data_offsets " + range +
                       " past the end of the data section (" + std::to_string(data_bytes) + " bytes)");
  if (t.end - t.begin != bytes)
    throw format_error("safetensors: tensor " + name + " has shape " + shape_string(t.shape) + " of " +
                       std::string(to_string(t.type)) + ", which needs " + std::to_string(bytes) +
                       " bytes, but its data_offsets " + range + " hold " + std::to_string(t.end - t.begin));
  return t;
}

/// Validates the whole file and returns its tensors in data order; `file` must outlive the set unless
/// the caller hands the storage to keep_alive.
inline tensor_set parse_safetensors(std::span<const std::byte> file) {
  if (file.size() < 8)
    throw format_error("safetensors: the file has " + std::to_string(file.size()) +
                       " bytes; it must start with an 8-byte header length");
  const std::uint64_t header_bytes = read_le64(file.data());
  const std::uint64_t after_length = file.size() - 8;
  if (header_bytes > after_length)
    throw format_error("safetensors: the header length " + std::to_string(header_bytes) +
                       " goes past the end of the file (" + std::to_string(after_length) +
                       " bytes follow the length); the file is truncated or not safetensors");
  if (header_bytes > safetensors_max_header_bytes)
    throw format_error("safetensors: the header length " + std::to_string(header_bytes) + " exceeds the limit of " +
                       std::to_string(safetensors_max_header_bytes) + " bytes");
  const std::string_view header(reinterpret_cast<const char*>(file.data() + 8), static_cast<std::size_t>(header_bytes));
  const std::span<const std::byte> data = file.subspan(8 + static_cast<std::size_t>(header_bytes));

  if (header.empty() || header.front() != '{')
    throw format_error("safetensors: the header must be a JSON object starting with '{'");
  const json::value root = json::parse(header, {}, "safetensors header");

  tensor_set set;
  std::vector<parsed_tensor> tensors;
  tensors.reserve(root.keys.size());
  for (std::size_t i = 0; i < root.keys.size(); ++i) {
    const std::string& key = root.keys[i];
    const json::value& v = root.items[i];
    if (key != "__metadata__") {
      tensors.push_back(parse_tensor(key, v, data.size()));
      continue;
    }
    if (v.type != json::value::kind::object)
      throw format_error("safetensors: __metadata__ must be an object, not " + std::string(json::kind_name(v.type)));
    for (std::size_t m = 0; m < v.keys.size(); ++m) {
      if (v.items[m].type != json::value::kind::string)
        throw format_error("safetensors: __metadata__ entry " + json::to_literal(v.keys[m]) + " must be a string, not " +
                           std::string(json::kind_name(v.items[m].type)));
      set.metadata().emplace(v.keys[m], v.items[m].text);
    }
  }

  // The spec requires the tensors to tile the data section: sorted by offset, each starts where the
  // previous one ended, and the last one ends at the end of the file.
  std::sort(tensors.begin(), tensors.end(),
            [](const parsed_tensor& a, const parsed_tensor& b) { return std::tie(a.begin, a.end) < std::tie(b.begin, b.end); });
  std::uint64_t covered = 0;
  const parsed_tensor* previous = nullptr;
  for (const parsed_tensor& t : tensors) {
    if (t.begin < covered)
      throw format_error("safetensors: tensors " + previous->name + " and " + t.name + " overlap (bytes [" +
                         std::to_string(t.begin) + ", " + std::to_string(covered) + ") of the data section)");
    if (t.begin > covered)
      throw format_error("safetensors: bytes [" + std::to_string(covered) + ", " + std::to_string(t.begin) +
                         ") of the data section belong to no tensor (a gap before " + t.name + ")");
    covered = t.end;
    previous = &t;
  }
  if (covered != data.size())
    throw format_error("safetensors: the data section has " + std::to_string(data.size()) + " bytes but the tensors cover " +
                       std::to_string(covered) + "; the last " + std::to_string(data.size() - covered) +
                       " bytes belong to no tensor");

  for (parsed_tensor& t : tensors)
    set.add(std::move(t.name), std::move(t.shape), t.type,
            data.subspan(static_cast<std::size_t>(t.begin), static_cast<std::size_t>(t.end - t.begin)));
  return set;
}

/// The whole file, read-only: memory-mapped where POSIX is available, so the pages are read once,
/// straight into the model's weights. Throws io_error if it cannot be opened or read.
inline std::shared_ptr<const std::byte> map_file(const std::filesystem::path& path, std::size_t& size) {
  const auto failure = [&](std::string_view what, int code) {
    return io_error("cannot " + std::string(what) + " " + path.string() + ": " + std::generic_category().message(code));
  };
#ifdef CONSTNET_HAS_MMAP
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw failure("open", errno);
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    const int code = errno;
    ::close(fd);
    throw failure("stat", code);
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    throw io_error("cannot read " + path.string() + ": not a regular file");
  }
  size = static_cast<std::size_t>(info.st_size);
  if (size == 0) {  // mmap refuses length 0; the reader reports the empty file as too short
    ::close(fd);
    return std::shared_ptr<const std::byte>(new std::byte[1], std::default_delete<std::byte[]>());
  }
  int flags = MAP_PRIVATE;
#ifdef MAP_POPULATE
  flags |= MAP_POPULATE;  // fault every page in now, in one sequential pass, instead of one fault per page later
#endif
  void* mapping = ::mmap(nullptr, size, PROT_READ, flags, fd, 0);
  const int code = errno;
  ::close(fd);  // the mapping keeps the file open
  if (mapping == MAP_FAILED) throw failure("map", code);
  const std::size_t length = size;
  return std::shared_ptr<const std::byte>(static_cast<const std::byte*>(mapping),
                                          [length](const std::byte* p) { ::munmap(const_cast<std::byte*>(p), length); });
#else
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw io_error("cannot open " + path.string());
  size = static_cast<std::size_t>(in.tellg());
  std::shared_ptr<std::byte> buffer(new std::byte[size + 1], std::default_delete<std::byte[]>());
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(buffer.get()), static_cast<std::streamsize>(size)))
    throw io_error("cannot read " + path.string());
  return buffer;
#endif
}

/// Tensors in the order they are written: widest dtype first (stable), so every tensor starts at a
/// multiple of its element size once the header is padded to 8 bytes.
inline std::vector<const tensor_entry*> write_order(const tensor_set& set) {
  std::vector<const tensor_entry*> order;
  for (const tensor_entry& e : set.entries()) order.push_back(&e);
  std::stable_sort(order.begin(), order.end(),
                   [](const tensor_entry* a, const tensor_entry* b) { return size_of(a->type) > size_of(b->type); });
  return order;
}

/// The 8-byte length and the padded JSON header for `order`.
inline std::string header_for(const tensor_set& set, const std::vector<const tensor_entry*>& order) {
  const auto valid_utf8 = [](const std::string& text, std::string_view what) {
    if (!json::is_valid_utf8(text))
      throw format_error("write_safetensors: the " + std::string(what) + " " + json::to_literal(text) + " is not valid UTF-8");
  };
  std::string json = "{";
  if (!set.metadata().empty()) {
    json += "\"__metadata__\":{";
    bool first = true;
    for (const auto& [key, text] : set.metadata()) {
      valid_utf8(key, "metadata key");
      valid_utf8(text, "metadata value");
      json += first ? "" : ",";
      json += json::to_literal(key) + ":" + json::to_literal(text);
      first = false;
    }
    json += "}";
  }
  std::uint64_t offset = 0;
  for (const tensor_entry* e : order) {
    if (e->name.empty()) throw format_error("write_safetensors: a tensor has an empty name");
    valid_utf8(e->name, "tensor name");
    if (e->name == "__metadata__") throw format_error("write_safetensors: a tensor may not be named __metadata__");
    if (json.size() > 1) json += ",";
    json += json::to_literal(e->name) + ":{\"dtype\":\"" + std::string(to_string(e->type)) + "\",\"shape\":[";
    for (std::size_t i = 0; i < e->shape.size(); ++i) {
      if (i > 0) json += ',';
      json += std::to_string(e->shape[i]);  // appended piece by piece: GCC 12 warns (-Wrestrict) on "," + string
    }
    json += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + e->bytes.size()) + "]}";
    offset += e->bytes.size();
  }
  json += "}";
  json.append((8 - json.size() % 8) % 8, ' ');  // the data section starts 8-byte aligned

  std::string out(8, '\0');
  std::uint64_t n = json.size();
  for (std::size_t i = 0; i < 8; ++i, n >>= 8) out[i] = static_cast<char>(n & 0xff);
  return out + json;
}

}  // namespace detail

/// Reads safetensors bytes already in memory. The returned set points into `bytes`, which must outlive
/// it. Throws format_error on anything malformed (see the file comment); ensures every entry's byte
/// count matches its shape and dtype and the entries tile the data section.
inline tensor_set read_safetensors(std::span<const std::byte> bytes) { return detail::parse_safetensors(bytes); }

/// Reads a safetensors file through a read-only memory mapping, which the returned set keeps alive.
/// Throws io_error if the file cannot be opened or mapped, format_error if it is malformed.
inline tensor_set read_safetensors(const std::filesystem::path& path) {
  std::size_t size = 0;
  std::shared_ptr<const std::byte> mapping = detail::map_file(path, size);
  tensor_set set = detail::parse_safetensors({mapping.get(), size});
  set.keep_alive(std::move(mapping));
  return set;
}

/// The safetensors encoding of `set`: metadata first, tensors widest dtype first and otherwise in the
/// set's order, header padded with spaces to a multiple of 8 bytes. Throws format_error for names that
/// JSON cannot carry (empty, invalid UTF-8, "__metadata__").
inline std::vector<std::byte> safetensors_bytes(const tensor_set& set) {
  const auto order = detail::write_order(set);
  const std::string header = detail::header_for(set, order);
  std::size_t total = header.size();
  for (const tensor_entry* e : order) total += e->bytes.size();
  std::vector<std::byte> out(total);
  std::memcpy(out.data(), header.data(), header.size());
  std::size_t at = header.size();
  for (const tensor_entry* e : order) {
    if (!e->bytes.empty()) std::memcpy(out.data() + at, e->bytes.data(), e->bytes.size());
    at += e->bytes.size();
  }
  return out;
}

/// Writes `set` to `path` (same layout as safetensors_bytes) through a temporary file in the same
/// directory that is renamed over `path` only once complete, so a failed write leaves no half file.
/// Throws io_error if writing fails, format_error for names JSON cannot carry.
inline void write_safetensors(const std::filesystem::path& path, const tensor_set& set) {
  const auto order = detail::write_order(set);
  const std::string header = detail::header_for(set, order);
  std::filesystem::path temporary = path;
  temporary += ".partial";
  const auto fail = [&](std::string_view what) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    return io_error("cannot write " + path.string() + ": " + std::string(what));
  };
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw fail("cannot create " + temporary.string());
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    for (const tensor_entry* e : order)
      out.write(reinterpret_cast<const char*>(e->bytes.data()), static_cast<std::streamsize>(e->bytes.size()));
    out.flush();
    if (!out) throw fail("the write failed (disk full?)");
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) throw fail(error.message());
}

}  // namespace constnet::io
