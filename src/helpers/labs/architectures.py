"""Classic CNN architectures as small, readable torch modules, plus a per-layer cost table.

Each class or builder names its paper. The sizes are parameters, so the same code builds the ImageNet network
(count its parameters on the ``meta`` device: no memory is allocated) and a toy version for 8x8 digits.

* LeNet-5 (LeCun et al., *Gradient-based learning applied to document recognition*, Proc. IEEE 1998)
* :func:`sequential_from_layers`: AlexNet (Krizhevsky et al., NeurIPS 2012) and VGG (Simonyan & Zisserman,
  ICLR 2015) from the ``conv_arithmetic`` presets; :func:`vgg_block` (a stack of 3x3 convs and a 2x2 max pool)
* ResNet (He et al., *Deep residual learning for image recognition*, CVPR 2016): basic and bottleneck blocks
* Inception module (Szegedy et al., *Going deeper with convolutions*, CVPR 2015)
* depthwise separable convolution (Howard et al., *MobileNets*, 2017; Chollet, *Xception*, CVPR 2017)
* squeeze-and-excitation (Hu et al., *Squeeze-and-excitation networks*, CVPR 2018)
* fully convolutional network (Long et al., *Fully convolutional networks for semantic segmentation*, CVPR 2015)
* U-Net (Ronneberger et al., *U-Net: convolutional networks for biomedical image segmentation*, MICCAI 2015)

The per-layer tables (:func:`layer_table`) live in :mod:`helpers.labs.cost_table` and are re-exported here.
"""

from __future__ import annotations

import torch
from torch import nn

from ..core import conv_arithmetic as ca
from .cost_table import count_parameters, format_layer_table, layer_table  # re-exported: A.layer_table(...)

__all__ = [
    "LeNet5", "sequential_from_layers", "vgg_block", "BasicBlock", "Bottleneck", "ResNet", "resnet",
    "InceptionModule", "DepthwiseSeparableConv", "SEBlock", "fc_to_conv", "TinyFCN", "TinyUNet",
    "layer_table", "format_layer_table", "count_parameters",
]


class LeNet5(nn.Module):
    """LeNet-5 in its common modern form: C1 conv5 (6) - S2 avg pool - C3 conv5 (16) - S4 avg pool - C5 conv5 (120)
    - F6 dense (84) - output dense. Input (N, 1, 32, 32). 61,706 parameters.

    The 1998 original differs in three details (see the chapter): trainable sub-sampling, a partial connection
    table in C3, and radial-basis output units instead of a dense layer with softmax.
    """

    def __init__(self, in_channels: int = 1, n_classes: int = 10, activation=nn.Tanh):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5), activation(), nn.AvgPool2d(2),  # (N, 6, 14, 14)
            nn.Conv2d(6, 16, 5), activation(), nn.AvgPool2d(2),  # (N, 16, 5, 5)
            nn.Conv2d(16, 120, 5), activation())  # (N, 120, 1, 1)
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(120, 84), activation(), nn.Linear(84, n_classes))

    def forward(self, x):
        return self.classifier(self.features(x))


def sequential_from_layers(layers, in_channels: int, input_size: int, *, activation=nn.ReLU) -> nn.Sequential:
    """A plain feed-forward network from a ``conv_arithmetic`` layer list (AlexNet, VGG, LeNet presets).

    Every conv and every hidden dense layer is followed by ``activation``; the first dense layer flattens.
    Branch layers (ResNet shortcuts) cannot be chained and raise ``ValueError``.
    """
    modules, c, n, flat = [], in_channels, input_size, False
    last_fc = max((i for i, lay in enumerate(layers) if lay.kind == "fc"), default=-1)
    for i, lay in enumerate(layers):
        if lay.branch:
            raise ValueError(f"sequential_from_layers cannot chain the branch layer {lay.name!r}; build a ResNet instead.")
        if lay.kind == "conv":
            modules += [nn.Conv2d(c, lay.out_channels, lay.kernel_size, lay.stride, lay.padding, lay.dilation,
                                  groups=lay.groups, bias=lay.bias), activation()]
            c = lay.out_channels
        elif lay.kind in ("maxpool", "avgpool"):
            pool = nn.MaxPool2d if lay.kind == "maxpool" else nn.AvgPool2d
            modules.append(pool(lay.kernel_size, lay.stride, lay.padding))
        elif lay.kind == "bn":
            modules.append(nn.BatchNorm2d(c))
        elif lay.kind == "gap":
            modules += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
            flat, n = True, 1
        elif lay.kind == "fc":
            if not flat:
                modules.append(nn.Flatten())
                flat = True
            modules.append(nn.Linear(c * n * n, lay.out_channels))
            if i != last_fc:
                modules.append(activation())
            c, n = lay.out_channels, 1
        if lay.kind in ("conv", "maxpool", "avgpool"):
            n = ca.conv_output_size(n, lay.kernel_size, stride=lay.stride, padding=lay.padding, dilation=lay.dilation)
    return nn.Sequential(*modules)


