#!/usr/bin/python3
"""Writes the PyTorch golden fixture of tests/unit/torchvision_graph_blocks.cpp (tests/data/graph_blocks/).

Run with Debian's interpreter (python3-torch, python3-torchvision, python3-numpy; nothing is downloaded):

    /usr/bin/python3 tools/make_graph_blocks_fixture.py tests/data/graph_blocks

It builds three small networks out of torchvision's own building blocks, each followed by a global
average pool and a Linear head (no softmax: the test compares logits):

  resnet     torchvision.models.resnet.Bottleneck x 2 at reduced width: a stride-2 block with its
             downsample projection (8 -> 16 channels; torchvision's "v1.5": the stride on the 3x3
             convolution, padded 1 on every side), then an identity block. Input 16x12x8.
  mobilenet  torchvision.models.mobilenetv2.InvertedResidual x 3: expansion 1 (8 -> 6 channels, no
             shortcut), expansion 6 with a stride-2 depthwise convolution (6 -> 10), expansion 6 with the
             residual add (10 -> 10); ReLU6. Input 16x14x8.
  inception  torchvision.models.inception.InceptionA, InceptionC and InceptionE, their BasicConv2d
             narrowed through the blocks' own conv_block argument (every channel count divided by 8, 32
             and 64 respectively, so the branch structure, kernels, paddings and concatenation order are
             torchvision's). Input 7x9x16.

Even map sizes before the stride-2 convolutions make PyTorch's symmetric padding differ from TensorFlow's
'same' (which pads only bottom/right there), so the fixture tells the two apart; H != W catches swapped
axes. Batch 2 everywhere.

Weights are seeded: convolutions and Linear uniform with variance 1/fan-in, and every BatchNorm2d gets
non-trivial affine parameters and running statistics (gamma in [0.5, 1.5], beta and running_mean in
[-0.5, 0.5], running_var in [0.5, 2]; gamma in [2, 6] before a ReLU6, so that the cap acts on part of
the values) before model.eval(), so batch norms (and constnet's folding of them into convolutions)
matter. torchvision's eps are kept: 1e-5 for ResNet and MobileNetV2, 1e-3 for
Inception's BasicConv2d.

Files (little-endian F32), for NET in resnet, mobilenet, inception:
  NET_weights.safetensors  every tensor under constnet's (Keras') names in PyTorch's layouts, converted by
                           tools/torchvision_to_constnet.py (the same code as the full-network check);
                           metadata {"convention": "pytorch"}
  NET_outputs.safetensors  "images": the input batch, NHWC; "<layer>": each block's output, NHWC, under
                           the constnet name of the layer that ends the block; "logits": [2, 10]
"""

import argparse
import math
import os
import sys

import torch
from torch import nn
from torchvision.models.inception import BasicConv2d, InceptionA, InceptionC, InceptionE
from torchvision.models.mobilenetv2 import InvertedResidual
from torchvision.models.resnet import Bottleneck

import torchvision_to_constnet as convert  # tools/torchvision_to_constnet.py
from safetensors_file import write_safetensors  # tools/safetensors_file.py

IMAGES = 2
CLASSES = 10


class BlocksWithHead(nn.Module):
    """Blocks in sequence, then torchvision's classifier head: adaptive average pool to 1x1, flatten,
    Linear. forward returns the logits and each block's output."""

    def __init__(self, blocks, channels):
        super().__init__()
        self.blocks = nn.ModuleList(blocks)
        self.fc = nn.Linear(channels, CLASSES)

    def forward(self, x):
        outputs = []
        for block in self.blocks:
            x = block(x)
            outputs.append(x)
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)), outputs


def resnet_stage():
    """Bottleneck(8, 4, stride 2) with a projection to 16 channels, then Bottleneck(16, 4): conv2_block1
    and conv2_block2 of the C++ declaration."""
    projection = nn.Sequential(nn.Conv2d(8, 16, kernel_size=1, stride=2, bias=False), nn.BatchNorm2d(16))
    blocks = [Bottleneck(8, 4, stride=2, downsample=projection), Bottleneck(16, 4)]
    net = BlocksWithHead(blocks, 16)

    def tensors():
        c = convert.Converted(net)
        convert.bottleneck(c, "blocks.0", "conv2_block1")
        convert.bottleneck(c, "blocks.1", "conv2_block2")
        c.linear("fc", "predictions")
        return c.check_all_used()
    return net, (8, 16, 12), ["conv2_block1_out", "conv2_block2_out"], tensors


def mobilenet_blocks():
    """InvertedResidual(8, 6, 1, expand 1), (6, 10, 2, expand 6), (10, 10, 1, expand 6): Keras' blocks
    expanded_conv, block_1 and block_2."""
    blocks = [InvertedResidual(8, 6, 1, expand_ratio=1), InvertedResidual(6, 10, 2, expand_ratio=6),
              InvertedResidual(10, 10, 1, expand_ratio=6)]
    assert [b.use_res_connect for b in blocks] == [False, False, True]
    net = BlocksWithHead(blocks, 10)

    def tensors():
        c = convert.Converted(net)
        for i in range(len(blocks)):
            convert.inverted_residual(c, f"blocks.{i}", i)
        c.linear("fc", "predictions")
        return c.check_all_used()
    return net, (8, 16, 14), ["expanded_conv_project_BN", "block_1_project_BN", "block_2_add"], tensors


