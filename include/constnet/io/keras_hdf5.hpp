#pragma once
// Reads the weights of a Keras HDF5 file into a tensor_set, in constnet naming and the keras
// convention (the tensors keep the file's shapes: HWIO kernels, [in][units] dense kernels).
// Needs HDF5's C library (Debian: libhdf5-dev): link constnet::hdf5, which also defines
// CONSTNET_HAS_HDF5. Without HDF5 the rest of constnet does not need this header.
//
// The layout read is the one Keras writes with model.save_weights("x.h5"), model.save("x.h5") and
// the keras.applications files (e.g. vgg16_weights_tf_dim_ordering_tf_kernels.h5):
//
//   /  or  /model_weights      attribute layer_names: 1-D array of strings, in model order (Keras
//                              splits it into layer_names0, layer_names1, ... past HDF5's 64 KB
//                              object header limit; the chunks are joined). /model_weights is used
//                              when the root has no layer_names (the whole-model save).
//   <layer>                    group with attribute weight_names (same encoding). Layers without
//                              weights (pools, flatten, input) have an empty one: they are skipped.
//   <layer>/<weight name>      a float32 or float64 dataset. The weight name is a path relative to
//                              the layer's group: "block1_conv1/kernel:0" (Keras 2: a subgroup named
//                              after the layer) or "block1_conv1_W_1:0" (Keras 1: in the group).
//
// Strings must be fixed-length, as Keras writes them (numpy byte-string arrays). Variable-length
// strings (what h5py makes of a list of Python str) are refused: they live in HDF5's global heap,
// and libhdf5 1.10.8 loops forever on a corrupt one (found by fuzz/keras_hdf5.cpp), which no check
// made before reading them can rule out.
//
// Trust. libhdf5 1.10.8 itself reads out of bounds on some corrupted object headers
// (fuzz/libhdf5_findings/), before any check of ours can run. Read only .h5 files you trust; for
// weights from elsewhere, convert them once where that is safe and ship safetensors.
//
// Naming. Each tensor is called "<layer>.<tensor>":
//   - <tensor> is the weight name's last path component without its ":0" suffix: "kernel", "bias",
//     "gamma", "beta", "moving_mean", "moving_variance".
//   - Keras 1 names ("<layer>_<name>" with an optional "_<n>" counter TensorFlow appended, no '/')
//     are translated: W -> kernel, b -> bias, gamma, beta, running_mean -> moving_mean and
//     running_std -> moving_variance. Despite its name, Keras 1's running_std held the moving
//     *variance*: its BatchNormalization passed it to K.batch_normalization as the variance
//     argument, and Keras 2 loads it into moving_variance unchanged. Other suffixes are kept as
//     they are, so load_weights reports them by name.
//   - <layer> is the layer's group name. A group whose weights name several different layers
//     ("conv2d/kernel:0", "dense/kernel:0", ...) is a model nested in the model: each of its
//     tensors takes the layer its weight name gives. (A nested model with a single weighted layer
//     cannot be told from a layer and takes the group's name.)
//
// What is rejected, with format_error naming the file, layer and weight: a missing layer_names or
// weight_names, strings of another type or rank, a missing layer group or dataset, datasets that are
// not IEEE float32 / float64 (ints, float16), rank above 4, and any storage other than the plain
// contiguous or compact layouts Keras writes: compressed or chunked datasets, external raw data
// files, virtual datasets, and datasets whose data was never written or lies past the end of the
// file. Every byte returned therefore comes from the file itself: a tensor_set never holds more data
// bytes than the file is long, however large the dimensions a file declares. External links are not
// followed. A file that cannot be opened gives io_error.
//
// Threads. Debian's libhdf5 is the serial build, which is not thread-safe: no two threads may call
// into HDF5 at the same time. The readers below serialize themselves on one process-wide mutex, so
// they may be called from several threads, but any other HDF5 use in the process must not overlap
// with them. HDF5's automatic error printing is switched off during a read and restored after.
//
// Hostile files. Everything above is checked before data is read, but parsing the file's structure
// is libhdf5's, and Debian's 1.10.8 is not hardened against every corruption: on some corrupt object
// headers it leaks a little memory on its error path (and may print "HDF5: infinite loop closing
// library" at process exit). fuzz/keras_hdf5.cpp says what fuzzing found and how it is bounded.

