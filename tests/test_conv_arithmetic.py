"""Convolution arithmetic against what PyTorch actually does: shapes, parameters, multiply-adds, receptive fields.

Receptive fields are checked against the *span* of the non-zero input gradients of one output unit of a
linear stack (all-ones kernels, average pooling in place of max pooling: same geometry, no cancellation).
Span, not count: a dilated kernel leaves holes inside its receptive field.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from helpers.core.conv_arithmetic import (
    PRESETS,
    Layer,
    conv_multiply_adds,
    conv_output_size,
    conv_parameters,
    conv_transpose_output_size,
    network_summary,
    preset,
    resolve_padding,
)


@given(n=st.integers(1, 20), k=st.integers(1, 5), s=st.integers(1, 4), p=st.integers(0, 3), d=st.integers(1, 3))
def test_output_size_matches_conv2d_and_pooling(n, k, s, p, d):
    if n + 2 * p < d * (k - 1) + 1:
        with pytest.raises(ValueError, match="larger than the padded input"):
            conv_output_size(n, k, stride=s, padding=p, dilation=d)
        return
    expected = F.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), stride=s, padding=p, dilation=d).shape[-1]
    assert conv_output_size(n, k, stride=s, padding=p, dilation=d) == expected
    if p <= k // 2:
        assert conv_output_size(n, k, stride=s, padding=p) == F.max_pool2d(torch.zeros(1, 1, n, n), k, s, p).shape[-1]


def test_floor_not_ceiling():
    """S2 writes the output size with a ceiling; PyTorch (and the geometry) use a floor: n=6, k=3, s=2 gives 2."""
    assert conv_output_size(6, 3, stride=2) == F.conv2d(torch.zeros(1, 1, 6, 6), torch.zeros(1, 1, 3, 3), stride=2).shape[-1]
    assert conv_output_size(6, 3, stride=2) == 2  # the ceiling formula would say ceil(3/2) + 1 = 3


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@given(n=st.integers(1, 12), k=st.integers(1, 5), d=st.integers(1, 3), mode=st.sampled_from(["valid", "same", "full"]))
def test_padding_modes(n, k, d, mode):
    span = d * (k - 1) + 1
    if mode == "valid" and n < span:
        return
    size = conv_output_size(n, k, padding=mode, dilation=d)
    assert size == {"valid": n - span + 1, "same": n, "full": n + span - 1}[mode]
    if mode != "full":
        assert size == F.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), padding=mode, dilation=d).shape[-1]


@given(n=st.integers(1, 8), k=st.integers(1, 4), s=st.integers(1, 3), p=st.integers(0, 2), d=st.integers(1, 2),
       op=st.integers(0, 2))
def test_transposed_output_size_matches_conv_transpose2d(n, k, s, p, d, op):
    try:
        size = conv_transpose_output_size(n, k, stride=s, padding=p, output_padding=op, dilation=d)
    except ValueError:
        with pytest.raises(RuntimeError):
            F.conv_transpose2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), stride=s, padding=p,
                               output_padding=op, dilation=d)
        return
    out = F.conv_transpose2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), stride=s, padding=p,
                             output_padding=op, dilation=d)
    assert size == out.shape[-1]


@pytest.mark.parametrize("c_in, c_out, k, groups, bias", [(3, 64, 3, 1, True), (64, 64, 3, 64, True),
                                                          (16, 32, 1, 1, False), (8, 12, (3, 5), 4, True)])
def test_parameters_and_multiply_adds_match_pytorch(c_in, c_out, k, groups, bias):
    layer = nn.Conv2d(c_in, c_out, k, groups=groups, bias=bias)
    assert conv_parameters(c_in, c_out, k, groups=groups, bias=bias) == sum(p.numel() for p in layer.parameters())
    x = torch.zeros(2, c_in, 9, 10)
    with FlopCounterMode(display=False) as counter:
        out = layer(x)
    # FlopCounterMode counts 2 flops (a multiply and an add) per multiply-add, for the whole batch of 2
    assert 2 * 2 * conv_multiply_adds(c_in, c_out, k, tuple(out.shape[2:]), groups=groups) == counter.get_total_flops()


def test_separable_savings_of_the_notes():
    """Depthwise + pointwise cost / standard cost = 1/C_out + 1/k^2 (a sum; S2's slide prints a product)."""
    c_in, c_out, k, size = 32, 64, 3, (16, 16)
    standard = conv_multiply_adds(c_in, c_out, k, size)
    separable = conv_multiply_adds(c_in, c_in, k, size, groups=c_in) + conv_multiply_adds(c_in, c_out, 1, size)
    assert separable / standard == pytest.approx(1 / c_out + 1 / k**2)


# ------------------------------------------------------------------------------------------- receptive fields
def _gradient_span(layers, n, unit):
    """Input indices with a non-zero gradient of output ``unit`` of a 1-D all-ones linear stack."""
    x = torch.zeros(1, 1, n, dtype=torch.float64, requires_grad=True)
    h = x
    for layer in layers:
        if layer.branch or layer.kind == "bn":
            continue
        if layer.kind == "conv":
            w = torch.ones(1, 1, layer.kernel_size, dtype=torch.float64)
            h = F.conv1d(h, w, stride=layer.stride, padding=layer.padding, dilation=layer.dilation)
        elif layer.kind in ("maxpool", "avgpool"):
            h = F.avg_pool1d(h, layer.kernel_size, layer.stride, layer.padding)  # same footprint as max pooling
        else:  # gap / fc: everything
            h = h.mean(dim=2, keepdim=True)
    h[0, 0, unit].backward()
    return np.flatnonzero(x.grad[0, 0].numpy())


def _check_span(layers, n, unit):
    """The gradient support lies inside the predicted field; when the field is inside the image, it spans it exactly."""
    row = network_summary(layers, n, 1)[-1]
    nonzero = _gradient_span(layers, n, unit)
    first = row["start"] + unit * row["jump"]
    last = first + row["rf"] - 1
    if nonzero.size:
        assert first <= nonzero.min() and nonzero.max() <= last, (layers, n, unit, row)
    if first >= 0 and last <= n - 1:  # no padding involved: both ends are real taps
        assert (nonzero.min(), nonzero.max()) == (first, last), (layers, n, unit, row)
    return nonzero, row


@st.composite
def stacks(draw):
    layers = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["conv", "conv", "maxpool", "avgpool"]))
        k = draw(st.integers(1, 4))
        d = draw(st.integers(1, 3)) if kind == "conv" else 1
        p = draw(st.integers(0, 2)) if kind == "conv" else draw(st.integers(0, k // 2))
        layers.append(Layer(kind, k, draw(st.integers(1, 3)), p, d, out_channels=1))
    return layers


@given(layers=stacks(), data=st.data())
def test_receptive_field_equals_gradient_span(layers, data):
    n = data.draw(st.integers(1, 60), label="n")
    try:
        rows = network_summary(layers, n, 1)
    except ValueError:
        return  # the stack does not fit: the error is the answer
    unit = data.draw(st.integers(0, rows[-1]["size"] - 1), label="unit")
    _check_span(layers, n, unit)
    row = rows[-1]
    inside = [i for i in range(row["size"]) if row["start"] + i * row["jump"] >= 0
              and row["start"] + i * row["jump"] + row["rf"] <= n]
    if inside:  # also one unit whose field lies fully inside the image (the exact check)
        _check_span(layers, n, inside[len(inside) // 2])


def test_dilation_leaves_holes_inside_the_receptive_field():
    layers = [Layer("conv", 3, dilation=4, out_channels=1)]
    nonzero, row = _check_span(layers, 20, 5)
    assert row["rf"] == 9 and len(nonzero) == 3  # span 9, but only 3 taps


def test_dilated_stack_grows_exponentially():
    """Dilations 1, 2, 4, 8 of 3-tap kernels: receptive field 2^(L+1) - 1 (Yu & Koltun 2016), without holes."""
    layers = [Layer("conv", 3, dilation=2**i, out_channels=1) for i in range(4)]
    nonzero, row = _check_span(layers, 40, 3)
    assert row["rf"] == 31 and len(nonzero) == 31


@pytest.mark.parametrize("name", list(PRESETS))
def test_preset_receptive_fields_equal_gradient_spans(name):
    layers, size, _ = preset(name)
    rows = network_summary(layers, size, 3)
    spatial = [lay for lay, r in zip(layers, rows) if not r["branch"] and lay.kind not in ("gap", "fc")]
    last = network_summary(spatial, size, 3)[-1]
    big = last["rf"] + 2 * abs(last["start"]) + 4 * last["jump"]  # wide enough for an unclipped field
    n_out = network_summary(spatial, big, 3)[-1]["size"]
    _, row = _check_span(spatial, big, n_out // 2)
    assert row["rf"] == last["rf"]
    _check_span(spatial, size, last["size"] // 2)  # at the real input size the field is clipped by padding


# ----------------------------------------------------------------------------------- presets vs torch modules
def _vgg16():
    layers, c = [], 3
    for out, reps in [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]:
        for _ in range(reps):
            layers += [nn.Conv2d(c, out, 3, padding=1), nn.ReLU()]
            c = out
        layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(512 * 49, 4096), nn.ReLU(), nn.Linear(4096, 4096),
                         nn.ReLU(), nn.Linear(4096, 1000))


class _Block(nn.Module):
    def __init__(self, c_in, c_out, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.down = (nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))
                     if stride != 1 or c_in != c_out else nn.Identity())

    def forward(self, x):
        return torch.relu(self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x))))) + self.down(x))


