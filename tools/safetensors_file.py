"""Writes safetensors files with nothing but the standard library and numpy, for the tools/ scripts."""

import json
import struct

import numpy as np


def write_safetensors(path, tensors, metadata):
    """safetensors: an 8-byte little-endian header length, a JSON header (dtype, shape and data_offsets
    relative to the data section for each tensor, plus string-valued __metadata__) padded with spaces to
    a multiple of 8 so the data section stays aligned, then the tensors' bytes in header order."""
    header = {"__metadata__": {k: str(v) for k, v in metadata.items()}}
    blobs, offset = [], 0
    for name, value in tensors.items():
        blob = np.ascontiguousarray(value, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(value.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def read_safetensors(path):
    """The F32 tensors of a safetensors file as numpy arrays, and its metadata: ({name: array}, {key: str})."""
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        data = f.read()
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        if info["dtype"] != "F32":
            raise ValueError(f"{path}: {name} is {info['dtype']}; only F32 is read here")
        begin, end = info["data_offsets"]
        tensors[name] = np.frombuffer(data[begin:end], dtype="<f4").reshape(info["shape"])
    return tensors, metadata
