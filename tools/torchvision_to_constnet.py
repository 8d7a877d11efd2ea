"""torchvision's graph networks' weights under constnet's (Keras') layer names, in PyTorch's layouts.

Shared by tools/make_graph_blocks_fixture.py (the CI fixture, built from torchvision's blocks at reduced
width) and tools/check_torchvision_graphs.py (whole resnet50, mobilenet_v2 and inception_v3), so the
fixture exercises the conversion the full-network check relies on.

Every function returns {"<layer>.<tensor>": float32 numpy array} in the pytorch convention of
include/constnet/io/load_weights.hpp: conv kernels OIHW, depthwise kernels [C, 1, kh, kw] (torchvision's
Conv2d(C, C, groups=C)), dense kernels [out, in]; batch norms as gamma, beta, moving_mean,
moving_variance. The files are written with {"convention": "pytorch"} in their metadata.

Each converter records the state_dict keys it used; `check_all_used` refuses a module whose state_dict
holds anything else (only BatchNorm's num_batches_tracked counter has no constnet counterpart), so a
torchvision change that adds a tensor cannot be dropped silently.
"""

import numpy as np


def _array(t):
    return t.detach().float().numpy().copy()


class Converted:
    """The constnet tensors of one module, and which of its state_dict keys they came from."""

    def __init__(self, module):
        self.module = module
        self.state = module.state_dict()
        self.tensors = {}
        self.used = set()

    def take(self, key):
        self.used.add(key)
        return _array(self.state[key])

    def conv(self, key, name, zero_bias=False):
        """nn.Conv2d `key` as constnet layer `name`. zero_bias: the constnet layer has a bias (Keras'
        Conv2D in ResNet50) where torchvision's convolution has none, so it gets zeros."""
        weight = self.take(key + ".weight")
        tensor = "depthwise_kernel" if self._is_depthwise(key) else "kernel"
        self.tensors[f"{name}.{tensor}"] = weight
        if key + ".bias" in self.state:
            self.tensors[f"{name}.bias"] = self.take(key + ".bias")
        elif zero_bias:
            self.tensors[f"{name}.bias"] = np.zeros(weight.shape[0], dtype=np.float32)

    def batch_norm(self, key, name):
        for torch_name, constnet_name in (("weight", "gamma"), ("bias", "beta"), ("running_mean", "moving_mean"),
                                          ("running_var", "moving_variance")):
            self.tensors[f"{name}.{constnet_name}"] = self.take(f"{key}.{torch_name}")
        self.used.add(key + ".num_batches_tracked")

    def linear(self, key, name):
        self.tensors[f"{name}.kernel"] = self.take(key + ".weight")
        self.tensors[f"{name}.bias"] = self.take(key + ".bias")

    def _is_depthwise(self, key):
        m = self.module.get_submodule(key)
        return m.groups > 1 and m.groups == m.in_channels == m.out_channels

    def check_all_used(self):
        unused = sorted(k for k in self.state if k not in self.used)
        if unused:
            raise ValueError(f"{type(self.module).__name__}: tensors without a constnet counterpart: "
                             + ", ".join(unused[:8]) + (f" and {len(unused) - 8} more" if len(unused) > 8 else ""))
        return self.tensors


def _join(prefix, key):
    return f"{prefix}.{key}" if prefix else key


# --- ResNet ------------------------------------------------------------------------------------------

def bottleneck(c, key, name):
    """torchvision.models.resnet.Bottleneck at `key` as keras.applications.resnet.block1 `name`
    (conv2_block1, ...): conv1/bn1 -> _1_conv/_1_bn, conv2 -> _2, conv3 -> _3, downsample.0/1 ->
    _0_conv/_0_bn. constnet's ResNet convolutions carry Keras' biases: zeros here."""
    for i in (1, 2, 3):
        c.conv(_join(key, f"conv{i}"), f"{name}_{i}_conv", zero_bias=True)
        c.batch_norm(_join(key, f"bn{i}"), f"{name}_{i}_bn")
    if c.module.get_submodule(key).downsample is not None:
        c.conv(_join(key, "downsample.0"), f"{name}_0_conv", zero_bias=True)
        c.batch_norm(_join(key, "downsample.1"), f"{name}_0_bn")


