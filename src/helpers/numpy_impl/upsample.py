"""Making feature maps larger, in NumPy with hand-written backward passes: transposed convolution and interpolation.

* Transposed convolution ("deconvolution", "fractionally strided convolution", learnable upsampling): the
  backward pass of a convolution with respect to its input, used as a forward pass. Weight layout as
  ``F.conv_transpose2d``: ``w (C_in, C_out/groups, kH, kW)``. Every input pixel stamps ``x * kernel`` onto the
  output at stride ``s``; overlaps add up. Output size ``(n-1)s - 2p + d(k-1) + output_padding + 1``.
  It is *not* the deconvolution of signal processing (which inverts a convolution).
* Nearest and bilinear upsampling (``F.interpolate`` with ``align_corners=False``) are linear maps applied
  separately to rows and columns: ``out = A_h @ x @ A_w.T``. Nearest copies each pixel (``a -> [[a, a], [a, a]]``
  for factor 2): it does **not** average neighbours.

Reference: Dumoulin & Visin (2016), "A guide to convolution arithmetic for deep learning", ch. 4.
"""

from __future__ import annotations

import numpy as np

from helpers.core._validation import check_conv_transpose_args, check_float_array
from helpers.core.conv_arithmetic import interpolation_size
from helpers.numpy_impl.conv import col2im, im2col

__all__ = [
    "conv_transpose2d_backward", "conv_transpose2d_forward", "interpolation_matrix",
    "upsample2d_backward", "upsample2d_forward",
]


def conv_transpose2d_forward(x, w, b, *, stride=1, padding=0, output_padding=0, dilation=1, groups=1):
    """Transposed convolution. x (N, C_in, H, W), w (C_in, C_out/groups, kH, kW), b (C_out,) -> (N, C_out, H', W')."""
    fn = "conv_transpose2d_forward"
    s, p, op, d, (ho, wo) = check_conv_transpose_args(x, w, b, fn, stride=stride, padding=padding,
                                                      output_padding=output_padding, dilation=dilation, groups=groups)
    n, c_in, h, w_in = x.shape
    c_og, kh, kw = w.shape[1:]
    x_g = x.reshape(n, groups, c_in // groups, h * w_in)  # (N, G, C_in/G, H W)
    w_g = w.reshape(groups, c_in // groups, c_og * kh * kw)  # (G, C_in/G, C_out/G kH kW)
    cols = np.matmul(w_g.transpose(0, 2, 1), x_g)  # (N, G, C_out/G kH kW, H W): one stamp per input pixel
    cols = cols.reshape(n, groups * c_og, kh, kw, h, w_in)
    full = (n, groups * c_og) + tuple(d[a] * (w.shape[2 + a] - 1) + s[a] * (x.shape[2 + a] - 1) + 1 + op[a]
                                      for a in range(2))
    out = col2im(cols, full, s, d)[:, :, p[0]: p[0] + ho, p[1]: p[1] + wo]  # crop the padding
    return out + b[None, :, None, None], (x_g, w, full, s, p, d, groups, x.shape)


def conv_transpose2d_backward(dout, cache):
    """Gradients ``(dx, dw, db)``: the input gradient is an ordinary strided convolution of ``dout``."""
    x_g, w, full, s, p, d, groups, x_shape = cache
    n, _, h, w_in = x_shape
    c_og, kh, kw = w.shape[1:]
    dfull = np.zeros(full, dtype=dout.dtype)
    dfull[:, :, p[0]: p[0] + dout.shape[2], p[1]: p[1] + dout.shape[3]] = dout
    dcols = im2col(dfull, (kh, kw), s, d, (h, w_in))  # (N, C_out, kH, kW, H, W)
    dcols = dcols.reshape(n, groups, c_og * kh * kw, h * w_in)
    w_g = w.reshape(groups, -1, c_og * kh * kw)
    dx = np.matmul(w_g, dcols).reshape(x_shape)  # (N, C_in, H, W)
    dw = np.einsum("ngcl,ngkl->gck", x_g, dcols).reshape(w.shape)
    return dx, dw, dout.sum(axis=(0, 2, 3))


def interpolation_matrix(n_in: int, scale_factor: float, mode: str = "nearest") -> np.ndarray:
    """The ``(n_out, n_in)`` matrix of 1-D nearest or linear interpolation, as ``F.interpolate`` (align_corners=False).

    Output pixel ``i`` sits at input coordinate ``(i + 0.5)/scale - 0.5``: nearest takes ``floor(i/scale)``,
    linear mixes the two neighbours (clamped at the border).
    """
    n_out = interpolation_size(n_in, scale_factor, mode, "interpolation_matrix")
    i = np.arange(n_out)
    a = np.zeros((n_out, n_in))
    if mode == "nearest":
        a[i, np.minimum(np.floor(i / scale_factor).astype(int), n_in - 1)] = 1.0
        return a
    src = np.maximum((i + 0.5) / scale_factor - 0.5, 0.0)
    lo = np.minimum(np.floor(src).astype(int), n_in - 1)
    hi = np.minimum(lo + 1, n_in - 1)
    lam = src - lo
    np.add.at(a, (i, lo), 1.0 - lam)
    np.add.at(a, (i, hi), lam)
    return a


def upsample2d_forward(x, *, scale_factor=2, mode="nearest"):
    """Nearest or bilinear upsampling. x (N, C, H, W) -> (N, C, floor(H s), floor(W s))."""
    check_float_array(x, "x", "upsample2d_forward", 4)
    a_h = interpolation_matrix(x.shape[2], scale_factor, mode)
    a_w = interpolation_matrix(x.shape[3], scale_factor, mode)
    return a_h @ x @ a_w.T, (a_h, a_w)  # (H', H) @ (N, C, H, W) @ (W, W')


def upsample2d_backward(dout, cache):
    """``(dx,)``: the transposed interpolation maps, ``A_h.T @ dout @ A_w``."""
    a_h, a_w = cache
    return (a_h.T @ dout @ a_w,)
