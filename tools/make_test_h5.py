#!/usr/bin/python3
# (Debian's interpreter on purpose: python3-h5py is a Debian package, not a pip one.)
"""Writes the small Keras HDF5 weight files of tests/data/hdf5/, so CI never needs Python.

Each valid file holds the weights of a small network in one of the layouts Keras writes:

  tiny_save_weights.h5   model.save_weights("x.h5") (Keras 2): root attribute layer_names, one group
                         per layer (created in sorted order, as Keras does) with attribute
                         weight_names, datasets in a subgroup named after the layer
                         ("conv2d/kernel:0"); weightless layers have an empty weight_names, which
                         Keras writes as np.asarray([]), a float64 array of length 0.
  tiny_model_weights.h5  (newest format) model.save("x.h5"): the same under /model_weights, next to model_config,
                         training_config and an optimizer_weights group (which readers ignore).
  tiny_old_names.h5      (newest format) Keras 1 / keras.applications (vgg16_weights_tf_dim_ordering_tf_kernels.h5):
                         datasets directly in the layer's group, named "<layer>_W_1:0",
                         "<layer>_b_1:0", and for batch norm "<layer>_gamma_1:0", "_beta_1:0",
                         "_running_mean_1:0", "_running_std_1:0" (running_std holds the variance).
  tiny_variants.h5       (newest format) a model nested in a model: group "sequential" holds the
                         weights of conv2d, batch_normalization and dense ("conv2d/kernel:0", ...);
                         float64 datasets but one big-endian float32; layer_names split into
                         layer_names0 / layer_names1 (what Keras does past HDF5's 64 KB limit).
  seed39_save_weights.h5 (newest format) the seed's 39x39x3 example (models::seed_39x39_example).

Files are in HDF5's oldest format, the one Keras writes, where "newest format" is not said: that one
is smaller (tests/data/hdf5/ must stay under 200 KB), and readers must take both.
All tiny_* files hold the same tensors (in constnet naming: conv2d.kernel, conv2d.bias,
batch_normalization.gamma, ..., dense.bias) with the same values, so one expectation covers them.

Values are exact in float32 and float64 so C++ tests compare them bit for bit: the k-th tensor in
file order (layer_names order, then weight_names order) holds, at flat index i (C order),
    ((37 i + 11 k) mod 101 - 50) / 64
and moving variances (which must be positive) ((37 i + 11 k) mod 101 + 14) / 64.
tiny.expected.safetensors holds the tiny_* tensors in constnet naming (float32), for comparisons
with the safetensors reader; seed39 has no such twin, which would break the 200 KB budget (its
values follow the same formula).

The bad_*.h5 files are malformed on purpose; each must give a format_error whose message says what
is wrong (tests/unit/keras_hdf5.cpp checks them).

Usage: tools/make_test_h5.py [output directory, default tests/data/hdf5]
"""

import json
import os
import struct
import sys

import h5py
import numpy as np

TINY = [  # (layer, [(tensor, shape)]) in model order; 6x6x2 -> conv 3x3 -> 4x4x4 -> pool -> 2x2x4 -> 16 -> 3
    ("conv2d", [("kernel", (3, 3, 2, 4)), ("bias", (4,))]),
    ("batch_normalization", [("gamma", (4,)), ("beta", (4,)), ("moving_mean", (4,)), ("moving_variance", (4,))]),
    ("max_pooling2d", []),
    ("flatten", []),
    ("dense", [("kernel", (16, 3)), ("bias", (3,))]),
]

SEED39 = [  # models::seed_39x39_example: 39x39x3 -> 37x37x10 -> 17x17x20 -> 7x7x40 -> 1960
    ("conv2d", [("kernel", (3, 3, 3, 10)), ("bias", (10,))]),
    ("conv2d_1", [("kernel", (5, 5, 10, 20)), ("bias", (20,))]),
    ("conv2d_2", [("kernel", (5, 5, 20, 40)), ("bias", (40,))]),
    ("flatten", []),
]

KERAS1_NAMES = {"kernel": "W", "bias": "b", "gamma": "gamma", "beta": "beta",
                "moving_mean": "running_mean", "moving_variance": "running_std"}


def values(k, tensor, shape, dtype="<f4"):
    i = np.arange(int(np.prod(shape)), dtype=np.int64)
    r = (37 * i + 11 * k) % 101
    v = (r + 14) / 64.0 if tensor == "moving_variance" else (r - 50) / 64.0
    return v.reshape(shape).astype(dtype)


