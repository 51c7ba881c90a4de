"""Checkers for chapter 9 (Introduction to CNNs). Each compares with PyTorch or with an independent count and
says what is wrong and why; an untouched stub gets "not attempted yet"."""

from __future__ import annotations

import numpy as np

from ._report import as_float, attempt, diagnose, not_attempted, report

# The max-pooling examples of the lecture notes (2x2 windows, stride 2), with their printed outputs.
NOTES_POOLING = [
    ([[3, 1, 3, 5], [6, 0, 7, 9], [3, 2, 1, 4], [0, 2, 4, 3]], [[6, 9], [3, 4]]),
    ([[1, 3, 5, 3], [4, 2, 3, 1], [3, 1, 1, 3], [0, 1, 0, 4]], [[4, 5], [3, 4]]),
    ([[5, 3, 5, 7], [2, 8, 2, 4], [3, 2, 6, 1], [1, 5, 0, 5]], [[8, 7], [5, 6]]),
]


def check_transposed_output_size(output_size) -> bool | None:
    """``output_size(n, k, s, p)``: the length of ``F.conv_transpose1d``'s output for an input of length n."""
    import torch
    import torch.nn.functional as F

    name = "transposed-convolution output size"
    task = ("A transposed convolution is the backward pass of a convolution: find the input length m of the "
            "convolution (k, s, p) whose output has length n.")
    for n in range(1, 9):
        for k in range(1, 6):
            for s in (1, 2, 3):
                for p in range(0, k):
                    if (n - 1) * s + k - 2 * p < 1:
                        continue  # PyTorch refuses an empty output
                    want = F.conv_transpose1d(torch.zeros(1, 1, n), torch.zeros(1, 1, k), stride=s,
                                              padding=p).shape[-1]
                    state, got = attempt(output_size, n, k, s, p, name=name, task=task, convert=int)
                    if not state:
                        return state
                    if got == want:
                        continue
                    hint = diagnose(got, [
                        ((n + 2 * p - k) // s + 1, "that is the forward convolution's size: a transposed "
                                                   "convolution goes the other way."),
                        (n * s, "n * s counts only the stamps' starting points; the last stamp adds k - s more "
                                "pixels."),
                        ((n - 1) * s + k, "right without padding; padding p crops p pixels from each side of the "
                                          "output.")],
                        otherwise="solve n = (m + 2p - k) // s + 1 for the smallest m.", same=int.__eq__)
                    return report(False, name, f"output_size(n={n}, k={k}, s={s}, p={p}) = {got}, "
                                               f"F.conv_transpose1d gives {want}: {hint}")
    return report(True, name)


def check_parameter_count(count, grouped_count=None) -> bool | None:
    """Parameters of ``nn.Conv2d(64, 128, 3)`` and of ``nn.Conv2d(64, 128, 3, groups=4)``, both with bias."""
    from torch import nn

    name = "parameter count"
    if count is None and grouped_count is None:
        return not_attempted(name, "Set conv_params and grouped_params to your two counts.")
    plain = sum(p.numel() for p in nn.Conv2d(64, 128, 3).parameters())
    grouped = sum(p.numel() for p in nn.Conv2d(64, 128, 3, groups=4).parameters())
    if count != plain:
        hint = ("one bias per filter is missing." if count == plain - 128 else
                "each of the C_out filters spans all C_in channels: C_out * C_in * k * k weights, plus C_out biases.")
        return report(False, name, f"nn.Conv2d(64, 128, 3): {count} is not right; {hint}")
    if grouped_count is not None and grouped_count != grouped:
        hint = ("with groups=4 each filter sees only C_in / 4 channels; the biases stay one per filter."
                if grouped_count != plain else "groups=4 divides the weights by 4 (each filter sees C_in / 4 channels).")
        return report(False, name, f"nn.Conv2d(64, 128, 3, groups=4): {grouped_count} is not right; {hint}")
    if grouped_count is None:
        return not_attempted(name, "The plain count is right; now set grouped_params.")
    return report(True, name)


