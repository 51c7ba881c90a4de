"""Spatial batch norm and spatial dropout in PyTorch: twins of :mod:`helpers.numpy_impl.norm2d`.

Running statistics follow ``torch.nn.BatchNorm2d`` (``momentum`` weighs the *new* batch, unbiased variance);
they are returned, never updated in place.
"""

from __future__ import annotations

import torch

from helpers.core._validation import (
    check_spatial_batch_norm_args,
    check_spatial_dropout_args,
    check_spatial_running_stats_args,
)

__all__ = ["spatial_batch_norm", "spatial_batch_norm_running_stats", "spatial_dropout"]

_DIMS = (0, 2, 3)


def _col(v):
    return v.view(1, -1, 1, 1)


def spatial_batch_norm(x, gamma, beta, running_mean, running_var, *, training=True, eps=1e-5):
    """Batch norm per channel over (N, H, W): batch statistics when ``training``, running ones otherwise."""
    check_spatial_batch_norm_args(x, gamma, beta, running_mean, running_var, "spatial_batch_norm",
                                  training=training, eps=eps, tensor=True)
    if training:
        mean, var = x.mean(dim=_DIMS), x.var(dim=_DIMS, unbiased=False)  # (C,) each: over N, H, W
    else:
        mean, var = running_mean, running_var
    return _col(gamma) * (x - _col(mean)) / torch.sqrt(_col(var) + eps) + _col(beta)


def spatial_batch_norm_running_stats(x, running_mean, running_var, *, momentum=0.1):
    """New ``(running_mean, running_var)`` after one training batch (PyTorch's rule, unbiased variance)."""
    check_spatial_running_stats_args(x, momentum, "spatial_batch_norm_running_stats", tensor=True)
    with torch.no_grad():
        mean, var = x.mean(dim=_DIMS), x.var(dim=_DIMS, unbiased=True)
        return (1 - momentum) * running_mean + momentum * mean, (1 - momentum) * running_var + momentum * var


def spatial_dropout(x, mask, *, p=0.5):
    """Inverted channel dropout ``x * mask / (1 - p)`` with a given mask (N, C, 1, 1) of zeros and ones."""
    check_spatial_dropout_args(x, mask, p, "spatial_dropout", tensor=True)
    return x * mask / (1.0 - p)
