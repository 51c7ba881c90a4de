"""Attention in NumPy: scaled dot-product attention with masks, multi-head attention, positional encodings.

Scaled dot-product attention of queries ``q`` (..., L, d_k), keys ``k`` (..., S, d_k) and values
``v`` (..., S, d_v)::

    A = softmax(q k^T / sqrt(d_k) + M)      (..., L, S), each row sums to 1
    out = A v                               (..., L, d_v)

**Masks** (``mask``, broadcastable to (..., L, S)) come in two kinds, as in PyTorch:

* boolean: ``True`` means "query i MAY attend to key j" (the convention of
  ``F.scaled_dot_product_attention``). ``nn.MultiheadAttention`` and ``nn.TransformerEncoderLayer`` use
  the opposite convention (``True`` = NOT allowed): negate a mask before handing it to them.
* float: added to the scores, ``0`` to allow and ``-inf`` to forbid (the same in all PyTorch functions).

A query that may attend to no key at all has no softmax (0/0); we raise a ValueError instead of
returning NaN (``nn.MultiheadAttention`` returns NaN, ``F.scaled_dot_product_attention`` zeros in
PyTorch 2.13 on the CPU).

Forward functions return ``((out, weights), cache)``: the attention weights are an output, so a
backward pass takes ``dout = (d_out, d_weights)`` (``d_weights`` may be None when they feed nothing).
Multi-head attention uses PyTorch's packed layout (``in_proj_weight`` = [W_q; W_k; W_v], shape (3E, E))
and is batch-first: (N, L, E), i.e. ``nn.MultiheadAttention(..., batch_first=True)``.

References: Vaswani et al. (2017), "Attention is all you need"; Bahdanau et al. (2015).
"""

from __future__ import annotations

import numpy as np

from ..core._validation import (
    check_attention_args,
    check_attention_mask,
    check_attention_rows,
    check_int,
    check_multi_head_attention_args,
    check_positional_encoding_args,
)
from .layers import affine_backward, affine_forward, softmax_backward, softmax_forward

__all__ = [
    "scaled_dot_product_attention_forward", "scaled_dot_product_attention_backward",
    "multi_head_attention_forward", "multi_head_attention_backward",
    "sinusoidal_positional_encoding", "causal_mask",
]


def causal_mask(length):
    """Boolean (length, length) mask, True on and below the diagonal: position i may attend to j <= i."""
    n = check_int(length, "length", "causal_mask", low=1)
    return np.tril(np.ones((n, n), dtype=bool))


def _additive_mask(mask, scores_shape, func):
    """Check ``mask``; return it as floats to add to the scores (0 / -inf for a boolean mask)."""
    check_attention_mask(mask, scores_shape, func)
    if mask.dtype == bool:
        return np.where(mask, 0.0, -np.inf)
    return mask.astype(np.float64)


def _masked_softmax(scores, func):
    return softmax_forward(check_attention_rows(scores, func), dim=-1)  # a fully masked row has no softmax


def scaled_dot_product_attention_forward(q, k, v, mask=None, *, scale=None):
    """``softmax(q k^T * scale + mask) v`` with ``scale = 1/sqrt(d_k)`` by default.

    Shapes: q (..., L, d_k), k (..., S, d_k), v (..., S, d_v) with equal leading dimensions; mask
    boolean (True = may attend) or additive float, broadcastable to (..., L, S).
    Returns ``((out, weights), cache)`` with out (..., L, d_v) and weights (..., L, S).
    """
    func = "scaled_dot_product_attention_forward"
    scale = check_attention_args(q, k, v, scale, func)  # the shapes, and 1/sqrt(d_k) when no scale is given
    scores = scale * (q @ k.swapaxes(-1, -2))  # (..., L, S)
    if mask is not None:
        scores = scores + _additive_mask(mask, scores.shape, func)
    weights, softmax_cache = _masked_softmax(scores, func)
    out = weights @ v  # (..., L, d_v)
    return (out, weights), (q, k, v, weights, scale, softmax_cache)


def scaled_dot_product_attention_backward(dout, cache):
    """Gradients ``(dq, dk, dv)`` from ``dout = (d_out, d_weights)``; ``d_weights`` may be None."""
    d_out, d_weights = dout
    q, k, v, weights, scale, softmax_cache = cache
    dv = weights.swapaxes(-1, -2) @ d_out  # (..., S, d_v)
    d_a = d_out @ v.swapaxes(-1, -2)  # (..., L, S)
    if d_weights is not None:
        d_a = d_a + d_weights
    (d_scores,) = softmax_backward(d_a, softmax_cache)  # masked entries have weight 0, hence gradient 0
    dq = scale * (d_scores @ k)
    dk = scale * (d_scores.swapaxes(-1, -2) @ q)
    return dq, dk, dv


