"""Normalisation layers for chapter 8 in NumPy: batch norm on (N, D) features, group norm and instance norm.

All four normalisations of Wu & He's figure compute ``gamma * (x - mean) / sqrt(var + eps) + beta``; they differ
only in the set of values that share one mean and one (biased) variance. For ``x`` of shape (N, C, H, W):

==============  =======================================  ============================================
batch norm      over (N, H, W), one statistic per channel  :func:`batch_norm_forward` (here, H = W = 1),
                                                         ``spatial_batch_norm_forward`` (``norm2d``)
layer norm      over (C, H, W), one per sample           ``layer_norm_forward`` (``transformer``; last
                                                         axis) or :func:`group_norm_forward` with 1 group
instance norm   over (H, W), one per sample and channel  :func:`instance_norm_forward`
group norm      over (C/G, H, W), one per sample, group  :func:`group_norm_forward`
==============  =======================================  ============================================

Nothing is duplicated: batch norm on (N, D) *is* spatial batch norm with H = W = 1, and group norm is layer norm
applied to each group, so both call the existing hand-written code and only reshape (the backward passes too).

Batch-norm running statistics follow PyTorch (``nn.BatchNorm1d``): ``running = (1 - m) * running + m * batch``
with ``momentum m = 0.1`` by default, and the batch variance in that update is the **unbiased** one (divided by
N - 1) while the normalisation itself uses the **biased** one (divided by N). Lecture notes write the same rule
as ``running = beta_m * running + (1 - beta_m) * batch`` with ``beta_m = 0.99``, i.e. ``m = 1 - beta_m = 0.01``.
Nothing is updated in place: :func:`batch_norm_running_stats` returns the new statistics.

References: Ioffe & Szegedy (2015), "Batch normalization"; Ba, Kiros & Hinton (2016), "Layer normalization";
Ulyanov, Vedaldi & Lempitsky (2016), "Instance normalization"; Wu & He (2018), "Group normalization".
"""

from __future__ import annotations

import numpy as np

from ..core._validation import check_batch_norm_args, check_grouped_norm_args, check_running_stats_args
from .norm2d import spatial_batch_norm_backward, spatial_batch_norm_forward, spatial_batch_norm_running_stats
from .transformer import layer_norm_backward, layer_norm_forward

__all__ = [
    "batch_norm_forward", "batch_norm_backward", "batch_norm_running_stats",
    "group_norm_forward", "group_norm_backward", "instance_norm_forward", "instance_norm_backward",
]


def batch_norm_forward(x, gamma, beta, running_mean, running_var, *, training=True, eps=1e-5):
    """Batch norm of features x (N, D) with gamma, beta, running_mean, running_var of shape (D,).

    ``training=True``: each feature is normalised with the mean and biased variance of this batch (N >= 2);
    ``False``: with the running statistics, so an example's output no longer depends on its batch mates.
    The running statistics are inputs only; update them with :func:`batch_norm_running_stats`.
    """
    check_batch_norm_args(x, gamma, beta, running_mean, running_var, "batch_norm_forward", training=training, eps=eps)
    # (N, D) is the H = W = 1 case of spatial batch norm: the statistics run over N only
    out, cache = spatial_batch_norm_forward(x[:, :, None, None], gamma, beta, running_mean, running_var,
                                            training=training, eps=eps)
    return out[:, :, 0, 0], cache  # (N, D)


def batch_norm_backward(dout, cache):
    """Gradients ``(dx, dgamma, dbeta)``; the running statistics are constants (no gradient)."""
    dx, dgamma, dbeta = spatial_batch_norm_backward(dout[:, :, None, None], cache)
    return dx[:, :, 0, 0], dgamma, dbeta


def batch_norm_running_stats(x, running_mean, running_var, *, momentum=0.1):
    """New ``(running_mean, running_var)`` after the batch x (N, D): PyTorch's rule with the unbiased variance.

    ``momentum`` weighs the *new* batch (PyTorch); the lecture's ``beta_m`` weighs the old value: m = 1 - beta_m.
    """
    check_running_stats_args(x, running_mean, running_var, momentum, "batch_norm_running_stats")
    return spatial_batch_norm_running_stats(x[:, :, None, None], running_mean, running_var, momentum=momentum)


def _group_norm(x, gamma, beta, groups: int, eps: float):
    n = x.shape[0]
    xg = x.reshape(n, groups, -1)  # (N, G, C/G * H * W): one row per (sample, group)
    m = xg.shape[-1]
    # layer norm of each row with the identity affine map; the real affine map is per channel, below
    x_hat, ln_cache = layer_norm_forward(xg, np.ones(m), np.zeros(m), eps=eps)
    channel = (1, -1) + (1,) * (x.ndim - 2)  # gamma, beta broadcast over channel axis 1
    x_hat = x_hat.reshape(x.shape)  # (N, C, ...)
    return gamma.reshape(channel) * x_hat + beta.reshape(channel), (x_hat, gamma, channel, ln_cache)


def group_norm_forward(x, gamma, beta, *, num_groups, eps=1e-5):
    """Group norm (``F.group_norm``): x (N, C, ...) with C divisible by ``num_groups``; gamma, beta (C,).

    Each sample's channels are cut into ``num_groups`` consecutive groups; each group is normalised over its
    channels and all positions. ``num_groups=1`` is layer norm over (C, H, W) (with a per-channel affine map,
    where ``F.layer_norm`` has one per element); ``num_groups=C`` is instance norm. No batch statistics:
    training and evaluation compute the same thing.
    """
    func = "group_norm_forward"
    g = check_grouped_norm_args(x, gamma, beta, eps, func, min_ndim=2, num_groups=num_groups)
    return _group_norm(x, gamma, beta, g, eps)


def group_norm_backward(dout, cache):
    """Gradients ``(dx, dgamma, dbeta)``; dgamma, dbeta sum over every axis but the channel axis."""
    x_hat, gamma, channel, ln_cache = cache
    axes = tuple(i for i in range(dout.ndim) if i != 1)
    dx_hat = dout * gamma.reshape(channel)
    dxg, _, _ = layer_norm_backward(dx_hat.reshape(ln_cache[0].shape), ln_cache)  # (N, G, C/G * H * W)
    return dxg.reshape(dout.shape), (dout * x_hat).sum(axis=axes), dout.sum(axis=axes)


def instance_norm_forward(x, gamma, beta, *, eps=1e-5):
    """Instance norm (``F.instance_norm`` without running statistics): each (sample, channel) map on its own.

    x (N, C, L) or (N, C, H, W) with more than one position; gamma, beta (C,). It is group norm with one group
    per channel.
    """
    func = "instance_norm_forward"
    check_grouped_norm_args(x, gamma, beta, eps, func, min_ndim=3)
    if int(np.prod(x.shape[2:])) < 2:
        raise ValueError(f"{func} needs more than one position per channel. Got x of shape {x.shape} instead.")
    return _group_norm(x, gamma, beta, x.shape[1], eps)


def instance_norm_backward(dout, cache):
    """Gradients ``(dx, dgamma, dbeta)`` (the group-norm backward with C groups)."""
    return group_norm_backward(dout, cache)
