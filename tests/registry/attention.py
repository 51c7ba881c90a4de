"""Attention and the Transformer block (chapter 12a): scaled dot-product attention with boolean/additive
masks, multi-head attention, layer norm and the encoder layer, against ``F.scaled_dot_product_attention``,
``nn.MultiheadAttention``, ``F.layer_norm`` and ``nn.TransformerEncoderLayer`` (run with OUR tensors as their
parameters via ``torch.func.functional_call``, dropout 0).

Our attention functions return ``(out, weights)``. ``F.scaled_dot_product_attention`` returns only ``out``;
its weights are recovered exactly by attending to the identity matrix as values (``A @ I = A``).
Our boolean masks mean True = may attend, which is F.scaled_dot_product_attention's convention and the
opposite of nn.MultiheadAttention's / nn.TransformerEncoderLayer's; the adapters negate them.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import strategies as st
from torch.func import functional_call

import helpers.numpy_impl as hn
import helpers.torch_impl as ht

from .base import ParityCase, generators


def _random_mask(rng, shape, kind):
    """A mask of ``shape`` (..., L, S) leaving every query a key: bool, additive float or causal."""
    length, keys = shape[-2:]
    if kind == "causal":
        # (L, S): broadcasts over the batch
        return np.tril(np.ones((length, keys), dtype=bool), k=keys - length)
    allowed = rng.random(shape) < 0.6
    keep = rng.integers(0, keys, shape[:-1])  # one guaranteed key per query
    np.put_along_axis(allowed, keep[..., None], True, axis=-1)
    if kind == "bool":
        return allowed
    return np.where(allowed, rng.normal(0.0, 1.0, shape), -np.inf)  # additive: finite biases and -inf


@st.composite
def _sdpa_inputs(draw, *, mask_kind=None):
    rng = draw(generators())
    lead = tuple(draw(st.lists(st.integers(1, 2), min_size=1, max_size=2)))
    length, keys, d_k, d_v = (draw(st.integers(1, 4)) for _ in range(4))
    if mask_kind == "causal":
        keys = length
    q, k = rng.standard_normal(lead + (length, d_k)), rng.standard_normal(lead + (keys, d_k))
    v = rng.standard_normal(lead + (keys, d_v))
    hp = {}
    if mask_kind is not None:
        full = lead + (length, keys)
        shape = full if draw(st.booleans()) else (1,) * len(lead) + full[-2:]  # full or broadcast mask
        hp["mask"] = _random_mask(rng, shape, mask_kind)
    if draw(st.booleans()):
        hp["scale"] = draw(st.sampled_from([0.3, 1.0, 2.0]))
    return (q, k, v), hp


def _sdpa_builtin(q, k, v, mask=None, *, scale=None):
    eye = torch.eye(k.shape[-2], dtype=v.dtype, device=v.device).expand(k.shape[:-2] + (k.shape[-2], k.shape[-2]))
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=scale)
    weights = F.scaled_dot_product_attention(q, k, eye, attn_mask=mask, scale=scale)  # A @ I = A
    return out, weights


@st.composite
def _mha_inputs(draw, *, mask_kind=None, self_attention=False):
    rng = draw(generators())
    heads, head_dim = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    e = heads * head_dim
    n, length = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    keys = length if self_attention or mask_kind == "causal" else draw(st.integers(1, 3))
    query = rng.standard_normal((n, length, e))
    key = query if self_attention else rng.standard_normal((n, keys, e))
    value = query if self_attention else rng.standard_normal((n, keys, e))
    params = (rng.normal(0, 0.6, (3 * e, e)), rng.normal(0, 0.3, 3 * e), rng.normal(0, 0.6, (e, e)),
              rng.normal(0, 0.3, e))
    hp = {"num_heads": heads}
    if mask_kind is not None:
        shape = (length, keys) if draw(st.booleans()) else (n, heads, length, keys)
        hp["mask"] = _random_mask(rng, shape, mask_kind)
    return (query, key, value, *params), hp


def _torch_mask(mask, n, heads):
    """Our mask (True = may attend; (L, S) or (N, H, L, S)) as nn.MultiheadAttention's attn_mask."""
    if mask is None:
        return None
    if mask.dtype == torch.bool:
        mask = ~mask  # PyTorch's nn.MultiheadAttention: True = NOT allowed
    if mask.ndim == 4:  # (N, H, L, S) -> (N*H, L, S), the layout nn.MultiheadAttention expects
        mask = mask.expand(n, heads, *mask.shape[-2:]).reshape(n * heads, *mask.shape[-2:])
    return mask


def _mha_builtin(query, key, value, w_in, b_in, w_out, b_out, mask=None, *, num_heads):
    module = torch.nn.MultiheadAttention(query.shape[-1], num_heads, batch_first=True, dtype=query.dtype,
                                         device=query.device)
    params = {"in_proj_weight": w_in, "in_proj_bias": b_in, "out_proj.weight": w_out, "out_proj.bias": b_out}
    return functional_call(module, params, (query, key, value), {
        "attn_mask": _torch_mask(mask, query.shape[0], num_heads), "need_weights": True,
        "average_attn_weights": False}, strict=True)


