#!/usr/bin/python3
"""Trains the seed's CIFAR-10 CNN (seed 004) on Fashion-MNIST and writes what constnet ships in
data/fashion_mnist/: the weights in both layout conventions, a golden file of PyTorch's outputs, sample
PNGs with their labels, the class names and a training log.

Run with Debian's interpreter (a pyenv or venv python does not see Debian's python3-torch):

    /usr/bin/python3 tools/train_fashion_mnist.py [--seed 1] [--epochs 6] [--padding same]

Needs only Debian packages: python3-torch, python3-numpy and dataset-fashion-mnist (the IDX files in
/usr/share/datasets/fashion-mnist). Deterministic: the same seed, epochs and thread count give the same
bytes on the same machine (torch.use_deterministic_algorithms, one fixed data order drawn from the seed).
Another CPU may differ in the last bits: oneDNN, which makes the convolutions 15x faster than PyTorch's
own kernels over Debian's reference BLAS, picks its code by instruction set.

The network is the seed's, adapted to one input channel, with 'same' convolutions: 28x28x1 -> conv 3x3
-> 28x28x32 -> pool -> 14x14x32 -> conv -> 14x14x64 -> pool -> 7x7x64 -> conv -> 7x7x128 -> pool (floor)
-> 3x3x128 -> flatten 1152 -> dense 256 -> 128 -> 10. The seed's CIFAR-10 code uses Keras' default
'valid' padding, which here leaves 26, 13, 11, 5, 3 and finally a single 1x1x128 vector: trained the
same way (--padding valid, seed 1, 8 epochs) that reaches only 89.4% test accuracy, short of the 90%
promised, while 'same' padding (the seed's other choice) passes it after 3 epochs and ends at 91.3%
after 6 (seed 1; data/fashion_mnist/training_log.txt). It is declared in
C++ as constnet::models::fashion_mnist_cnn (include/constnet/models/fashion_mnist.hpp), whose last dense
layer is linear and followed by a separate softmax layer, as here.
"""

import argparse
import gzip
import json
import os
import struct
import sys
import time
import zlib

import numpy as np
import torch
from torch import nn

from safetensors_file import write_safetensors  # tools/safetensors_file.py

CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
DATASET_DIR = "/usr/share/datasets/fashion-mnist"
GOLDEN_COUNT = 64
SAMPLE_COUNT = 12

# The layers' names in the C++ network (Keras' default names), in order; the weightless ones included
# so the list reads like the C++ summary.
LAYER_NAMES = ["conv2d", "max_pooling2d", "conv2d_1", "max_pooling2d_1", "conv2d_2", "max_pooling2d_2",
               "flatten", "dense", "dense_1", "dense_2", "activation"]


