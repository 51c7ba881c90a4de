"""Checkers for chapter 11 (Recurrent neural networks).

Each checker runs the reader's answer on inputs of its own, compares it with the book's reference (tested
against ``torch.nn.RNN``/``LSTM``/``GRU``), and words the first difference as the mistake that usually causes
it. An untouched stub (a body of ``...``, an answer still ``None``) gets "not attempted yet" instead of a ❌.
"""

from __future__ import annotations

import math

import numpy as np

from ..numpy_impl import (
    clip_grad_norm,
    gru_cell_backward,
    gru_cell_forward,
    lstm_cell_forward,
    rnn_cell_forward,
)
from ._report import attempt, not_attempted, report


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _random_cell(rng, gates, N=3, D=4, H=5):
    return (
        rng.standard_normal((N, D)),
        rng.standard_normal((N, H)),
        rng.normal(0, 0.5, (gates * H, D)),
        rng.normal(0, 0.5, (gates * H, H)),
        rng.normal(0, 0.2, gates * H),
        rng.normal(0, 0.2, gates * H),
    )


def _as_array(result):
    return np.asarray(result, dtype=np.float64)


def check_rnn_step(step):
    """``step(x, h, w_ih, w_hh, b_ih, b_hh)`` -> tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    name = "RNN step"
    x, h, w_ih, w_hh, b_ih, b_hh = args = _random_cell(np.random.default_rng(11), 1)
    state, got = attempt(step, *args, name=name, convert=_as_array,
                         task="Return tanh(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh), shape (N, H).")
    if not state:
        return state
    expected = rnn_cell_forward(*args)[0]
    if got.shape != expected.shape:
        return report(False, name, f"expected shape {expected.shape} (N, H), got {got.shape}.")
    a = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
    if np.allclose(got, a):
        return report(False, name, "that is the pre-activation: apply tanh to it.")
    if np.allclose(got, np.tanh(a - b_hh)) or np.allclose(got, np.tanh(a - b_ih)):
        return report(False, name, "add both biases, b_ih and b_hh (PyTorch keeps two; only their sum matters).")
    return report(np.allclose(got, expected), name, "compare with tanh(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh).")


def _lstm_variant(x, h, c, w_ih, w_hh, b_ih, b_hh, *, order="ifgo", g_act=np.tanh, o_act=_sigmoid):
    blocks = dict(zip(order, np.split(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh, 4, axis=1), strict=True))
    i, f, g, o = _sigmoid(blocks["i"]), _sigmoid(blocks["f"]), g_act(blocks["g"]), o_act(blocks["o"])
    c_next = f * c + i * g
    return o * np.tanh(c_next), c_next


def check_lstm_step(step):
    """``step(x, h, c, w_ih, w_hh, b_ih, b_hh)`` -> (h_next, c_next), blocks in the order i, f, g, o."""
    name = "LSTM step"
    x, h, w_ih, w_hh, b_ih, b_hh = _random_cell(np.random.default_rng(12), 4)
    c = np.random.default_rng(13).standard_normal(h.shape)
    args = (x, h, c, w_ih, w_hh, b_ih, b_hh)
    state, got = attempt(step, *args, name=name,
                         task="Return the pair (h_next, c_next); the four blocks of the pre-activation are "
                              "in PyTorch's order (i, f, g, o).")
    if not state:
        return state
    (h_ref, c_ref), _ = lstm_cell_forward(*args)
    try:
        h_got, c_got = (_as_array(a) for a in got)
    except (TypeError, ValueError):
        return report(False, name, "return the pair (h_next, c_next).")
    if h_got.shape != h_ref.shape or c_got.shape != c_ref.shape:
        return report(False, name, f"both outputs must have shape {h_ref.shape} (N, H).")
    if not np.allclose(c_got, c_ref):
        if np.allclose(c_got, _lstm_variant(*args, order="ifog")[1]):
            return report(False, name, "you split the blocks as (i, f, o, g); PyTorch stacks them (i, f, g, o).")
        if np.allclose(c_got, _lstm_variant(*args, g_act=_sigmoid)[1]):
            return report(False, name, "the candidate g must be a tanh, not a sigmoid: a sigmoid candidate can "
                                       "only ever add to the memory.")
        return report(False, name, "c_next is wrong: c_next = f * c + i * g with i, f sigmoid and g tanh; "
                                   "blocks in the order (i, f, g, o).")
    if np.allclose(h_got, _lstm_variant(*args, o_act=np.tanh)[0]):
        return report(False, name, "c_next is right, but h_next = o * tanh(c_next) needs a SIGMOID output gate o "
                                   "(a gate in (0, 1)), not a tanh.")
    return report(np.allclose(h_got, h_ref), name,
                  "c_next is right but h_next is not: h_next = o * tanh(c_next) with a sigmoid output gate o.")


def check_gru_step(step):
    """``step(x, h, w_ih, w_hh, b_ih, b_hh)`` -> h_next of PyTorch's GRU (order r, z, n)."""
    name = "GRU step"
    x, h, w_ih, w_hh, b_ih, b_hh = args = _random_cell(np.random.default_rng(14), 3)
    state, got = attempt(step, *args, name=name, convert=_as_array,
                         task="Return h_next of torch.nn.GRU: blocks (r, z, n), the reset gate multiplies "
                              "(h @ W_hn.T + b_hn).")
    if not state:
        return state
    expected = gru_cell_forward(*args)[0]
    if got.shape != expected.shape:
        return report(False, name, f"expected shape {expected.shape} (N, H), got {got.shape}.")
    xr, xz, xn = np.split(x @ w_ih.T + b_ih, 3, axis=1)
    hr, hz, hn = np.split(h @ w_hh.T + b_hh, 3, axis=1)
    r, z = _sigmoid(xr + hr), _sigmoid(xz + hz)
    n = np.tanh(xn + r * hn)
    if np.allclose(got, z * n + (1 - z) * h):
        return report(False, name, "z and 1 - z are swapped: in PyTorch z weights the OLD state, "
                                   "h_next = (1 - z) * n + z * h.")
    w_hn, b_hn = np.split(w_hh, 3)[2], np.split(b_hh, 3)[2]
    n_cho = np.tanh(xn + (r * h) @ w_hn.T + b_hn)
    if np.allclose(got, (1 - z) * n_cho + z * h):
        return report(False, name, "that is Cho et al.'s original GRU (reset before the matrix product); "
                                   "PyTorch applies r after it: r * (h @ W_hn.T + b_hn).")
    return report(np.allclose(got, expected), name,
                  "the reset gate multiplies (h @ W_hn.T + b_hn), and h_next = (1 - z) * n + z * h.")


