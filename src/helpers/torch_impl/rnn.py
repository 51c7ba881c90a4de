"""Vanilla recurrent network in PyTorch: the twin of :mod:`helpers.numpy_impl.rnn`.

Written from tensor operations (matmul, tanh, a Python loop over time); autograd does backprop through
time. ``torch.nn.RNN`` is only the oracle of the tests. Layout as in PyTorch: x (T, N, D), weights (out, in).
"""

from __future__ import annotations

import math

import torch

from ..core._validation import check_clip_args, check_rnn_sequence, check_rnn_step

__all__ = ["rnn_cell", "rnn_layer", "clip_grad_norm", "clip_grad_value"]


# ---------------------------------------------------------------- cell and layer
def rnn_cell(x, h, w_ih, w_hh, b_ih, b_hh, *, nonlinearity="tanh"):
    """One step ``phi(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh)``: x (N, D), h (N, H) -> (N, H)."""
    check_rnn_step(x, h, w_ih, w_hh, b_ih, b_hh, "rnn_cell", gates=1, nonlinearity=nonlinearity, tensor=True)
    a = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh  # (N, H)
    return torch.tanh(a) if nonlinearity == "tanh" else torch.relu(a)


def rnn_layer(x, h0, w_ih, w_hh, b_ih, b_hh, *, nonlinearity="tanh"):
    """The cell unrolled over x (T, N, D) with shared weights -> out (T, N, H); ``out[-1]`` is h_n."""
    check_rnn_sequence(x, h0, w_ih, w_hh, b_ih, b_hh, "rnn_layer", gates=1, tensor=True)
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
    grads = check_clip_args(grads, "clip_grad_norm", max_norm=max_norm, norm_type=norm_type, tensor=True)
    if not grads:
        return [], torch.tensor(0.0)
    norms = torch.stack([torch.linalg.vector_norm(g.detach().flatten(), norm_type) for g in grads])
    total = norms.max() if norm_type == math.inf else torch.linalg.vector_norm(norms, norm_type)
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    return [g * coef.to(g.dtype) for g in grads], total


def clip_grad_value(grads, *, clip_value):
    """Clamp every entry into ``[-clip_value, clip_value]``; returns new tensors."""
    grads = check_clip_args(grads, "clip_grad_value", clip_value=clip_value, tensor=True)
    return [g.clamp(-clip_value, clip_value) for g in grads]
