"""The Transformer encoder block in PyTorch: twins of :mod:`helpers.numpy_impl.transformer`.

``layer_norm`` is ``F.layer_norm`` over the last axis; ``transformer_encoder_layer`` is
``nn.TransformerEncoderLayer(..., dropout=0.0, batch_first=True)`` (post-norm by default, pre-norm with
``norm_first=True``) with a boolean mask meaning True = may attend. Written from tensor operations,
device- and dtype-agnostic. References as in the NumPy module.
"""

from __future__ import annotations

import torch

from ..core._validation import check_encoder_layer_args, check_layer_norm_args
from .attention import multi_head_attention
from .layers import affine, gelu, relu

__all__ = ["layer_norm", "transformer_encoder_layer"]


def layer_norm(x, gamma, beta, *, eps=1e-5):
    """Layer norm over the last axis: x (..., D), gamma and beta (D,) -> (..., D)."""
    eps = check_layer_norm_args(x, gamma, beta, eps, "layer_norm", tensor=True)
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)  # biased variance
    return gamma * (x - mean) / torch.sqrt(var + eps) + beta


_ACTIVATIONS = {"relu": relu, "gelu": gelu}


def transformer_encoder_layer(x, in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias,
                              linear1_weight, linear1_bias, linear2_weight, linear2_bias,
                              norm1_weight, norm1_bias, norm2_weight, norm2_bias, mask=None, *,
                              num_heads, norm_first=False, activation="relu", eps=1e-5):
    """One Transformer encoder layer, batch first: x (N, L, E) -> (N, L, E)."""
    ff_and_norms = (linear1_weight, linear1_bias, linear2_weight, linear2_bias, norm1_weight, norm1_bias,
                    norm2_weight, norm2_bias)
    check_encoder_layer_args(x, ff_and_norms, norm_first, activation, "transformer_encoder_layer", tensor=True)
    act = _ACTIVATIONS[activation]

    def attend(z):
        return multi_head_attention(z, z, z, in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias,
                                    mask,
                                    num_heads=num_heads)[0]

    def feed_forward(z):
        return affine(act(affine(z, linear1_weight, linear1_bias)), linear2_weight, linear2_bias)

    if norm_first:
        x = x + attend(layer_norm(x, norm1_weight, norm1_bias, eps=eps))
        return x + feed_forward(layer_norm(x, norm2_weight, norm2_bias, eps=eps))
    x = layer_norm(x + attend(x), norm1_weight, norm1_bias, eps=eps)
    return layer_norm(x + feed_forward(x), norm2_weight, norm2_bias, eps=eps)
