#!/usr/bin/python3
"""Writes the PyTorch golden fixture of tests/unit/depthwise_pytorch.cpp (tests/data/depthwise/).

Run with Debian's interpreter (python3-torch and python3-numpy; nothing is downloaded):

    /usr/bin/python3 tools/make_depthwise_fixture.py tests/data/depthwise

It builds, with seeded random weights, the network the test declares in C++ as `depthwise_net`, out of
PyTorch's own modules: a depthwise convolution is Conv2d(C, C*M, k, groups=C), whose output channel
c*M + m reads input channel c (as Keras' DepthwiseConv2D), and a separable one is that convolution
without bias followed by a 1x1 Conv2d(C*M, filters) with bias (as Keras' SeparableConv2D). TensorFlow's
'same' padding (the odd cell at the bottom/right when the padding is uneven) is an explicit F.pad before
an unpadded convolution, since PyTorch's padding='same' exists only for stride 1.

Files (little-endian F32):
  weights.safetensors  every module's weight and bias under constnet's names, in PyTorch's layouts:
                       <layer>.depthwise_kernel [C*M, 1, kh, kw], <layer>.pointwise_kernel
                       [filters, C*M, 1, 1], <layer>.bias; metadata {"convention": "pytorch"}
  outputs.safetensors  "images": the input batch, NHWC; "<layer>": each layer's output, NHWC
"""

import argparse
import math
import os
import sys

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from safetensors_file import write_safetensors  # tools/safetensors_file.py

INPUT = (10, 11, 3)  # H, W, C: odd widths and heights, so 'same' with stride 2 pads unevenly
IMAGES = 2

# The layers of depthwise_net, front to back: (constnet name, kind, options). kind "depthwise" has
# multiplier; "separable" has filters and multiplier. padding: "valid", "same" or (top, bottom, left, right).
LAYERS = [
    ("depthwise_conv2d", "depthwise",
     dict(kernel=(3, 3), multiplier=2, stride=(2, 2), dilation=(1, 1), padding="same", bias=True, act="relu")),
    ("separable_conv2d", "separable",
     dict(filters=5, kernel=(3, 3), multiplier=2, stride=(1, 1), dilation=(2, 2), padding="same", bias=True,
          act="tanh")),
    ("depthwise_conv2d_1", "depthwise",
     dict(kernel=(2, 3), multiplier=1, stride=(1, 1), dilation=(1, 1), padding=(1, 0, 2, 1), bias=False,
          act="linear")),
    ("separable_conv2d_1", "separable",
     dict(filters=4, kernel=(3, 3), multiplier=3, stride=(2, 1), dilation=(1, 1), padding="valid", bias=True,
          act="linear")),
]


def tf_same(n, k, s, d):
    """TensorFlow's 'same' padding along one axis: (before, after), the odd cell after."""
    out = math.ceil(n / s)
    total = max((out - 1) * s + d * (k - 1) + 1 - n, 0)
    return total // 2, total - total // 2


class Layer(nn.Module):
    """One constnet layer out of PyTorch modules: the grouped (depthwise) convolution, for a separable
    layer the pointwise one, then the activation. Explicit zero padding comes first, as in TensorFlow."""

    def __init__(self, kind, channels, o):
        super().__init__()
        self.o = o
        middle = channels * o["multiplier"]
        last = kind == "depthwise"
        self.depthwise = nn.Conv2d(channels, middle, o["kernel"], stride=o["stride"], dilation=o["dilation"],
                                   groups=channels, bias=o["bias"] and last)
        self.pointwise = None if last else nn.Conv2d(middle, o["filters"], 1, bias=o["bias"])
        self.out_channels = middle if last else o["filters"]

    def forward(self, x):
        o = self.o
        if o["padding"] == "same":
            top, bottom = tf_same(x.shape[2], o["kernel"][0], o["stride"][0], o["dilation"][0])
            left, right = tf_same(x.shape[3], o["kernel"][1], o["stride"][1], o["dilation"][1])
        elif o["padding"] == "valid":
            top = bottom = left = right = 0
        else:
            top, bottom, left, right = o["padding"]
        x = self.depthwise(F.pad(x, (left, right, top, bottom)))
        if self.pointwise is not None:
            x = self.pointwise(x)
        return {"linear": x, "relu": torch.relu(x), "tanh": torch.tanh(x)}[o["act"]]


def build(seed):
    torch.manual_seed(seed)
    layers, channels = [], INPUT[2]
    for _, kind, options in LAYERS:
        layer = Layer(kind, channels, options)
        with torch.no_grad():
            # Uniform with variance 1 / fan-in per stage (and biases in [-0.5, 0.5]): values of order 1, so
            # the tanh does not saturate and a weight in the wrong place moves the outputs visibly.
            for module in (layer.depthwise, layer.pointwise):
                if module is None:
                    continue
                fan_in = module.weight[0].numel()
                module.weight.uniform_(-math.sqrt(3 / fan_in), math.sqrt(3 / fan_in))
                if module.bias is not None:
                    module.bias.uniform_(-0.5, 0.5)
        layers.append(layer)
        channels = layer.out_channels
    return layers


def make_fixture(directory, seed):
    layers = build(seed)
    tensors = {}
    for (name, _, options), layer in zip(LAYERS, layers):
        tensors[name + ".depthwise_kernel"] = layer.depthwise.weight.detach().numpy()
        if layer.pointwise is not None:
            tensors[name + ".pointwise_kernel"] = layer.pointwise.weight.detach().numpy()
        if options["bias"]:
            bias = layer.depthwise.bias if layer.pointwise is None else layer.pointwise.bias
            tensors[name + ".bias"] = bias.detach().numpy()

    images = torch.rand(IMAGES, INPUT[2], INPUT[0], INPUT[1])
    outputs = {"images": images.permute(0, 2, 3, 1).numpy()}
    x = images
    with torch.no_grad():
        for (name, _, _), layer in zip(LAYERS, layers):
            x = layer(x)
            outputs[name] = x.permute(0, 2, 3, 1).contiguous().numpy()

    os.makedirs(directory, exist_ok=True)
    write_safetensors(os.path.join(directory, "weights.safetensors"), tensors,
                      {"convention": "pytorch", "model": "depthwise_net"})
    write_safetensors(os.path.join(directory, "outputs.safetensors"), outputs,
                      {"seed": seed, "layout": "images and every layer's output NHWC"})
    for name, value in outputs.items():
        print(f"{name}: {list(value.shape)}, values in [{value.min():.3f}, {value.max():.3f}]")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", help="where to write the fixture, e.g. tests/data/depthwise")
    parser.add_argument("--seed", type=int, default=1, help="the random seed of weights and images")
    args = parser.parse_args()
    make_fixture(args.directory, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
