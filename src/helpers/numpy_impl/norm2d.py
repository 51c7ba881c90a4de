"""Spatial batch normalisation and spatial dropout for feature maps (N, C, H, W), in NumPy.

Spatial batch norm normalises each channel over the batch *and* all positions (``N H W`` values per
channel), so a convolution's weight sharing is matched by shared statistics; ``gamma`` and ``beta`` have
shape (C,). Training uses the batch statistics (biased variance); evaluation uses running statistics.

PyTorch's running-statistics convention (``torch.nn.BatchNorm2d``):
``running = (1 - momentum) * running + momentum * batch`` with ``momentum=0.1`` and the **unbiased** batch
variance (divided by ``NHW - 1``). Keras and many lecture slides write ``momentum`` for the weight of the
*old* value (0.9 or 0.99): the same rule with ``momentum_keras = 1 - momentum_torch``.

Spatial dropout (``F.dropout2d``) drops whole channels: the mask has shape (N, C, 1, 1), survivors are
scaled by ``1/(1-p)`` (inverted dropout), so nothing changes at test time. The mask is an argument: no
hidden randomness.

Reference: Ioffe & Szegedy (2015); Tompson et al. (2015), "Efficient object localization using
convolutional networks" (spatial dropout).
"""

from __future__ import annotations

import numpy as np

from helpers.core._validation import (
    check_spatial_batch_norm_args,
    check_spatial_dropout_args,
    check_spatial_running_stats_args,
)

__all__ = [
    "spatial_batch_norm_backward", "spatial_batch_norm_forward", "spatial_batch_norm_running_stats",
    "spatial_dropout_backward", "spatial_dropout_forward",
]

_AXES = (0, 2, 3)  # everything but the channel axis


def spatial_batch_norm_forward(x, gamma, beta, running_mean, running_var, *, training=True, eps=1e-5):
    """Batch norm per channel over (N, H, W). x (N, C, H, W); gamma, beta, running_mean, running_var (C,).

    ``training=True`` normalises with the batch mean and (biased) variance; ``False`` with the running ones.
    The running statistics are not changed here: see :func:`spatial_batch_norm_running_stats`.
    """
    check_spatial_batch_norm_args(x, gamma, beta, running_mean, running_var, "spatial_batch_norm_forward",
                                  training=training, eps=eps)
    if training:
        mean, var = x.mean(axis=_AXES), x.var(axis=_AXES)  # (C,) each: over N, H, W
    else:
        mean, var = running_mean, running_var
    inv_std = 1.0 / np.sqrt(var + eps)  # (C,)
    x_hat = (x - mean[None, :, None, None]) * inv_std[None, :, None, None]
    out = gamma[None, :, None, None] * x_hat + beta[None, :, None, None]
    return out, (x_hat, gamma, inv_std, training)


def spatial_batch_norm_backward(dout, cache):
    """Gradients ``(dx, dgamma, dbeta)``. In training the batch statistics depend on x, which adds two terms."""
    x_hat, gamma, inv_std, training = cache
    dgamma, dbeta = (dout * x_hat).sum(axis=_AXES), dout.sum(axis=_AXES)
    dx_hat = dout * gamma[None, :, None, None]
    if not training:  # running statistics are constants
        return dx_hat * inv_std[None, :, None, None], dgamma, dbeta
    m = dout.shape[0] * dout.shape[2] * dout.shape[3]  # values per channel
    dx = (m * dx_hat - dx_hat.sum(axis=_AXES, keepdims=True)
          - x_hat * (dx_hat * x_hat).sum(axis=_AXES, keepdims=True)) * inv_std[None, :, None, None] / m
    return dx, dgamma, dbeta


def spatial_batch_norm_running_stats(x, running_mean, running_var, *, momentum=0.1):
    """New ``(running_mean, running_var)`` after one training batch, PyTorch's rule (unbiased variance)."""
    check_spatial_running_stats_args(x, momentum, "spatial_batch_norm_running_stats")
    batch_mean, batch_var = x.mean(axis=_AXES), x.var(axis=_AXES, ddof=1)
    return (1 - momentum) * running_mean + momentum * batch_mean, (1 - momentum) * running_var + momentum * batch_var


def spatial_dropout_forward(x, mask, *, p=0.5):
    """Inverted channel dropout: ``x * mask / (1 - p)``. x (N, C, H, W), mask (N, C, 1, 1) of zeros and ones.

    Draw the mask with e.g. ``(rng.random((N, C, 1, 1)) >= p).astype(float)``.
    """
    check_spatial_dropout_args(x, mask, p, "spatial_dropout_forward")
    scale = mask / (1.0 - p)
    return x * scale, scale


def spatial_dropout_backward(dout, cache):
    """``(dx,)``: the same mask and scale."""
    return (dout * cache,)