def _resnet18():
    blocks, c = [], 64
    for out in (64, 128, 256, 512):
        blocks += [_Block(c, out, 1 if out == 64 else 2), _Block(out, out, 1)]
        c = out
    return nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1),
                         *blocks, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, 1000))


def _alexnet():
    return nn.Sequential(
        nn.Conv2d(3, 64, 11, 4, 2), nn.ReLU(), nn.MaxPool2d(3, 2), nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(),
        nn.MaxPool2d(3, 2), nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(), nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(),
        nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2), nn.Flatten(), nn.Linear(256 * 36, 4096),
        nn.ReLU(), nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, 1000))


def _lenet():
    return nn.Sequential(nn.Conv2d(1, 6, 5), nn.Tanh(), nn.AvgPool2d(2), nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2),
                         nn.Conv2d(16, 120, 5), nn.Tanh(), nn.Flatten(), nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, 10))


# Published counts: torchvision's model cards (AlexNet, VGG-16, ResNet-18); LeNet-5 with a fully connected C3.
PUBLISHED = {"LeNet-5": 61_706, "AlexNet": 61_100_840, "VGG-16": 138_357_544, "ResNet-18": 11_689_512}
MODULES = {"LeNet-5": _lenet, "AlexNet": _alexnet, "VGG-16": _vgg16, "ResNet-18": _resnet18}


