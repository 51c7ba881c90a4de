"""Layers and activation functions with hand-written forward and backward passes (NumPy, float64).

Every operation comes as a pair in the style of Stanford's CS231n assignments:
``<op>_forward(*arrays, **hp) -> (out, cache)`` and ``<op>_backward(dout, cache) -> grads``, where
``grads`` is always a tuple with one gradient per differentiable input, in order. Inputs are never
modified. Hyperparameters are keyword-only and use PyTorch's names; the PyTorch twins live in
:mod:`helpers.torch_impl.layers`.

References: Goodfellow, Bengio, Courville, *Deep Learning* (2016), ch. 6; He et al. 2015 (PReLU);
Clevert et al. 2016 (ELU); Goodfellow et al. 2013 (maxout); Ramachandran et al. 2017 (swish);
Hendrycks & Gimpel 2016 (GELU); Srivastava et al. 2014 (dropout).
"""

from __future__ import annotations

import numpy as np
from scipy.special import erf

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
    "affine_forward", "affine_backward", "relu_forward", "relu_backward",
    "leaky_relu_forward", "leaky_relu_backward", "prelu_forward", "prelu_backward",
    "elu_forward", "elu_backward", "sigmoid_forward", "sigmoid_backward", "tanh_forward", "tanh_backward",
    "softmax_forward", "softmax_backward", "maxout_forward", "maxout_backward",
    "swish_forward", "swish_backward", "gelu_forward", "gelu_backward",
    "dropout_inverted_forward", "dropout_inverted_backward",
    "dropout_noninverted_forward", "dropout_noninverted_backward", "flatten_forward", "flatten_backward",
]


def affine_forward(x, w, b):
    """Fully connected layer ``out = x @ w.T + b``.

    Weight layout is PyTorch's ``(out_features, in_features)`` (as in ``nn.Linear``), not the
    ``(in, out)`` layout of some lecture slides. Shapes: x ``(..., in)``, w ``(out, in)``, b ``(out,)``
    -> out ``(..., out)``; the cache ``(x, w)`` is what the backward pass needs.
    """
    check_affine_args(x, w, b, "affine_forward")
    return x @ w.T + b, (x, w)


def affine_backward(dout, cache):
    """Gradients ``(dx, dw, db)`` of the affine layer."""
    x, w = cache
    x2 = x.reshape(-1, x.shape[-1])  # (M, in): all leading dimensions act as the batch
    d2 = dout.reshape(-1, w.shape[0])  # (M, out)
    return dout @ w, d2.T @ x2, d2.sum(axis=0)


def relu_forward(x):
    """``max(0, x)`` elementwise. The gradient at exactly 0 is taken as 0, as PyTorch does."""
    check_array(x, "x", "relu_forward")
    return np.maximum(x, 0.0), x


def relu_backward(dout, cache):
    x = cache
    return (dout * (x > 0),)


def leaky_relu_forward(x, *, negative_slope=0.01):
    """``x`` for ``x > 0``, ``negative_slope * x`` otherwise (PyTorch's default 0.01; some slides use 0.1)."""
    check_array(x, "x", "leaky_relu_forward")
    a = check_real(negative_slope, "negative_slope", "leaky_relu_forward")
    return np.where(x > 0, x, a * x), (x, a)


def leaky_relu_backward(dout, cache):
    x, a = cache
    return (np.where(x > 0, dout, a * dout),)


def _prelu_broadcast(a, x):
    """Reshape the PReLU slopes ``a`` (C,) so they broadcast over channel axis 1 of ``x``."""
    return a.reshape((1, -1) + (1,) * (x.ndim - 2)) if x.ndim >= 2 else a


def prelu_forward(x, a):
    """PReLU: like leaky ReLU but the slopes ``a`` are learned, one per channel (axis 1) or one shared.

    Shapes: x ``(N, C, ...)``, a ``(C,)`` or ``(1,)`` (as ``nn.PReLU``'s weight).
    """
    check_array(x, "x", "prelu_forward", min_ndim=1)
    check_array(a, "a", "prelu_forward", ndim=1)
    channels = x.shape[1] if x.ndim >= 2 else 1
    if a.shape[0] not in (1, channels):
        raise ValueError(f"The 'a' argument of prelu_forward must have shape (1,) or ({channels},) "
                         f"(one slope per channel). Got shape {a.shape} instead.")
    ab = _prelu_broadcast(a, x)
    return np.where(x > 0, x, ab * x), (x, a)