def numbered(layers):
    """[(layer, tensor, shape, k)] in file order."""
    out = []
    for layer, tensors in layers:
        for tensor, shape in tensors:
            out.append((layer, tensor, shape, len(out)))
    return out


def save_attribute(group, name, items, chunks=1):
    """As Keras' save_attributes_to_hdf5_group: np.asarray of byte strings, split into name0, name1,
    ... when asked to (Keras splits when the list passes the 64 KB object header limit)."""
    if chunks == 1:
        group.attrs[name] = np.asarray(items)
        return
    for c, part in enumerate(np.array_split(np.asarray(items), chunks)):
        group.attrs["%s%d" % (name, c)] = part


def write_layers(root, layers, weight_name):
    save_attribute(root, "layer_names", [layer.encode() for layer, _ in layers])
    index = {(layer, tensor): k for layer, tensor, _, k in numbered(layers)}
    for layer, tensors in sorted(layers):
        g = make_group(root, layer)
        names = [weight_name(layer, tensor) for tensor, _ in tensors]
        save_attribute(g, "weight_names", [n.encode() for n in names])
        for (tensor, shape), name in zip(tensors, names):
            make_dataset(g, name, data=values(index[(layer, tensor)], tensor, shape))


def keras2_name(layer, tensor):
    return "%s/%s:0" % (layer, tensor)


def keras1_name(layer, tensor):
    return "%s_%s_1:0" % (layer, KERAS1_NAMES[tensor])


def new_file(path, latest=False):
    """h5py.File(path, "w", libver=...), without a creation time on the root group (see make_group)."""
    fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    if latest:
        fapl.set_libver_bounds(h5py.h5f.LIBVER_LATEST, h5py.h5f.LIBVER_LATEST)
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    fcpl.set_obj_track_times(False)
    return h5py.File(h5py.h5f.create(path.encode(), h5py.h5f.ACC_TRUNC, fapl=fapl, fcpl=fcpl))


def make_group(parent, name):
    """parent.create_group(name), without the creation time HDF5 would record, so that running this
    script again rewrites identical files."""
    gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
    gcpl.set_obj_track_times(False)
    return h5py.Group(h5py.h5g.create(parent.id, name.encode(), gcpl=gcpl))


def make_dataset(group, name, **kwargs):
    """group.create_dataset(name, ...), creating the intermediate groups of a name such as
    "conv2d/kernel:0" as h5py would, but without creation times."""
    *parents, leaf = name.split("/")
    for parent in parents:
        group = group[parent] if parent in group else make_group(group, parent)
    return group.create_dataset(leaf, track_times=False, **kwargs)


def stamp(f):
    f.attrs["backend"] = b"tensorflow"
    f.attrs["keras_version"] = b"2.11.0"