def vgg_block(in_channels: int, out_channels: int, n_convs: int, *, batch_norm: bool = False) -> nn.Sequential:
    """VGG's unit: ``n_convs`` times (3x3 conv, padding 1 [, BN], ReLU), then a 2x2 max pool with stride 2."""
    layers = []
    for i in range(n_convs):
        layers.append(nn.Conv2d(in_channels if i == 0 else out_channels, out_channels, 3, padding=1, bias=not batch_norm))
        layers += [nn.BatchNorm2d(out_channels), nn.ReLU()] if batch_norm else [nn.ReLU()]
    return nn.Sequential(*layers, nn.MaxPool2d(2))


def _shortcut(in_channels, out_channels, stride, batch_norm):
    """Identity when shapes match, else a strided 1x1 conv (+ BN): ResNet's projection shortcut (option B)."""
    if stride == 1 and in_channels == out_channels:
        return nn.Identity()
    conv = nn.Conv2d(in_channels, out_channels, 1, stride, bias=not batch_norm)
    return nn.Sequential(conv, nn.BatchNorm2d(out_channels)) if batch_norm else nn.Sequential(conv)


class BasicBlock(nn.Module):
    """ResNet-18/34 block: ``relu(F(x) + shortcut(x))`` with ``F`` = conv3-BN-ReLU-conv3-BN (He et al., 2016).

    ``residual=False`` drops the shortcut (a "plain" block, for comparison); ``batch_norm=False`` replaces each BN by
    a conv bias. ``zero_init=True`` sets the last BN's scale to 0, so the block starts as ``relu(x)`` (Goyal et al.,
    2017): the identity on the non-negative outputs of a previous block.
    """

    expansion = 1

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, *, residual: bool = True,
                 batch_norm: bool = True, zero_init: bool = False):
        super().__init__()
        norm = nn.BatchNorm2d if batch_norm else (lambda c: nn.Identity())
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=not batch_norm)
        self.bn1 = norm(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=not batch_norm)
        self.bn2 = norm(out_channels)
        self.relu = nn.ReLU()
        self.shortcut = _shortcut(in_channels, out_channels, stride, batch_norm) if residual else None
        if zero_init and batch_norm:
            nn.init.zeros_(self.bn2.weight)

    def forward(self, x):
        out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))  # F(x)
        return self.relu(out + self.shortcut(x) if self.shortcut is not None else out)


class Bottleneck(nn.Module):
    """ResNet-50/101/152 block: 1x1 reduce to ``width`` - 3x3 - 1x1 expand to ``4 * width``, plus the shortcut."""

    expansion = 4

    def __init__(self, in_channels: int, width: int, stride: int = 1, *, zero_init: bool = False):
        super().__init__()
        out_channels = width * self.expansion
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, width, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
            nn.Conv2d(width, width, 3, stride, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
            nn.Conv2d(width, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels))
        self.shortcut = _shortcut(in_channels, out_channels, stride, True)
        if zero_init:
            nn.init.zeros_(self.body[-1].weight)

    def forward(self, x):
        return torch.relu(self.body(x) + self.shortcut(x))


class ResNet(nn.Module):
    """A stem, stages of residual blocks (the first block of every stage after the first has stride 2), global
    average pooling and one dense layer (He et al., 2016).

    ``imagenet_stem=True`` is the paper's 7x7/2 conv + 3x3/2 max pool; otherwise one 3x3 conv for tiny images.
    ``block_kwargs`` go to every block (e.g. ``residual=False`` for the plain twin of the network).
    """

    def __init__(self, block, depths, widths, *, in_channels: int = 3, n_classes: int = 1000,
                 imagenet_stem: bool = True, **block_kwargs):
        super().__init__()
        bn = block_kwargs.get("batch_norm", True)
        stem_out = widths[0]
        if imagenet_stem:
            self.stem = nn.Sequential(nn.Conv2d(in_channels, stem_out, 7, 2, 3, bias=False), nn.BatchNorm2d(stem_out),
                                      nn.ReLU(), nn.MaxPool2d(3, 2, 1))
        else:
            self.stem = nn.Sequential(nn.Conv2d(in_channels, stem_out, 3, 1, 1, bias=not bn),
                                      nn.BatchNorm2d(stem_out) if bn else nn.Identity(), nn.ReLU())
        stages, c = [], stem_out
        for i, (depth, width) in enumerate(zip(depths, widths)):
            blocks = []
            for j in range(depth):
                blocks.append(block(c, width, 2 if i > 0 and j == 0 else 1, **block_kwargs))
                c = width * block.expansion
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.Sequential(*stages)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, n_classes))

    def forward(self, x):
        return self.head(self.stages(self.stem(x)))


