"""Layers and activation functions in PyTorch: the differentiable twins of :mod:`helpers.numpy_impl.layers`.

Each ``<op>(*tensors, **hp)`` has the signature of the NumPy ``<op>_forward`` and returns only the output;
autograd provides the backward pass. They are written from elementary tensor operations (not by calling
the ``torch.nn.functional`` function they are tested against), and they run on the device and in the
dtype of their inputs. References as in the NumPy module.
"""

from __future__ import annotations

import math

import torch

from ..core._validation import (
    check_affine_args,
    check_array,
    check_choice,
    check_dim,
    check_dropout_args,
    check_int,
    check_real,
)

__all__ = [
    "affine", "relu", "leaky_relu", "prelu", "elu", "sigmoid", "tanh", "softmax", "maxout", "swish", "gelu",
    "dropout_inverted", "dropout_noninverted", "flatten",
]


def affine(x, w, b):
    """Fully connected layer ``x @ w.T + b``; w has PyTorch's layout ``(out_features, in_features)``."""
    check_affine_args(x, w, b, "affine", tensor=True)
    return x @ w.T + b


def relu(x):
    """``max(0, x)``; ``where`` (not ``clamp``) so that the gradient at 0 is 0, as for ``F.relu``."""
    check_array(x, "x", "relu", tensor=True)
    return torch.where(x > 0, x, torch.zeros_like(x))


def leaky_relu(x, *, negative_slope=0.01):
    check_array(x, "x", "leaky_relu", tensor=True)
    a = check_real(negative_slope, "negative_slope", "leaky_relu")
    return torch.where(x > 0, x, a * x)


def prelu(x, a):
    """PReLU with learned slopes ``a`` of shape ``(C,)`` (channel axis 1) or ``(1,)``."""
    check_array(x, "x", "prelu", tensor=True, min_ndim=1)
    check_array(a, "a", "prelu", tensor=True, ndim=1)
    channels = x.shape[1] if x.ndim >= 2 else 1
    if a.shape[0] not in (1, channels):
        raise ValueError(f"The 'a' argument of prelu must have shape (1,) or ({channels},) "
                         f"(one slope per channel). Got shape {tuple(a.shape)} instead.")
    ab = a.reshape((1, -1) + (1,) * (x.ndim - 2)) if x.ndim >= 2 else a
    return torch.where(x > 0, x, ab * x)


def elu(x, *, alpha=1.0):
    check_array(x, "x", "elu", tensor=True)
    alpha = check_real(alpha, "alpha", "elu")
    # clamp first: the unused branch of where must stay finite, or its gradient becomes 0 * inf = nan
    return torch.where(x > 0, x, alpha * torch.expm1(x.clamp(max=0)))


def _sigmoid(x):
    # exp(-|x|) never overflows; written with where, since the gradient of abs at 0 would be 0
    e = torch.exp(torch.where(x >= 0, -x, x))
    return torch.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid(x):
    check_array(x, "x", "sigmoid", tensor=True)
    return _sigmoid(x)


def tanh(x):
    """``tanh(x) = 2 sigmoid(2x) - 1``."""
    check_array(x, "x", "tanh", tensor=True)
    return 2 * _sigmoid(2 * x) - 1


def softmax(x, *, dim=-1):
    check_array(x, "x", "softmax", tensor=True, min_ndim=1)
    check_dim(dim, x.ndim, "dim", "softmax")
    # subtracting a constant changes nothing mathematically, so no gradient needs to flow through it
    e = torch.exp(x - x.amax(dim=dim, keepdim=True).detach())
    return e / e.sum(dim=dim, keepdim=True)


def maxout(x, *, pieces=2):
    """Maximum over groups of ``pieces`` consecutive features: ``(..., D * pieces) -> (..., D)``."""
    check_array(x, "x", "maxout", tensor=True, min_ndim=1)
    k = check_int(pieces, "pieces", "maxout", low=1)
    if x.shape[-1] % k:
        raise ValueError(f"The last dimension of 'x' in maxout must be a multiple of pieces={k}. "
                         f"Got shape {tuple(x.shape)} instead.")
    return x.unflatten(-1, (x.shape[-1] // k, k)).amax(dim=-1)  # (..., D, pieces) -> (..., D)


def swish(x, *, beta=1.0):
    """Swish ``x * sigmoid(beta x)``; SiLU for ``beta=1``."""
    check_array(x, "x", "swish", tensor=True)
    beta = check_real(beta, "beta", "swish")
    return x * _sigmoid(beta * x)


def gelu(x, *, approximate="none"):
    """GELU ``x * Phi(x)`` (exact, via erf), or its tanh approximation with ``approximate="tanh"``."""
    check_array(x, "x", "gelu", tensor=True)
    check_choice(approximate, "approximate", "gelu", ("none", "tanh"))
    if approximate == "tanh":
        return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    return x * 0.5 * (1 + torch.erf(x / math.sqrt(2)))


def _dropout_mask(x, mask, p, training, generator, func):
    p = check_dropout_args(x, mask, p, training, func, source_name="generator", source=generator,
                           source_type=torch.Generator, tensor=True)
    if not training:
        return None, p
    if mask is None:
        # the generator must live on x's device (a CUDA generator for CUDA inputs)
        return (torch.rand(x.shape, generator=generator, device=x.device, dtype=x.dtype) >= p).to(x.dtype), p
    return mask.to(x.dtype), p


def dropout_inverted(x, mask=None, *, p=0.5, training=True, generator=None):
    """Inverted dropout (PyTorch's convention): keep-mask times ``1/(1-p)`` when training, else identity."""
    keep, p = _dropout_mask(x, mask, p, training, generator, "dropout_inverted")
    return x if keep is None else x * keep / (1 - p)


def dropout_noninverted(x, mask=None, *, p=0.5, training=True, generator=None):
    """The lecture's dropout: keep-mask when training, times ``1 - p`` at test time."""
    keep, p = _dropout_mask(x, mask, p, training, generator, "dropout_noninverted")
    return x * (1 - p) if keep is None else x * keep


def flatten(x, *, start_dim=1, end_dim=-1):
    """Merge the axes ``start_dim..end_dim`` into one (like ``torch.flatten``), written with ``reshape``."""
    check_array(x, "x", "flatten", tensor=True, kind="any")
    ndim = max(x.ndim, 1)
    s = check_dim(start_dim, ndim, "start_dim", "flatten")
    e = check_dim(end_dim, ndim, "end_dim", "flatten")
    if s > e:
        raise ValueError(f"The 'start_dim' argument of flatten must not come after end_dim={end_dim}. "
                         f"Got {start_dim!r} instead.")
    if x.ndim == 0:
        return x.reshape(1)
    merged = math.prod(x.shape[s:e + 1])
    return x.reshape(tuple(x.shape[:s]) + (merged,) + tuple(x.shape[e + 1:]))
