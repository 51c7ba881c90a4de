"""Normalisation layers in PyTorch: twins of :mod:`helpers.numpy_impl.norm`, from tensor operations.

``batch_norm`` on (N, D) reuses :func:`helpers.torch_impl.norm2d.spatial_batch_norm` with H = W = 1; ``group_norm``
and ``instance_norm`` apply :func:`helpers.torch_impl.transformer.layer_norm` to each group. Running statistics
follow ``nn.BatchNorm1d`` (``momentum=0.1`` weighs the new batch, unbiased batch variance) and are returned,
never updated in place. Device- and dtype-agnostic. References as in the NumPy module.
"""

from __future__ import annotations

import math

import torch

from ..core._validation import check_batch_norm_args, check_grouped_norm_args, check_running_stats_args
from .norm2d import spatial_batch_norm, spatial_batch_norm_running_stats
from .transformer import layer_norm

__all__ = ["batch_norm", "batch_norm_running_stats", "group_norm", "instance_norm"]


def batch_norm(x, gamma, beta, running_mean, running_var, *, training=True, eps=1e-5):
    """Batch norm of x (N, D): batch statistics (biased variance) when ``training``, running ones otherwise."""
    check_batch_norm_args(x, gamma, beta, running_mean, running_var, "batch_norm", training=training, eps=eps,
                          tensor=True)
    out = spatial_batch_norm(x[:, :, None, None], gamma, beta, running_mean, running_var, training=training, eps=eps)
    return out[:, :, 0, 0]  # (N, D)


def batch_norm_running_stats(x, running_mean, running_var, *, momentum=0.1):
    """New ``(running_mean, running_var)`` after the batch x (N, D) (PyTorch's rule, unbiased variance)."""
    check_running_stats_args(x, running_mean, running_var, momentum, "batch_norm_running_stats", tensor=True)
    return spatial_batch_norm_running_stats(x[:, :, None, None], running_mean, running_var, momentum=momentum)


def _group_norm(x, gamma, beta, groups: int, eps: float):
    xg = x.reshape(x.shape[0], groups, -1)  # (N, G, C/G * H * W)
    ones = torch.ones(xg.shape[-1], dtype=x.dtype, device=x.device)
    x_hat = layer_norm(xg, ones, torch.zeros_like(ones), eps=eps).reshape(x.shape)  # (N, C, ...)
    channel = (1, -1) + (1,) * (x.ndim - 2)
    return gamma.reshape(channel) * x_hat + beta.reshape(channel)


def group_norm(x, gamma, beta, *, num_groups, eps=1e-5):
    """Group norm of x (N, C, ...) over ``num_groups`` consecutive channel groups and all positions."""
    func = "group_norm"
    g = check_grouped_norm_args(x, gamma, beta, eps, func, min_ndim=2, num_groups=num_groups, tensor=True)
    return _group_norm(x, gamma, beta, g, eps)


def instance_norm(x, gamma, beta, *, eps=1e-5):
    """Instance norm of x (N, C, L) or (N, C, H, W): every (sample, channel) map normalised on its own."""
    func = "instance_norm"
    check_grouped_norm_args(x, gamma, beta, eps, func, min_ndim=3, tensor=True)
    if math.prod(x.shape[2:]) < 2:
        raise ValueError(f"{func} needs more than one position per channel. Got x of shape {tuple(x.shape)} instead.")
    return _group_norm(x, gamma, beta, x.shape[1], eps)
