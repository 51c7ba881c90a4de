"""Convolution arithmetic in plain Python: output sizes, parameters, multiply-adds, receptive fields.

Everything here works on integers, so the formulas can be read, tested and shown in a table without
NumPy or torch. The conventions are PyTorch's (``torch.nn.Conv2d``, ``MaxPool2d``, ``ConvTranspose2d``):

* output size  ``floor((n + 2p - d(k-1) - 1) / s) + 1``  (a floor: the notes' ceiling is a slip)
* transposed   ``(n-1)s - 2p + d(k-1) + output_padding + 1``
* receptive field recursion (Araujo, Norris & Sim, "Computing receptive fields of convolutional neural
  networks", Distill 2019), with the effective kernel ``d(k-1)+1`` of a dilated layer::

      jump_l  = jump_{l-1} * s_l
      rf_l    = rf_{l-1} + d_l (k_l - 1) * jump_{l-1}
      start_l = start_{l-1} - p_l * jump_{l-1}     # input index of the left edge of unit 0's field

Unit ``i`` of layer ``l`` then sees input pixels ``start_l + i*jump_l`` ... ``start_l + i*jump_l + rf_l - 1``
(clipped to the image: the part outside is padding).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

__all__ = [
    "Layer", "PRESETS", "conv_multiply_adds", "conv_output_size", "conv_parameters",
    "conv_geometry", "conv_transpose_output_size", "interpolation_size", "network_summary", "pair",
    "pool_geometry", "preset", "resolve_padding",
]


def _is_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def pair(value, name: str, fn: str, minimum: int = 1) -> tuple[int, int]:
    """``value`` as a pair of ints ``>= minimum`` (an int means the same value for height and width)."""
    if _is_int(value):
        value = (int(value), int(value))
    if not (isinstance(value, (tuple, list)) and len(value) == 2 and all(_is_int(v) for v in value)):
        raise TypeError(f"The '{name}' argument of {fn} must be an int or a pair of ints. Got {value!r} instead.")
    if min(value) < minimum:
        raise ValueError(f"The '{name}' argument of {fn} must be an int >= {minimum}. Got {value!r} instead.")
    return int(value[0]), int(value[1])


def resolve_padding(padding, kernel_size, *, dilation=1, stride=1, fn: str = "conv2d"):
    """Padding as ``((top, bottom), (left, right))``.

    ``padding`` is an int, a pair, or one of ``"valid"`` (none), ``"same"`` (output size = input size; stride 1
    only, as in PyTorch; an odd total puts the extra row/column at the bottom/right) and ``"full"`` (every
    overlap of kernel and input, ``d(k-1)`` on each side).
    """
    k, d = pair(kernel_size, "kernel_size", fn), pair(dilation, "dilation", fn)
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0), (0, 0)
        if padding == "full":
            return tuple((d[a] * (k[a] - 1),) * 2 for a in range(2))
        if padding == "same":
            if pair(stride, "stride", fn) != (1, 1):
                raise ValueError(f"The 'padding' argument of {fn} can be 'same' only with stride 1. Got stride={stride!r}.")
            totals = [d[a] * (k[a] - 1) for a in range(2)]
            return tuple((t // 2, t - t // 2) for t in totals)
        raise ValueError(
            f"The 'padding' argument of {fn} must be 'valid', 'same', 'full', an int or a pair. Got {padding!r} instead."
        )
    p = pair(padding, "padding", fn, minimum=0)
    return (p[0], p[0]), (p[1], p[1])


# ---- geometry of a call, validated (shared by the NumPy references and their torch twins)
def conv_geometry(x_shape, w_shape, fn, *, stride, padding, dilation, groups):
    """Validate a conv2d call and return ``(pads, stride, dilation, (H_out, W_out))``."""
    _, c_in, h, w = x_shape
    c_out, c_per_group, kh, kw = w_shape
    s, d = pair(stride, "stride", fn), pair(dilation, "dilation", fn)
    if not isinstance(groups, int) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"The 'groups' argument of {fn} must be an int >= 1. Got {groups!r} instead.")
    if c_in % groups or c_out % groups or c_per_group != c_in // groups:
        raise ValueError(
            f"{fn}: with groups={groups}, x has {c_in} channels, so w must have shape (C_out, {c_in // groups}, kH, kW) "
            f"with C_out divisible by {groups}. Got w.shape={tuple(w_shape)} instead."
        )
    pads = resolve_padding(padding, (kh, kw), dilation=d, stride=s, fn=fn)
    out = []
    for size, k, (p0, p1), sa, da in zip((h, w), (kh, kw), pads, s, d):
        span = da * (k - 1) + 1
        if size + p0 + p1 < span:
            raise ValueError(f"{fn}: the dilated kernel ({span} pixels) is larger than the padded input ({size + p0 + p1}).")
        out.append((size + p0 + p1 - span) // sa + 1)
    return pads, s, d, tuple(out)


def pool_geometry(x_shape, fn, *, kernel_size, stride, padding):
    """Validate a pooling call; return ``(k, s, p, (H_out, W_out))`` as pairs."""
    k = pair(kernel_size, "kernel_size", fn)
    s = k if stride is None else pair(stride, "stride", fn)
    p = pair(padding, "padding", fn, minimum=0)
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(f"The 'padding' argument of {fn} must be at most half the kernel size {k}. Got {padding!r}.")
    out = tuple((n + 2 * pa - ka) // sa + 1 for n, ka, sa, pa in zip(x_shape[2:], k, s, p))
    if min(out) < 1:
        raise ValueError(f"{fn}: kernel_size={k} does not fit the padded input {tuple(x_shape[2:])}.")
    return k, s, p, out


def interpolation_size(n_in: int, scale_factor: float, mode: str, fn: str) -> int:
    """Check an interpolation call and return its output length ``floor(n_in * scale_factor)`` (both twins)."""
    if not isinstance(scale_factor, (int, float)) or isinstance(scale_factor, bool) or scale_factor <= 0:
        raise ValueError(f"The 'scale_factor' argument of {fn} must be a number > 0. Got {scale_factor!r} instead.")
    if mode not in ("nearest", "bilinear"):
        raise ValueError(f"The 'mode' argument of {fn} must be 'nearest' or 'bilinear'. Got {mode!r} instead.")
    n_out = math.floor(n_in * scale_factor)
    if n_out < 1:
        raise ValueError(f"{fn}: scale_factor={scale_factor} shrinks {n_in} pixels to {n_out}.")
    return n_out


def conv_output_size(n: int, kernel_size: int, *, stride: int = 1, padding=0, dilation: int = 1) -> int:
    """Output length of a convolution or pooling along one axis: ``floor((n + 2p - d(k-1) - 1)/s) + 1``."""
    fn = "conv_output_size"
    if not _is_int(n) or n < 1:
        raise ValueError(f"The 'n' argument of {fn} must be an int >= 1. Got {n!r} instead.")
    for name, v in (("kernel_size", kernel_size), ("stride", stride), ("dilation", dilation)):
        if not _is_int(v) or v < 1:
            raise ValueError(f"The '{name}' argument of {fn} must be an int >= 1. Got {v!r} instead.")
    (before, after), _ = resolve_padding(padding, kernel_size, dilation=dilation, stride=stride, fn=fn)
    span = dilation * (kernel_size - 1) + 1  # effective kernel size
    if n + before + after < span:
        raise ValueError(
            f"{fn}: the effective kernel size d*(k-1)+1 = {span} is larger than the padded input "
            f"n + padding = {n + before + after}; no output position fits."
        )
    return (n + before + after - span) // stride + 1


def conv_transpose_output_size(
    n: int, kernel_size: int, *, stride: int = 1, padding: int = 0, output_padding: int = 0, dilation: int = 1
) -> int:
    """Output length of a transposed convolution: ``(n-1)s - 2p + d(k-1) + output_padding + 1``."""
    fn = "conv_transpose_output_size"
    for name, v, lo in (("n", n, 1), ("kernel_size", kernel_size, 1), ("stride", stride, 1), ("dilation", dilation, 1),
                        ("padding", padding, 0), ("output_padding", output_padding, 0)):
        if not _is_int(v) or v < lo:
            raise ValueError(f"The '{name}' argument of {fn} must be an int >= {lo}. Got {v!r} instead.")
    if output_padding >= max(stride, dilation):
        raise ValueError(
            f"The 'output_padding' argument of {fn} must be smaller than stride or dilation "
            f"(max = {max(stride, dilation) - 1}). Got {output_padding} instead."
        )
    size = (n - 1) * stride - 2 * padding + dilation * (kernel_size - 1) + output_padding + 1
    if size < 1:
        raise ValueError(f"{fn}: padding={padding} removes the whole output (size {size}).")
    return size


def conv_parameters(in_channels: int, out_channels: int, kernel_size, *, groups: int = 1, bias: bool = True) -> int:
    """Weights ``C_out * (C_in/groups) * kH * kW`` plus ``C_out`` biases."""
    fn = "conv_parameters"
    kh, kw = pair(kernel_size, "kernel_size", fn)
    _check_groups(in_channels, out_channels, groups, fn)
    return out_channels * (in_channels // groups) * kh * kw + (out_channels if bias else 0)


def conv_multiply_adds(in_channels: int, out_channels: int, kernel_size, output_size, *, groups: int = 1) -> int:
    """Multiply-adds of one image: every output value costs ``(C_in/groups) * kH * kW`` of them."""
    fn = "conv_multiply_adds"
    kh, kw = pair(kernel_size, "kernel_size", fn)
    ho, wo = pair(output_size, "output_size", fn)
    _check_groups(in_channels, out_channels, groups, fn)
    return ho * wo * out_channels * (in_channels // groups) * kh * kw


def _check_groups(c_in, c_out, groups, fn):
    for name, v in (("in_channels", c_in), ("out_channels", c_out), ("groups", groups)):
        if not _is_int(v) or v < 1:
            raise ValueError(f"The '{name}' argument of {fn} must be an int >= 1. Got {v!r} instead.")
    if c_in % groups or c_out % groups:
        raise ValueError(
            f"The 'groups' argument of {fn} must divide in_channels={c_in} and out_channels={c_out}. Got {groups}."
        )


@dataclass(frozen=True)
class Layer:
    """One layer of a network description.

    ``kind``: "conv", "maxpool", "avgpool", "bn" (batch norm: geometry unchanged, 2C parameters),
    "gap" (global average pooling) or "fc" (fully connected; ``out_channels`` = output features).
    ``branch=True`` marks a layer on a side path (a ResNet shortcut convolution): it counts for
    parameters and multiply-adds but not for the chain of sizes and receptive fields; its input
    channels are ``in_channels``.
    """

    kind: str
    kernel_size: int = 1
    stride: int = 1
    padding: int = 0
    dilation: int = 1
    out_channels: int | None = None
    groups: int = 1
    name: str = ""
    branch: bool = False
    in_channels: int | None = None
    bias: bool = True


KINDS = ("conv", "maxpool", "avgpool", "bn", "gap", "fc")


def network_summary(layers, input_size: int, in_channels: int = 3) -> list[dict]:
    """One row per layer: output size and channels, parameters, multiply-adds, receptive field, jump, start.

    Square inputs; a "gap" or "fc" layer on an ``n x n`` map acts like an ``n x n`` kernel (it sees all of it).
    """
    fn = "network_summary"
    if not _is_int(input_size) or input_size < 1:
        raise ValueError(f"The 'input_size' argument of {fn} must be an int >= 1. Got {input_size!r} instead.")
    rows, n, c, rf, jump, start = [], input_size, in_channels, 1, 1, 0
    for i, layer in enumerate(layers):
        if not isinstance(layer, Layer) or layer.kind not in KINDS:
            raise ValueError(f"Layer {i} of {fn} must be a Layer with kind in {KINDS}. Got {layer!r} instead.")
        name = layer.name or f"{layer.kind}{i}"
        if layer.branch:
            c_in = layer.in_channels or c
            n_out = rows[-1]["size"] if rows else n
            params = conv_parameters(c_in, layer.out_channels, layer.kernel_size, groups=layer.groups, bias=layer.bias)
            if layer.kind == "bn":
                params, macs = 2 * layer.out_channels, 0
            else:
                macs = conv_multiply_adds(c_in, layer.out_channels, layer.kernel_size, n_out, groups=layer.groups)
            rows.append(dict(name=name, kind=layer.kind, branch=True, size=n_out, channels=layer.out_channels,
                             params=params, macs=macs, rf=None, jump=None, start=None))
            continue
        k, s, p, d = layer.kernel_size, layer.stride, layer.padding, layer.dilation
        if layer.kind in ("gap", "fc"):
            k, s, p, d = n, 1, 0, 1  # sees the whole map
        try:
            n_out = conv_output_size(n, k, stride=s, padding=p, dilation=d)
        except ValueError as err:
            raise ValueError(f"Layer {i} ({name}) of {fn} does not fit its {n}x{n} input: {err}") from None
        c_out, params, macs = c, 0, 0
        if layer.kind == "conv":
            c_out = layer.out_channels
            params = conv_parameters(c, c_out, k, groups=layer.groups, bias=layer.bias)
            macs = conv_multiply_adds(c, c_out, k, n_out, groups=layer.groups)
        elif layer.kind == "fc":
            c_out = layer.out_channels
            params, macs = (c * n * n + 1) * c_out, c * n * n * c_out
        elif layer.kind == "bn":
            params = 2 * c
        rf, start, jump = rf + d * (k - 1) * jump, start - p * jump, jump * s
        rows.append(dict(name=name, kind=layer.kind, branch=False, size=n_out, channels=c_out, params=params,
                         macs=macs, rf=rf, jump=jump, start=start))
        n, c = n_out, c_out
    return rows


def _vgg16():
    layers, blocks = [], [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]
    for b, (c, reps) in enumerate(blocks, start=1):
        layers += [Layer("conv", 3, 1, 1, out_channels=c, name=f"conv{b}_{r}") for r in range(1, reps + 1)]
        layers.append(Layer("maxpool", 2, 2, name=f"pool{b}"))
    return layers + [Layer("fc", out_channels=4096, name="fc6"), Layer("fc", out_channels=4096, name="fc7"),
                     Layer("fc", out_channels=1000, name="fc8")]


def _resnet18():
    layers = [Layer("conv", 7, 2, 3, out_channels=64, name="conv1", bias=False), Layer("bn", name="bn1"),
              Layer("maxpool", 3, 2, 1, name="maxpool")]
    c_in = 64
    for stage, c in enumerate((64, 128, 256, 512), start=1):
        for block in range(2):
            s = 2 if stage > 1 and block == 0 else 1
            tag = f"layer{stage}.{block}"
            layers += [Layer("conv", 3, s, 1, out_channels=c, name=f"{tag}.conv1", bias=False),
                       Layer("bn", name=f"{tag}.bn1"),
                       Layer("conv", 3, 1, 1, out_channels=c, name=f"{tag}.conv2", bias=False),
                       Layer("bn", name=f"{tag}.bn2")]
            if s == 2:  # the shortcut needs a strided 1x1 convolution to match the shape
                layers += [Layer("conv", 1, 2, out_channels=c, name=f"{tag}.downsample", branch=True, in_channels=c_in,
                                 bias=False),
                           Layer("bn", out_channels=c, name=f"{tag}.downsample.bn", branch=True)]
            c_in = c
    return layers + [Layer("gap", name="avgpool"), Layer("fc", out_channels=1000, name="fc")]


# name: (layers, input size, input channels). AlexNet is the one-tower variant of torchvision (64 first filters).
PRESETS: dict[str, tuple[list[Layer], int, int]] = {
    "LeNet-5": ([Layer("conv", 5, out_channels=6, name="C1"), Layer("avgpool", 2, 2, name="S2"),
                 Layer("conv", 5, out_channels=16, name="C3"), Layer("avgpool", 2, 2, name="S4"),
                 Layer("conv", 5, out_channels=120, name="C5"), Layer("fc", out_channels=84, name="F6"),
                 Layer("fc", out_channels=10, name="output")], 32, 1),
    "AlexNet": ([Layer("conv", 11, 4, 2, out_channels=64, name="conv1"), Layer("maxpool", 3, 2, name="pool1"),
                 Layer("conv", 5, 1, 2, out_channels=192, name="conv2"), Layer("maxpool", 3, 2, name="pool2"),
                 Layer("conv", 3, 1, 1, out_channels=384, name="conv3"),
                 Layer("conv", 3, 1, 1, out_channels=256, name="conv4"),
                 Layer("conv", 3, 1, 1, out_channels=256, name="conv5"), Layer("maxpool", 3, 2, name="pool5"),
                 Layer("fc", out_channels=4096, name="fc6"), Layer("fc", out_channels=4096, name="fc7"),
                 Layer("fc", out_channels=1000, name="fc8")], 224, 3),
    "VGG-16": (_vgg16(), 224, 3),
    "ResNet-18": (_resnet18(), 224, 3),
}


def preset(name: str) -> tuple[list[Layer], int, int]:
    """``(layers, input_size, in_channels)`` of a preset network (see ``PRESETS``)."""
    if name not in PRESETS:
        raise ValueError(f"The 'name' argument of preset must be one of {sorted(PRESETS)}. Got {name!r} instead.")
    layers, size, channels = PRESETS[name]
    return list(layers), size, channels