#include <hdf5.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "constnet/core/errors.hpp"
#include "constnet/io/tensor_set.hpp"

namespace constnet::io {

namespace detail::keras_hdf5 {

constexpr int max_rank = 4;
// Bounds on the string attributes (layer and weight names), so that a hostile header cannot make us
// allocate without limit. Keras keeps each chunk under 64 KB; these allow a thousand times that.
constexpr hsize_t max_names = 1u << 20;
constexpr std::size_t max_name_bytes = std::size_t{64} << 20;

inline std::mutex& hdf5_mutex() {
  static std::mutex m;
  return m;
}

/// One HDF5 identifier, closed with its own close function.
class handle {
 public:
  handle() = default;
  handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  handle(const handle&) = delete;
  handle& operator=(const handle&) = delete;
  handle(handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)), close_(other.close_) {}
  handle& operator=(handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
      close_ = other.close_;
    }
    return *this;
  }
  ~handle() { reset(); }

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  void reset() {
    if (id_ >= 0 && close_ != nullptr) close_(id_);
    id_ = H5I_INVALID_HID;
  }
  hid_t id_ = H5I_INVALID_HID;
  herr_t (*close_)(hid_t) = nullptr;
};

/// Switches HDF5's printing of its error stack off (our messages say what went wrong) and restores
/// whatever handler was installed before.
class quiet_errors {
 public:
  quiet_errors() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  quiet_errors(const quiet_errors&) = delete;
  quiet_errors& operator=(const quiet_errors&) = delete;
  ~quiet_errors() {
    H5Eclear2(H5E_DEFAULT);
    H5Eset_auto2(H5E_DEFAULT, func_, data_);
  }

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

/// The innermost message of HDF5's error stack ("", when it is empty); clears the stack.
inline std::string last_hdf5_message() {
  std::string innermost;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t* e, void* out) -> herr_t {
        if (n == 0 && e->desc != nullptr) *static_cast<std::string*>(out) = e->desc;
        return 0;
      },
      &innermost);
  H5Eclear2(H5E_DEFAULT);
  return innermost;
}

/// Everything a read needs to say where it is: "Keras HDF5 file w.h5: layer dense: weight
/// dense/kernel:0: ".
struct context {
  std::string where;
  hid_t link_access = H5P_DEFAULT;
  hsize_t file_size = 0;

  /// A file that breaks the Keras layout. HDF5's stack, if anything, holds the traces of probes
  /// that were expected to fail: dropped.
  [[noreturn]] void fail(const std::string& what) const {
    H5Eclear2(H5E_DEFAULT);
    throw format_error(where + what);
  }
  /// An HDF5 call that failed: its innermost message says why.
  [[noreturn]] void fail_hdf5(const std::string& what) const {
    const std::string hdf5 = last_hdf5_message();
    throw format_error(where + what + (hdf5.empty() ? "" : " (HDF5: " + hdf5 + ")"));
  }
  context at(const std::string& part) const { return {where + part + ": ", link_access, file_size}; }
};

/// Opens the object at `path` below `parent` without following external links (the link access
/// list denies them). Returns an invalid handle when there is no such object or it is of another
/// kind than `kind`.
inline handle open_object(const context& c, hid_t parent, const std::string& path, H5I_type_t kind) {
  const htri_t exists = H5Lexists(parent, path.c_str(), c.link_access);
  if (exists <= 0) return {};
  handle object(H5Oopen(parent, path.c_str(), c.link_access), H5Oclose);
  if (!object.valid() || H5Iget_type(object.get()) != kind) return {};
  return object;
}

