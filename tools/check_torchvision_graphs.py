#!/usr/bin/python3
"""Checks constnet's graph networks against torchvision's whole resnet50, mobilenet_v2 and inception_v3.

A maintainer check, not run in CI (CI runs tests/unit/torchvision_graph_blocks.cpp on the same blocks at
reduced width). Needs Debian's python3-torch and python3-torchvision (nothing is downloaded: the networks
get torchvision's own seeded random initialization, weights=None) and the C++ side, built once:

    cmake --preset release && cmake --build --preset release --target constnet_check_graph_networks
    /usr/bin/python3 tools/check_torchvision_graphs.py [--networks resnet50,mobilenet_v2,inception_v3]

For each network it builds torchvision's model with a seed, gives every BatchNorm2d random affine
parameters and running statistics measured on noise images in train mode (torchvision initializes them
to the identity, which would hide a batch norm in the wrong place), converts the weights with tools/torchvision_to_constnet.py to constnet's
(Keras') names in the pytorch convention, runs tools/check_graph_networks.cpp on a seeded random image
(ImageNet-normalized uniform noise, NHWC on constnet's side) and compares with torchvision in eval mode:
the top-5 classes, the largest difference of probabilities and of log-probabilities (the logits' error up
to softmax's common shift), and the largest difference of a few block outputs relative to their largest
magnitude.

  resnet50      constnet's models::resnet50_v1_5 (the zoo's). Its batch norms use Keras' epsilon 1.001e-5;
                this script sets torchvision's to the same before running (torchvision's own 1e-5 changes
                1/sqrt(var + eps) by 1e-8 relative at the variances used here, below float32 resolution).
  mobilenet_v2  mobilenet_v2_tv, declared in check_graph_networks.cpp: the zoo's Keras names with
                torchvision's symmetric padding and epsilon 1e-5.
  inception_v3  inception_v3_tv, declared there too: torchvision's affine batch norms and average pools that
                count the padding (aux_logits=False, transform_input=False, init_weights=True).

Each network is also run in float64 by PyTorch, so constnet's float32 error can be set beside PyTorch's
own: the errors below are relative to a tensor's largest magnitude. The check fails when the top-5
differ or constnet's error at a tap exceeds 10 x PyTorch's float32 error + 2e-5 (ERROR_ALLOWANCE).

Measured with seed 1 (seed 2 gave the same picture: same top-5, errors within 1.5x of these), default
kernels, one thread:

  resnet50      top-5 identical in order (150, 354, 664, 548, 687; p 0.00592 ... 0.00433); max |dp| 2.1e-7,
                max |d log p| 8.2e-5 against torchvision float32. conv5_block3_out: constnet 2.2e-4 from
                float64, torchvision float32 7.7e-5 (conv2_block3_out: 4.3e-6 and 1.5e-6).
  mobilenet_v2  top-5 identical in order (296, 205, 796, 111, 183; p 0.00156 ... 0.00149); max |dp| 4.9e-9,
                max |d log p| 4.1e-6. out_relu: constnet 1.7e-5 from float64, torchvision 1.9e-5.
  inception_v3  top-5 identical in order (853, 180, 595, 262, 500; p 0.1067 ... 0.0285); max |dp| 1.6e-5,
                max |d log p| 9.8e-4. mixed10: constnet 4.8e-4 from float64, torchvision 1.3e-4
                (max_pooling2d_1, after five convolutions: 5.9e-6 and 7.8e-7).

With --reference (no Winograd, no batch-norm folding) constnet's error is 1-1.8x PyTorch's on every tap
(resnet50 conv5_block3_out 8.9e-5, inception_v3 mixed10 1.7e-4, max |dp| 8.2e-8, 4.9e-9, 8.7e-6): the
default kernels' extra 2-8x on the networks with 3x3 convolutions is their own rounding, not a
disagreement about the network (MobileNetV2, whose only dense 3x3 convolution is Conv1, shows none).
Errors grow with depth on both sides alike: these random networks amplify rounding, PyTorch's included.

The check is not vacuous: with input channels 0 and 1 of block_5_project's kernel swapped in the
converted file (a converter's slip), mobilenet_v2's top-5 differ, max |d log p| is 0.097, and the first
tap after the slip, block_5_add, is off by 0.2 relative (the ones before it by 5e-7).
"""

