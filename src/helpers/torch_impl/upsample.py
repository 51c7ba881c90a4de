"""Transposed convolution and interpolation in PyTorch: twins of :mod:`helpers.numpy_impl.upsample`.

The transposed convolution stamps ``w`` onto the output with one matmul and ``F.fold`` (col2im, the adjoint of
``unfold``); interpolation multiplies by 1-D interpolation matrices built with torch on the input's device (the tests compare
them with the NumPy reference's).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from helpers.core._validation import check_conv_transpose_args, check_float_array
from helpers.core.conv_arithmetic import interpolation_size

__all__ = ["conv_transpose2d", "interpolation_matrix", "upsample2d"]


def conv_transpose2d(x, w, b, *, stride=1, padding=0, output_padding=0, dilation=1, groups=1):
    """Transposed convolution. x (N, C_in, H, W), w (C_in, C_out/groups, kH, kW), b (C_out,) -> (N, C_out, H', W')."""
    fn = "conv_transpose2d"
    s, p, op, d, (ho, wo) = check_conv_transpose_args(x, w, b, fn, stride=stride, padding=padding,
                                                      output_padding=output_padding, dilation=dilation, groups=groups,
                                                      tensor=True)
    n, c_in, h, w_in = x.shape
    c_og, kh, kw = w.shape[1:]
    x_g = x.reshape(n, groups, c_in // groups, h * w_in)  # (N, G, C_in/G, H W)
    w_g = w.reshape(groups, c_in // groups, c_og * kh * kw)  # (G, C_in/G, C_out/G kH kW)
    cols = torch.matmul(w_g.transpose(1, 2), x_g).reshape(n, groups * c_og * kh * kw, h * w_in)
    full = tuple(d[a] * (w.shape[2 + a] - 1) + s[a] * (x.shape[2 + a] - 1) + 1 for a in range(2))
    out = F.fold(cols, full, (kh, kw), dilation=d, stride=s)  # (N, C_out, H_full, W_full): stamps add up
    out = F.pad(out, (0, op[1], 0, op[0]))  # output_padding: extra rows/columns no stamp reaches
    return out[:, :, p[0]: p[0] + ho, p[1]: p[1] + wo] + b.view(1, -1, 1, 1)


def interpolation_matrix(n_in: int, scale_factor: float, mode: str = "nearest", *, dtype=torch.float64,
                         device=None) -> torch.Tensor:
    """The ``(n_out, n_in)`` 1-D interpolation matrix of ``F.interpolate`` (align_corners=False), built on ``device``.

    Output pixel ``i`` sits at input coordinate ``(i + 0.5)/scale - 0.5``: nearest takes ``floor(i/scale)``,
    linear mixes the two neighbours (clamped at the border). Computed in float64, returned in ``dtype``.
    """
    n_out = interpolation_size(n_in, scale_factor, mode, "interpolation_matrix")
    i = torch.arange(n_out, dtype=torch.float64, device=device)
    rows = torch.arange(n_out, device=device)
    a = torch.zeros(n_out, n_in, dtype=torch.float64, device=device)
    if mode == "nearest":
        a[rows, torch.clamp(torch.floor(i / scale_factor).long(), max=n_in - 1)] = 1.0
        return a.to(dtype)
    src = torch.clamp((i + 0.5) / scale_factor - 0.5, min=0.0)
    lo = torch.clamp(torch.floor(src).long(), max=n_in - 1)
    hi = torch.clamp(lo + 1, max=n_in - 1)
    lam = src - lo
    a.index_put_((rows, lo), 1.0 - lam, accumulate=True)
    a.index_put_((rows, hi), lam, accumulate=True)
    return a.to(dtype)


def upsample2d(x, *, scale_factor=2, mode="nearest"):
    """Nearest or bilinear upsampling (``align_corners=False``). x (N, C, H, W) -> (N, C, floor(H s), floor(W s))."""
    check_float_array(x, "x", "upsample2d", 4, tensor=True)
    a_h = interpolation_matrix(x.shape[2], scale_factor, mode, dtype=x.dtype, device=x.device)  # (H', H)
    a_w = interpolation_matrix(x.shape[3], scale_factor, mode, dtype=x.dtype, device=x.device)  # (W', W)
    return a_h @ x @ a_w.T  # (H', H) @ (N, C, H, W) @ (W, W')