/// Is there an attribute `name` on `object`?
inline bool has_attribute(hid_t object, const std::string& name) { return H5Aexists(object, name.c_str()) > 0; }

/// Reads a string attribute: a 1-D array (or a scalar) of fixed-length strings. An attribute with no
/// elements is an empty list whatever its type, because Keras writes an empty weight_names as
/// np.asarray([]), a float64 array of length 0.
inline std::vector<std::string> read_strings(const context& c, hid_t object, const std::string& name) {
  handle attribute(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose);
  if (!attribute.valid()) c.fail_hdf5("cannot open attribute " + name);
  handle space(H5Aget_space(attribute.get()), H5Sclose);
  handle type(H5Aget_type(attribute.get()), H5Tclose);
  if (!space.valid() || !type.valid()) c.fail_hdf5("cannot read attribute " + name);

  const H5S_class_t space_class = H5Sget_simple_extent_type(space.get());
  if (space_class == H5S_NULL) return {};
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (space_class != H5S_SCALAR && space_class != H5S_SIMPLE) c.fail("attribute " + name + " has no valid dataspace");
  if (rank > 1) c.fail("attribute " + name + " has rank " + std::to_string(rank) + "; Keras writes a 1-D array of strings");
  const hssize_t points = H5Sget_simple_extent_npoints(space.get());
  if (points < 0) c.fail("attribute " + name + " has no valid dataspace");
  if (points == 0) return {};
  const auto count = static_cast<hsize_t>(points);
  if (count > max_names) c.fail("attribute " + name + " lists " + std::to_string(count) + " names, more than " + std::to_string(max_names));
  if (H5Tget_class(type.get()) != H5T_STRING) c.fail("attribute " + name + " does not hold strings; Keras writes byte strings");

  const htri_t variable = H5Tis_variable_str(type.get());
  if (variable < 0) c.fail_hdf5("cannot read attribute " + name);
  if (variable > 0)
    c.fail("attribute " + name + " holds variable-length strings; Keras writes fixed-length byte strings "
           "(in h5py: np.asarray([n.encode() for n in names])), the only kind read");
  const H5T_cset_t cset = H5Tget_cset(type.get());
  if (cset != H5T_CSET_ASCII && cset != H5T_CSET_UTF8) c.fail("attribute " + name + " has an unknown character set");
  handle memory_type(H5Tcopy(H5T_C_S1), H5Tclose);
  if (!memory_type.valid() || H5Tset_cset(memory_type.get(), cset) < 0) c.fail_hdf5("cannot read attribute " + name);

  const std::size_t width = H5Tget_size(type.get());
  if (width == 0) c.fail("attribute " + name + " has strings of size 0");
  if (width > max_name_bytes / static_cast<std::size_t>(count))
    c.fail("attribute " + name + " holds more than " + std::to_string(max_name_bytes) + " bytes of names");
  // NULLPAD reads both padding styles: a NULLTERM string then simply ends at its terminator.
  if (H5Tset_size(memory_type.get(), width) < 0 || H5Tset_strpad(memory_type.get(), H5T_STR_NULLPAD) < 0)
    c.fail_hdf5("cannot read attribute " + name);
  std::vector<char> buffer(width * static_cast<std::size_t>(count));
  std::vector<std::string> names;
  names.reserve(static_cast<std::size_t>(count));
  if (H5Aread(attribute.get(), memory_type.get(), buffer.data()) < 0) c.fail_hdf5("cannot read the strings of attribute " + name);
  for (std::size_t i = 0; i < count; ++i) {
    const char* s = buffer.data() + i * width;
    names.emplace_back(s, static_cast<std::size_t>(std::find(s, s + width, '\0') - s));
  }
  return names;
}