def resnet50(model):
    """torchvision.models.resnet50 as constnet's models::resnet50_v1_5 (Keras' ResNet50 names)."""
    c = Converted(model)
    c.conv("conv1", "conv1_conv", zero_bias=True)
    c.batch_norm("bn1", "conv1_bn")
    for stage in range(1, 5):
        for block in range(len(model.get_submodule(f"layer{stage}"))):
            bottleneck(c, f"layer{stage}.{block}", f"conv{stage + 1}_block{block + 1}")
    c.linear("fc", "predictions")
    return c.check_all_used()


# --- MobileNetV2 -------------------------------------------------------------------------------------

def inverted_residual_name(block_id):
    """Keras' prefix of _inverted_res_block number block_id: the first block is expanded_conv."""
    return "expanded_conv_" if block_id == 0 else f"block_{block_id}_"


def inverted_residual(c, key, block_id):
    """torchvision.models.mobilenetv2.InvertedResidual at `key` under Keras' names for block `block_id`:
    its conv Sequential is [expand Conv2dNormActivation,] depthwise Conv2dNormActivation, project Conv2d,
    BatchNorm2d."""
    prefix = inverted_residual_name(block_id)
    layers = c.module.get_submodule(_join(key, "conv"))
    i = 0
    if len(layers) == 4:
        c.conv(_join(key, "conv.0.0"), prefix + "expand")
        c.batch_norm(_join(key, "conv.0.1"), prefix + "expand_BN")
        i = 1
    c.conv(_join(key, f"conv.{i}.0"), prefix + "depthwise")
    c.batch_norm(_join(key, f"conv.{i}.1"), prefix + "depthwise_BN")
    c.conv(_join(key, f"conv.{i + 1}"), prefix + "project")
    c.batch_norm(_join(key, f"conv.{i + 2}"), prefix + "project_BN")


def mobilenet_v2(model):
    """torchvision.models.mobilenet_v2 under keras.applications.MobileNetV2's names (Conv1, bn_Conv1,
    expanded_conv_*, block_1_* ... block_16_*, Conv_1, Conv_1_bn, predictions)."""
    c = Converted(model)
    c.conv("features.0.0", "Conv1")
    c.batch_norm("features.0.1", "bn_Conv1")
    last = len(model.features) - 1
    for i in range(1, last):
        inverted_residual(c, f"features.{i}", i - 1)
    c.conv(f"features.{last}.0", "Conv_1")
    c.batch_norm(f"features.{last}.1", "Conv_1_bn")
    c.linear("classifier.1", "predictions")
    return c.check_all_used()


# --- Inception V3 ------------------------------------------------------------------------------------

def keras_default_name(stem, k):
    """Keras' name of the k-th unnamed layer of a kind: conv2d, conv2d_1, conv2d_2, ..."""
    return stem if k == 0 else f"{stem}_{k}"


def basic_conv2d_modules(module):
    """The torchvision.models.inception.BasicConv2d modules (subclasses too) under `module`, in
    registration order: the order in which torchvision's blocks
    create their branches, which is the order keras.applications.inception_v3 creates its conv2d_bn
    layers, so the k-th one here is Keras' conv2d_k / batch_normalization_k."""
    from torchvision.models.inception import BasicConv2d
    return [(key, m) for key, m in module.named_modules() if isinstance(m, BasicConv2d)]


def inception_convs(c, first_index=0):
    """Every BasicConv2d of c.module as conv2d_k (no bias) and batch_normalization_k (with gamma: unlike
    Keras' scale=False, torchvision's BatchNorm2d is affine), k counted from first_index."""
    for k, (key, _) in enumerate(basic_conv2d_modules(c.module), start=first_index):
        c.conv(key + ".conv", keras_default_name("conv2d", k))
        c.batch_norm(key + ".bn", keras_default_name("batch_normalization", k))


def inception_v3(model):
    """torchvision.models.inception_v3(aux_logits=False) under Keras' InceptionV3 names: the 94
    BasicConv2d as conv2d ... conv2d_93 and batch_normalization ... batch_normalization_93, fc as
    predictions."""
    if model.AuxLogits is not None:
        raise ValueError("build inception_v3 with aux_logits=False: constnet's InceptionV3 has no auxiliary head")
    c = Converted(model)
    inception_convs(c)
    c.linear("fc", "predictions")
    return c.check_all_used()
