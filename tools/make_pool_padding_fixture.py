#!/usr/bin/python3
"""Writes tests/data/pytorch_layers/layers.safetensors: PyTorch's own outputs for the layers constnet
imports from PyTorch and ONNX models, on seeded random inputs, for tests/unit/pytorch_layers.cpp.

Run with Debian's interpreter (python3-torch; nothing is downloaded):

    /usr/bin/python3 tools/make_pool_padding_fixture.py tests/data/pytorch_layers

For each case the file holds "<case>.input" and "<case>.output", both NHWC (constnet's layout; PyTorch
runs on the NCHW transpose), batch 2. The cases, and the constnet layer each stands for, are listed in
CASES below and declared again in the C++ test. The inputs are normal(0, 1) except relu6's, normal(3, 4)
so that about a quarter lie above 6 and a fifth below 0. The metadata records the seed and torch's version.
"""

import argparse
import os
import sys

import torch
from torch import nn

from safetensors_file import write_safetensors  # tools/safetensors_file.py

BATCH, HEIGHT, WIDTH, CHANNELS = 2, 10, 11, 3

# name -> (PyTorch module, input scale and shift). Comments: the constnet layer and why the case is here.
CASES = {
    # max_pool<pool_size<3>, strides<2>, pad<1>, dilation<2>>: a dilated window, 5x5 cells wide.
    "max_dilated": (nn.MaxPool2d(3, stride=2, padding=1, dilation=2), 1.0, 0.0),
    # max_pool<pool_size<3>, strides<2>, ceil_mode>: 10x11 -> 5x5 (floor: 4x5); the last windows run
    # past the bottom of the map.
    "max_ceil": (nn.MaxPool2d(3, stride=2, ceil_mode=True), 1.0, 0.0),
    # max_pool<pool_size<3>, strides<2>, pad<1>, ceil_mode>: 10x11 -> 6x6, past the bottom padding too.
    "max_ceil_padded": (nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), 1.0, 0.0),
    # max_pool<pool_size<2>, strides<2>, dilation<2>, ceil_mode>: both at once, 10x11 -> 5x5.
    "max_ceil_dilated": (nn.MaxPool2d(2, stride=2, dilation=2, ceil_mode=True), 1.0, 0.0),
    # avg_pool<pool_size<3>, strides<2>, ceil_mode>: the cells past the map are not counted.
    "avg_ceil": (nn.AvgPool2d(3, stride=2, ceil_mode=True), 1.0, 0.0),
    # avg_pool<pool_size<3>, strides<2>, pad<1>, ceil_mode, count_padding>: 10x11 -> 6x6; the padding is
    # counted, the row past it (the last windows' third row) is not.
    "avg_ceil_padded_count": (nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=True), 1.0, 0.0),
    # avg_pool<pool_size<3>, strides<2>, pad<1>, ceil_mode>: only the cells inside the image count.
    "avg_ceil_padded": (nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False), 1.0, 0.0),
    # avg_pool<pool_size<3>, strides<2>, pad<1>, count_padding>: rounding down, the whole window counted.
    "avg_padded_count": (nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=True), 1.0, 0.0),
    # zero_padding2d<pad<1, 3, 2, 0>>: ZeroPad2d takes (left, right, top, bottom).
    "zero_padding": (nn.ZeroPad2d((2, 0, 1, 3)), 1.0, 0.0),
    # relu6<> (and act::relu6).
    "relu6": (nn.ReLU6(), 4.0, 3.0),
}


def make_fixture(directory, seed):
    generator = torch.Generator().manual_seed(seed)
    tensors = {}
    for name, (module, scale, shift) in CASES.items():
        x_nchw = torch.randn(BATCH, CHANNELS, HEIGHT, WIDTH, generator=generator) * scale + shift
        with torch.no_grad():
            y_nchw = module(x_nchw)
        tensors[f"{name}.input"] = x_nchw.permute(0, 2, 3, 1).contiguous().numpy()
        tensors[f"{name}.output"] = y_nchw.permute(0, 2, 3, 1).contiguous().numpy()
        print(f"{name}: {tuple(x_nchw.shape)} -> {tuple(y_nchw.shape)} (NCHW)")
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "layers.safetensors")
    write_safetensors(path, tensors, {"seed": seed, "torch": torch.__version__, "layout": "NHWC, batch 2",
                                      "generator": "tools/make_pool_padding_fixture.py"})
    print(f"wrote {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", help="where to write layers.safetensors, e.g. tests/data/pytorch_layers")
    parser.add_argument("--seed", type=int, default=7, help="the inputs' random seed")
    args = parser.parse_args()
    make_fixture(args.directory, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