@pytest.mark.parametrize("name", list(PRESETS))
def test_preset_parameters_match_torch_modules_and_published_numbers(name):
    layers, size, channels = preset(name)
    rows = network_summary(layers, size, channels)
    with torch.device("meta"):  # shapes only: no memory for 138 M weights
        model = MODULES[name]()
        out = model(torch.empty(1, channels, size, size))
    assert sum(r["params"] for r in rows) == sum(p.numel() for p in model.parameters()) == PUBLISHED[name]
    assert tuple(out.shape) == (1, rows[-1]["channels"])


def test_vgg16_sizes_and_receptive_field():
    rows = {r["name"]: r for r in network_summary(*preset("VGG-16"))}
    assert rows["pool5"]["size"] == 7 and rows["pool5"]["channels"] == 512
    assert rows["conv5_3"]["rf"] == 196 and rows["pool5"]["rf"] == 212 and rows["pool5"]["jump"] == 32


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: conv_output_size(0, 3), "The 'n' argument of conv_output_size must be an int >= 1. Got 0 instead."),
        (lambda: conv_output_size(5, 3, stride=0), "The 'stride' argument of conv_output_size must be an int >= 1."),
        (lambda: conv_output_size(2, 3, dilation=2), "the effective kernel size d*(k-1)+1 = 5 is larger than"),
        (lambda: conv_output_size(5, 3, padding=-1), "The 'padding' argument of conv_output_size must be an int >= 0."),
        (lambda: resolve_padding("same", 3, stride=2), "can be 'same' only with stride 1"),
        (lambda: conv_parameters(6, 4, 3, groups=4), "The 'groups' argument of conv_parameters must divide"),
        (lambda: conv_transpose_output_size(3, 3, stride=2, output_padding=2), "must be smaller than stride or dilation"),
        (lambda: network_summary([Layer("conv", 7, out_channels=2)], 5), "Layer 0 (conv0) of network_summary does not fit"),
        (lambda: network_summary([Layer("dense")], 5), "Layer 0 of network_summary must be a Layer with kind in"),
        (lambda: preset("ResNet-50"), "The 'name' argument of preset must be one of"),
    ],
)
def test_validation_messages(call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert message in str(info.value)