_RESNETS = {18: (BasicBlock, (2, 2, 2, 2)), 34: (BasicBlock, (3, 4, 6, 3)), 50: (Bottleneck, (3, 4, 6, 3)),
            101: (Bottleneck, (3, 4, 23, 3)), 152: (Bottleneck, (3, 8, 36, 3))}


def resnet(depth: int, *, n_classes: int = 1000, device=None) -> ResNet:
    """ResNet-18/34/50/101/152 for 224x224 ImageNet images; ``device="meta"`` builds it without allocating memory."""
    if depth not in _RESNETS:
        raise ValueError(f"The 'depth' argument of resnet must be one of {sorted(_RESNETS)}. Got {depth!r} instead.")
    block, depths = _RESNETS[depth]
    with torch.device(device or "cpu"):
        return ResNet(block, depths, (64, 128, 256, 512), n_classes=n_classes)


class InceptionModule(nn.Module):
    """GoogLeNet's module: 1x1, 1x1->3x3, 1x1->5x5 and 3x3 max pool->1x1 branches, concatenated along channels.

    The 1x1 convolutions before the 3x3 and 5x5 ones reduce the depth first ("dimensionality reduction"); with
    ``reduce=False`` the 3x3 and 5x5 convs see all input channels and the pool branch has no projection (the naive
    module, whose output depth then includes all ``in_channels``). Every conv is followed by a ReLU.
    """

    def __init__(self, in_channels: int, c1: int, c3_reduce: int, c3: int, c5_reduce: int, c5: int, pool_proj: int,
                 *, reduce: bool = True):
        super().__init__()

        def conv(c_in, c_out, k):
            return [nn.Conv2d(c_in, c_out, k, padding=k // 2), nn.ReLU()]

        r3, r5 = (c3_reduce, c5_reduce) if reduce else (in_channels, in_channels)
        self.branch1 = nn.Sequential(*conv(in_channels, c1, 1))
        self.branch3 = nn.Sequential(*(conv(in_channels, r3, 1) if reduce else []), *conv(r3, c3, 3))
        self.branch5 = nn.Sequential(*(conv(in_channels, r5, 1) if reduce else []), *conv(r5, c5, 5))
        self.branch_pool = nn.Sequential(nn.MaxPool2d(3, 1, 1), *(conv(in_channels, pool_proj, 1) if reduce else []))

    def forward(self, x):
        branches = (self.branch1, self.branch3, self.branch5, self.branch_pool)
        return torch.cat([b(x) for b in branches], dim=1)  # (N, c1 + c3 + c5 + pool channels, H, W)


class DepthwiseSeparableConv(nn.Module):
    """A k x k depthwise conv (``groups = C_in``: one filter per channel) and a 1x1 pointwise conv, each + BN + ReLU.

    MobileNet order (Howard et al., 2017) by default; ``pointwise_first=True`` is Xception's "extreme Inception"
    order (Chollet, 2017: 1x1 first, no non-linearity in between).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1, *,
                 pointwise_first: bool = False):
        super().__init__()
        p = kernel_size // 2
        if pointwise_first:
            self.body = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, bias=False),
                nn.Conv2d(out_channels, out_channels, kernel_size, stride, p, groups=out_channels, bias=False),
                nn.BatchNorm2d(out_channels), nn.ReLU())
        else:
            self.body = nn.Sequential(
                nn.Conv2d(in_channels, in_channels, kernel_size, stride, p, groups=in_channels, bias=False),
                nn.BatchNorm2d(in_channels), nn.ReLU(),
                nn.Conv2d(in_channels, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels), nn.ReLU())

    def forward(self, x):
        return self.body(x)


class SEBlock(nn.Module):
    """Squeeze (global average pool to C numbers) - excite (dense C -> C/r, ReLU, dense -> C, sigmoid) - rescale each
    channel by its gate in (0, 1) (Hu et al., 2018). Adds ``2 C^2 / r + C + C/r`` parameters."""

    def __init__(self, channels: int, reduction: int = 16):
        super().__init__()
        hidden = max(1, channels // reduction)
        self.excite = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, hidden), nn.ReLU(),
                                    nn.Linear(hidden, channels), nn.Sigmoid())

    def gates(self, x):
        """The channel weights (N, C) in (0, 1)."""
        return self.excite(x)

    def forward(self, x):
        return x * self.gates(x)[:, :, None, None]  # (N, C, 1, 1) broadcast over H, W


def fc_to_conv(linear: nn.Linear, in_channels: int, kernel_size: int) -> nn.Conv2d:
    """The dense layer on a flattened (C, k, k) map as an equivalent k x k convolution (FCN "convolutionalisation").

    On a k x k input both give the same numbers; on a larger input the conv slides and returns a map of scores.
    """
    if linear.in_features != in_channels * kernel_size**2:
        raise ValueError(f"The 'linear' argument of fc_to_conv must have in_features = in_channels * kernel_size^2 = "
                         f"{in_channels * kernel_size**2}. Got {linear.in_features} instead.")
    conv = nn.Conv2d(in_channels, linear.out_features, kernel_size, bias=linear.bias is not None)
    with torch.no_grad():
        conv.weight.copy_(linear.weight.reshape(linear.out_features, in_channels, kernel_size, kernel_size))
        if linear.bias is not None:
            conv.bias.copy_(linear.bias)
    return conv


def _double_conv(c_in, c_out):
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(),
                         nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU())


class TinyFCN(nn.Module):
    """Fully convolutional: two stride-2 stages, a 1x1 conv scoring every class at every coarse position, then a
    transposed conv (kernel 4, stride 4) back to the input size (Long et al., 2015, "FCN-32s" in small).
    Any input whose sides are multiples of 4 works; output (N, n_classes, H, W)."""

    def __init__(self, in_channels: int = 1, n_classes: int = 2, width: int = 8):
        super().__init__()
        self.features = nn.Sequential(_double_conv(in_channels, width), nn.MaxPool2d(2),
                                      _double_conv(width, 2 * width), nn.MaxPool2d(2))  # (N, 2w, H/4, W/4)
        self.score = nn.Conv2d(2 * width, n_classes, 1)
        self.upsample = nn.ConvTranspose2d(n_classes, n_classes, 4, stride=4)

    def forward(self, x):
        return self.upsample(self.score(self.features(x)))


class TinyUNet(nn.Module):
    """U-Net with ``depth`` levels (Ronneberger et al., 2015), padded 3x3 convs so the output has the input's size.

    Encoder: double conv, 2x2 max pool, channels doubling. Decoder: a 2x2 transposed conv (stride 2) halving the
    channels, **concatenated with the encoder's feature map of the same level** (the skip connection), a double
    conv; a final 1x1 conv gives the class scores. Input sides must be multiples of ``2**depth``.
    """

    def __init__(self, in_channels: int = 1, n_classes: int = 2, width: int = 8, depth: int = 2):
        super().__init__()
        chans = [width * 2**i for i in range(depth + 1)]  # e.g. 8, 16, 32
        self.depth = depth
        self.down = nn.ModuleList([_double_conv(in_channels if i == 0 else chans[i - 1], chans[i]) for i in range(depth)])
        self.pool = nn.MaxPool2d(2)
        self.bottom = _double_conv(chans[depth - 1], chans[depth])
        self.up = nn.ModuleList([nn.ConvTranspose2d(chans[i + 1], chans[i], 2, stride=2) for i in reversed(range(depth))])
        self.dec = nn.ModuleList([_double_conv(2 * chans[i], chans[i]) for i in reversed(range(depth))])
        self.out = nn.Conv2d(chans[0], n_classes, 1)

    def forward(self, x):
        f = 2**self.depth
        if x.shape[-1] % f or x.shape[-2] % f:
            raise ValueError(f"TinyUNet needs input sides that are multiples of {f}. Got {tuple(x.shape[-2:])} instead.")
        skips = []
        for block in self.down:  # encoder
            x = block(x)
            skips.append(x)  # kept for the decoder level of the same resolution
            x = self.pool(x)
        x = self.bottom(x)
        for up, block, skip in zip(self.up, self.dec, reversed(skips)):  # decoder
            x = block(torch.cat([skip, up(x)], dim=1))  # (N, 2 c_level, H_level, W_level)
        return self.out(x)