_GRU_GRADS = ("dx", "dh", "dw_ih", "dw_hh", "db_ih", "db_hh")


def check_gru_step_backward(backward):
    """``backward(dh_next, x, h, w_ih, w_hh, b_ih, b_hh)`` -> (dx, dh, dw_ih, dw_hh, db_ih, db_hh) of one GRU step.

    Compared with the book's hand-written ``gru_cell_backward`` (itself checked against autograd and finite
    differences); the first wrong gradient is named with the path the reader most likely missed.
    """
    name = "GRU step backward"
    args = _random_cell(np.random.default_rng(16), 3)
    x, h, w_ih, w_hh, b_ih, b_hh = args
    h_next, cache = gru_cell_forward(*args)
    dh_next = np.random.default_rng(17).standard_normal(h_next.shape)
    state, got = attempt(backward, dh_next, *args, name=name,
                         task="Return the six gradients (dx, dh, dw_ih, dw_hh, db_ih, db_hh) of one GRU step.")
    if not state:
        return state
    expected = gru_cell_backward(dh_next, cache)
    try:
        got = [_as_array(g) for g in got]
    except (TypeError, ValueError):
        return report(False, name, "return a tuple of six arrays (dx, dh, dw_ih, dw_hh, db_ih, db_hh).")
    if len(got) != 6:
        return report(False, name, f"return six gradients (dx, dh, dw_ih, dw_hh, db_ih, db_hh); got {len(got)}.")
    _, _, r, z, n, hn = cache[2:]
    hints = {
        "dh": "h reaches h_next on two paths: directly through z * h (giving dh_next * z) and through the "
              "three blocks of h @ w_hh.T + b_hh (the n block scaled by r).",
        "dx": "x enters only through x @ w_ih.T + b_ih: dx = (gradient of the three input blocks) @ w_ih.",
        "dw_ih": "dw_ih = (gradient of the input blocks r, z, n).T @ x.",
        "dw_hh": "the n block of h @ w_hh.T sits inside r * (...): its gradient is the n block's times r.",
        "db_ih": "db_ih sums the input blocks' gradients over the batch.",
        "db_hh": "b_hh's n block is inside r * (h @ W_hn.T + b_hn): its gradient is multiplied by r, unlike b_ih's.",
    }
    for g_name, g, ref in zip(_GRU_GRADS, got, expected, strict=True):
        if g.shape != ref.shape:
            return report(False, name, f"{g_name} must have shape {ref.shape}, got {g.shape}"
                                       + (": weights are stored (out, in)." if g.shape == ref.shape[::-1] else "."))
    for g_name, g, ref in zip(_GRU_GRADS, got, expected, strict=True):
        if np.allclose(g, ref, atol=1e-10):
            continue
        if g_name == "dh" and np.allclose(g, ref - dh_next * z, atol=1e-10):
            return report(False, name, "dh misses the direct path: h_next = (1 - z) * n + z * h also contains "
                                       "z * h, which adds dh_next * z.")
        if g_name == "db_hh" and np.allclose(g, expected[4], atol=1e-10):
            return report(False, name, "db_hh is not db_ih: " + hints["db_hh"])
        return report(False, name, f"{g_name} is wrong. {hints[g_name]}")
    return report(True, name)