def _field_by_gradient() -> int:
    """Receptive field of conv3 -> conv3 -> pool2 (stride 2) -> conv3 -> conv3, by the gradient span."""
    import torch
    import torch.nn.functional as F

    x = torch.zeros(1, 1, 64, dtype=torch.float64, requires_grad=True)
    w = torch.ones(1, 1, 3, dtype=torch.float64)
    h = F.conv1d(F.conv1d(F.avg_pool1d(F.conv1d(F.conv1d(x, w), w), 2), w), w)
    h[0, 0, h.shape[-1] // 2].backward()
    nonzero = np.flatnonzero(x.grad[0, 0].numpy())
    return int(nonzero.max() - nonzero.min() + 1)


def check_receptive_field(rf) -> bool | None:
    """Receptive field of conv3 -> conv3 -> pool2 (stride 2) -> conv3 -> conv3, checked by the gradient span."""
    name = "receptive field"
    if rf is None:
        return not_attempted(name, "Set rf to your prediction (a number of input pixels).")
    want = _field_by_gradient()
    if rf == want:
        return report(True, name)
    if rf == 2 * 4 + 1 + 1:  # every layer adds k - 1 = 2, the pool 1: the stride was ignored
        hint = "after the stride-2 pooling each step of a later layer is 2 input pixels: multiply its k - 1 by 2."
    else:
        hint = "apply r_l = r_(l-1) + (k_l - 1) * j_(l-1), where the jump j is the product of the earlier strides."
    return report(False, name, f"{rf} is not right: {hint}")


def check_max_pool(max_pool) -> bool | None:
    """``max_pool(a)``: 2x2 max pooling with stride 2 of a 2-D array, tested on the notes' examples and a random one."""
    name = "max pooling"
    rng = np.random.default_rng(0)
    cases = [(np.array(a, dtype=float), np.array(b, dtype=float)) for a, b in NOTES_POOLING]
    big = rng.normal(size=(6, 8))
    cases.append((big, big.reshape(3, 2, 4, 2).max(axis=(1, 3))))
    for a, want in cases:
        state, got = attempt(max_pool, a.copy(), name=name, convert=as_float,
                             task="Reshape (H, W) to (H/2, 2, W/2, 2) and take the maximum over the two window axes.")
        if not state:
            return state
        if got.shape != want.shape or not np.allclose(got, want):
            hint = ("the windows are 2 x 2 blocks of neighbouring pixels: after a reshape to (H/2, 2, W/2, 2) they "
                    "are axes 1 and 3." if got.shape == want.shape else f"the output has shape {want.shape}.")
            return report(False, name, f"for input\n{a}\nexpected\n{want}\ngot\n{got}\n{hint}")
    return report(True, name)


def check_conv_matrix(conv_matrix) -> bool | None:
    """``conv_matrix(w, n)``: the ``(n - k + 1, n)`` matrix ``M`` with ``M @ x == F.conv1d(x, w)`` (valid
    correlation with a 1-D kernel ``w`` of length k); its transpose must then be ``F.conv_transpose1d``."""
    import torch
    import torch.nn.functional as F

    name = "convolution as a matrix"
    task = "Row i holds the kernel at columns i, ..., i + k - 1 (a correlation: not flipped), zeros elsewhere."
    rng = np.random.default_rng(90)
    for n, k in ((5, 3), (8, 2), (7, 7), (6, 1)):
        w, x = rng.normal(size=k), rng.normal(size=n)
        state, m = attempt(conv_matrix, w.copy(), n, name=name, task=task, convert=as_float)
        if not state:
            return state
        want = F.conv1d(torch.from_numpy(x)[None, None], torch.from_numpy(w)[None, None])[0, 0].numpy()
        if m.shape != (n - k + 1, n):
            return report(False, name, f"for n = {n}, k = {k} the matrix must have shape {(n - k + 1, n)} (one row "
                                       f"per output, one column per input); got {m.shape}.")
        if not np.allclose(m @ x, want, rtol=1e-10, atol=1e-12):
            flipped = np.allclose(m @ x, F.conv1d(torch.from_numpy(x)[None, None],
                                                  torch.from_numpy(w[::-1].copy())[None, None])[0, 0].numpy())
            hint = ("that is a true convolution (flipped kernel); PyTorch's conv1d correlates." if flipped else task)
            return report(False, name, f"M @ x differs from F.conv1d(x, w) for n = {n}, k = {k}: {hint}")
        y = rng.normal(size=n - k + 1)
        adjoint = F.conv_transpose1d(torch.from_numpy(y)[None, None], torch.from_numpy(w)[None, None])[0, 0].numpy()
        assert np.allclose(m.T @ y, adjoint)  # follows from the forward check: the transposed convolution is M^T
    return report(True, name)
