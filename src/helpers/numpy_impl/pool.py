"""Pooling in NumPy, forward and backward by hand: max, average, global average, max-unpooling.

Conventions of ``torch.nn.functional``: ``stride`` defaults to ``kernel_size``; max pooling pads with
``-inf`` and returns, per image and channel, the flat index ``row * W + col`` of each maximum in the
*unpadded* input (what ``max_unpool2d`` needs); average pooling counts padded zeros
(``count_include_pad=True``). Output size ``floor((n + 2p - k)/s) + 1``, as for a convolution.

Pooling has no parameters. Max pooling routes the whole gradient to the position of the maximum;
average pooling spreads it evenly over the window.
"""

from __future__ import annotations

import numpy as np

from helpers.core._validation import check_float_array, check_max_unpool_args
from helpers.core.conv_arithmetic import pool_geometry
from helpers.numpy_impl.conv import col2im, crop2d, im2col, pad2d

__all__ = [
    "avg_pool2d_backward", "avg_pool2d_forward", "global_avg_pool2d_backward", "global_avg_pool2d_forward",
    "max_pool2d_backward", "max_pool2d_forward", "max_pool2d_with_indices",
    "max_unpool2d_backward", "max_unpool2d_forward",
]


def _windows(x, fn, kernel_size, stride, padding, fill):
    check_float_array(x, "x", fn, 4)
    k, s, p, (ho, wo) = pool_geometry(x.shape, fn, kernel_size=kernel_size, stride=stride, padding=padding)
    pads = ((p[0], p[0]), (p[1], p[1]))
    cols = im2col(pad2d(x, pads, fill), k, s, (1, 1), (ho, wo))  # (N, C, kH, kW, H_out, W_out)
    return cols, k, s, pads, (ho, wo)


def max_pool2d_with_indices(x, *, kernel_size, stride=None, padding=0):
    """``(out, indices)``: the maxima and their flat positions ``row * W + col`` in each (H, W) plane of ``x``."""
    fn = "max_pool2d_with_indices"
    cols, (kh, kw), (sh, sw), pads, (ho, wo) = _windows(x, fn, kernel_size, stride, padding, -np.inf)
    n, c = x.shape[:2]
    flat = cols.reshape(n, c, kh * kw, ho, wo)
    arg = flat.argmax(axis=2)  # (N, C, H_out, W_out): offset inside the window, first maximum wins
    out = np.take_along_axis(flat, arg[:, :, None], axis=2)[:, :, 0]
    rows = np.arange(ho)[:, None] * sh + arg // kw - pads[0][0]  # back to unpadded coordinates
    cols_ = np.arange(wo)[None, :] * sw + arg % kw - pads[1][0]
    return out, rows * x.shape[3] + cols_


def max_pool2d_forward(x, *, kernel_size, stride=None, padding=0):
    """Max pooling. x (N, C, H, W) -> out (N, C, H_out, W_out); the cache keeps the argmax indices."""
    out, indices = max_pool2d_with_indices(x, kernel_size=kernel_size, stride=stride, padding=padding)
    return out, (x.shape, indices)


def max_pool2d_backward(dout, cache):
    """``(dx,)``: each upstream gradient goes to the input position that won its window (windows may overlap)."""
    x_shape, indices = cache
    n, c, h, w = x_shape
    dx = np.zeros((n * c, h * w), dtype=dout.dtype)
    plane = np.arange(n * c)[:, None]
    np.add.at(dx, (plane, indices.reshape(n * c, -1)), dout.reshape(n * c, -1))  # add.at: repeated indices add up
    return (dx.reshape(x_shape),)


def avg_pool2d_forward(x, *, kernel_size, stride=None, padding=0):
    """Average pooling (padded zeros count, as ``count_include_pad=True``). x (N, C, H, W) -> (N, C, H_out, W_out)."""
    cols, k, s, pads, _ = _windows(x, "avg_pool2d_forward", kernel_size, stride, padding, 0.0)
    return cols.mean(axis=(2, 3)), (x.shape, k, s, pads)


def avg_pool2d_backward(dout, cache):
    """``(dx,)``: every input of a window receives ``1/(kH kW)`` of the window's gradient."""
    x_shape, (kh, kw), s, pads = cache
    dcols = np.broadcast_to(dout[:, :, None, None] / (kh * kw), dout.shape[:2] + (kh, kw) + dout.shape[2:])
    padded = x_shape[:2] + (x_shape[2] + sum(pads[0]), x_shape[3] + sum(pads[1]))
    return (crop2d(col2im(np.ascontiguousarray(dcols), padded, s, (1, 1)), pads),)


def global_avg_pool2d_forward(x):
    """Global average pooling: one number per channel. x (N, C, H, W) -> (N, C)."""
    check_float_array(x, "x", "global_avg_pool2d_forward", 4)
    return x.mean(axis=(2, 3)), x.shape


def global_avg_pool2d_backward(dout, cache):
    """``(dx,)``: the gradient of each channel spread evenly over its ``H W`` positions."""
    n, c, h, w = cache
    return (np.broadcast_to(dout[:, :, None, None] / (h * w), cache).copy(),)


def max_unpool2d_forward(x, indices, *, kernel_size, stride=None, padding=0, output_size=None):
    """Max-unpooling: put each value back at the position its maximum came from, zeros elsewhere.

    x (N, C, h, w) pooled values, indices (N, C, h, w) from :func:`max_pool2d_with_indices` ->
    (N, C, H, W) with ``H = (h-1) s - 2p + k`` unless ``output_size=(H, W)`` is given.
    """
    h, w = check_max_unpool_args(x, indices, "max_unpool2d_forward", kernel_size=kernel_size, stride=stride,
                                 padding=padding, output_size=output_size)
    n, c = x.shape[:2]
    out = np.zeros((n * c, h * w), dtype=x.dtype)
    out[np.arange(n * c)[:, None], indices.reshape(n * c, -1)] = x.reshape(n * c, -1)
    return out.reshape(n, c, h, w), (indices, x.shape)


def max_unpool2d_backward(dout, cache):
    """``(dx,)``: each pooled value receives the gradient at the position it was put back to."""
    indices, x_shape = cache
    n, c = x_shape[:2]
    dx = np.take_along_axis(dout.reshape(n * c, -1), indices.reshape(n * c, -1), axis=1)
    return (dx.reshape(x_shape),)
