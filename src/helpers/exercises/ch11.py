"""Checkers for chapter 11 (Recurrent neural networks)."""

from __future__ import annotations

import math

import numpy as np

from ..numpy_impl import clip_grad_norm, gru_cell_forward, lstm_cell_forward, rnn_cell_forward
from ._report import call, report


def _random_cell(rng, gates, N=3, D=4, H=5):
    return (
        rng.standard_normal((N, D)),
        rng.standard_normal((N, H)),
        rng.normal(0, 0.5, (gates * H, D)),
        rng.normal(0, 0.5, (gates * H, H)),
        rng.normal(0, 0.2, gates * H),
        rng.normal(0, 0.2, gates * H),
    )


def check_rnn_step(step) -> bool:
    """``step(x, h, w_ih, w_hh, b_ih, b_hh)`` -> tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    args = _random_cell(np.random.default_rng(11), 1)
    ok, got = call(step, *args, name="RNN step")
    if not ok:
        return False
    expected = rnn_cell_forward(*args)[0]
    got = np.asarray(got, dtype=np.float64)
    if got.shape != expected.shape:
        return report(False, "RNN step", f"expected shape {expected.shape}, got {got.shape}.")
    return report(
        np.allclose(got, expected), "RNN step", "check the transposes and that both biases are added."
    )


def check_lstm_step(step) -> bool:
    """``step(x, h, c, w_ih, w_hh, b_ih, b_hh)`` -> (h_next, c_next), blocks in the order i, f, g, o."""
    x, h, w_ih, w_hh, b_ih, b_hh = _random_cell(np.random.default_rng(12), 4)
    c = np.random.default_rng(13).standard_normal(h.shape)
    ok, got = call(step, x, h, c, w_ih, w_hh, b_ih, b_hh, name="LSTM step")
    if not ok:
        return False
    (h_ref, c_ref), _ = lstm_cell_forward(x, h, c, w_ih, w_hh, b_ih, b_hh)
    try:
        h_got, c_got = (np.asarray(a, dtype=np.float64) for a in got)
    except (TypeError, ValueError):
        return report(False, "LSTM step", "return the pair (h_next, c_next).")
    if h_got.shape != h_ref.shape or c_got.shape != c_ref.shape:
        return report(False, "LSTM step", f"both outputs must have shape {h_ref.shape}.")
    if not np.allclose(c_got, c_ref):
        return report(
            False,
            "LSTM step",
            "c_next is wrong: c_next = f * c + i * g with i, f sigmoid and g tanh; "
            "blocks in the order i, f, g, o.",
        )
    return report(
        np.allclose(h_got, h_ref),
        "LSTM step",
        "c_next is right but h_next is not: h_next = o * tanh(c_next) with a SIGMOID output gate o.",
    )


def check_gru_step(step) -> bool:
    """``step(x, h, w_ih, w_hh, b_ih, b_hh)`` -> h_next of PyTorch's GRU (order r, z, n)."""
    args = _random_cell(np.random.default_rng(14), 3)
    ok, got = call(step, *args, name="GRU step")
    if not ok:
        return False
    expected = gru_cell_forward(*args)[0]
    got = np.asarray(got, dtype=np.float64)
    if got.shape != expected.shape:
        return report(False, "GRU step", f"expected shape {expected.shape}, got {got.shape}.")
    return report(
        np.allclose(got, expected),
        "GRU step",
        "the reset gate multiplies (h W_hn^T + b_hn), and h_next = (1 - z) * n + z * h.",
    )


def check_vanishing_steps(k: int, *, rho: float = 0.9, tol: float = 1e-3) -> bool:
    """The smallest k with rho^k < tol: after k steps back the bound ||W||^k on the gradient is below tol."""
    expected = math.ceil(math.log(tol) / math.log(rho))
    if rho**expected >= tol:  # guard the ceiling against rounding
        expected += 1
    ok = isinstance(k, (int, np.integer)) and int(k) == expected
    return report(
        ok, "vanishing steps", f"find the smallest integer k with {rho}^k < {tol:g} (take logarithms)."
    )


def check_lstm_parameter_count(n: int, *, input_size: int = 10, hidden_size: int = 20) -> bool:
    """Parameters of ``torch.nn.LSTM(input_size, hidden_size)``: 4 blocks, each with W_ih, W_hh, 2 biases."""
    expected = 4 * hidden_size * (input_size + hidden_size + 2)
    return report(
        int(n) == expected,
        "LSTM parameter count",
        "count W_ih (4H x D), W_hh (4H x H), b_ih and b_hh (4H each).",
    )


def check_clip_by_norm(clip) -> bool:
    """``clip(grads, max_norm)`` -> arrays rescaled by min(1, max_norm / norm of ALL entries)."""
    rng = np.random.default_rng(15)
    grads = [rng.standard_normal((3, 4)) * 4, rng.standard_normal(5) * 4]
    for max_norm in (1.0, 1e3):
        ok, got = call(clip, [g.copy() for g in grads], max_norm, name="clip by norm")
        if not ok:
            return False
        expected, _ = clip_grad_norm(grads, max_norm=max_norm)
        ok = len(got) == len(expected) and all(
            np.shape(a) == b.shape and np.allclose(a, b, rtol=1e-5)
            for a, b in zip(got, expected, strict=False)
        )
        if not ok:
            return report(
                False,
                "clip by norm",
                f"with max_norm={max_norm:g}: one factor for all arrays, computed "
                "from the norm of all entries together; no change if already small.",
            )
    return report(True, "clip by norm")