/// Keras' chunked attributes: `name` itself, or name0, name1, ... joined. Empty if neither exists.
inline std::vector<std::string> read_chunked_strings(const context& c, hid_t object, const std::string& name, bool& found) {
  found = has_attribute(object, name);
  if (found) return read_strings(c, object, name);
  std::vector<std::string> all;
  for (std::size_t chunk = 0; has_attribute(object, name + std::to_string(chunk)); ++chunk) {
    found = true;
    std::vector<std::string> part = read_strings(c, object, name + std::to_string(chunk));
    if (all.size() + part.size() > max_names) c.fail("attribute " + name + " lists more than " + std::to_string(max_names) + " names");
    all.insert(all.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
  }
  return all;
}

inline std::string_view last_component(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

/// "dense/kernel:0" -> "dense"; "kernel:0" -> "".
inline std::string_view parent_component(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view{} : last_component(path.substr(0, slash));
}

/// Drops a trailing "<separator><digits>": ("kernel:0", ':') -> "kernel", ("W_1", '_') -> "W".
inline std::string_view strip_counter(std::string_view s, char separator) {
  const auto at = s.rfind(separator);
  if (at == std::string_view::npos || at + 1 == s.size()) return s;
  const std::string_view digits = s.substr(at + 1);
  if (!std::all_of(digits.begin(), digits.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) return s;
  return s.substr(0, at);
}

/// The tensor part of a constnet name for a weight of `layer` named `weight_name` in the file:
/// "block1_conv1/kernel:0" -> "kernel", "block1_conv1_W_1:0" -> "kernel" (see the header comment).
inline std::string tensor_name(std::string_view layer, std::string_view weight_name) {
  const std::string_view variable = strip_counter(last_component(weight_name), ':');
  const bool keras1 = weight_name.find('/') == std::string_view::npos && variable.size() > layer.size() + 1 &&
                      variable.starts_with(layer) && variable[layer.size()] == '_';
  if (!keras1) return std::string(variable);
  const std::string_view suffix = variable.substr(layer.size() + 1);
  const std::string_view base = strip_counter(suffix, '_');
  constexpr std::pair<std::string_view, std::string_view> keras1_names[] = {
      {"W", "kernel"}, {"b", "bias"}, {"gamma", "gamma"}, {"beta", "beta"},
      {"running_mean", "moving_mean"}, {"running_std", "moving_variance"}};
  for (const auto& [old_name, name] : keras1_names)
    if (base == old_name) return std::string(name);
  return std::string(suffix);
}

/// One dataset to copy, checked before any data is read.
struct planned_tensor {
  std::string name;
  std::vector<std::size_t> shape;
  dtype type = dtype::f32;
  std::size_t bytes = 0;
  handle dataset;
  context where;
};

/// Opens and checks one weight dataset: IEEE float32/float64, rank <= 4, data stored contiguously
/// (or compactly) inside the file.
inline planned_tensor plan_tensor(const context& c, hid_t layer_group, const std::string& weight_name, std::string name) {
  handle dataset = open_object(c, layer_group, weight_name, H5I_DATASET);
  if (!dataset.valid()) {
    if (H5Lexists(layer_group, weight_name.c_str(), c.link_access) > 0) c.fail("is not a dataset");
    c.fail("is listed in weight_names but the file has no dataset " + weight_name + " in the layer's group");
  }
  handle type(H5Dget_type(dataset.get()), H5Tclose);
  handle space(H5Dget_space(dataset.get()), H5Sclose);
  handle creation(H5Dget_create_plist(dataset.get()), H5Pclose);
  if (!type.valid() || !space.valid() || !creation.valid()) c.fail_hdf5("cannot read the dataset's description");

  planned_tensor t{std::move(name), {}, dtype::f32, 0, {}, c};
  if (H5Tget_class(type.get()) != H5T_FLOAT) c.fail("is not a floating-point dataset; Keras weights are float32 or float64");
  if (H5Tequal(type.get(), H5T_IEEE_F32LE) > 0 || H5Tequal(type.get(), H5T_IEEE_F32BE) > 0) {
    t.type = dtype::f32;
  } else if (H5Tequal(type.get(), H5T_IEEE_F64LE) > 0 || H5Tequal(type.get(), H5T_IEEE_F64BE) > 0) {
    t.type = dtype::f64;
  } else {
    c.fail("is a " + std::to_string(8 * H5Tget_size(type.get())) + "-bit float dataset; only IEEE float32 and float64 are read");
  }

  const H5S_class_t space_class = H5Sget_simple_extent_type(space.get());
  if (space_class != H5S_SCALAR && space_class != H5S_SIMPLE) c.fail("has an empty (null) dataspace");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) c.fail("has no valid dataspace");
  if (rank > max_rank) c.fail("has rank " + std::to_string(rank) + "; weights have rank 4 at most");
  hsize_t dims[max_rank] = {};
  if (H5Sget_simple_extent_dims(space.get(), dims, nullptr) != rank) c.fail("has no valid dataspace");
  // Overflow-checked: the byte count must not exceed the file, which bounds every product below.
  std::size_t bytes = size_of(t.type);
  bool fits = true;
  for (int d = 0; d < rank; ++d) {
    t.shape.push_back(static_cast<std::size_t>(dims[d]));
    if (dims[d] != 0 && bytes > c.file_size / dims[d]) fits = false;
    bytes = fits ? bytes * static_cast<std::size_t>(dims[d]) : bytes;
  }
  std::string shape_text = shape_string(t.shape);
  if (!fits || bytes > c.file_size)
    c.fail("declares shape " + shape_text + ", more data than the whole file (" + std::to_string(c.file_size) + " bytes) holds");
  t.bytes = bytes;

  if (H5Pget_external_count(creation.get()) != 0) c.fail("keeps its data in external files; Keras never does, and they are not read");
  const H5D_layout_t layout = H5Pget_layout(creation.get());
  if (layout == H5D_CHUNKED)
    c.fail("is stored in chunks (compressed or resizable); Keras writes contiguous datasets: re-save it without compression");
  if (layout != H5D_CONTIGUOUS && layout != H5D_COMPACT) c.fail("has a storage layout Keras never writes (virtual or unknown)");
  if (bytes > 0) {
    // Only data actually in the file is read: no fill values for data never written, nothing past
    // the end of a truncated file (HDF5 would read either without complaint).
    const hsize_t stored = H5Dget_storage_size(dataset.get());
    if (stored != bytes)
      c.fail("declares shape " + shape_text + " (" + std::to_string(bytes) + " bytes) but the file stores " + std::to_string(stored) +
             " bytes for it" + (stored == 0 ? " (its data was never written)" : ""));
    if (layout == H5D_CONTIGUOUS) {
      const haddr_t offset = H5Dget_offset(dataset.get());
      if (offset == HADDR_UNDEF || offset > c.file_size || bytes > c.file_size - offset)
        c.fail("has its data outside the file (the file is " + std::to_string(c.file_size) + " bytes long)");
    }
  }
  t.dataset = std::move(dataset);
  return t;
}

/// Reads every weight below `root` (the file's root or /model_weights) into a tensor_set.
inline tensor_set read_layers(const context& c, hid_t root) {
  bool found = false;
  std::vector<std::string> layer_names = read_chunked_strings(c, root, "layer_names", found);
  if (!found) c.fail("has no layer_names attribute");

  std::vector<planned_tensor> plan;
  std::size_t total = 0;
  for (const std::string& layer : layer_names) {
    const context lc = c.at("layer " + layer);
    if (layer.empty()) lc.fail("layer_names holds an empty name");
    handle group = open_object(lc, root, layer, H5I_GROUP);
    if (!group.valid()) lc.fail("is listed in layer_names but the file has no group " + layer);
    bool has_weight_names = false;
    std::vector<std::string> weight_names = read_chunked_strings(lc, group.get(), "weight_names", has_weight_names);
    if (!has_weight_names) lc.fail("has no weight_names attribute");

    // A group whose weights name several layers is a nested model (see the header comment).
    const std::string_view first_parent = weight_names.empty() ? std::string_view{} : parent_component(weight_names.front());
    const bool nested = std::any_of(weight_names.begin(), weight_names.end(),
                                    [&](const std::string& w) { return parent_component(w) != first_parent; });
    for (const std::string& weight : weight_names) {
      const context wc = lc.at("weight " + weight);
      if (weight.empty()) wc.fail("weight_names holds an empty name");
      std::string owner = nested && !parent_component(weight).empty() ? std::string(parent_component(weight)) : layer;
      std::string name = owner + "." + tensor_name(owner, weight);
      for (const planned_tensor& earlier : plan)
        if (earlier.name == name) wc.fail("gives the tensor name " + name + ", which an earlier weight already has");
      planned_tensor t = plan_tensor(wc, group.get(), weight, std::move(name));
      if (t.bytes > c.file_size - total)  // total <= file_size: checked at every step
        wc.fail("the weights together declare more data than the whole file (" + std::to_string(c.file_size) + " bytes) holds");
      total += t.bytes;
      plan.push_back(std::move(t));
    }
  }

  // All checked: one buffer for every tensor, each 64-byte aligned within it.
  constexpr std::size_t alignment = 64;
  std::size_t size = 0;
  for (const planned_tensor& t : plan) size = (size + alignment - 1) / alignment * alignment + t.bytes;
  std::shared_ptr<std::byte[]> storage(new (std::align_val_t{alignment}) std::byte[std::max<std::size_t>(size, 1)],
                                       [](std::byte* p) { ::operator delete[](p, std::align_val_t{alignment}); });
  tensor_set set;
  std::size_t offset = 0;
  for (planned_tensor& t : plan) {
    offset = (offset + alignment - 1) / alignment * alignment;
    std::byte* destination = storage.get() + offset;
    const hid_t memory_type = t.type == dtype::f64 ? H5T_NATIVE_DOUBLE : H5T_NATIVE_FLOAT;
    if (t.bytes > 0 && H5Dread(t.dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, destination) < 0)
      t.where.fail_hdf5("cannot read the data");
    t.dataset = {};
    set.add(std::move(t.name), std::move(t.shape), t.type, std::span<const std::byte>(destination, t.bytes));
    offset += t.bytes;
  }
  set.keep_alive(std::move(storage));
  return set;
}

/// HDF5's signature sits at offset 0, or at 512, 1024, 2048, ... after a user block (as H5Fis_hdf5 looks).
inline bool has_hdf5_signature(std::span<const std::byte> image) {
  constexpr unsigned char signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  for (std::size_t at = 0; at + sizeof signature <= image.size() && at < (std::size_t{1} << 62); at = at == 0 ? 512 : 2 * at)
    if (std::memcmp(image.data() + at, signature, sizeof signature) == 0) return true;
  return false;
}

// External links would open other files named by the file; a weight file has no business there.
inline herr_t deny_external_links(const char*, const char*, const char*, const char*, unsigned*, hid_t, void*) { return -1; }

/// Reads an opened file: finds the Keras root, then every layer's weights.
inline tensor_set read_file(const std::string& where, hid_t file) {
  handle link_access(H5Pcreate(H5P_LINK_ACCESS), H5Pclose);
  if (!link_access.valid() || H5Pset_elink_cb(link_access.get(), deny_external_links, nullptr) < 0)
    throw format_error(where + "HDF5 could not set up the read");
  context c{where, link_access.get(), 0};
  if (H5Fget_filesize(file, &c.file_size) < 0) c.fail_hdf5("cannot tell the file's size");

  handle root(H5Oopen(file, "/", H5P_DEFAULT), H5Oclose);
  if (!root.valid()) c.fail_hdf5("cannot open the root group");
  if (!has_attribute(root.get(), "layer_names") && !has_attribute(root.get(), "layer_names0")) {
    handle nested = open_object(c, root.get(), "model_weights", H5I_GROUP);
    if (!nested.valid())
      c.fail("has no layer_names attribute at the root or in /model_weights: not a Keras HDF5 weight file "
             "(Keras 3's .weights.h5 files use another layout)");
    return read_layers(c.at("model_weights"), nested.get());
  }
  return read_layers(c, root.get());
}

}  // namespace detail::keras_hdf5

/// Reads every weight of a Keras HDF5 file (layout, naming and limits: see the top of this header).
/// Requires: nothing else in the process calls HDF5 concurrently.
/// Ensures: the tensors in layer_names order, then weight_names order, named "<layer>.<tensor>",
/// with the file's shapes and dtype (f32 or f64); no metadata (Keras' keras_version and backend
/// attributes are variable-length strings under h5py 3, see above). Throws io_error if the file cannot be opened, format_error (naming the layer and weight)
/// for anything that is not a Keras weight file as described above.
inline tensor_set read_keras_hdf5(const std::filesystem::path& path) {
  namespace k = detail::keras_hdf5;
  const std::string where = "Keras HDF5 file " + path.string() + ": ";
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw io_error(where + "is a directory");
  if (std::ifstream probe(path, std::ios::binary); !probe) throw io_error(where + "cannot open it for reading");
  std::lock_guard lock(k::hdf5_mutex());
  k::quiet_errors quiet;
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  if (is_hdf5 == 0) throw format_error(where + "not an HDF5 file (no HDF5 signature)");
  if (is_hdf5 < 0) throw io_error(where + "HDF5 cannot open it (" + k::last_hdf5_message() + ")");
  k::handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (!access.valid()) throw io_error(where + "HDF5 could not set up the read (" + k::last_hdf5_message() + ")");
#if (H5_VERSION_GE(1, 10, 7) && !H5_VERSION_GE(1, 11, 0)) || H5_VERSION_GE(1, 12, 1)
  // Take HDF5's shared read lock, but on file systems without locks (some NFS mounts) read anyway
  // instead of failing as 1.10 does by default.
  H5Pset_file_locking(access.get(), true, true);
#endif
  k::handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, access.get()), H5Fclose);
  if (!file.valid()) throw format_error(where + "HDF5 cannot open it, it may be truncated or corrupt (" + k::last_hdf5_message() + ")");
  return k::read_file(where, file.get());
}

