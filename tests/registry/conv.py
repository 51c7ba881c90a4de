"""Parity cases of chapter 9: convolutions, pooling, unpooling, upsampling, spatial batch norm and dropout.

Shapes stay tiny (a few pixels, a few channels) so that 25 examples per case and the centred finite
differences remain fast.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import strategies as st

import helpers.numpy_impl as hn
import helpers.torch_impl as ht

from .base import ParityCase


def _rng(draw):
    return np.random.default_rng(draw(st.integers(0, 2**31 - 1)))


def _padding_builtin(padding, kernel, dilation):
    """F.conv2d knows 'valid' and 'same' but not 'full' (= d(k-1) on every side)."""
    if padding == "full":
        return tuple(d * (k - 1) for k, d in zip(kernel, dilation))
    return padding


@st.composite
def conv2d_inputs(draw, naive=False):
    rng = _rng(draw)
    groups = draw(st.sampled_from([1, 2]))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    stride = draw(st.sampled_from([1, 2, (1, 2), (2, 3)]))
    padding = draw(st.sampled_from([0, 1, (1, 0), "valid", "full"] + (["same"] if stride == 1 else [])))
    h = draw(st.integers(dh * (kh - 1) + 1, dh * (kh - 1) + (4 if naive else 5)))
    w = draw(st.integers(dw * (kw - 1) + 1, dw * (kw - 1) + (4 if naive else 5)))
    x = rng.normal(size=(draw(st.integers(1, 2)), c_in, h, w))
    wt = rng.normal(size=(c_out, c_in // groups, kh, kw))
    b = rng.normal(size=(c_out,))
    return (x, wt, b), dict(stride=stride, padding=padding, dilation=(dh, dw), groups=groups)


def _conv2d_builtin(x, w, b, *, stride, padding, dilation, groups):
    padding = _padding_builtin(padding, w.shape[2:], dilation)
    return F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)


@st.composite
def conv1d_inputs(draw):
    rng = _rng(draw)
    groups = draw(st.sampled_from([1, 2]))
    c_in, c_out, k, d = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2)), draw(st.integers(1, 4)), \
        draw(st.integers(1, 2))
    stride = draw(st.integers(1, 3))
    padding = draw(st.sampled_from([0, 2, "valid", "full"] + (["same"] if stride == 1 else [])))
    length = draw(st.integers(d * (k - 1) + 1, d * (k - 1) + 7))
    arrays = (rng.normal(size=(2, c_in, length)), rng.normal(size=(c_out, c_in // groups, k)), rng.normal(size=c_out))
    return arrays, dict(stride=stride, padding=padding, dilation=d, groups=groups)


def _conv1d_builtin(x, w, b, *, stride, padding, dilation, groups):
    padding = dilation * (w.shape[2] - 1) if padding == "full" else padding
    return F.conv1d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)


@st.composite
def separable_inputs(draw):
    rng = _rng(draw)
    c, c_out, k = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.sampled_from([1, 3]))
    x = rng.normal(size=(2, c, k + 2, k + 3))
    arrays = (x, rng.normal(size=(c, 1, k, k)), rng.normal(size=c), rng.normal(size=(c_out, c, 1, 1)),
              rng.normal(size=c_out))
    return arrays, dict(stride=draw(st.sampled_from([1, 2])), padding=draw(st.sampled_from([0, 1])), dilation=1)


def _separable_builtin(x, wd, bd, wp, bp, *, stride, padding, dilation):
    h = F.conv2d(x, wd, bd, stride=stride, padding=padding, dilation=dilation, groups=x.shape[1])
    return F.conv2d(h, wp, bp)


@st.composite
def transpose_inputs(draw):
    rng = _rng(draw)
    groups = draw(st.sampled_from([1, 2]))
    c_in, c_og = groups * draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    s, d = (draw(st.integers(1, 3)), draw(st.integers(1, 2))), (draw(st.integers(1, 2)), 1)
    op = tuple(draw(st.integers(0, max(s[a], d[a]) - 1)) for a in range(2))
    h, w = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    # padding may crop at most what the un-cropped output has (keep >= 1 pixel)
    full = [(n - 1) * s[a] + d[a] * (k - 1) + 1 + op[a] for a, (n, k) in enumerate(((h, kh), (w, kw)))]
    p = tuple(draw(st.integers(0, min(2, (f - 1) // 2))) for f in full)
    arrays = (rng.normal(size=(2, c_in, h, w)), rng.normal(size=(c_in, c_og, kh, kw)), rng.normal(size=groups * c_og))
    return arrays, dict(stride=s, padding=p, output_padding=op, dilation=d, groups=groups)


@st.composite
def pool_inputs(draw):
    rng = _rng(draw)
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = draw(st.sampled_from([None, 1, 2, (1, 2)]))
    padding = tuple(draw(st.integers(0, ka // 2)) for ka in k)
    h, w = draw(st.integers(k[0], k[0] + 4)), draw(st.integers(k[1], k[1] + 4))
    return (rng.normal(size=(2, 2, h, w)),), dict(kernel_size=k, stride=stride, padding=padding)


@st.composite
def unpool_inputs(draw):
    rng = _rng(draw)
    k = draw(st.sampled_from([2, 3]))
    stride = draw(st.sampled_from([None, k]))  # non-overlapping windows: no index repeats (torch is then exact)
    size = (draw(st.integers(k, 3 * k)), draw(st.integers(k, 3 * k)))
    pre = torch.from_numpy(rng.normal(size=(2, 2) + size))
    _, indices = F.max_pool2d(pre, k, stride, return_indices=True)  # indices from the built-in: an independent source
    x = rng.normal(size=tuple(indices.shape))
    return (x, indices.cpu().numpy()), dict(kernel_size=k, stride=stride, padding=0, output_size=size)


@st.composite
def upsample_inputs(draw, mode):
    rng = _rng(draw)
    x = rng.normal(size=(2, 2, draw(st.integers(1, 4)), draw(st.integers(1, 4))))
    return (x,), dict(scale_factor=draw(st.sampled_from([1, 2, 3, 1.5])), mode=mode)


@st.composite
def gap_inputs(draw):
    rng = _rng(draw)
    return (rng.normal(size=(2, draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(1, 4)))),), {}


@st.composite
def batch_norm_inputs(draw, training):
    rng = _rng(draw)
    c = draw(st.integers(1, 3))
    x = rng.normal(loc=2.0, scale=3.0, size=(draw(st.integers(2, 3)), c, draw(st.integers(1, 3)), 3))
    arrays = (x, rng.normal(size=c), rng.normal(size=c), rng.normal(size=c), rng.uniform(0.5, 2.0, size=c))
    return arrays, dict(training=training, eps=draw(st.sampled_from([1e-5, 1e-3])))


def _batch_norm_builtin(x, gamma, beta, running_mean, running_var, *, training, eps):
    # F.batch_norm updates running stats in place when training: give it copies (ours never mutates)
    return F.batch_norm(x, running_mean.clone(), running_var.clone(), gamma, beta, training=training, eps=eps)


@st.composite
def dropout_inputs(draw):
    rng = _rng(draw)
    p = draw(st.sampled_from([0.0, 0.25, 0.5, 0.9]))
    x = rng.normal(size=(2, 3, 2, 2))
    return (x, (rng.random((2, 3, 1, 1)) >= p).astype(float)), dict(p=p)


CASES = [
    ParityCase(hn.conv2d_forward, hn.conv2d_backward, ht.conv2d, conv2d_inputs(), builtin=_conv2d_builtin),
    ParityCase(hn.conv2d_naive_forward, hn.conv2d_naive_backward, ht.conv2d_naive, conv2d_inputs(naive=True),
               builtin=_conv2d_builtin),
    ParityCase(hn.conv1d_forward, hn.conv1d_backward, ht.conv1d, conv1d_inputs(), builtin=_conv1d_builtin),
    ParityCase(hn.depthwise_separable_conv2d_forward, hn.depthwise_separable_conv2d_backward,
               ht.depthwise_separable_conv2d, separable_inputs(), builtin=_separable_builtin),
    ParityCase(hn.conv_transpose2d_forward, hn.conv_transpose2d_backward, ht.conv_transpose2d, transpose_inputs(),
               builtin=F.conv_transpose2d),
    ParityCase(hn.max_pool2d_forward, hn.max_pool2d_backward, ht.max_pool2d, pool_inputs(),
               builtin=lambda x, **hp: F.max_pool2d(x, **hp)),
    ParityCase(hn.avg_pool2d_forward, hn.avg_pool2d_backward, ht.avg_pool2d, pool_inputs(),
               builtin=lambda x, **hp: F.avg_pool2d(x, **hp)),  # count_include_pad=True is the default
    ParityCase(hn.max_unpool2d_forward, hn.max_unpool2d_backward, ht.max_unpool2d, unpool_inputs(),
               builtin=lambda x, indices, **hp: F.max_unpool2d(x, indices, **hp), constant_args=(1,)),
    ParityCase(hn.global_avg_pool2d_forward, hn.global_avg_pool2d_backward, ht.global_avg_pool2d, gap_inputs(),
               builtin=lambda x: F.adaptive_avg_pool2d(x, 1).flatten(1)),  # ours returns (N, C), not (N, C, 1, 1)
    ParityCase(hn.upsample2d_forward, hn.upsample2d_backward, ht.upsample2d, upsample_inputs("nearest"),
               builtin=lambda x, *, scale_factor, mode: F.interpolate(x, scale_factor=scale_factor, mode=mode),
               label="nearest"),
    ParityCase(hn.upsample2d_forward, hn.upsample2d_backward, ht.upsample2d, upsample_inputs("bilinear"),
               builtin=lambda x, *, scale_factor, mode: F.interpolate(x, scale_factor=scale_factor, mode=mode,
                                                                      align_corners=False),
               label="bilinear"),
    ParityCase(hn.spatial_batch_norm_forward, hn.spatial_batch_norm_backward, ht.spatial_batch_norm,
               batch_norm_inputs(True), builtin=_batch_norm_builtin, constant_args=(3, 4), label="train"),
    ParityCase(hn.spatial_batch_norm_forward, hn.spatial_batch_norm_backward, ht.spatial_batch_norm,
               batch_norm_inputs(False), builtin=_batch_norm_builtin, constant_args=(3, 4), label="eval"),
    # F.dropout2d draws its own mask; tests/test_conv.py checks ours against masks read off F.dropout2d
    ParityCase(hn.spatial_dropout_forward, hn.spatial_dropout_backward, ht.spatial_dropout, dropout_inputs(),
               constant_args=(1,)),
]

EXEMPT = {
    "max_pool2d_with_indices": "indices are integers; tests/test_conv.py compares them with F.max_pool2d(return_indices=True)",
    "interpolation_matrix": "a constant matrix; upsample2d's parity cases test it, tests/test_conv.py checks rows sum to 1",
    "spatial_batch_norm_running_stats": "tests/test_conv.py compares it with the running buffers F.batch_norm updates",
}
