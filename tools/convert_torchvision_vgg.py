#!/usr/bin/python3
"""Converts a torchvision VGG16 or VGG19 state_dict (.pth) to constnet safetensors.

Run with Debian's interpreter (it sees python3-torch; torchvision is not needed):

    /usr/bin/python3 tools/convert_torchvision_vgg.py vgg16-397923af.pth vgg16.safetensors
    constnet predict vgg16 --weights vgg16.safetensors --image cat.jpg --preprocess torch --top 5

The output keeps PyTorch's layouts (OIHW conv kernels, [out][in] dense kernels, the first dense layer's
input in C, H, W order) under constnet's names (block1_conv1.kernel, ..., fc1, fc2, predictions, the
names of include/constnet/models/vgg.hpp) with __metadata__ {"convention": "pytorch", "model": ...}, so
it loads with io::load_weights(model, path, io::convention::pytorch), which permutes the flatten order.

torchvision's VGG runs an AdaptiveAvgPool2d((7, 7)) between the features and the classifier. At a
224x224 input the features are already 7x7x512, so that pool is the identity and constnet's VGG (which
has no such layer) computes the same function; at other input sizes the two networks differ.

Only the plain VGGs are accepted (features.N conv weights and biases, classifier.0/3/6): a batch-norm
VGG (vgg16_bn) or any other key is refused by name. The layer structure is read from the indices:
torchvision numbers the modules conv, ReLU, conv, ReLU, max-pool, ..., so two convolutions in the same
block are 2 indices apart and a pool between them makes it 3.

--make-test-fixture DIR builds a tiny VGG-style network in torchvision's key layout with seeded random
weights, converts its state_dict through the same code as a real .pth, and writes the fixture of
tests/unit/torchvision_roundtrip.cpp: weights.safetensors and outputs.safetensors (two NHWC input
images and PyTorch's logits for them).
"""

import argparse
import os
import sys
import tempfile

import numpy as np
import torch

from safetensors_file import write_safetensors  # tools/safetensors_file.py

# Output channels of each convolution, with "M" for a 2x2 max pool: torchvision's configurations D and E.
CONFIGS = {
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "vgg19": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M",
              512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}
CLASSIFIER_NAMES = {"0": "fc1", "3": "fc2", "6": "predictions"}


class ConversionError(Exception):
    pass


def load_state_dict(path):
    """The state_dict in a .pth: a plain state_dict, or a checkpoint dict holding one under "state_dict"."""
    if not os.path.isfile(path):
        raise ConversionError(f"{path}: no such file")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except TypeError:  # a torch without weights_only
        obj = torch.load(path, map_location="cpu")
    except Exception as e:
        raise ConversionError(f"{path}: cannot read it as a PyTorch state_dict ({e}); save the model's "
                              "state_dict() rather than the whole model") from e
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict):
        raise ConversionError(f"{path}: holds a {type(obj).__name__}, not a state_dict")
    # DataParallel checkpoints prefix every key with "module.".
    return {k[len("module."):] if k.startswith("module.") else k: v for k, v in obj.items()}


def convert(state_dict):
    """constnet-named float32 arrays in PyTorch layouts, plus the channel config read from the indices.
    Raises ConversionError naming every key it does not understand."""
    unknown, convs, dense = [], {}, {}
    for key, value in state_dict.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "features" and parts[1].isdigit() and parts[2] in ("weight", "bias"):
            convs.setdefault(int(parts[1]), {})[parts[2]] = value
        elif len(parts) == 3 and parts[0] == "classifier" and parts[1] in CLASSIFIER_NAMES and parts[2] in ("weight", "bias"):
            dense.setdefault(CLASSIFIER_NAMES[parts[1]], {})[parts[2]] = value
        else:
            unknown.append(key)
    if unknown:
        hint = ""
        if any("running_mean" in k or "num_batches_tracked" in k for k in unknown):
            hint = " (batch-norm VGGs such as vgg16_bn are not supported)"
        raise ConversionError("not a torchvision VGG state_dict: unknown keys " + ", ".join(sorted(unknown)[:8]) +
                              (f" and {len(unknown) - 8} more" if len(unknown) > 8 else "") + hint)

    tensors, config = {}, []
    block, in_block, previous, channels = 1, 0, None, 3
    for index in sorted(convs):
        pair = convs[index]
        if set(pair) != {"weight", "bias"}:
            raise ConversionError(f"features.{index} has {sorted(pair)}, expected weight and bias")
        if previous is not None:
            gap = index - previous
            if gap == 3:
                block, in_block = block + 1, 0
                config.append("M")
            elif gap != 2:
                raise ConversionError(f"features.{previous} and features.{index} are {gap} modules apart: "
                                      "not torchvision's conv/ReLU(/max-pool) sequence")
        in_block += 1
        w, b = pair["weight"], pair["bias"]
        if w.dim() != 4 or tuple(w.shape[1:]) != (channels, 3, 3) or tuple(b.shape) != (w.shape[0],):
            raise ConversionError(f"features.{index}: weight {tuple(w.shape)} and bias {tuple(b.shape)}, "
                                  f"expected [out, {channels}, 3, 3] and [out]")
        name = f"block{block}_conv{in_block}"
        tensors[name + ".kernel"] = w.detach().float().numpy()
        tensors[name + ".bias"] = b.detach().float().numpy()
        channels = int(w.shape[0])
        config.append(channels)
        previous = index
    if config:
        config.append("M")  # the pool after the last block (its index is not in the state_dict)

    for name in ("fc1", "fc2", "predictions"):
        pair = dense.get(name, {})
        if set(pair) != {"weight", "bias"}:
            raise ConversionError(f"{name} (classifier.{[k for k, v in CLASSIFIER_NAMES.items() if v == name][0]}) "
                                  f"has {sorted(pair)}, expected weight and bias")
        w, b = pair["weight"], pair["bias"]
        if w.dim() != 2 or tuple(b.shape) != (w.shape[0],):
            raise ConversionError(f"{name}: weight {tuple(w.shape)} and bias {tuple(b.shape)}, expected [out, in] and [out]")
        tensors[name + ".kernel"] = w.detach().float().numpy()
        tensors[name + ".bias"] = b.detach().float().numpy()
    if tensors["fc2.kernel"].shape[1] != tensors["fc1.kernel"].shape[0] or \
            tensors["predictions.kernel"].shape[1] != tensors["fc2.kernel"].shape[0]:
        raise ConversionError("the classifier's layers do not chain: " +
                              ", ".join(f"{n} {tensors[n + '.kernel'].shape}" for n in ("fc1", "fc2", "predictions")))
    return tensors, config