def narrowed_basic_conv2d(divisor):
    """torchvision's BasicConv2d with every channel count divided by `divisor`: Inception blocks build
    every branch through their conv_block argument with fixed widths (64, 48, 96, 192, 320, 384, 448),
    so narrowing there keeps the block's structure while making it small."""
    def narrow(channels):
        assert channels % divisor == 0, f"{channels} channels do not divide by {divisor}"
        return channels // divisor

    class NarrowBasicConv2d(BasicConv2d):
        def __init__(self, in_channels, out_channels, **kwargs):
            super().__init__(narrow(in_channels), narrow(out_channels), **kwargs)
    return NarrowBasicConv2d


def inception_blocks():
    """InceptionA (16 -> 32 channels), InceptionC (32 -> 24), InceptionE (24 -> 32), named by their
    concatenations mixed_a, mixed_c, mixed_e in the C++ declaration."""
    blocks = [InceptionA(16 * 8, pool_features=32, conv_block=narrowed_basic_conv2d(8)),
              InceptionC(32 * 32, channels_7x7=128, conv_block=narrowed_basic_conv2d(32)),
              InceptionE(24 * 64, conv_block=narrowed_basic_conv2d(64))]
    net = BlocksWithHead(blocks, 32)

    def tensors():
        c = convert.Converted(net)
        convert.inception_convs(c)
        c.linear("fc", "predictions")
        return c.check_all_used()
    return net, (16, 7, 9), ["mixed_a", "mixed_c", "mixed_e"], tensors


NETWORKS = {"resnet": resnet_stage, "mobilenet": mobilenet_blocks, "inception": inception_blocks}


def seeded_weights(net):
    """Variance 1/fan-in for every convolution and Linear (torchvision's blocks leave initialization to
    their model classes), and batch norms away from the identity."""
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                fan_in = m.weight[0].numel()
                m.weight.uniform_(-math.sqrt(3 / fan_in), math.sqrt(3 / fan_in))
                if m.bias is not None:
                    m.bias.uniform_(-0.5, 0.5)
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)


def widen_before_relu6(net):
    """Batch norms that feed a ReLU6 scale by 2 to 6 instead, so that part of their outputs pass 6 and the
    cap acts (with gamma near 1 the values stay of order 1 and ReLU6 would be a plain ReLU)."""
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.Sequential) and len(m) == 3 and isinstance(m[2], nn.ReLU6):
                m[1].weight.uniform_(2.0, 6.0)


def clipped_by_relu6(net, images):
    """The fraction of ReLU6 inputs above 6: the cap must act for the fixture to test it."""
    seen = []
    # A pre-hook: torchvision's ReLU6 runs in place, so after the forward its input is already capped.
    hooks = [m.register_forward_pre_hook(lambda _m, inputs: seen.append(inputs[0].detach().clone()))
             for m in net.modules() if isinstance(m, nn.ReLU6)]
    with torch.no_grad():
        net(images)
    for h in hooks:
        h.remove()
    return sum(int((x > 6).sum()) for x in seen) / sum(x.numel() for x in seen)


def nhwc(x):
    return x.permute(0, 2, 3, 1).contiguous().numpy()


def make_fixture(directory, seed):
    os.makedirs(directory, exist_ok=True)
    for offset, (name, build) in enumerate(NETWORKS.items()):
        torch.manual_seed(seed + offset)
        net, (channels, height, width), block_outputs, tensors = build()
        seeded_weights(net)
        if name == "mobilenet":
            widen_before_relu6(net)
        net.eval()
        # Inputs of either sign and up to 2 in magnitude: the ReLU6 caps are reached (see below).
        images = torch.rand(IMAGES, channels, height, width) * 4 - 2
        with torch.no_grad():
            logits, outputs = net(images)
        golden = {"images": nhwc(images)}
        golden.update({layer: nhwc(out) for layer, out in zip(block_outputs, outputs)})
        golden["logits"] = logits.numpy()
        write_safetensors(os.path.join(directory, f"{name}_weights.safetensors"), tensors(),
                          {"convention": "pytorch", "model": f"torchvision {name} blocks"})
        write_safetensors(os.path.join(directory, f"{name}_outputs.safetensors"), golden,
                          {"seed": seed + offset, "layout": "images and block outputs NHWC, logits [image][class]"})
        print(f"{name}: " + ", ".join(f"{k} {list(v.shape)} in [{v.min():.2f}, {v.max():.2f}]" for k, v in golden.items()))
        if name == "mobilenet":
            print(f"  ReLU6 inputs above 6: {100 * clipped_by_relu6(net, images):.1f}%")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", help="where to write the fixture, e.g. tests/data/graph_blocks")
    parser.add_argument("--seed", type=int, default=1, help="the random seed of the first network (then +1, +2)")
    args = parser.parse_args()
    make_fixture(args.directory, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
