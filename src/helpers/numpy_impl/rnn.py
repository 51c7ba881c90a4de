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

__all__ = [
    "rnn_cell_forward",
    "rnn_cell_backward",
    "rnn_layer_forward",
    "rnn_layer_backward",
    "clip_grad_norm",
    "clip_grad_value",
]

_NONLINEARITIES = ("tanh", "relu")


# ---------------------------------------------------------------- validation shared by rnn, lstm, gru
def _check_array(fn: str, name: str, a, ndim: int, layout: str) -> np.ndarray:
    """Raise TypeError/ValueError naming ``name`` unless ``a`` is a float array with ``ndim`` dimensions."""
    if not isinstance(a, np.ndarray):
        raise TypeError(
            f"The '{name}' argument of {fn} must be a NumPy array. Got {type(a).__name__} instead."
        )
    if not np.issubdtype(a.dtype, np.floating):
        raise TypeError(f"The '{name}' argument of {fn} must be a float array. Got dtype {a.dtype} instead.")
    if a.ndim != ndim:
        raise ValueError(
            f"The '{name}' argument of {fn} must have shape {layout}. Got shape {a.shape} instead."
        )
    return a


def _check_shape(fn: str, name: str, a: np.ndarray, expected: tuple[int, ...]) -> None:
    if tuple(a.shape) != tuple(expected):
        raise ValueError(
            f"The '{name}' argument of {fn} must have shape {tuple(expected)}. Got {tuple(a.shape)} instead."
        )


def _check_weights(fn: str, w_ih, w_hh, b_ih, b_hh, *, gates: int, input_size: int) -> int:
    """Check the four parameter arrays of a cell with ``gates`` stacked blocks; return the hidden size H."""
    _check_array(fn, "w_hh", w_hh, 2, f"({gates}H, H)")
    hidden = w_hh.shape[1]
    _check_shape(fn, "w_hh", w_hh, (gates * hidden, hidden))
    _check_array(fn, "w_ih", w_ih, 2, f"({gates}H, D)")
    _check_shape(fn, "w_ih", w_ih, (gates * hidden, input_size))
    for name, b in (("b_ih", b_ih), ("b_hh", b_hh)):
        _check_array(fn, name, b, 1, f"({gates}H,)")
        _check_shape(fn, name, b, (gates * hidden,))
    return hidden


def _check_step(fn: str, x, h, w_ih, w_hh, b_ih, b_hh, *, gates: int, c=None, nonlinearity=None) -> None:
    """All checks of one cell step; ``c`` (the LSTM's cell state) and ``nonlinearity`` only when given."""
    if nonlinearity is not None and nonlinearity not in _NONLINEARITIES:
        raise ValueError(
            f"The 'nonlinearity' argument of {fn} must be one of {_NONLINEARITIES}. Got {nonlinearity!r} instead."
        )
    _check_array(fn, "x", x, 2, "(N, D)")
    hidden = _check_weights(fn, w_ih, w_hh, b_ih, b_hh, gates=gates, input_size=x.shape[1])
    _check_array(fn, "h", h, 2, "(N, H)")
    _check_shape(fn, "h", h, (x.shape[0], hidden))
    if c is not None:
        _check_array(fn, "c", c, 2, "(N, H)")
        _check_shape(fn, "c", c, h.shape)


def _check_sequence(fn: str, x, h0, w_ih, w_hh, b_ih, b_hh, *, gates: int) -> None:
    _check_array(fn, "x", x, 3, "(T, N, D)")
    if x.shape[0] < 1:
        raise ValueError(
            f"The 'x' argument of {fn} must contain at least one time step. Got shape {x.shape}."
        )
    hidden = _check_weights(fn, w_ih, w_hh, b_ih, b_hh, gates=gates, input_size=x.shape[2])
    _check_array(fn, "h0", h0, 2, "(N, H)")
    _check_shape(fn, "h0", h0, (x.shape[1], hidden))


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
    _check_step("rnn_cell_forward", x, h, w_ih, w_hh, b_ih, b_hh, gates=1, nonlinearity=nonlinearity)
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
    _check_sequence("rnn_layer_forward", x, h0, w_ih, w_hh, b_ih, b_hh, gates=1)
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


# ---------------------------------------------------------------- gradient clipping
def clip_grad_norm(grads, *, max_norm, norm_type=2.0):
    """Scale ALL gradients by one factor so that their joint norm is at most ``max_norm``.

    Returns ``(clipped, total_norm)``: new arrays (the inputs are not modified) and the norm before
    clipping. Like ``torch.nn.utils.clip_grad_norm_``, the factor is ``max_norm / (total_norm + 1e-6)``,
    applied only when it is below 1, so the direction of the update is kept.
    """
    grads = _check_grads("clip_grad_norm", grads, max_norm=max_norm, norm_type=norm_type)
    if norm_type == np.inf:
        total = max(float(np.max(np.abs(g))) if g.size else 0.0 for g in grads)
    else:
        total = float(sum(np.sum(np.abs(g) ** norm_type) for g in grads) ** (1.0 / norm_type))
    coef = min(max_norm / (total + 1e-6), 1.0)
    return [g * coef for g in grads], total


def clip_grad_value(grads, *, clip_value):
    """Clamp every gradient entry into ``[-clip_value, clip_value]`` (changes the update's direction)."""
    grads = _check_grads("clip_grad_value", grads, clip_value=clip_value)
    return [np.clip(g, -clip_value, clip_value) for g in grads]


def _check_grads(fn: str, grads, *, norm_type=2.0, **positive) -> list[np.ndarray]:
    """The gradients as a list of float arrays; each keyword (``max_norm``, ``clip_value``) must be > 0."""
    for name, value in positive.items():
        if not np.isscalar(value) or not value > 0:
            raise ValueError(f"The '{name}' argument of {fn} must be a number > 0. Got {value!r} instead.")
    if not (norm_type == np.inf or (np.isscalar(norm_type) and norm_type > 0)):
        raise ValueError(f"The 'norm_type' argument of {fn} must be > 0 or inf. Got {norm_type!r} instead.")
    if isinstance(grads, np.ndarray):
        grads = [grads]
    grads = list(grads)
    for i, g in enumerate(grads):
        if not isinstance(g, np.ndarray) or not np.issubdtype(g.dtype, np.floating):
            raise TypeError(
                f"The 'grads' argument of {fn} must be a float array or a list of them. "
                f"Got {type(g).__name__} at position {i} instead."
            )
    return grads
