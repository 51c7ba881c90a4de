"""Spatial batch norm and spatial dropout in PyTorch: twins of :mod:`helpers.numpy_impl.norm2d`.

Running statistics follow ``torch.nn.BatchNorm2d`` (``momentum`` weighs the *new* batch, unbiased variance);
they are returned, never updated in place.
"""

from __future__ import annotations

import torch

from helpers.torch_impl.conv import check_tensor

__all__ = ["spatial_batch_norm", "spatial_batch_norm_running_stats", "spatial_dropout"]

_DIMS = (0, 2, 3)


def _check_bn(x, gamma, beta, running_mean, running_var, fn, *, eps):
    """x (N, C, H, W); the per-channel tensors (C,); eps > 0."""
    check_tensor(x, "x", fn, 4)
    c = x.shape[1]
    for name, t in (("gamma", gamma), ("beta", beta), ("running_mean", running_mean), ("running_var", running_var)):
        check_tensor(t, name, fn, 1)
        if t.shape != (c,):
            raise ValueError(f"The '{name}' argument of {fn} must have shape ({c},). Got {tuple(t.shape)} instead.")
    if not isinstance(eps, (int, float)) or eps <= 0:
        raise ValueError(f"The 'eps' argument of {fn} must be a number > 0. Got {eps!r} instead.")


def _col(v):
    return v.view(1, -1, 1, 1)


def spatial_batch_norm(x, gamma, beta, running_mean, running_var, *, training=True, eps=1e-5):
    """Batch norm per channel over (N, H, W): batch statistics when ``training``, running ones otherwise."""
    _check_bn(x, gamma, beta, running_mean, running_var, "spatial_batch_norm", eps=eps)
    if training:
        mean, var = x.mean(dim=_DIMS), x.var(dim=_DIMS, unbiased=False)  # (C,) each: over N, H, W
    else:
        mean, var = running_mean, running_var
    return _col(gamma) * (x - _col(mean)) / torch.sqrt(_col(var) + eps) + _col(beta)


def spatial_batch_norm_running_stats(x, running_mean, running_var, *, momentum=0.1):
    """New ``(running_mean, running_var)`` after one training batch (PyTorch's rule, unbiased variance)."""
    fn = "spatial_batch_norm_running_stats"
    check_tensor(x, "x", fn, 4)
    if not isinstance(momentum, (int, float)) or not 0 <= momentum <= 1:
        raise ValueError(f"The 'momentum' argument of {fn} must be a number in [0, 1]. Got {momentum!r} instead.")
    if x.shape[0] * x.shape[2] * x.shape[3] < 2:
        raise ValueError(f"{fn} needs more than one value per channel for the unbiased variance. Got {tuple(x.shape)}.")
    with torch.no_grad():
        mean, var = x.mean(dim=_DIMS), x.var(dim=_DIMS, unbiased=True)
        return (1 - momentum) * running_mean + momentum * mean, (1 - momentum) * running_var + momentum * var


def spatial_dropout(x, mask, *, p=0.5):
    """Inverted channel dropout ``x * mask / (1 - p)`` with a given mask (N, C, 1, 1) of zeros and ones."""
    fn = "spatial_dropout"
    check_tensor(x, "x", fn, 4)
    check_tensor(mask, "mask", fn, 4)
    if tuple(mask.shape) != tuple(x.shape[:2]) + (1, 1):
        raise ValueError(f"The 'mask' argument of {fn} must have shape {tuple(x.shape[:2]) + (1, 1)}. "
                         f"Got {tuple(mask.shape)} instead.")
    if not bool(((mask == 0) | (mask == 1)).all()):
        raise ValueError(f"The 'mask' argument of {fn} must contain only zeros and ones.")
    if not isinstance(p, (int, float)) or not 0 <= p < 1:
        raise ValueError(f"The 'p' argument of {fn} must be a number in [0, 1). Got {p!r} instead.")
    return x * mask / (1.0 - p)