def prelu_backward(dout, cache):
    """Gradients ``(dx, da)``; ``da`` sums over every axis except the channel axis."""
    x, a = cache
    ab = _prelu_broadcast(a, x)
    dx = np.where(x > 0, dout, ab * dout)
    contrib = np.where(x > 0, 0.0, dout * x)
    if a.shape[0] == 1:
        da = np.array([contrib.sum()])
    else:
        da = contrib.sum(axis=tuple(i for i in range(x.ndim) if i != 1))
    return dx, da


def elu_forward(x, *, alpha=1.0):
    """ELU: ``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise."""
    check_array(x, "x", "elu_forward")
    alpha = check_real(alpha, "alpha", "elu_forward")
    # expm1 on the clipped input: accurate near 0 and no overflow warning for large positive x
    out = np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))
    return out, (x, out, alpha)


def elu_backward(dout, cache):
    x, out, alpha = cache
    return (np.where(x > 0, dout, dout * (out + alpha)),)  # d/dx alpha*(e^x - 1) = out + alpha


def _sigmoid(x):
    """Numerically stable logistic function: never exponentiates a positive number."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_forward(x):
    """``1 / (1 + exp(-x))``, computed without overflow for large ``|x|``."""
    check_array(x, "x", "sigmoid_forward")
    s = _sigmoid(x)
    return s, s


def sigmoid_backward(dout, cache):
    s = cache
    return (dout * s * (1.0 - s),)


def tanh_forward(x):
    check_array(x, "x", "tanh_forward")
    t = np.tanh(x)
    return t, t


def tanh_backward(dout, cache):
    t = cache
    return (dout * (1.0 - t * t),)


def softmax_forward(x, *, dim=-1):
    """Softmax along axis ``dim``; the maximum is subtracted first so ``exp`` never overflows."""
    check_array(x, "x", "softmax_forward", min_ndim=1)
    dim = check_dim(dim, x.ndim, "dim", "softmax_forward")
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    s = e / e.sum(axis=dim, keepdims=True)
    return s, (s, dim)


def softmax_backward(dout, cache):
    """Jacobian-vector product ``s * (dout - <dout, s>)`` along ``dim``, without forming the Jacobian."""
    s, dim = cache
    return (s * (dout - (dout * s).sum(axis=dim, keepdims=True)),)


def maxout_forward(x, *, pieces=2):
    """Maxout: the maximum over groups of ``pieces`` consecutive features of the last axis.

    Shapes: x ``(..., D * pieces)`` -> out ``(..., D)``. Feed it the output of an affine layer with
    ``D * pieces`` units to get the maxout unit ``max_k (w_k^T x + b_k)`` of Goodfellow et al.
    """
    check_array(x, "x", "maxout_forward", min_ndim=1)
    k = check_int(pieces, "pieces", "maxout_forward", low=1)
    if x.shape[-1] % k:
        raise ValueError(f"The last dimension of 'x' in maxout_forward must be a multiple of pieces={k}. "
                         f"Got shape {x.shape} instead.")
    xg = x.reshape(x.shape[:-1] + (x.shape[-1] // k, k))  # (..., D, pieces)
    idx = xg.argmax(axis=-1)[..., None]  # (..., D, 1): the winning piece (first one on ties)
    return np.take_along_axis(xg, idx, axis=-1)[..., 0], (x.shape, idx)


def maxout_backward(dout, cache):
    """The gradient flows only to the winning piece of each group."""
    shape, idx = cache
    k = shape[-1] // idx.shape[-2]
    dxg = np.zeros(idx.shape[:-1] + (k,))  # (..., D, pieces)
    np.put_along_axis(dxg, idx, dout[..., None], axis=-1)
    return (dxg.reshape(shape),)


def swish_forward(x, *, beta=1.0):
    """Swish ``x * sigmoid(beta * x)``; ``beta=1`` is SiLU (``F.silu``). (Not ``2 x sigmoid(beta x)``.)"""
    check_array(x, "x", "swish_forward")
    beta = check_real(beta, "beta", "swish_forward")
    s = _sigmoid(beta * x)
    return x * s, (x, s, beta)


def swish_backward(dout, cache):
    x, s, beta = cache
    return (dout * (s + beta * x * s * (1.0 - s)),)


_SQRT_2_OVER_PI = np.sqrt(2.0 / np.pi)


def gelu_forward(x, *, approximate="none"):
    """GELU ``x * Phi(x)`` with the standard normal CDF ``Phi`` (exact, via erf).

    ``approximate="tanh"`` uses ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`` like ``F.gelu``.
    """
    check_array(x, "x", "gelu_forward")
    check_choice(approximate, "approximate", "gelu_forward", ("none", "tanh"))
    if approximate == "tanh":
        t = np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x**3))
        return 0.5 * x * (1.0 + t), (x, approximate, t)
    cdf = 0.5 * (1.0 + erf(x / np.sqrt(2.0)))
    return x * cdf, (x, approximate, cdf)


def gelu_backward(dout, cache):
    x, approximate, aux = cache
    if approximate == "tanh":
        t = aux
        dinner = _SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * x**2)
        return (dout * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * dinner),)
    pdf = np.exp(-0.5 * x * x) / np.sqrt(2.0 * np.pi)
    return (dout * (aux + x * pdf),)  # d/dx x Phi(x) = Phi(x) + x phi(x)


def _dropout_mask(x, mask, p, training, rng, func):
    """Validate the arguments shared by both dropout forms and return the keep-mask (1 = keep) and p."""
    p = check_dropout_args(x, mask, p, training, func, source_name="rng", source=rng, source_type=np.random.Generator)
    if not training:
        return None, p
    if mask is None:
        return rng.random(x.shape) >= p, p  # keep each unit with probability 1 - p
    return mask.astype(x.dtype), p


def dropout_inverted_forward(x, mask=None, *, p=0.5, training=True, rng=None):
    """Inverted dropout (PyTorch's ``F.dropout``): zero units with probability ``p`` at training time and
    scale the kept ones by ``1 / (1 - p)``, so that evaluation is the identity.

    Pass the keep-mask (1 = keep) explicitly, or ``rng`` to draw it. Returns ``out, cache``.
    """
    keep, p = _dropout_mask(x, mask, p, training, rng, "dropout_inverted_forward")
    if keep is None:
        return x.copy(), np.ones_like(x)
    scaled = keep / (1.0 - p)
    return x * scaled, scaled


def dropout_inverted_backward(dout, cache):
    return (dout * cache,)


def dropout_noninverted_forward(x, mask=None, *, p=0.5, training=True, rng=None):
    """The lecture's ("vanilla", Srivastava et al.) dropout: zero units with probability ``p`` at training
    time without rescaling, and multiply by ``1 - p`` at test time so expectations match.

    Same arguments as :func:`dropout_inverted_forward`; the two differ only in where the scale goes.
    """
    keep, p = _dropout_mask(x, mask, p, training, rng, "dropout_noninverted_forward")
    scale = np.full_like(x, 1.0 - p) if keep is None else keep
    return x * scale, scale


def dropout_noninverted_backward(dout, cache):
    return (dout * cache,)


def flatten_forward(x, *, start_dim=1, end_dim=-1):
    """Merge the axes ``start_dim..end_dim`` into one, like ``torch.flatten`` (default: keep axis 0)."""
    check_array(x, "x", "flatten_forward", kind="any")
    ndim = max(x.ndim, 1)
    s = check_dim(start_dim, ndim, "start_dim", "flatten_forward")
    e = check_dim(end_dim, ndim, "end_dim", "flatten_forward")
    if s > e:
        raise ValueError(f"The 'start_dim' argument of flatten_forward must not come after "
                         f"end_dim={end_dim}. "
                         f"Got {start_dim!r} instead.")
    if x.ndim == 0:
        return x.reshape(1), x.shape
    merged = int(np.prod(x.shape[s:e + 1]))  # explicit, since -1 is ambiguous for empty arrays
    return x.reshape(x.shape[:s] + (merged,) + x.shape[e + 1:]), x.shape


def flatten_backward(dout, cache):
    return (dout.reshape(cache),)
