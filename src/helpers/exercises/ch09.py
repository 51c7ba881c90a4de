"""Checkers for chapter 9 (Introduction to CNNs). Each compares with PyTorch or with an independent count."""

from __future__ import annotations

import numpy as np

from ._report import report

# The max-pooling examples of the lecture notes (2x2 windows, stride 2), with their printed outputs.
NOTES_POOLING = [
    ([[3, 1, 3, 5], [6, 0, 7, 9], [3, 2, 1, 4], [0, 2, 4, 3]], [[6, 9], [3, 4]]),
    ([[1, 3, 5, 3], [4, 2, 3, 1], [3, 1, 1, 3], [0, 1, 0, 4]], [[4, 5], [3, 4]]),
    ([[5, 3, 5, 7], [2, 8, 2, 4], [3, 2, 6, 1], [1, 5, 0, 5]], [[8, 7], [5, 6]]),
]


def check_output_size(output_size) -> bool:
    """``output_size(n, k, s, p, d)`` must equal the length of ``F.conv1d``'s output for every legal setting."""
    import torch
    import torch.nn.functional as F

    name = "output size"
    for n in range(1, 12):
        for k in range(1, 5):
            for s in (1, 2, 3):
                for p in (0, 1, 2):
                    for d in (1, 2):
                        if n + 2 * p < d * (k - 1) + 1:
                            continue
                        want = F.conv1d(torch.zeros(1, 1, n), torch.zeros(1, 1, k), stride=s, padding=p,
                                        dilation=d).shape[-1]
                        try:
                            got = output_size(n, k, s, p, d)
                        except Exception as err:  # noqa: BLE001 - the reader's code may raise anything
                            return report(False, name, f"output_size({n}, {k}, {s}, {p}, {d}) raised {err!r}.")
                        if got != want:
                            return report(False, name, f"output_size(n={n}, k={k}, s={s}, p={p}, d={d}) = {got}, "
                                                       f"PyTorch gives {want}. Floor, not ceiling?")
    return report(True, name)


def check_parameter_count(count) -> bool:
    """Parameters of ``nn.Conv2d(64, 128, 3)`` with bias."""
    from torch import nn

    want = sum(p.numel() for p in nn.Conv2d(64, 128, 3).parameters())
    return report(count == want, "parameter count", "weights C_out * C_in * k * k, plus one bias per filter.")


def check_receptive_field(rf) -> bool:
    """Receptive field of conv3 -> conv3 -> pool2 (stride 2) -> conv3 -> conv3, by the gradient span."""
    import torch
    import torch.nn.functional as F

    x = torch.zeros(1, 1, 64, dtype=torch.float64, requires_grad=True)
    w = torch.ones(1, 1, 3, dtype=torch.float64)
    h = F.conv1d(F.conv1d(F.avg_pool1d(F.conv1d(F.conv1d(x, w), w), 2), w), w)
    h[0, 0, h.shape[-1] // 2].backward()
    nonzero = np.flatnonzero(x.grad[0, 0].numpy())
    want = int(nonzero.max() - nonzero.min() + 1)
    return report(rf == want, "receptive field", "apply r_l = r_(l-1) + (k_l - 1) * (product of earlier strides).")


def check_max_pool(max_pool) -> bool:
    """``max_pool(a)``: 2x2 max pooling with stride 2 of a 2-D array, tested on the notes' examples and a random one."""
    name = "max pooling"
    rng = np.random.default_rng(0)
    cases = [(np.array(a, dtype=float), np.array(b, dtype=float)) for a, b in NOTES_POOLING]
    big = rng.normal(size=(6, 8))
    cases.append((big, big.reshape(3, 2, 4, 2).max(axis=(1, 3))))
    for a, want in cases:
        try:
            got = np.asarray(max_pool(a.copy()), dtype=float)
        except Exception as err:  # noqa: BLE001
            return report(False, name, f"your function raised {err!r}.")
        if got.shape != want.shape or not np.allclose(got, want):
            return report(False, name, f"for input\n{a}\nexpected\n{want}\ngot\n{got}")
    return report(True, name)


def check_separable_ratio(ratio) -> bool:
    """Multiply-adds of a depthwise-separable 3x3 conv (32 -> 64 channels) divided by those of a standard one."""
    from helpers.conv_arithmetic import conv_multiply_adds

    std = conv_multiply_adds(32, 64, 3, 16)
    sep = conv_multiply_adds(32, 32, 3, 16, groups=32) + conv_multiply_adds(32, 64, 1, 16)
    ok = abs(float(ratio) - sep / std) < 1e-3
    return report(ok, "separable cost ratio", "depthwise: H W C k^2; pointwise: H W C C_out; standard: H W C C_out k^2.")