def write_safetensors(path, layers):
    header, blobs, offset = {}, [], 0
    for layer, tensor, shape, k in numbered(layers):
        data = values(k, tensor, shape).tobytes()
        header["%s.%s" % (layer, tensor)] = {"dtype": "F32", "shape": list(shape),
                                             "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"source": "tools/make_test_h5.py"}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def valid_files(out):
    with new_file(os.path.join(out, "tiny_save_weights.h5")) as f:
        stamp(f)
        write_layers(f, TINY, keras2_name)

    with new_file(os.path.join(out, "tiny_model_weights.h5"), latest=True) as f:
        stamp(f)
        config = {"class_name": "Functional", "config": {"name": "tiny", "layers": [
            {"class_name": "InputLayer", "name": "input_1"}] + [{"name": layer} for layer, _ in TINY]}}
        f.attrs["model_config"] = json.dumps(config).encode()
        f.attrs["training_config"] = json.dumps({"loss": "categorical_crossentropy"}).encode()
        weights = make_group(f, "model_weights")
        stamp(weights)
        write_layers(weights, [("input_1", [])] + TINY, keras2_name)
        optimizer = make_group(f, "optimizer_weights")
        save_attribute(optimizer, "weight_names", [b"Adam/iter:0"])
        make_dataset(optimizer, "Adam/iter:0", data=np.int64(1000))

    with new_file(os.path.join(out, "tiny_old_names.h5"), latest=True) as f:  # Keras 1 wrote no version attributes
        write_layers(f, [("input_1", [])] + TINY, keras1_name)

    with new_file(os.path.join(out, "tiny_variants.h5"), latest=True) as f:
        stamp(f)
        save_attribute(f, "layer_names", [b"input_1", b"sequential"], chunks=2)
        save_attribute(make_group(f, "input_1"), "weight_names", [])
        g = make_group(f, "sequential")
        weighted = [(layer, tensors) for layer, tensors in TINY if tensors]
        names = [keras2_name(layer, tensor) for layer, tensors in weighted for tensor, _ in tensors]
        save_attribute(g, "weight_names", [n.encode() for n in names])
        for (layer, tensor, shape, k), name in zip(numbered(weighted), names):
            make_dataset(g, name, data=values(k, tensor, shape, ">f4" if name == "dense/kernel:0" else "<f8"))

    with new_file(os.path.join(out, "seed39_save_weights.h5"), latest=True) as f:
        stamp(f)
        write_layers(f, SEED39, keras2_name)

    write_safetensors(os.path.join(out, "tiny.expected.safetensors"), TINY)  # for every tiny_* file


SMALL = [("conv2d", [("kernel", (1, 1, 2, 2)), ("bias", (2,))]), ("flatten", [])]


def bad(out, name, edit=None, layers=SMALL):
    """A small save_weights file, then edit(f) breaks it."""
    with new_file(os.path.join(out, "bad_%s.h5" % name), latest=True) as f:
        write_layers(f, layers, keras2_name)
        if edit:
            edit(f)


def malformed_files(out):
    bad(out, "no_layer_names", lambda f: f.attrs.__delitem__("layer_names"))
    bad(out, "layer_names_not_strings", lambda f: f.attrs.__setitem__("layer_names", np.arange(2, dtype=np.int32)))
    bad(out, "missing_layer_group", lambda f: f.attrs.__setitem__("layer_names", np.asarray([b"conv2d", b"dense_7"])))
    bad(out, "missing_weight_names", lambda f: f["conv2d"].attrs.__delitem__("weight_names"))
    bad(out, "missing_dataset", lambda f: f["conv2d/conv2d"].__delitem__("bias:0"))

    def replace(f, name, **kwargs):
        del f["conv2d/conv2d/" + name]
        make_dataset(f["conv2d/conv2d"], name, **kwargs)

    bad(out, "int_dataset", lambda f: replace(f, "kernel:0", data=np.ones((1, 1, 2, 2), np.int32)))
    bad(out, "float16_dataset", lambda f: replace(f, "bias:0", data=np.ones(2, np.float16)))
    bad(out, "rank5", lambda f: replace(f, "kernel:0", data=np.ones((1, 1, 1, 2, 2), np.float32)))
    bad(out, "compressed", lambda f: replace(f, "kernel:0", data=np.ones((1, 1, 2, 2), np.float32),
                                             compression="gzip"))
    # Declared but never written, so HDF5 would return fill values; and 2^20 x 2^20 floats (4 TiB).
    bad(out, "unwritten", lambda f: replace(f, "kernel:0", shape=(1, 1, 2, 2), dtype=np.float32))
    bad(out, "unwritten_huge", lambda f: replace(f, "kernel:0", shape=(1 << 20, 1 << 20), dtype=np.float32))
    bad(out, "weight_is_group", lambda f: (f["conv2d/conv2d"].__delitem__("bias:0"),
                                           make_group(f["conv2d/conv2d"], "bias:0")))
    bad(out, "duplicate_weight", lambda f: f["conv2d"].attrs.__setitem__(
        "weight_names", np.asarray([b"conv2d/kernel:0", b"conv2d/kernel:0"])))
    bad(out, "weight_names_2d", lambda f: f["conv2d"].attrs.__setitem__(
        "weight_names", np.asarray([[b"conv2d/kernel:0", b"conv2d/bias:0"]])))
    # What h5py makes of a list of str: variable-length strings, which the reader refuses (a corrupt
    # global heap, where they live, hangs libhdf5 1.10.8).
    bad(out, "variable_length_names", lambda f: f["conv2d"].attrs.create(
        "weight_names", ["conv2d/kernel:0", "conv2d/bias:0"], dtype=h5py.string_dtype("utf-8")))

    bad(out, "truncated")  # valid so far: then cut in half, like an interrupted download
    with open(os.path.join(out, "bad_truncated.h5"), "rb+") as f:
        f.truncate(len(f.read()) // 2)
    with open(os.path.join(out, "bad_not_hdf5.h5"), "wb") as f:
        f.write(b"this is a text file, not HDF5\n")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tests", "data", "hdf5")
    os.makedirs(out, exist_ok=True)
    valid_files(out)
    malformed_files(out)


if __name__ == "__main__":
    main()
