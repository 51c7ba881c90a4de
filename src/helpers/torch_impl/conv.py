"""2-D and 1-D convolution in PyTorch from tensor operations: a loop version and an ``unfold`` (im2col) version.

Twins of :mod:`helpers.numpy_impl.conv` (same names without ``_forward``; autograd supplies the backward).
Layout as in PyTorch: x (N, C_in, H, W), w (C_out, C_in/groups, kH, kW), b (C_out,). The lecture notes'
weight tensor ``(Depth, Filters, F, F)`` is ``w.transpose(0, 1)`` of ours (groups=1).
The patches (im2col) are a strided view of the padded input, as ``Tensor.unfold`` makes them; the product with
the weights is ours, so ``F.conv2d`` stays an independent oracle in the tests. Runs on whatever device and dtype its inputs have.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from helpers.core._validation import check_conv_args, check_separable_conv_args
from helpers.core.conv_arithmetic import conv_geometry

__all__ = ["conv1d", "conv2d", "conv2d_naive", "depthwise_separable_conv2d"]


def pad2d(x, pads, value=0.0):
    """Pad the last two axes by ``((top, bottom), (left, right))`` (F.pad wants them in reverse order)."""
    (t, b), (l, r) = pads
    if not (t or b or l or r):
        return x  # nothing to pad: no copy
    return F.pad(x, (l, r, t, b), value=value)


_GEOMETRY_CACHE: dict = {}


def _key(value):
    """A cache key that tells ``1``, ``1.0`` and ``True`` apart (they are equal in Python), also inside tuples."""
    if isinstance(value, tuple):
        return tuple, tuple(_key(v) for v in value)
    hash(value)  # unhashable (a list): TypeError
    return type(value), value


def cached_geometry(geometry, *args, **kwargs):
    """``geometry(*args, **kwargs)`` (shapes and hyperparameters in, output sizes out), remembered per call.

    The geometry is plain-Python validation and arithmetic (tens of microseconds); a GPU kernel on a small
    layer takes less, so a layer called in a training loop would otherwise wait for Python. Unhashable
    arguments (a list for ``stride``) are computed every time; errors are never remembered."""
    try:
        key = (geometry, _key(args), _key(tuple(sorted(kwargs.items()))))
    except TypeError:
        return geometry(*args, **kwargs)
    if key not in _GEOMETRY_CACHE:
        if len(_GEOMETRY_CACHE) >= 4096:
            _GEOMETRY_CACHE.clear()
        _GEOMETRY_CACHE[key] = geometry(*args, **kwargs)
    return _GEOMETRY_CACHE[key]


def conv2d_naive(x, w, b, *, stride=1, padding=0, dilation=1, groups=1):
    """Convolution by explicit loops over output pixels (all images and filters of a group at once). For teaching."""
    fn = "conv2d_naive"
    check_conv_args(x, w, b, fn, tensor=True)
    pads, (sh, sw), (dh, dw), (ho, wo) = cached_geometry(
        conv_geometry, tuple(x.shape), tuple(w.shape), fn, stride=stride, padding=padding, dilation=dilation,
        groups=groups)
    x_pad = pad2d(x, pads)
    c_g, kh, kw = w.shape[1:]
    o_g = w.shape[0] // groups
    rows = []
    for i in range(ho):
        row = []
        for j in range(wo):
            patch = x_pad[:, :, i * sh: i * sh + dh * (kh - 1) + 1: dh, j * sw: j * sw + dw * (kw - 1) + 1: dw]
            per_group = [
                torch.einsum("nckl,ockl->no", patch[:, g * c_g:(g + 1) * c_g], w[g * o_g:(g + 1) * o_g])
                for g in range(groups)
            ]
            row.append(torch.cat(per_group, dim=1) + b)  # (N, C_out)
        rows.append(torch.stack(row, dim=-1))  # (N, C_out, W_out)
    return torch.stack(rows, dim=-2)  # (N, C_out, H_out, W_out)


def im2col(x_pad, kernel, stride, dilation, out_hw):
    """All receptive-field patches as a strided *view*: (N, C, H, W) -> (N, C, kH, kW, H_out, W_out).

    The same trick as ``Tensor.unfold`` (no copy until the reshape), extended to dilation; autograd
    differentiates through ``as_strided``.
    """
    x_pad = x_pad.contiguous()
    s_n, s_c, s_h, s_w = x_pad.stride()
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = kernel, stride, dilation, out_hw
    return x_pad.as_strided((x_pad.shape[0], x_pad.shape[1], kh, kw, ho, wo),
                            (s_n, s_c, dh * s_h, dw * s_w, sh * s_h, sw * s_w))


def conv2d(x, w, b, *, stride=1, padding=0, dilation=1, groups=1):
    """Convolution as im2col (a strided view, like ``unfold``) + one batched matmul per group. Arguments of ``F.conv2d``."""
    fn = "conv2d"
    check_conv_args(x, w, b, fn, tensor=True)
    pads, s, d, (ho, wo) = cached_geometry(
        conv_geometry, tuple(x.shape), tuple(w.shape), fn, stride=stride, padding=padding, dilation=dilation,
        groups=groups)
    n, c_out = x.shape[0], w.shape[0]
    cols = im2col(pad2d(x, pads), tuple(w.shape[2:]), s, d, (ho, wo))  # (N, C_in, kH, kW, H_out, W_out)
    cols = cols.reshape(n, groups, -1, ho * wo)  # (N, G, C_in/G*kH*kW, L): the copy happens here
    w_mat = w.reshape(groups, c_out // groups, -1)  # (G, C_out/G, C_in/G*kH*kW)
    out = torch.matmul(w_mat, cols)  # (N, G, C_out/G, L)
    return out.reshape(n, c_out, ho, wo) + b.view(1, -1, 1, 1)


def conv1d(x, w, b, *, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution as a 2-D one with height 1. x (N, C_in, L), w (C_out, C_in/groups, K) -> (N, C_out, L_out)."""
    check_conv_args(x, w, b, "conv1d", ndim=3, tensor=True)
    pad = (0, padding) if isinstance(padding, int) and not isinstance(padding, bool) else padding
    if isinstance(padding, str) and padding == "full":
        pad = (0, dilation * (w.shape[2] - 1))
    out = conv2d(x.unsqueeze(2), w.unsqueeze(2), b, stride=(1, stride), padding=pad, dilation=(1, dilation),
                 groups=groups)
    return out.squeeze(2)  # (N, C_out, L_out)


def depthwise_separable_conv2d(x, w_depth, b_depth, w_point, b_point, *, stride=1, padding=0, dilation=1):
    """Depthwise ``k x k`` convolution (``groups=C``) followed by a pointwise ``1 x 1`` convolution."""
    check_separable_conv_args(x, w_depth, w_point, "depthwise_separable_conv2d", tensor=True)
    h = conv2d(x, w_depth, b_depth, stride=stride, padding=padding, dilation=dilation, groups=x.shape[1])
    return conv2d(h, w_point, b_point)
