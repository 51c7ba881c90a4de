"""2-D and 1-D convolution in NumPy, forward and backward by hand: a naive loop version and im2col.

Layout as in PyTorch: input ``x (N, C_in, H, W)``, weight ``w (C_out, C_in/groups, kH, kW)``, bias ``b (C_out,)``.
The lecture notes (I2DL) write the weight tensor as ``(Depth, Filters, F, F) = (C_in, C_out, F, F)``;
``w_notes.transpose(1, 0, 2, 3)`` converts it (for ``groups=1``).

What deep learning calls a convolution is a cross-correlation: the kernel is *not* flipped,
``out[n, o, i, j] = b[o] + sum_{c, u, v} w[o, c, u, v] * x_pad[n, c, i*s + u*d, j*s + v*d]``.

References: CS231n assignment 2 (the forward/cache/backward API); Dumoulin & Visin (2016),
"A guide to convolution arithmetic for deep learning"; Chellapilla et al. (2006) for im2col.
"""

from __future__ import annotations

import numpy as np

from helpers.core._validation import check_conv_args, check_separable_conv_args
from helpers.core.conv_arithmetic import conv_geometry

__all__ = [
    "conv1d_backward", "conv1d_forward", "conv2d_backward", "conv2d_forward",
    "conv2d_naive_backward", "conv2d_naive_forward",
    "depthwise_separable_conv2d_backward", "depthwise_separable_conv2d_forward",
]


# ---------------------------------------------------------------- padding and patches (shared by pool/upsample)
def pad2d(x, pads, value=0.0):
    """Pad the last two axes by ``((top, bottom), (left, right))``."""
    return np.pad(x, ((0, 0), (0, 0), pads[0], pads[1]), constant_values=value)


def im2col(x_pad, kernel, stride, dilation, out_hw):
    """All receptive-field patches: ``(N, C, H, W) -> (N, C, kH, kW, H_out, W_out)``.

    One strided slice per kernel offset (kH*kW slices), instead of a Python loop over output pixels.
    """
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = kernel, stride, dilation, out_hw
    cols = np.empty(x_pad.shape[:2] + (kh, kw, ho, wo), dtype=x_pad.dtype)
    for u in range(kh):
        for v in range(kw):
            cols[:, :, u, v] = x_pad[:, :, u * dh: u * dh + sh * (ho - 1) + 1: sh, v * dw: v * dw + sw * (wo - 1) + 1: sw]
    return cols


def col2im(cols, padded_shape, stride, dilation):
    """Adjoint of :func:`im2col`: add every patch back where it came from (overlaps accumulate)."""
    _, _, kh, kw, ho, wo = cols.shape
    (sh, sw), (dh, dw) = stride, dilation
    x_pad = np.zeros(padded_shape, dtype=cols.dtype)
    for u in range(kh):
        for v in range(kw):
            x_pad[:, :, u * dh: u * dh + sh * (ho - 1) + 1: sh, v * dw: v * dw + sw * (wo - 1) + 1: sw] += cols[:, :, u, v]
    return x_pad


def crop2d(x_pad, pads):
    """Undo :func:`pad2d`."""
    (t, b), (l, r) = pads
    return x_pad[:, :, t: x_pad.shape[2] - b, l: x_pad.shape[3] - r]


