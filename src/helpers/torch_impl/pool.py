"""Pooling in PyTorch from tensor operations (``unfold`` + max/mean, ``scatter``): twins of :mod:`helpers.numpy_impl.pool`.

Conventions of ``torch.nn.functional``: stride defaults to kernel_size, max pooling pads with ``-inf``,
average pooling counts padded zeros. Autograd gives the backward passes.

``F.unfold`` lays every window out as one column (a copy: kH·kW values per output), and one reduction over
that axis pools them. A reduction over a strided *view* of the windows (no copy, as the convolution's
:func:`~helpers.torch_impl.conv.im2col`) measured slower on the CPU: reducing axes of 2 or 3 elements that
are not contiguous defeats the vectorised kernels, while the copy is cheap at pooling sizes. On CUDA the
trade may turn: PyTorch's CUDA im2col launches one kernel per image (the benchmark's "strided view" row measures
the alternative; see the performance appendix).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from helpers.core._validation import check_float_array, check_max_unpool_args
from helpers.core.conv_arithmetic import pool_geometry
from helpers.torch_impl.conv import cached_geometry, pad2d

__all__ = ["avg_pool2d", "global_avg_pool2d", "max_pool2d", "max_pool2d_with_indices", "max_unpool2d"]


def _windows(x, fn, kernel_size, stride, padding, fill):
    check_float_array(x, "x", fn, 4, tensor=True)
    k, s, p, (ho, wo) = cached_geometry(pool_geometry, tuple(x.shape), fn, kernel_size=kernel_size, stride=stride,
                                        padding=padding)
    cols = F.unfold(pad2d(x, ((p[0], p[0]), (p[1], p[1])), fill), k, stride=s)  # (N, C*kH*kW, L)
    return cols.view(x.shape[0], x.shape[1], k[0] * k[1], ho, wo), k, s, p


def max_pool2d_with_indices(x, *, kernel_size, stride=None, padding=0):
    """``(out, indices)`` with flat positions ``row * W + col`` of the maxima, like ``F.max_pool2d(return_indices=True)``."""
    cols, (kh, kw), (sh, sw), p = _windows(x, "max_pool2d_with_indices", kernel_size, stride, padding, float("-inf"))
    out, arg = cols.max(dim=2)  # (N, C, H_out, W_out); the gradient flows to the argmax only
    ho, wo = out.shape[2:]
    rows = torch.arange(ho, device=x.device).view(-1, 1) * sh + arg // kw - p[0]
    cols_ = torch.arange(wo, device=x.device).view(1, -1) * sw + arg % kw - p[1]
    return out, rows * x.shape[3] + cols_


def max_pool2d(x, *, kernel_size, stride=None, padding=0):
    """Max pooling. x (N, C, H, W) -> (N, C, H_out, W_out)."""
    cols, *_ = _windows(x, "max_pool2d", kernel_size, stride, padding, float("-inf"))
    return cols.max(dim=2).values


def avg_pool2d(x, *, kernel_size, stride=None, padding=0):
    """Average pooling (padded zeros count). x (N, C, H, W) -> (N, C, H_out, W_out)."""
    cols, *_ = _windows(x, "avg_pool2d", kernel_size, stride, padding, 0.0)
    return cols.mean(dim=2)


def global_avg_pool2d(x):
    """Global average pooling. x (N, C, H, W) -> (N, C)."""
    check_float_array(x, "x", "global_avg_pool2d", 4, tensor=True)
    return x.mean(dim=(2, 3))


def max_unpool2d(x, indices, *, kernel_size, stride=None, padding=0, output_size=None):
    """Max-unpooling with ``scatter``: values back to their argmax positions, zeros elsewhere."""
    h, w = check_max_unpool_args(x, indices, "max_unpool2d", kernel_size=kernel_size, stride=stride, padding=padding,
                                 output_size=output_size, tensor=True)
    n, c = x.shape[:2]
    out = x.new_zeros(n, c, h * w).scatter(2, indices.reshape(n, c, -1).long(), x.reshape(n, c, -1))
    return out.view(n, c, h, w)
