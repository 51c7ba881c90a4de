"""Attention in PyTorch: the differentiable twins of :mod:`helpers.numpy_impl.attention`.

Same conventions as the NumPy module: boolean masks mean True = "may attend" (as in
``F.scaled_dot_product_attention``; the opposite of ``nn.MultiheadAttention``), float masks are added to
the scores, fully masked query rows raise a ValueError; multi-head attention is batch-first with
PyTorch's packed ``in_proj_weight``. The functions return ``(out, weights)`` and are written from tensor
operations (not by calling the built-ins they are tested against); they run on the device and in the
dtype of their inputs.
"""

from __future__ import annotations

import math

import torch

from ..core._validation import check_array, check_int, check_real
from .layers import affine, softmax

__all__ = [
    "scaled_dot_product_attention", "multi_head_attention", "sinusoidal_positional_encoding", "causal_mask",
]


def causal_mask(length):
    """Boolean (length, length) mask, True on and below the diagonal: position i may attend to j <= i."""
    n = check_int(length, "length", "causal_mask", low=1)
    return torch.ones(n, n, dtype=torch.bool).tril()


def _additive_mask(mask, scores, func):
    check_array(mask, "mask", func, tensor=True, kind="bool_or_float")
    try:
        shape = torch.broadcast_shapes(mask.shape, scores.shape)
    except RuntimeError:
        shape = None
    if shape != scores.shape:
        raise ValueError(f"The 'mask' argument of {func} must broadcast to the score shape "
                         f"{tuple(scores.shape)} (..., L, S). Got shape {tuple(mask.shape)} instead.")
    mask = mask.to(scores.device)
    if mask.dtype == torch.bool:
        return torch.zeros((), dtype=scores.dtype, device=scores.device).masked_fill(~mask, float("-inf"))
    if torch.isnan(mask).any() or torch.isposinf(mask).any():
        raise ValueError(f"The 'mask' argument of {func} must be boolean or hold finite floats and -inf. Got "
                         "NaN or +inf instead.")
    return mask.to(scores.dtype)  # a float64 mask must not promote float32 scores


def scaled_dot_product_attention(q, k, v, mask=None, *, scale=None):
    """``softmax(q k^T * scale + mask) v``; returns ``(out, weights)``: (..., L, d_v) and (..., L, S)."""
    func = "scaled_dot_product_attention"
    scale = _check_attention(q, k, v, scale, func)  # the shapes, and 1/sqrt(d_k) when no scale is given
    scores = scale * (q @ k.transpose(-1, -2))  # (..., L, S)
    if mask is not None:  # add 0 where allowed, -inf where forbidden; a query must keep at least one key
        scores = _no_empty_rows(scores + _additive_mask(mask, scores, func), func)
    weights = softmax(scores, dim=-1)
    return weights @ v, weights  # autograd derives the backward pass


def _check_attention(q, k, v, scale, func):
    """Check q (..., L, d_k), k (..., S, d_k), v (..., S, d_v); return the scale (default 1/sqrt(d_k))."""
    for name, a in (("q", q), ("k", k), ("v", v)):
        check_array(a, name, func, tensor=True, min_ndim=2)
    if k.shape[:-2] != q.shape[:-2] or k.shape[-1] != q.shape[-1]:
        expected = tuple(q.shape[:-2]) + ("S", q.shape[-1])
        raise ValueError(f"The 'k' argument of {func} must have shape {expected} (..., S, d_k) to match q. "
                         f"Got shape {tuple(k.shape)} instead.")
    if v.shape[:-1] != k.shape[:-1]:
        raise ValueError(f"The 'v' argument of {func} must have shape {tuple(k.shape[:-1]) + ('d_v',)} (..., "
                         f"S, d_v) to match k. Got shape {tuple(v.shape)} instead.")
    if scale is None:
        return 1.0 / math.sqrt(q.shape[-1])
    return check_real(scale, "scale", func, low=0, low_open=True)


def _no_empty_rows(scores, func):
    """The scores, after checking that every query may attend to at least one key (else no softmax)."""
    if torch.isneginf(scores).all(dim=-1).any():
        raise ValueError(f"The 'mask' argument of {func} forbids every key for some query (a fully "
                         "masked row has no softmax). Got a mask with a row of all False / -inf "
                         "instead.")
    return scores


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
    for name, a in (("query", query), ("key", key), ("value", value)):
        check_array(a, name, func, tensor=True, ndim=3)
    h = check_int(num_heads, "num_heads", func, low=1)
    n, length, e = query.shape
    if e % h:
        raise ValueError(f"The 'num_heads' argument of {func} must divide the embedding size {e}. Got {h} "
                         "instead.")
    if key.shape[0] != n or key.shape[2] != e or value.shape != key.shape:
        raise ValueError(f"The 'key' and 'value' arguments of {func} must both have shape ({n}, S, {e}) "
                         f"(batch first). Got shapes {tuple(key.shape)} and {tuple(value.shape)} instead.")
    expected = {"in_proj_weight": (3 * e, e), "in_proj_bias": (3 * e,), "out_proj_weight": (e, e),
                "out_proj_bias": (e,)}
    given = (in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias)
    for (name, shape), a in zip(expected.items(), given, strict=True):
        check_array(a, name, func, tensor=True)
        if tuple(a.shape) != shape:
            raise ValueError(f"The {name!r} argument of {func} must have shape {shape} (PyTorch's packed "
                             f"layout). Got shape {tuple(a.shape)} instead.")
    if mask is not None and mask.ndim > 4:
        raise ValueError(f"The 'mask' argument of {func} must have at most 4 dimensions (N, H, L, S). Got "
                         f"shape {tuple(mask.shape)} instead.")
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
    func = "sinusoidal_positional_encoding"
    n = check_int(length, "length", func, low=1)
    d = check_int(d_model, "d_model", func, low=2)
    if d % 2:
        raise ValueError(f"The 'd_model' argument of {func} must be an even int (sine/cosine pairs). Got {d} "
                         "instead.")
    base = check_real(base, "base", func, low=1, low_open=True)
    omega = base ** (-torch.arange(0, d, 2, dtype=torch.float64) / d)  # (d/2,)
    angles = torch.arange(n, dtype=torch.float64)[:, None] * omega[None, :]  # (L, d/2)
    pe = torch.stack([angles.sin(), angles.cos()], dim=-1).reshape(n, d)  # interleave: sin, cos, sin, cos ...
    return pe.to(torch.get_default_dtype())
