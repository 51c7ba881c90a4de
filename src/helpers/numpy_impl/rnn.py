"""Vanilla recurrent network in NumPy: one cell, a layer unrolled over time, backprop through time (BPTT),
and gradient clipping.

Conventions (the same as ``torch.nn.RNN`` with ``batch_first=False``): a sequence is ``x`` of shape
``(T, N, D)`` (time, batch, features); weights are stored ``(out, in)``, so one step is
``h_t = tanh(x_t @ w_ih.T + b_ih + h_{t-1} @ w_hh.T + b_hh)``. The two biases are redundant (only their sum
matters); PyTorch keeps both and so do we, so that weights can be copied one to one.

References: Elman, "Finding structure in time" (1990); Werbos, "Backpropagation through time: what it does
and how to do it" (1990); Pascanu, Mikolov & Bengio, "On the difficulty of training recurrent neural
networks" (2013) for vanishing/exploding gradients and clipping.
"""

from __future__ import annotations

import numpy as np

from ..core._validation import check_clip_args, check_rnn_sequence, check_rnn_step

__all__ = [
    "rnn_cell_forward",
    "rnn_cell_backward",
    "rnn_layer_forward",
    "rnn_layer_backward",
    "clip_grad_norm",
    "clip_grad_value",
]


def _sigmoid(a: np.ndarray) -> np.ndarray:
    """Logistic function without overflow warnings for large |a|."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


# ---------------------------------------------------------------- the vanilla cell
def rnn_cell_forward(x, h, w_ih, w_hh, b_ih, b_hh, *, nonlinearity="tanh"):
    """One step ``h_next = phi(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh)``.

    Shapes: x (N, D), h (N, H), w_ih (H, D), w_hh (H, H), b_ih and b_hh (H,) -> h_next (N, H).
    ``nonlinearity`` is "tanh" (default) or "relu", as in ``torch.nn.RNNCell``.
    """
    check_rnn_step(x, h, w_ih, w_hh, b_ih, b_hh, "rnn_cell_forward", gates=1, nonlinearity=nonlinearity)
    a = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh  # (N, H) pre-activation
    h_next = np.tanh(a) if nonlinearity == "tanh" else np.maximum(a, 0.0)
    return h_next, (x, h, w_ih, w_hh, h_next, nonlinearity)


def rnn_cell_backward(dh_next, cache):
    """Gradients of one step: ``(dx, dh, dw_ih, dw_hh, db_ih, db_hh)``."""
    x, h, w_ih, w_hh, h_next, nonlinearity = cache
    # phi'(a) written with the output: tanh' = 1 - tanh^2, relu' = [a > 0]
    da = dh_next * (1.0 - h_next**2) if nonlinearity == "tanh" else dh_next * (h_next > 0)
    db = da.sum(axis=0)
    return da @ w_ih, da @ w_hh, da.T @ x, da.T @ h, db, db.copy()


# ---------------------------------------------------------------- the layer: unrolled over time
def rnn_layer_forward(x, h0, w_ih, w_hh, b_ih, b_hh, *, nonlinearity="tanh"):
    """Run the cell over a sequence with the SAME weights at every step (parameter sharing).

    Shapes: x (T, N, D), h0 (N, H) -> out (T, N, H), the hidden state after every step
    (``out[-1]`` is PyTorch's ``h_n``).
    """
    check_rnn_sequence(x, h0, w_ih, w_hh, b_ih, b_hh, "rnn_layer_forward", gates=1)
    h, outs, caches = h0, [], []
    for x_t in x:  # x_t: (N, D)
        h, cache = rnn_cell_forward(x_t, h, w_ih, w_hh, b_ih, b_hh, nonlinearity=nonlinearity)
        outs.append(h)
        caches.append(cache)
    return np.stack(outs), caches  # (T, N, H)


def rnn_layer_backward(dout, cache):
    """Backprop through time: ``(dx, dh0, dw_ih, dw_hh, db_ih, db_hh)`` for ``dout`` of shape (T, N, H).

    Walk the unrolled graph from the last step to the first. The gradient reaching ``h_t`` is the
    loss's own ``dout[t]`` plus what flows back from step t+1; the shared weights collect a SUM
    of per-step gradients.
    """
    caches = cache
    x_shape = (len(caches), *caches[0][0].shape)
    dx = np.zeros(x_shape)
    dh = np.zeros_like(caches[0][1])  # gradient arriving from the future; none after the last step
    dw_ih, dw_hh = np.zeros_like(caches[0][2]), np.zeros_like(caches[0][3])
    db = np.zeros(dw_hh.shape[0])
    for t in reversed(range(len(caches))):
        dx[t], dh, dwi, dwh, dbt, _ = rnn_cell_backward(dout[t] + dh, caches[t])
        dw_ih += dwi
        dw_hh += dwh
        db += dbt
    return dx, dh, dw_ih, dw_hh, db, db.copy()


def bptt(cell_backward, dout, caches, *, n_states=1):
    """:func:`rnn_layer_backward` for any cell (the LSTM's and GRU's layers use it).

    ``cell_backward(upstream, cache)`` returns ``(dx, *d_states, *d_params)``, where ``upstream`` is ``dh`` for
    one recurrent state and ``(dh, dc)`` for two (``n_states=2``: the LSTM). Returns
    ``(dx, *d_states0, *d_params)`` with dx (T, N, D): state gradients carried back to the first step, parameter
    gradients summed over the steps.
    """
    dx, d_states, d_params = [], (0.0,) * n_states, None  # no gradient arrives from after the last step
    for t in reversed(range(len(caches))):
        dh = dout[t] + d_states[0]
        dx_t, *rest = cell_backward(dh if n_states == 1 else (dh, *d_states[1:]), caches[t])
        d_states, step = rest[:n_states], rest[n_states:]
        d_params = step if d_params is None else [a + b for a, b in zip(d_params, step, strict=True)]
        dx.append(dx_t)
    return (np.stack(dx[::-1]), *d_states, *d_params)


# ---------------------------------------------------------------- gradient clipping
def clip_grad_norm(grads, *, max_norm, norm_type=2.0):
    """Scale ALL gradients by one factor so that their joint norm is at most ``max_norm``.

    Returns ``(clipped, total_norm)``: new arrays (the inputs are not modified) and the norm before
    clipping. Like ``torch.nn.utils.clip_grad_norm_``, the factor is ``max_norm / (total_norm + 1e-6)``,
    applied only when it is below 1, so the direction of the update is kept.
    """
    grads = check_clip_args(grads, "clip_grad_norm", max_norm=max_norm, norm_type=norm_type)
    if norm_type == np.inf:
        total = max(float(np.max(np.abs(g))) if g.size else 0.0 for g in grads)
    else:
        total = float(sum(np.sum(np.abs(g) ** norm_type) for g in grads) ** (1.0 / norm_type))
    coef = min(max_norm / (total + 1e-6), 1.0)
    return [g * coef for g in grads], total


def clip_grad_value(grads, *, clip_value):
    """Clamp every gradient entry into ``[-clip_value, clip_value]`` (changes the update's direction)."""
    grads = check_clip_args(grads, "clip_grad_value", clip_value=clip_value)
    return [np.clip(g, -clip_value, clip_value) for g in grads]