/// The same from an HDF5 file image in memory (e.g. a file embedded in a program, or fuzzer input).
/// HDF5's core driver copies the image; the tensors are copied again into the returned set, which
/// does not refer to `image`. Requires and throws as read_keras_hdf5(path), with format_error for an
/// image HDF5 cannot open.
inline tensor_set read_keras_hdf5(std::span<const std::byte> image) {
  namespace k = detail::keras_hdf5;
  const std::string where = "Keras HDF5 image: ";
  if (image.empty()) throw format_error(where + "the image is empty");
  if (!k::has_hdf5_signature(image)) throw format_error(where + "not an HDF5 file (no HDF5 signature)");
  std::lock_guard lock(k::hdf5_mutex());
  k::quiet_errors quiet;
  k::handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  constexpr std::size_t growth = 64 * 1024;  // unused: the image is opened read-only
  if (!access.valid() || H5Pset_fapl_core(access.get(), growth, false) < 0 ||
      H5Pset_file_image(access.get(), const_cast<std::byte*>(image.data()), image.size()) < 0)
    throw format_error(where + "HDF5 could not take the image (" + k::last_hdf5_message() + ")");
  k::handle file(H5Fopen("constnet-keras-hdf5-image", H5F_ACC_RDONLY, access.get()), H5Fclose);
  if (!file.valid()) throw format_error(where + "HDF5 cannot open it, it may be truncated or corrupt (" + k::last_hdf5_message() + ")");
  return k::read_file(where, file.get());
}

}  // namespace constnet::io
