"""Attention in PyTorch: the differentiable twins of :mod:`helpers.numpy_impl.attention`.

Same conventions as the NumPy module: boolean masks mean True = "may attend" (as in
``F.scaled_dot_product_attention``; the opposite of ``nn.MultiheadAttention``), float masks are added to
the scores, fully masked query rows raise a ValueError; multi-head attention is batch-first with
PyTorch's packed ``in_proj_weight``. The functions return ``(out, weights)`` and are written from tensor
operations (not by calling the built-ins they are tested against); they run on the device and in the
dtype of their inputs.
"""

from __future__ import annotations

import torch

from ..core._validation import (
    check_attention_args,
    check_attention_mask,
    check_attention_rows,
    check_int,
    check_multi_head_attention_args,
    check_positional_encoding_args,
)
from .layers import affine, softmax

__all__ = [
    "scaled_dot_product_attention", "multi_head_attention", "sinusoidal_positional_encoding", "causal_mask",
]


def causal_mask(length):
    """Boolean (length, length) mask, True on and below the diagonal: position i may attend to j <= i."""
    n = check_int(length, "length", "causal_mask", low=1)
    return torch.ones(n, n, dtype=torch.bool).tril()


def _additive_mask(mask, scores, func):
    check_attention_mask(mask, scores.shape, func, tensor=True)
    mask = mask.to(scores.device)
    if mask.dtype == torch.bool:
        return torch.zeros((), dtype=scores.dtype, device=scores.device).masked_fill(~mask, float("-inf"))
    return mask.to(scores.dtype)  # a float64 mask must not promote float32 scores


def scaled_dot_product_attention(q, k, v, mask=None, *, scale=None):
    """``softmax(q k^T * scale + mask) v``; returns ``(out, weights)``: (..., L, d_v) and (..., L, S)."""
    func = "scaled_dot_product_attention"
    scale = check_attention_args(q, k, v, scale, func, tensor=True)  # the shapes; 1/sqrt(d_k) by default
    scores = scale * (q @ k.transpose(-1, -2))  # (..., L, S)
    if mask is not None:  # add 0 where allowed, -inf where forbidden; a query must keep at least one key
        scores = check_attention_rows(scores + _additive_mask(mask, scores, func), func)
    weights = softmax(scores, dim=-1)
    return weights @ v, weights  # autograd derives the backward pass


def _split_heads(x, num_heads):
    n, length, e = x.shape
    return x.reshape(n, length, num_heads, e // num_heads).transpose(1, 2)  # (N, H, L, E/H)


def multi_head_attention(query, key, value, in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias,
                         mask=None, *, num_heads):
    """Batch-first multi-head attention with PyTorch's packed weights; returns ``(out, weights)``.

    Shapes: query (N, L, E), key and value (N, S, E), in_proj_weight (3E, E), in_proj_bias (3E,),
    out_proj_weight (E, E), out_proj_bias (E,) -> out (N, L, E), weights (N, H, L, S).
    """
    func = "multi_head_attention"
    h = check_multi_head_attention_args(query, key, value, in_proj_weight, in_proj_bias, out_proj_weight,
                                        out_proj_bias, mask, num_heads, func, tensor=True)
    n, length, e = query.shape
    w_q, w_k, w_v = in_proj_weight.chunk(3)
    b_q, b_k, b_v = in_proj_bias.chunk(3)
    q, k, v = (_split_heads(affine(x, w, b), h)  # (N, H, L or S, E/H)
               for x, w, b in ((query, w_q, b_q), (key, w_k, b_k), (value, w_v, b_v)))
    try:
        heads, weights = scaled_dot_product_attention(q, k, v, mask)
    except ValueError as err:  # report the error under this function's name
        raise ValueError(str(err).replace("scaled_dot_product_attention", func)) from None
    merged = heads.transpose(1, 2).reshape(n, length, e)  # (N, L, E)
    return affine(merged, out_proj_weight, out_proj_bias), weights


def sinusoidal_positional_encoding(length, d_model, *, base=10000.0):
    """The (length, d_model) sinusoidal encodings, interleaved sin/cos as in Vaswani et al.

    Returns a tensor of the default dtype on the CPU; move it with ``.to(x)``.
    """
    n, d, base = check_positional_encoding_args(length, d_model, base)
    omega = base ** (-torch.arange(0, d, 2, dtype=torch.float64) / d)  # (d/2,)
    angles = torch.arange(n, dtype=torch.float64)[:, None] * omega[None, :]  # (L, d/2)
    pe = torch.stack([angles.sin(), angles.cos()], dim=-1).reshape(n, d)  # interleave: sin, cos, sin, cos ...
    return pe.to(torch.get_default_dtype())
