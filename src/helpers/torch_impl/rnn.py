"""Vanilla recurrent network in PyTorch: the twin of :mod:`helpers.numpy_impl.rnn`.

Written from tensor operations (matmul, tanh, a Python loop over time); autograd does backprop through
time. ``torch.nn.RNN`` is only the oracle of the tests. Layout as in PyTorch: x (T, N, D), weights (out, in).
"""

from __future__ import annotations

import math

import torch

__all__ = ["rnn_cell", "rnn_layer", "clip_grad_norm", "clip_grad_value"]

_NONLINEARITIES = ("tanh", "relu")


# ---------------------------------------------------------------- validation shared by rnn, lstm, gru
def _check_tensor(fn: str, name: str, a, ndim: int, layout: str) -> torch.Tensor:
    if not isinstance(a, torch.Tensor):
        raise TypeError(
            f"The '{name}' argument of {fn} must be a torch.Tensor. Got {type(a).__name__} instead."
        )
    if not a.is_floating_point():
        raise TypeError(f"The '{name}' argument of {fn} must be a float tensor. Got dtype {a.dtype} instead.")
    if a.ndim != ndim:
        raise ValueError(
            f"The '{name}' argument of {fn} must have shape {layout}. Got shape {tuple(a.shape)} instead."
        )
    return a


def _check_shape(fn: str, name: str, a: torch.Tensor, expected: tuple[int, ...]) -> None:
    if tuple(a.shape) != tuple(expected):
        raise ValueError(
            f"The '{name}' argument of {fn} must have shape {tuple(expected)}. Got {tuple(a.shape)} instead."
        )


def _check_weights(fn: str, w_ih, w_hh, b_ih, b_hh, *, gates: int, input_size: int) -> int:
    _check_tensor(fn, "w_hh", w_hh, 2, f"({gates}H, H)")
    hidden = w_hh.shape[1]
    _check_shape(fn, "w_hh", w_hh, (gates * hidden, hidden))
    _check_tensor(fn, "w_ih", w_ih, 2, f"({gates}H, D)")
    _check_shape(fn, "w_ih", w_ih, (gates * hidden, input_size))
    for name, b in (("b_ih", b_ih), ("b_hh", b_hh)):
        _check_tensor(fn, name, b, 1, f"({gates}H,)")
        _check_shape(fn, name, b, (gates * hidden,))
    return hidden


def _check_step(fn: str, x, h, w_ih, w_hh, b_ih, b_hh, *, gates: int, nonlinearity=None) -> None:
    if nonlinearity is not None and nonlinearity not in _NONLINEARITIES:
        raise ValueError(
            f"The 'nonlinearity' argument of {fn} must be one of {_NONLINEARITIES}. Got {nonlinearity!r} instead."
        )
    _check_tensor(fn, "x", x, 2, "(N, D)")
    hidden = _check_weights(fn, w_ih, w_hh, b_ih, b_hh, gates=gates, input_size=x.shape[1])
    _check_tensor(fn, "h", h, 2, "(N, H)")
    _check_shape(fn, "h", h, (x.shape[0], hidden))


def _check_sequence(fn: str, x, h0, w_ih, w_hh, b_ih, b_hh, *, gates: int) -> None:
    _check_tensor(fn, "x", x, 3, "(T, N, D)")
    if x.shape[0] < 1:
        raise ValueError(
            f"The 'x' argument of {fn} must contain at least one time step. Got shape {tuple(x.shape)}."
        )
    hidden = _check_weights(fn, w_ih, w_hh, b_ih, b_hh, gates=gates, input_size=x.shape[2])
    _check_tensor(fn, "h0", h0, 2, "(N, H)")
    _check_shape(fn, "h0", h0, (x.shape[1], hidden))


# ---------------------------------------------------------------- cell and layer
def rnn_cell(x, h, w_ih, w_hh, b_ih, b_hh, *, nonlinearity="tanh"):
    """One step ``phi(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh)``: x (N, D), h (N, H) -> (N, H)."""
    _check_step("rnn_cell", x, h, w_ih, w_hh, b_ih, b_hh, gates=1, nonlinearity=nonlinearity)
    a = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh  # (N, H)
    return torch.tanh(a) if nonlinearity == "tanh" else torch.relu(a)


def rnn_layer(x, h0, w_ih, w_hh, b_ih, b_hh, *, nonlinearity="tanh"):
    """The cell unrolled over x (T, N, D) with shared weights -> out (T, N, H); ``out[-1]`` is h_n."""
    _check_sequence("rnn_layer", x, h0, w_ih, w_hh, b_ih, b_hh, gates=1)
    h, outs = h0, []
    for x_t in x:  # (N, D)
        h = rnn_cell(x_t, h, w_ih, w_hh, b_ih, b_hh, nonlinearity=nonlinearity)
        outs.append(h)
    return torch.stack(outs)  # (T, N, H)


# ---------------------------------------------------------------- gradient clipping
def clip_grad_norm(grads, *, max_norm, norm_type=2.0):
    """Scale all gradients by ``min(1, max_norm / (total_norm + 1e-6))``; returns ``(clipped, total_norm)``.

    Functional (returns new tensors) where ``torch.nn.utils.clip_grad_norm_`` clips ``p.grad`` in place.
    """
    grads = _check_grads("clip_grad_norm", grads)
    if isinstance(max_norm, bool) or not isinstance(max_norm, (int, float)) or not max_norm > 0:
        raise ValueError(
            f"The 'max_norm' argument of clip_grad_norm must be a number > 0. Got {max_norm!r} instead."
        )
    if not (norm_type == math.inf or (isinstance(norm_type, (int, float)) and norm_type > 0)):
        raise ValueError(
            f"The 'norm_type' argument of clip_grad_norm must be > 0 or inf. Got {norm_type!r} instead."
        )
    if not grads:
        return [], torch.tensor(0.0)
    norms = torch.stack([torch.linalg.vector_norm(g.detach().flatten(), norm_type) for g in grads])
    total = norms.max() if norm_type == math.inf else torch.linalg.vector_norm(norms, norm_type)
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    return [g * coef.to(g.dtype) for g in grads], total


def clip_grad_value(grads, *, clip_value):
    """Clamp every entry into ``[-clip_value, clip_value]``; returns new tensors."""
    grads = _check_grads("clip_grad_value", grads)
    if isinstance(clip_value, bool) or not isinstance(clip_value, (int, float)) or not clip_value > 0:
        raise ValueError(
            f"The 'clip_value' argument of clip_grad_value must be a number > 0. Got {clip_value!r} instead."
        )
    return [g.clamp(-clip_value, clip_value) for g in grads]


def _check_grads(fn: str, grads) -> list[torch.Tensor]:
    if isinstance(grads, torch.Tensor):
        grads = [grads]
    grads = list(grads)
    for i, g in enumerate(grads):
        if not isinstance(g, torch.Tensor) or not g.is_floating_point():
            raise TypeError(
                f"The 'grads' argument of {fn} must be a float tensor or a list of them. "
                f"Got {type(g).__name__} at position {i} instead."
            )
    return grads