def read_idx(path):
    """An IDX file (gzip-compressed or not) as a numpy uint8 array of its declared shape."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype_code, rank = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank)
    if body.size != int(np.prod(dims)):
        raise ValueError(f"{path}: {body.size} bytes of data for dims {dims}")
    return body.reshape(dims)


def load_split(kind):
    images = read_idx(os.path.join(DATASET_DIR, f"{kind}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(DATASET_DIR, f"{kind}-labels-idx1-ubyte.gz"))
    # pixel / 255 in [0, 1], exactly what constnet's IDX reader returns.
    return torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1), torch.from_numpy(labels.astype(np.int64))


class FashionMnistCnn(nn.Module):
    def __init__(self, padding="valid"):
        super().__init__()
        pad = {"valid": 0, "same": 1}[padding]  # for 3x3 stride 1, PyTorch's symmetric 1 is TensorFlow's 'same'
        self.conv2d = nn.Conv2d(1, 32, 3, padding=pad)
        self.conv2d_1 = nn.Conv2d(32, 64, 3, padding=pad)
        self.conv2d_2 = nn.Conv2d(64, 128, 3, padding=pad)
        channels, height, width = flatten_shape(padding)
        self.dense = nn.Linear(channels * height * width, 256)
        self.dense_1 = nn.Linear(256, 128)
        self.dense_2 = nn.Linear(128, 10)
        self.pool = nn.MaxPool2d(2)  # floor mode, as Keras' 'valid' pooling
        # He initialization for the ReLU layers: PyTorch's default draws weights ~2.4x smaller, which
        # this narrow network (128 features after the last pool) shakes off only slowly.
        for layer in [self.conv2d, self.conv2d_1, self.conv2d_2, self.dense, self.dense_1, self.dense_2]:
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            nn.init.zeros_(layer.bias)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv2d(x)))
        x = self.pool(torch.relu(self.conv2d_1(x)))
        x = self.pool(torch.relu(self.conv2d_2(x)))
        x = torch.flatten(x, 1)  # C, H, W order (constnet's flatten is H, W, C)
        x = torch.relu(self.dense(x))
        x = torch.relu(self.dense_1(x))
        return self.dense_2(x)  # logits; the C++ network's separate softmax layer follows


def flatten_shape(padding):
    """(C, H, W) of the map the flatten layer sees: each 3x3 conv keeps the size ('same') or takes 2
    ('valid'), each pool halves it, rounding down."""
    size = 28
    for _ in range(3):
        size = (size if padding == "same" else size - 2) // 2
    return (128, size, size)


def evaluate(model, images, labels, batch=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(images), batch):
            correct += (model(images[i:i + batch]).argmax(1) == labels[i:i + batch]).sum().item()
    return correct / len(images)


def decay_epoch(epochs):
    return max(1, epochs * 3 // 4)


def train(model, images, labels, seed, epochs, batch, lr, test_images, test_labels):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    # A smaller rate for the last quarter settles the weights.
    schedule = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[decay_epoch(epochs)], gamma=0.3)
    order = np.random.RandomState(seed)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(epochs):
        model.train()
        permutation = torch.from_numpy(order.permutation(len(images)))
        start, total = time.time(), 0.0
        for i in range(0, len(images), batch):
            index = permutation[i:i + batch]
            optimizer.zero_grad()
            loss = loss_fn(model(images[index]), labels[index])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(index)
        schedule.step()
        seconds = time.time() - start
        print(f"epoch {epoch + 1}/{epochs}: loss {total / len(images):.4f}, {seconds:.1f} s, "
              f"test accuracy {evaluate(model, test_images, test_labels):.4f}", flush=True)


# --- the two layout conventions --------------------------------------------------------------------

def pytorch_tensors(model):
    """constnet naming, PyTorch layouts: conv kernels OIHW, dense kernels [out][in] with the first dense's
    input in PyTorch's C, H, W flatten order: exactly the state_dict's arrays."""
    tensors = {}
    for layer in ["conv2d", "conv2d_1", "conv2d_2", "dense", "dense_1", "dense_2"]:
        module = getattr(model, layer)
        tensors[f"{layer}.kernel"] = module.weight.detach().numpy()
        tensors[f"{layer}.bias"] = module.bias.detach().numpy()
    return tensors


def keras_tensors(model, flatten_chw):
    """constnet naming, Keras layouts (the model's own storage): conv kernels HWIO, dense kernels
    [in][out], the first dense's input rows in H, W, C order. flatten_chw is the (C, H, W) shape that the
    flatten layer sees."""
    t = pytorch_tensors(model)
    out = {}
    for name, value in t.items():
        if name.endswith(".bias"):
            out[name] = value
        elif name.startswith("conv2d"):
            out[name] = value.transpose(2, 3, 1, 0)  # OIHW -> HWIO
        elif name == "dense.kernel":
            c, h, w = flatten_chw
            units = value.shape[0]
            out[name] = value.reshape(units, c, h, w).transpose(2, 3, 1, 0).reshape(h * w * c, units)
        else:
            out[name] = value.T  # [out][in] -> [in][out]
    return out


# --- file writers (no third-party packages) ---------------------------------------------------------

def write_gray_png(path, pixels):
    """An 8-bit grayscale PNG (colour type 0), each row prefixed by filter type 0, one IDAT chunk."""
    height, width = pixels.shape

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + pixels[y].astype(np.uint8).tobytes() for y in range(height))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        f.write(chunk(b"IEND", b""))


def slug(name):
    return name.lower().replace("/", "_").replace(" ", "_")


def choose_samples(labels):
    """The first test image of each class, in class order, then the second Shirt and the second Pullover,
    the classes most often mistaken for others, so the demo shows a hard case or two. The choice depends
    only on the dataset, not on the trained model."""
    firsts = [int(np.flatnonzero(labels == c)[0]) for c in range(10)]
    seconds = [int(np.flatnonzero(labels == c)[1]) for c in (CLASS_NAMES.index("Shirt"), CLASS_NAMES.index("Pullover"))]
    return (firsts + seconds)[:SAMPLE_COUNT]


# --- reading back what was written -------------------------------------------------------------------

def read_safetensors(path):
    """The tensors and metadata of a safetensors file, checking the layout write_safetensors promises."""
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    assert length % 8 == 0, f"{path}: header length {length} is not a multiple of 8"
    header = json.loads(data[8:8 + length])
    metadata = header.pop("__metadata__", {})
    body, tensors, end = data[8 + length:], {}, 0
    for name, entry in header.items():
        begin, stop = entry["data_offsets"]
        assert entry["dtype"] == "F32" and begin == end, f"{path}: {name} is not the next F32 tensor"
        tensors[name] = np.frombuffer(body[begin:stop], dtype="<f4").reshape(entry["shape"])
        end = stop
    assert end == len(body), f"{path}: {len(body) - end} bytes after the last tensor"
    return tensors, metadata


def keras_forward(w, images, padding):
    """The network in float64 from the Keras-layout file alone, NHWC as constnet computes it: checks that
    file's transposes independently of PyTorch."""
    x = images.astype(np.float64)
    for conv in ["conv2d", "conv2d_1", "conv2d_2"]:
        k, b = w[f"{conv}.kernel"].astype(np.float64), w[f"{conv}.bias"]
        if padding == "same":
            x = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
        height, width = x.shape[1] - k.shape[0] + 1, x.shape[2] - k.shape[1] + 1
        y = np.zeros((x.shape[0], height, width, k.shape[3]))
        for dy in range(k.shape[0]):
            for dx in range(k.shape[1]):
                y += np.einsum("nhwc,co->nhwo", x[:, dy:dy + height, dx:dx + width, :], k[dy, dx])
        y = np.maximum(y + b, 0.0)
        n, h, w_, c = y.shape
        x = y[:, :h // 2 * 2, :w_ // 2 * 2, :].reshape(n, h // 2, 2, w_ // 2, 2, c).max(axis=(2, 4))
    x = x.reshape(x.shape[0], -1)  # H, W, C order
    for dense, relu in [("dense", True), ("dense_1", True), ("dense_2", False)]:
        x = x @ w[f"{dense}.kernel"] + w[f"{dense}.bias"]
        if relu:
            x = np.maximum(x, 0.0)
    return x


def read_gray_png(path):
    """Pixels of a PNG that write_gray_png wrote (one IDAT, filter 0 on every row)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    at, idat = 8, b""
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        kind, body = data[at + 4:at + 8], data[at + 8:at + 8 + length]
        assert struct.unpack(">I", data[at + 8 + length:at + 12 + length])[0] == zlib.crc32(kind + body)
        if kind == b"IDAT":
            idat += body
        at += 12 + length
    rows = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, width + 1)
    assert (rows[:, 0] == 0).all()
    return rows[:, 1:]


def verify(out):
    """Reads every output back: both weight files give PyTorch's golden logits through an independent
    NHWC forward pass in float64 (within 1e-4; PyTorch's float32 round-off is below 1e-5 here), and the PNGs
    hold the test images' bytes."""
    torch_w, torch_meta = read_safetensors(os.path.join(out, "weights.safetensors"))
    keras_w, keras_meta = read_safetensors(os.path.join(out, "weights_keras.safetensors"))
    golden, _ = read_safetensors(os.path.join(out, "golden.safetensors"))
    assert torch_meta["convention"] == "pytorch" and keras_meta["convention"] == "keras"
    assert list(torch_w) == list(keras_w)
    padding = torch_meta["padding"]
    model = FashionMnistCnn(padding)
    model.load_state_dict({f"{name.split('.')[0]}.{'weight' if name.endswith('kernel') else 'bias'}": torch.from_numpy(v.copy())
                           for name, v in torch_w.items()})
    model.eval()
    with torch.no_grad():
        torch_logits = model(torch.from_numpy(golden["images"].copy()).permute(0, 3, 1, 2)).numpy()
    keras_logits = keras_forward(keras_w, golden["images"], padding)
    torch_error = np.abs(torch_logits - golden["logits"]).max()
    keras_error = np.abs(keras_logits - golden["logits"]).max()
    assert torch_error < 1e-4 and keras_error < 1e-4, (torch_error, keras_error)
    assert np.abs(np.exp(golden["logits"]) / np.exp(golden["logits"]).sum(1, keepdims=True) - golden["probabilities"]).max() < 1e-6

    raw_test = read_idx(os.path.join(DATASET_DIR, "t10k-images-idx3-ubyte.gz"))
    raw_labels = read_idx(os.path.join(DATASET_DIR, "t10k-labels-idx1-ubyte.gz"))
    assert (golden["images"][..., 0] == raw_test[:GOLDEN_COUNT].astype(np.float32) / 255.0).all()
    assert (golden["labels"] == raw_labels[:GOLDEN_COUNT]).all()
    with open(os.path.join(out, "samples", "labels.txt")) as f:
        samples = [line.split() for line in f]
    for (name, label), index in zip(samples, choose_samples(raw_labels)):
        assert int(label) == raw_labels[index] and (read_gray_png(os.path.join(out, "samples", name)) == raw_test[index]).all()
    print(f"verified {out}: logits from the PyTorch file within {torch_error:.1e}, from the Keras file "
          f"(NHWC, float64) within {keras_error:.1e}; {len(samples)} PNGs hold their test images")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--padding", choices=["valid", "same"], default="same", help="of the three convolutions")
    parser.add_argument("--threads", type=int, default=1,
                        help="fixed, because results may depend on it; one thread also copes best with busy cores")
    parser.add_argument("--verify-only", action="store_true", help="only read back and check the files in --out")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "fashion_mnist"))
    args = parser.parse_args()
    if args.verify_only:
        verify(os.path.normpath(args.out))
        return

    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(args.threads)

    train_images, train_labels = load_split("train")
    test_images, test_labels = load_split("t10k")
    model = FashionMnistCnn(args.padding)
    start = time.time()
    train(model, train_images, train_labels, args.seed, args.epochs, args.batch, args.lr, test_images, test_labels)
    seconds = time.time() - start  # includes the per-epoch test evaluations, a few percent
    accuracy = evaluate(model, test_images, test_labels)
    params = sum(p.numel() for p in model.parameters())
    print(f"test accuracy {accuracy:.4f} ({round(accuracy * len(test_labels))}/{len(test_labels)}), "
          f"seed {args.seed}, {args.epochs} epochs, {seconds:.0f} s, {params} parameters")
    if accuracy < 0.90:
        sys.exit(f"test accuracy {accuracy:.4f} is below the 0.90 the repository promises; nothing written")

    out = os.path.normpath(args.out)
    os.makedirs(os.path.join(out, "samples"), exist_ok=True)
    metadata = {"model": "fashion_mnist_cnn", "padding": args.padding, "layers": " ".join(LAYER_NAMES),
                "input": "28x28x1, pixel / 255 in [0, 1]", "classes": ",".join(CLASS_NAMES),
                "seed": args.seed, "epochs": args.epochs, "test_accuracy": f"{accuracy:.4f}",
                "trained_with": f"PyTorch {torch.__version__}, tools/train_fashion_mnist.py"}
    write_safetensors(os.path.join(out, "weights.safetensors"), pytorch_tensors(model),
                      {"convention": "pytorch", **metadata})
    write_safetensors(os.path.join(out, "weights_keras.safetensors"), keras_tensors(model, flatten_shape(args.padding)),
                      {"convention": "keras", **metadata})

    model.eval()
    images = test_images[:GOLDEN_COUNT]
    with torch.no_grad():
        logits = model(images)
    write_safetensors(os.path.join(out, "golden.safetensors"), {
        "images": images.permute(0, 2, 3, 1).numpy(),  # NHWC, as constnet takes them
        "labels": test_labels[:GOLDEN_COUNT].numpy().astype(np.float32),
        "logits": logits.numpy(),
        "probabilities": torch.softmax(logits, 1).numpy(),
    }, {"model": "fashion_mnist_cnn", "source": f"the first {GOLDEN_COUNT} Fashion-MNIST test images",
        "seed": args.seed})

    raw_test = read_idx(os.path.join(DATASET_DIR, "t10k-images-idx3-ubyte.gz"))
    lines = []
    for k, i in enumerate(choose_samples(test_labels.numpy())):
        label = int(test_labels[i])
        name = f"{k:02d}_{slug(CLASS_NAMES[label])}.png"
        write_gray_png(os.path.join(out, "samples", name), raw_test[i])
        lines.append(f"{name} {label}\n")
    with open(os.path.join(out, "samples", "labels.txt"), "w") as f:
        f.writelines(lines)
    with open(os.path.join(out, "class_names.txt"), "w") as f:
        f.writelines(n + "\n" for n in CLASS_NAMES)
    with open(os.path.join(out, "training_log.txt"), "w") as f:
        f.write(f"model: fashion_mnist_cnn ({params} parameters, '{args.padding}' convolutions)\n"
                f"seed: {args.seed}\nepochs: {args.epochs}\nbatch: {args.batch}\nlearning rate: {args.lr} (x0.3 from epoch {decay_epoch(args.epochs) + 1})\n"
                f"threads: {args.threads}\ntraining time: {seconds:.0f} s\n"
                f"test accuracy: {accuracy:.4f} ({round(accuracy * len(test_labels))}/{len(test_labels)})\n"
                f"torch: {torch.__version__}\n")
    print(f"wrote {out}")
    verify(out)


if __name__ == "__main__":
    main()