def check_vanishing_steps(k, *, rho: float = 0.9, tol: float = 1e-3):
    """The smallest k with rho^k < tol: after k steps back the bound ||W||^k on the gradient is below tol."""
    name = "vanishing steps"
    if k is None:
        return not_attempted(name, f"Set k to the smallest whole number of steps with {rho}^k < {tol:g}.")
    expected = math.ceil(math.log(tol) / math.log(rho))
    if rho**expected >= tol:  # guard the ceiling against rounding
        expected += 1
    if not isinstance(k, (int, np.integer)):
        return report(False, name, f"a number of steps is a whole number; got {k!r}.")
    if int(k) == expected - 1:
        return report(False, name, f"{rho}^{int(k)} = {rho ** int(k):.5f} is not yet below {tol:g}: round up.")
    return report(int(k) == expected, name, f"find the smallest integer k with {rho}^k < {tol:g} "
                                            "(take logarithms; dividing by log 0.9 < 0 flips the inequality).")


def check_lstm_parameter_count(n, *, input_size: int = 10, hidden_size: int = 20):
    """Parameters of ``torch.nn.LSTM(input_size, hidden_size)``: 4 blocks, each with W_ih, W_hh, 2 biases."""
    name = "LSTM parameter count"
    if n is None:
        return not_attempted(name, "Set n_params to your count.")
    d, h = input_size, hidden_size
    expected = 4 * h * (d + h + 2)
    if int(n) == 4 * h * (d + h + 1):
        return report(False, name, "PyTorch keeps two bias vectors, b_ih and b_hh (4H entries each).")
    if int(n) == h * (d + h + 2):
        return report(False, name, "that is one block; the LSTM stacks four (i, f, g, o).")
    return report(int(n) == expected, name, "count W_ih (4H x D), W_hh (4H x H), b_ih and b_hh (4H each).")


def check_clip_by_norm(clip):
    """``clip(grads, max_norm)`` -> arrays rescaled by min(1, max_norm / norm of ALL entries)."""
    name = "clip by norm"
    rng = np.random.default_rng(15)
    grads = [rng.standard_normal((3, 4)) * 4, rng.standard_normal(5) * 4]
    for max_norm in (1.0, 1e3):
        state, got = attempt(clip, [g.copy() for g in grads], max_norm, name=name,
                             task="Return new arrays, all scaled by one factor so that their joint norm is at "
                                  "most max_norm.")
        if not state:
            return state
        expected, _ = clip_grad_norm(grads, max_norm=max_norm)
        try:
            got = [_as_array(a) for a in got]
        except (TypeError, ValueError):
            return report(False, name, "return a list of arrays, one per gradient.")
        if len(got) != len(expected) or any(a.shape != b.shape for a, b in zip(got, expected, strict=False)):
            return report(False, name, "return one array per gradient, each of its original shape.")
        if all(np.allclose(a, b, rtol=1e-5) for a, b in zip(got, expected, strict=True)):
            continue
        per_array = [g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads]
        if all(np.allclose(a, b, rtol=1e-5) for a, b in zip(got, per_array, strict=True)):
            return report(False, name, "you clipped each array on its own; use ONE factor computed from the norm "
                                       "of all entries together, so the update keeps its direction.")
        if max_norm > 1:
            return report(False, name, f"with max_norm={max_norm:g} the gradients are already small: leave them "
                                       "unchanged (the factor is min(1, max_norm / norm)).")
        return report(False, name, "one factor for all arrays, max_norm / (norm of all entries together).")
    return report(True, name)