def check_model(tensors, config, model):
    """Checks a converted VGG against torchvision's configuration for `model` at 224x224 input."""
    if config != CONFIGS[model]:
        raise ConversionError(f"the convolutions {config} are not {model}'s {CONFIGS[model]}")
    expected = {"fc1.kernel": (4096, 512 * 7 * 7), "fc2.kernel": (4096, 4096)}
    for name, shape in expected.items():
        if tensors[name].shape != shape:
            raise ConversionError(f"{name} has shape {tensors[name].shape}, {model} has {shape}")
    if tensors["predictions.kernel"].shape[1] != 4096:
        raise ConversionError(f"predictions.kernel has shape {tensors['predictions.kernel'].shape}, expected [classes, 4096]")


def convert_file(pth, out, model):
    """The whole conversion of one .pth; model is "vgg16", "vgg19", "auto" or None (no architecture check,
    for the test fixture's tiny network)."""
    tensors, config = convert(load_state_dict(pth))
    if model == "auto":
        model = next((m for m, c in CONFIGS.items() if c == config), None)
        if model is None:
            raise ConversionError(f"the convolutions {config} are neither VGG16's nor VGG19's")
    if model in CONFIGS:
        check_model(tensors, config, model)
    write_safetensors(out, tensors, {"convention": "pytorch", "model": model or "vgg_style"})
    return model, tensors


# --- the round-trip fixture ---------------------------------------------------------------------------

def tiny_vgg():
    """32x32x3 -> conv 4, conv 4, pool -> conv 8, pool -> 8x8x8 -> 16 -> 16 -> 10, in torchvision's module
    layout (so the keys are features.0/2/5 and classifier.0/3/6) including the adaptive pool, here the
    identity as at 224x224 in the real VGG. Declared in C++ in tests/unit/torchvision_roundtrip.cpp."""
    from torch import nn
    model = nn.Module()
    model.features = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2))
    model.avgpool = nn.AdaptiveAvgPool2d((8, 8))
    model.classifier = nn.Sequential(
        nn.Linear(8 * 8 * 8, 16), nn.ReLU(), nn.Dropout(), nn.Linear(16, 16), nn.ReLU(), nn.Dropout(), nn.Linear(16, 10))

    def forward(x):
        return model.classifier(torch.flatten(model.avgpool(model.features(x)), 1))
    model.forward = forward
    return model


def make_test_fixture(directory, seed):
    torch.manual_seed(seed)
    model = tiny_vgg().eval()
    # Larger than PyTorch's default init so the logits are of order 1 and a layout mistake shows.
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(3.0)
    images_nchw = torch.rand(2, 3, 32, 32)
    with torch.no_grad():
        logits = model.forward(images_nchw)
    os.makedirs(directory, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        pth = os.path.join(tmp, "tiny_vgg.pth")
        torch.save(model.state_dict(), pth)
        convert_file(pth, os.path.join(directory, "weights.safetensors"), None)
    write_safetensors(os.path.join(directory, "outputs.safetensors"),
                      {"images": images_nchw.permute(0, 2, 3, 1).numpy(), "logits": logits.numpy()},
                      {"seed": seed, "layout": "images NHWC, logits [image][class]"})
    print(f"wrote {directory}: logits range [{logits.min():.3f}, {logits.max():.3f}]")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pth", nargs="?", help="torchvision VGG16/VGG19 state_dict, e.g. vgg16-397923af.pth")
    parser.add_argument("out", nargs="?", help="the safetensors file to write, e.g. vgg16.safetensors")
    parser.add_argument("--model", choices=["auto", "vgg16", "vgg19"], default="auto",
                        help="architecture to check against (default: recognised from the convolutions)")
    parser.add_argument("--make-test-fixture", metavar="DIR",
                        help="write the round-trip test's fixture (tests/data/torchvision) instead")
    parser.add_argument("--seed", type=int, default=1, help="the fixture's random seed")
    args = parser.parse_args()
    try:
        if args.make_test_fixture:
            make_test_fixture(args.make_test_fixture, args.seed)
            return 0
        if not args.pth or not args.out:
            parser.error("give the .pth to read and the .safetensors to write")
        model, tensors = convert_file(args.pth, args.out, args.model)
        classes = tensors["predictions.kernel"].shape[0]
        print(f"{args.out}: {model}, {classes} classes, {sum(t.size for t in tensors.values()):,} parameters, "
              "pytorch convention")
        return 0
    except ConversionError as e:
        print(f"convert_torchvision_vgg: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
