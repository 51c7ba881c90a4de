"""The Transformer encoder block in NumPy: layer normalisation and one encoder layer, forward and backward.

Layer norm normalises every token's feature vector on its own (mean and biased variance over the last
axis), then scales and shifts it: ``gamma * (x - mean) / sqrt(var + eps) + beta`` (``F.layer_norm``).

The encoder layer is ``nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout=0.0,
batch_first=True)``, with its parameters in the order of its ``state_dict``:

* post-norm (``norm_first=False``, PyTorch's default and the original paper):
  ``x = LN1(x + SelfAttn(x));  out = LN2(x + FF(x))``
* pre-norm (``norm_first=True``, used by most recent models; trains without a warm-up more easily):
  ``x = x + SelfAttn(LN1(x));  out = x + FF(LN2(x))``

with ``FF(z) = linear2(activation(linear1(z)))``. Dropout is left out (it is the identity at evaluation).
The boolean ``mask`` follows this package's convention, True = may attend; ``nn.TransformerEncoderLayer``'s
``src_mask`` uses True = NOT allowed.

References: Vaswani et al. (2017); Ba, Kiros, Hinton (2016), "Layer normalization"; Xiong et al. (2020),
"On layer normalization in the Transformer architecture" (pre- vs post-norm).
"""

from __future__ import annotations

import numpy as np

from ..core._validation import check_encoder_layer_args, check_layer_norm_args
from .attention import multi_head_attention_backward, multi_head_attention_forward
from .layers import (
    affine_backward,
    affine_forward,
    gelu_backward,
    gelu_forward,
    relu_backward,
    relu_forward,
)

__all__ = ["layer_norm_forward", "layer_norm_backward",
           "transformer_encoder_layer_forward", "transformer_encoder_layer_backward"]


def layer_norm_forward(x, gamma, beta, *, eps=1e-5):
    """Layer norm over the last axis: x (..., D), gamma and beta (D,) -> (..., D)."""
    eps = check_layer_norm_args(x, gamma, beta, eps, "layer_norm_forward")
    mean = x.mean(axis=-1, keepdims=True)
    inv_std = 1.0 / np.sqrt(x.var(axis=-1, keepdims=True) + eps)  # biased variance, as F.layer_norm
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, inv_std, gamma)


def layer_norm_backward(dout, cache):
    """Gradients ``(dx, dgamma, dbeta)``; dgamma, dbeta sum over every axis but the last."""
    x_hat, inv_std, gamma = cache
    axes = tuple(range(dout.ndim - 1))
    d_hat = dout * gamma
    # x_hat has mean 0 and mean square ~1: the two means remove the directions the normalisation kills
    dx = inv_std * (d_hat - d_hat.mean(axis=-1, keepdims=True)
                    - x_hat * (d_hat * x_hat).mean(axis=-1, keepdims=True))
    return dx, (dout * x_hat).sum(axis=axes), dout.sum(axis=axes)


_ACTIVATIONS = {"relu": (relu_forward, relu_backward), "gelu": (gelu_forward, gelu_backward)}


def transformer_encoder_layer_forward(x, in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias,
                                      linear1_weight, linear1_bias, linear2_weight, linear2_bias,
                                      norm1_weight, norm1_bias, norm2_weight, norm2_bias, mask=None, *,
                                      num_heads, norm_first=False, activation="relu", eps=1e-5):
    """One Transformer encoder layer (self-attention + feed-forward, residuals, layer norms), batch first.

    Shapes: x (N, L, E); attention weights as in :func:`multi_head_attention_forward`; linear1 (F, E),
    (F,); linear2 (E, F), (E,); norms (E,). Returns ``(out, cache)`` with out (N, L, E).
    """
    check_encoder_layer_args(x, (linear1_weight, linear1_bias, linear2_weight, linear2_bias, norm1_weight, norm1_bias,
                             norm2_weight, norm2_bias), norm_first, activation, "transformer_encoder_layer_forward")
    act_forward = _ACTIVATIONS[activation][0]

    def attend(z):
        (a, _), c = multi_head_attention_forward(z, z, z, in_proj_weight, in_proj_bias, out_proj_weight,
                                                 out_proj_bias, mask, num_heads=num_heads)
        return a, c

    def feed_forward(z):
        h, c1 = affine_forward(z, linear1_weight, linear1_bias)  # (N, L, F)
        g, ca = act_forward(h)
        y, c2 = affine_forward(g, linear2_weight, linear2_bias)  # (N, L, E)
        return y, (c1, ca, c2)

    if norm_first:
        z1, cn1 = layer_norm_forward(x, norm1_weight, norm1_bias, eps=eps)
        a, c_attn = attend(z1)
        x1 = x + a
        z2, cn2 = layer_norm_forward(x1, norm2_weight, norm2_bias, eps=eps)
        f, c_ff = feed_forward(z2)
        out = x1 + f
    else:
        a, c_attn = attend(x)
        x1, cn1 = layer_norm_forward(x + a, norm1_weight, norm1_bias, eps=eps)
        f, c_ff = feed_forward(x1)
        out, cn2 = layer_norm_forward(x1 + f, norm2_weight, norm2_bias, eps=eps)
    return out, (norm_first, activation, c_attn, c_ff, cn1, cn2)


def transformer_encoder_layer_backward(dout, cache):
    """Gradients of x and of the 12 parameters, in the order of the forward's arguments."""
    norm_first, activation, c_attn, c_ff, cn1, cn2 = cache
    act_backward = _ACTIVATIONS[activation][1]

    def attend_backward(d):  # self-attention: x feeds query, key and value
        dq, dk, dv, *d_params = multi_head_attention_backward((d, None), c_attn)
        return dq + dk + dv, d_params

    def feed_forward_backward(d):
        c1, ca, c2 = c_ff
        dg, dw2, db2 = affine_backward(d, c2)
        (dh,) = act_backward(dg, ca)
        dz, dw1, db1 = affine_backward(dh, c1)
        return dz, [dw1, db1, dw2, db2]

    if norm_first:
        dz2, d_ff = feed_forward_backward(dout)
        dx1, dg2, db2 = layer_norm_backward(dz2, cn2)
        dx1 = dx1 + dout  # residual
        dz1, d_attn = attend_backward(dx1)
        dx, dg1, db1 = layer_norm_backward(dz1, cn1)
        dx = dx + dx1  # residual
    else:
        ds2, dg2, db2 = layer_norm_backward(dout, cn2)  # ds2 reaches both x1 and f
        dz, d_ff = feed_forward_backward(ds2)
        dx1 = ds2 + dz
        ds1, dg1, db1 = layer_norm_backward(dx1, cn1)
        da, d_attn = attend_backward(ds1)
        dx = ds1 + da
    return (dx, *d_attn, *d_ff, dg1, db1, dg2, db2)