import argparse
import copy
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torchvision
from torch import nn

import torchvision_to_constnet as convert  # tools/torchvision_to_constnet.py
from safetensors_file import read_safetensors, write_safetensors  # tools/safetensors_file.py

REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_BINARY = os.path.join(REPOSITORY, "build", "release", "tools", "check_graph_networks")
# A tap fails when constnet's relative error against float64 exceeds 10 x PyTorch's float32 error plus
# 2e-5 (what unit.winograd allows one Winograd layer): rounding stays of the order of PyTorch's own (the
# default kernels measured 1-7.5x, the reference ones 1-1.8x), while a misplaced weight or padding is off
# by the values themselves, thousands of times more.
ERROR_ALLOWANCE = (10, 2e-5)
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def resnet50():
    model = torchvision.models.resnet50(weights=None)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.eps = 1.001e-5  # Keras' epsilon, which constnet's resnet50_v1_5 keeps
    taps = {"conv2_block3_out": "layer1", "conv3_block4_out": "layer2", "conv4_block6_out": "layer3",
            "conv5_block3_out": "layer4"}
    return model, 224, "resnet50_v1_5", convert.resnet50, taps


def mobilenet_v2():
    model = torchvision.models.mobilenet_v2(weights=None)
    taps = {"expanded_conv_project_BN": "features.1", "block_2_add": "features.3", "block_5_add": "features.6",
            "block_12_add": "features.13", "out_relu": "features.18"}
    return model, 224, "mobilenet_v2_tv", convert.mobilenet_v2, taps


def inception_v3():
    model = torchvision.models.inception_v3(weights=None, aux_logits=False, transform_input=False, init_weights=True)
    taps = {"max_pooling2d_1": "maxpool2", "mixed2": "Mixed_5d", "mixed3": "Mixed_6a", "mixed7": "Mixed_6e",
            "mixed8": "Mixed_7a", "mixed10": "Mixed_7c"}
    return model, 299, "inception_v3_tv", convert.inception_v3, taps


NETWORKS = {"resnet50": resnet50, "mobilenet_v2": mobilenet_v2, "inception_v3": inception_v3}