# ---------------------------------------------------------------- naive loops: the definition, for reading
def conv2d_naive_forward(x, w, b, *, stride=1, padding=0, dilation=1, groups=1):
    """Convolution (cross-correlation) by explicit loops over images, filters and output pixels. Slow; for teaching.

    x (N, C_in, H, W), w (C_out, C_in/groups, kH, kW), b (C_out,) -> out (N, C_out, H_out, W_out).
    """
    fn = "conv2d_naive_forward"
    check_conv_args(x, w, b, fn)
    pads, (sh, sw), (dh, dw), (ho, wo) = conv_geometry(
        x.shape, w.shape, fn, stride=stride, padding=padding, dilation=dilation, groups=groups)
    x_pad = pad2d(x, pads)
    n_img, c_out, c_g, kh, kw = x.shape[0], w.shape[0], w.shape[1], w.shape[2], w.shape[3]
    o_g = c_out // groups
    out = np.zeros((n_img, c_out, ho, wo), dtype=x.dtype)
    for n in range(n_img):
        for o in range(c_out):
            c0 = (o // o_g) * c_g  # first input channel of this filter's group
            for i in range(ho):
                for j in range(wo):
                    patch = x_pad[n, c0:c0 + c_g, i * sh: i * sh + dh * (kh - 1) + 1: dh,
                                  j * sw: j * sw + dw * (kw - 1) + 1: dw]  # (C_in/groups, kH, kW)
                    out[n, o, i, j] = np.sum(patch * w[o]) + b[o]
    cache = (x_pad, w, pads, (sh, sw), (dh, dw), groups)
    return out, cache


def conv2d_naive_backward(dout, cache):
    """Gradients ``(dx, dw, db)`` of :func:`conv2d_naive_forward`, by the same loops."""
    x_pad, w, pads, (sh, sw), (dh, dw), groups = cache
    n_img, c_out, ho, wo = dout.shape
    c_g, kh, kw = w.shape[1:]
    o_g = c_out // groups
    dx_pad, dw_, db = np.zeros_like(x_pad), np.zeros_like(w), dout.sum(axis=(0, 2, 3))
    for n in range(n_img):
        for o in range(c_out):
            c0 = (o // o_g) * c_g
            for i in range(ho):
                for j in range(wo):
                    rows = slice(i * sh, i * sh + dh * (kh - 1) + 1, dh)
                    cols = slice(j * sw, j * sw + dw * (kw - 1) + 1, dw)
                    dw_[o] += dout[n, o, i, j] * x_pad[n, c0:c0 + c_g, rows, cols]
                    dx_pad[n, c0:c0 + c_g, rows, cols] += dout[n, o, i, j] * w[o]
    return crop2d(dx_pad, pads), dw_, db


# ---------------------------------------------------------------- im2col: the same numbers as one matmul per group
def conv2d_forward(x, w, b, *, stride=1, padding=0, dilation=1, groups=1):
    """Convolution as a matrix product of the weights with all receptive-field patches (im2col).

    x (N, C_in, H, W), w (C_out, C_in/groups, kH, kW), b (C_out,) -> out (N, C_out, H_out, W_out).
    ``padding``: int, pair, "valid", "same" (stride 1) or "full".
    """
    fn = "conv2d_forward"
    check_conv_args(x, w, b, fn)
    pads, s, d, (ho, wo) = conv_geometry(x.shape, w.shape, fn, stride=stride, padding=padding, dilation=dilation,
                                         groups=groups)
    n, c_in = x.shape[:2]
    c_out, kh, kw = w.shape[0], w.shape[2], w.shape[3]
    cols = im2col(pad2d(x, pads), (kh, kw), s, d, (ho, wo))  # (N, C_in, kH, kW, H_out, W_out)
    cols = cols.reshape(n, groups, -1, ho * wo)  # (N, G, C_in/G*kH*kW, L)
    w_mat = w.reshape(groups, c_out // groups, -1)  # (G, C_out/G, C_in/G*kH*kW)
    out = np.matmul(w_mat, cols)  # (N, G, C_out/G, L)
    out = out.reshape(n, c_out, ho, wo) + b[None, :, None, None]
    cache = (x.shape, cols, w, pads, s, d, groups)
    return out, cache


def conv2d_backward(dout, cache):
    """Gradients ``(dx, dw, db)`` of :func:`conv2d_forward`: two matmuls and a col2im."""
    x_shape, cols, w, pads, s, d, groups = cache
    n, c_out, ho, wo = dout.shape
    kh, kw = w.shape[2:]
    dout_g = dout.reshape(n, groups, c_out // groups, ho * wo)  # (N, G, C_out/G, L)
    db = dout.sum(axis=(0, 2, 3))
    dw = np.einsum("ngol,ngkl->gok", dout_g, cols).reshape(w.shape)
    dcols = np.matmul(w.reshape(groups, c_out // groups, -1).transpose(0, 2, 1), dout_g)  # (N, G, K, L)
    dcols = dcols.reshape(n, x_shape[1], kh, kw, ho, wo)
    padded = (n, x_shape[1], x_shape[2] + sum(pads[0]), x_shape[3] + sum(pads[1]))
    dx = crop2d(col2im(dcols, padded, s, d), pads)
    return dx, dw, db


# ---------------------------------------------------------------- conv1d and depthwise-separable, built on conv2d
def conv1d_forward(x, w, b, *, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution as a 2-D one with height 1. x (N, C_in, L), w (C_out, C_in/groups, K) -> (N, C_out, L_out)."""
    check_conv_args(x, w, b, "conv1d_forward", ndim=3)
    pad = (0, padding) if isinstance(padding, int) and not isinstance(padding, bool) else padding
    if isinstance(padding, str) and padding == "full":
        pad = (0, dilation * (w.shape[2] - 1))  # "full" must not pad the height-1 axis
    out, cache = conv2d_forward(x[:, :, None, :], w[:, :, None, :], b, stride=(1, stride), padding=pad,
                                dilation=(1, dilation), groups=groups)
    return out[:, :, 0, :], cache  # (N, C_out, L_out)


def conv1d_backward(dout, cache):
    """Gradients ``(dx, dw, db)`` of :func:`conv1d_forward`."""
    dx, dw, db = conv2d_backward(dout[:, :, None, :], cache)
    return dx[:, :, 0, :], dw[:, :, 0, :], db


def depthwise_separable_conv2d_forward(x, w_depth, b_depth, w_point, b_point, *, stride=1, padding=0, dilation=1):
    """A depthwise ``k x k`` convolution (one filter per channel, ``groups=C_in``) followed by a pointwise ``1 x 1`` one.

    x (N, C, H, W), w_depth (C, 1, k, k), b_depth (C,), w_point (C_out, C, 1, 1), b_point (C_out,).
    Cost per output pixel ``C k^2 + C C_out`` multiply-adds instead of ``C C_out k^2``.
    """
    check_separable_conv_args(x, w_depth, w_point, "depthwise_separable_conv2d_forward")
    h, cache_d = conv2d_forward(x, w_depth, b_depth, stride=stride, padding=padding, dilation=dilation,
                                groups=x.shape[1])
    out, cache_p = conv2d_forward(h, w_point, b_point)
    return out, (cache_d, cache_p)


def depthwise_separable_conv2d_backward(dout, cache):
    """Gradients ``(dx, dw_depth, db_depth, dw_point, db_point)``."""
    cache_d, cache_p = cache
    dh, dw_point, db_point = conv2d_backward(dout, cache_p)
    dx, dw_depth, db_depth = conv2d_backward(dh, cache_d)
    return dx, dw_depth, db_depth, dw_point, db_point