def _split_heads(x, num_heads):
    n, length, e = x.shape
    return x.reshape(n, length, num_heads, e // num_heads).transpose(0, 2, 1, 3)  # (N, H, L, E/H)


def _merge_heads(x):
    n, h, length, d = x.shape
    return x.transpose(0, 2, 1, 3).reshape(n, length, h * d)  # (N, L, E)


def multi_head_attention_forward(query, key, value, in_proj_weight, in_proj_bias, out_proj_weight,
                                 out_proj_bias, mask=None, *, num_heads):
    """Multi-head attention as ``nn.MultiheadAttention(E, num_heads, batch_first=True)``.

    Each head h attends with its own slice of the projections: q_h = query W_q[h]^T + b_q[h] etc.,
    the heads' outputs are concatenated and mixed by the output projection.
    Shapes: query (N, L, E), key and value (N, S, E); in_proj_weight (3E, E) = [W_q; W_k; W_v];
    in_proj_bias (3E,); out_proj_weight (E, E); out_proj_bias (E,); mask broadcastable to (N, H, L, S),
    boolean with True = may attend (the opposite of nn.MultiheadAttention's attn_mask) or additive float.
    Returns ``((out, weights), cache)``: out (N, L, E), weights per head (N, H, L, S).
    """
    h = check_multi_head_attention_args(query, key, value, in_proj_weight, in_proj_bias, out_proj_weight,
                                        out_proj_bias, mask, num_heads, "multi_head_attention_forward")
    w_q, w_k, w_v = np.split(in_proj_weight, 3)  # (E, E) each
    b_q, b_k, b_v = np.split(in_proj_bias, 3)
    (q, cq), (k, ck), (v, cv) = (affine_forward(x, w, b) for x, w, b in
                                 ((query, w_q, b_q), (key, w_k, b_k), (value, w_v, b_v)))
    try:
        (heads, weights), attn_cache = scaled_dot_product_attention_forward(
            _split_heads(q, h), _split_heads(k, h), _split_heads(v, h), mask)
    except ValueError as err:  # report the error under this function's name
        raise ValueError(str(err).replace("scaled_dot_product_attention_forward",
                                          "multi_head_attention_forward")) from None
    out, c_out = affine_forward(_merge_heads(heads), out_proj_weight, out_proj_bias)
    return (out, weights), (cq, ck, cv, attn_cache, c_out, h)


def multi_head_attention_backward(dout, cache):
    """Gradients ``(dquery, dkey, dvalue, din_proj_weight, din_proj_bias, dout_proj_weight, dout_proj_bias)``.

    ``dout = (d_out, d_weights)``; ``d_weights`` may be None. For self-attention (query = key = value = x)
    the gradient of x is ``dquery + dkey + dvalue``.
    """
    d_out, d_weights = dout
    cq, ck, cv, attn_cache, c_out, h = cache
    d_heads_merged, dw_o, db_o = affine_backward(d_out, c_out)
    d_heads = _split_heads(d_heads_merged, h)  # (N, H, L, E/H)
    dq, dk, dv = scaled_dot_product_attention_backward((d_heads, d_weights), attn_cache)
    grads = [affine_backward(_merge_heads(d), c) for d, c in ((dq, cq), (dk, ck), (dv, cv))]
    (dquery, dw_q, db_q), (dkey, dw_k, db_k), (dvalue, dw_v, db_v) = grads
    return (dquery, dkey, dvalue, np.concatenate([dw_q, dw_k, dw_v]), np.concatenate([db_q, db_k, db_v]),
            dw_o, db_o)


def sinusoidal_positional_encoding(length, d_model, *, base=10000.0):
    """The (length, d_model) sinusoidal encodings of Vaswani et al., interleaved as in the paper.

    ``PE[p, 2i] = sin(p / base^(2i/d_model))`` and ``PE[p, 2i+1] = cos(p / base^(2i/d_model))``. (Some
    code, e.g. tensor2tensor, puts all sines first and all cosines second: the same features, permuted.)
    """
    n, d, base = check_positional_encoding_args(length, d_model, base)
    omega = base ** (-np.arange(0, d, 2) / d)  # (d/2,) one angular frequency per sine/cosine pair
    angles = np.arange(n)[:, None] * omega[None, :]  # (L, d/2)
    pe = np.empty((n, d))
    pe[:, 0::2], pe[:, 1::2] = np.sin(angles), np.cos(angles)
    return pe