def calibrated_batch_norms(model, size):
    """Batch norms as after training, drawn from the seeded generator: random gammas and betas, then
    running statistics measured on two noise images in train mode (torchvision initializes them to the
    identity, which would hide a batch norm in the wrong place, and with its own convolution init the
    activations then grow from block to block until the softmax is one-hot)."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.reset_running_stats()
                m.momentum = None  # a plain average over the calibration batches
        model.train()
        model(noise_images(2, size))
    model.eval()


def noise_images(count, size):
    """Uniform noise in [0, 1) normalized with ImageNet's mean and deviation, as torchvision's transforms do."""
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return (torch.rand(count, 3, size, size) - mean) / std


def torch_forward(model, image, taps):
    """torchvision's probabilities (float64) for one NCHW image and each tapped module's output (NHWC),
    taps naming constnet layers and the torchvision modules whose outputs they are."""
    outputs = {}
    hooks = [model.get_submodule(module).register_forward_hook(
                 lambda _m, _in, out, name=name: outputs.__setitem__(name, out.detach().clone()))
             for name, module in taps.items()]
    with torch.no_grad():
        logits = model(image)
    for h in hooks:
        h.remove()
    probabilities = torch.softmax(logits.double(), 1)[0].numpy()
    return probabilities, {k: v.permute(0, 2, 3, 1).double().numpy() for k, v in outputs.items()}


def check(name, binary, seed, work, reference):
    """Runs one network on both sides; returns whether the top-5 agree and the names of the taps where
    constnet's error (against PyTorch in float64) exceeds ERROR_ALLOWANCE."""
    torch.manual_seed(seed)
    model, size, constnet_name, converter, taps = NETWORKS[name]()
    calibrated_batch_norms(model, size)
    image = noise_images(1, size)

    weights = os.path.join(work, f"{name}.safetensors")
    write_safetensors(weights, converter(model), {"convention": "pytorch", "model": f"torchvision {name}, seed {seed}"})
    inputs = os.path.join(work, f"{name}_input.safetensors")
    write_safetensors(inputs, {"images": image.permute(0, 2, 3, 1).numpy()}, {"layout": "NHWC"})
    outputs = os.path.join(work, f"{name}_constnet.safetensors")
    command = [binary, constnet_name, weights, inputs, outputs] + (["--reference"] if reference else [])
    subprocess.run(command, check=True)

    want, want_taps = torch_forward(model, image, taps)
    # The same network in float64: how far each float32 computation is from the exact result, so
    # constnet's differences can be told from PyTorch's own rounding.
    exact, exact_taps = torch_forward(copy.deepcopy(model).double(), image.double(), taps)
    got_tensors, _ = read_safetensors(outputs)
    got = got_tensors["probabilities"][0].astype(np.float64)
    top_want, top_got = np.argsort(-want)[:5], np.argsort(-got)[:5]
    print(f"{name} ({constnet_name}, seed {seed}{', reference kernels' if reference else ''}):")
    print(f"  top-5 torchvision {top_want.tolist()} p = {[f'{want[i]:.6f}' for i in top_want]}")
    print(f"  top-5 constnet    {top_got.tolist()} p = {[f'{got[i]:.6f}' for i in top_got]}")
    same_order = top_want.tolist() == top_got.tolist()
    print(f"  top-5 {'identical, same order' if same_order else 'DIFFERENT'}; largest probability {want.max():.6f}")
    print(f"  vs torchvision float32: max |dp| = {np.abs(got - want).max():.3g}, "
          f"max |d log p| = {np.abs(np.log(got) - np.log(want)).max():.3g}")
    print(f"  vs float64: constnet max |d log p| = {np.abs(np.log(got) - np.log(exact)).max():.3g}, "
          f"torchvision float32 {np.abs(np.log(want) - np.log(exact)).max():.3g}")
    too_far = []
    for tap, value in exact_taps.items():
        scale = float(np.abs(value).max())
        ours = float(np.abs(got_tensors[tap] - value).max()) / scale
        theirs = float(np.abs(want_taps[tap] - value).max()) / scale
        if ours > ERROR_ALLOWANCE[0] * theirs + ERROR_ALLOWANCE[1]:
            too_far.append(tap)
        print(f"  {tap} {list(value.shape)}, max |value| {scale:.3g}: relative error vs float64 constnet "
              f"{ours:.2g}, torchvision float32 {theirs:.2g}; constnet vs torchvision float32 "
              f"{float(np.abs(got_tensors[tap] - want_taps[tap]).max()) / scale:.2g}")
    return same_order, too_far


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--networks", default=",".join(NETWORKS), help="comma-separated, from " + ", ".join(NETWORKS))
    parser.add_argument("--binary", default=DEFAULT_BINARY, help="tools/check_graph_networks.cpp built")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reference", action="store_true", help="run constnet's reference kernels")
    args = parser.parse_args()
    names = args.networks.split(",")
    unknown = [n for n in names if n not in NETWORKS]
    if unknown:
        parser.error(f"unknown networks {unknown}; choose from {list(NETWORKS)}")
    if not os.access(args.binary, os.X_OK):
        print(f"check_torchvision_graphs: {args.binary} is missing; build it with\n"
              "  cmake --build --preset release --target constnet_check_graph_networks", file=sys.stderr)
        return 1
    torch.set_num_threads(1)
    failures = []
    with tempfile.TemporaryDirectory() as work:
        for name in names:
            same_order, too_far = check(name, args.binary, args.seed, work, args.reference)
            if not same_order or too_far:
                failures.append(name + (f" ({', '.join(too_far)})" if too_far else " (top-5)"))
    if failures:
        print("disagreements: " + ", ".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
