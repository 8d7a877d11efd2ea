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
