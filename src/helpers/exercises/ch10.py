"""Checkers for chapter 10 (CNN architectures). Each compares with a torch module or an independent count."""

from __future__ import annotations

import numpy as np

from ._report import report


def _params(module) -> int:
    return sum(p.numel() for p in module.parameters())


def check_vgg_stack(stack_params, single_params) -> bool:
    """Parameters (with biases) of three 3x3 convs 64 -> 64 and of one 7x7 conv 64 -> 64 (same receptive field)."""
    from torch import nn

    stack = nn.Sequential(*[nn.Conv2d(64, 64, 3, padding=1) for _ in range(3)])
    single = nn.Conv2d(64, 64, 7, padding=3)
    ok = stack_params == _params(stack) and single_params == _params(single)
    return report(ok, "3x3 stack vs 7x7", "each conv has C_out * C_in * k * k weights and C_out biases.")


def check_stack_ratio(ratio) -> bool:
    """``ratio(S)``: weights of S stacked 3x3 convs (D -> D) over those of one (2S+1)x(2S+1) conv, biases ignored."""
    name = "stack ratio"
    for s in range(1, 7):
        want = s * 9 / (2 * s + 1) ** 2
        try:
            got = float(ratio(s))
        except Exception as err:  # noqa: BLE001 - the reader's code may raise anything
            return report(False, name, f"ratio({s}) raised {err!r}.")
        if not np.isclose(got, want, rtol=1e-9):
            return report(False, name, f"ratio({s}) = {got:.4f}; counting weights gives {want:.4f}. "
                                       "Both counts have a factor D * D.")
    return report(True, name)


def check_inception_macs(naive, reduced) -> bool:
    """Multiply-adds of a 5x5 conv 192 -> 32 on 28x28 (padding 2), directly and after a 1x1 reduction to 16."""
    from helpers.conv_arithmetic import conv_multiply_adds

    want_naive = conv_multiply_adds(192, 32, 5, 28)
    want_reduced = conv_multiply_adds(192, 16, 1, 28) + conv_multiply_adds(16, 32, 5, 28)
    ok = naive == want_naive and reduced == want_reduced
    return report(ok, "Inception multiply-adds", "every output value costs C_in * k * k multiply-adds; "
                                                 "add the two convolutions of the reduced path.")


def check_residual_forward(forward) -> bool:
    """``forward(block, x)`` must reproduce ``BasicBlock.forward`` from the block's layers, with and without stride."""
    import torch

    from helpers.architectures import BasicBlock

    name = "residual block"
    gen = torch.Generator().manual_seed(0)
    for c_in, c_out, stride in ((8, 8, 1), (8, 16, 2)):
        torch.manual_seed(1)
        block = BasicBlock(c_in, c_out, stride).eval()
        x = torch.randn(2, c_in, 6, 6, generator=gen)
        try:
            with torch.no_grad():
                got = forward(block, x)
        except Exception as err:  # noqa: BLE001
            return report(False, name, f"your function raised {err!r} for stride {stride}.")
        with torch.no_grad():
            want = block(x)
        if not isinstance(got, torch.Tensor) or got.shape != want.shape or not torch.allclose(got, want, atol=1e-5):
            return report(False, name, f"wrong output for {c_in} -> {c_out} channels, stride {stride}: did you add "
                                       "block.shortcut(x) before the last ReLU?")
    return report(True, name)


def check_iou(iou) -> bool:
    """``iou(a, b)`` of two boxes ``(x1, y1, x2, y2)``, compared with :func:`helpers.detection.box_iou`."""
    from helpers.detection import box_iou

    name = "IoU"
    rng = np.random.default_rng(0)
    cases = [((0, 0, 2, 2), (1, 1, 3, 3)), ((0, 0, 1, 1), (2, 2, 3, 3)), ((0, 0, 4, 4), (1, 1, 2, 2)),
             ((0, 0, 2, 1), (2, 0, 3, 1))]
    for _ in range(20):
        p = np.sort(rng.uniform(0, 10, size=(2, 2, 2)), axis=1)  # sorted corners: a valid box each
        cases.append(tuple((float(q[0, 0]), float(q[0, 1]), float(q[1, 0]), float(q[1, 1])) for q in p))
    for a, b in cases:
        want = float(box_iou(np.array([a]), np.array([b]))[0, 0])
        try:
            got = float(iou(a, b))
        except Exception as err:  # noqa: BLE001
            return report(False, name, f"iou({a}, {b}) raised {err!r}.")
        if not np.isclose(got, want, atol=1e-9):
            return report(False, name, f"iou({a}, {b}) = {got:.4f}, expected {want:.4f}.")
    return report(True, name)


def check_se_parameters(count) -> bool:
    """Parameters of an SE block on 64 channels with reduction 16 (two dense layers with biases)."""
    from helpers.architectures import SEBlock

    return report(count == _params(SEBlock(64, 16)), "SE parameters", "dense 64 -> 4 and dense 4 -> 64, with biases.")