@st.composite
def _layer_norm_inputs(draw):
    rng = draw(generators())
    lead = tuple(draw(st.lists(st.integers(1, 3), min_size=0, max_size=2)))
    d = draw(st.integers(2, 5))
    x = rng.normal(draw(st.sampled_from([0.0, 3.0])), draw(st.sampled_from([0.5, 2.0])), lead + (d,))
    return (x, rng.normal(1.0, 0.3, d), rng.normal(0.0, 0.3, d)), {"eps": draw(st.sampled_from([1e-5, 1e-2]))}


_ENCODER_NAMES = ("self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
                  "self_attn.out_proj.bias", "linear1.weight", "linear1.bias", "linear2.weight",
                  "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias")


@st.composite
def _encoder_inputs(draw, *, norm_first, activation, masked):
    rng = draw(generators())
    heads = draw(st.integers(1, 2))
    e, ff = 2, draw(st.integers(2, 3))  # tiny: finite differences cost two forward passes per parameter
    n, length = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    x = rng.standard_normal((n, length, e))
    params = (rng.normal(0, 0.6, (3 * e, e)), rng.normal(0, 0.3, 3 * e), rng.normal(0, 0.6, (e, e)),
              rng.normal(0, 0.3, e), rng.normal(0, 0.6, (ff, e)), rng.normal(0, 0.3, ff),
              rng.normal(0, 0.6, (e, ff)), rng.normal(0, 0.3, e),
              rng.normal(1, 0.2, e), rng.normal(0, 0.2, e), rng.normal(1, 0.2, e), rng.normal(0, 0.2, e))
    hp = {"num_heads": heads, "norm_first": norm_first, "activation": activation}
    if masked:
        hp["mask"] = _random_mask(rng, (length, length), "causal")
    return (x, *params), hp


def _encoder_builtin(x, *params, mask=None, num_heads, norm_first=False, activation="relu", eps=1e-5):
    e, ff = x.shape[-1], params[4].shape[0]
    module = torch.nn.TransformerEncoderLayer(
        e, num_heads, dim_feedforward=ff, dropout=0.0, activation=activation, layer_norm_eps=eps,
        batch_first=True, norm_first=norm_first, dtype=x.dtype, device=x.device)
    src_mask = None if mask is None else ~mask  # nn.TransformerEncoderLayer: True = NOT allowed
    params = dict(zip(_ENCODER_NAMES, params, strict=True))
    return functional_call(module, params, (x,), {"src_mask": src_mask}, strict=True)


def _layer_norm_builtin(x, gamma, beta, *, eps=1e-5):
    return F.layer_norm(x, (x.shape[-1],), gamma, beta, eps)


def _sdpa_case(mask_kind, label):
    return ParityCase(hn.scaled_dot_product_attention_forward, hn.scaled_dot_product_attention_backward,
                      ht.scaled_dot_product_attention, _sdpa_inputs(mask_kind=mask_kind),
                      builtin=_sdpa_builtin, label=label)


def _mha_case(label, **kw):
    return ParityCase(hn.multi_head_attention_forward, hn.multi_head_attention_backward,
                      ht.multi_head_attention,
                      _mha_inputs(**kw), builtin=_mha_builtin, label=label)


def _encoder_case(label, finite_differences=True, **kw):
    return ParityCase(hn.transformer_encoder_layer_forward, hn.transformer_encoder_layer_backward,
                      ht.transformer_encoder_layer, _encoder_inputs(**kw), builtin=_encoder_builtin,
                      label=label, rtol=1e-6, atol=1e-8, finite_differences=finite_differences)


CASES = [
    _sdpa_case(None, ""),
    _sdpa_case("bool", "bool-mask"),
    _sdpa_case("float", "additive-mask"),
    _sdpa_case("causal", "causal-mask"),
    _mha_case(""),
    _mha_case("self-attention", self_attention=True),
    _mha_case("bool-mask", mask_kind="bool"),
    _mha_case("additive-mask", mask_kind="float"),
    ParityCase(hn.layer_norm_forward, hn.layer_norm_backward, ht.layer_norm, _layer_norm_inputs(),
               builtin=_layer_norm_builtin),
    _encoder_case("post-norm", norm_first=False, activation="relu", masked=False),
    _encoder_case("pre-norm-gelu", norm_first=True, activation="gelu", masked=False),
    # the masked encoder cases skip finite differences to save time: their gradients are still checked
    # against nn.TransformerEncoderLayer's autograd; the unmasked encoder cases and the masked attention
    # cases do run finite differences
    _encoder_case("post-norm-causal", norm_first=False, activation="gelu", masked=True,
                  finite_differences=False),
    _encoder_case("pre-norm-causal", norm_first=True, activation="relu", masked=True,
                  finite_differences=False),
]

EXEMPT = {
    "sinusoidal_positional_encoding": "a constant table, not an operation with a backward; "
                                      "tests/test_attention_graph.py checks NumPy == torch == the formula "
                                      "and the relative-position property",
    "causal_mask": "a constant boolean table; tests/test_attention_graph.py checks it against "
                   "nn.Transformer.generate_square_subsequent_mask and that future positions get zero "
                   "weight",
}
