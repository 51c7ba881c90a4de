"""Parity cases for ``layers``: affine, activations, softmax, maxout, dropout, flatten.

Dropout has no deterministic built-in (``F.dropout`` draws its own mask); tests/test_layers_extra.py
compares it with ``F.dropout`` under a seeded torch RNG, recovering the mask from the output.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import helpers.numpy_impl as hn
import helpers.torch_impl as ht

from .base import ParityCase, away_from, generators


@st.composite
def _unary(draw, *, hp=None, kinks=(), min_dims=1, max_dims=3, low=-3.0, high=3.0):
    """One float64 array of a small random shape, 1e-3 away from ``kinks``, plus drawn hyperparameters."""
    rng = draw(generators())
    shape = draw(array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=4))
    x = away_from(rng.uniform(low, high, shape), kinks)
    return (x,), {k: draw(v) for k, v in (hp or {}).items()}


@st.composite
def _affine(draw):
    rng = draw(generators())
    batch = draw(array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=4))
    d_in, d_out = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    x = rng.standard_normal(batch + (d_in,))
    return (x, rng.standard_normal((d_out, d_in)), rng.standard_normal(d_out)), {}


@st.composite
def _prelu(draw, *, shared):
    rng = draw(generators())
    shape = draw(array_shapes(min_dims=2, max_dims=4, min_side=1, max_side=3))
    a = rng.uniform(-0.5, 0.5, 1 if shared else shape[1])
    return (away_from(rng.uniform(-3, 3, shape)), a), {}


@st.composite
def _softmax(draw):
    (x,), _ = draw(_unary(low=-5.0, high=5.0))
    return (x,), {"dim": draw(st.integers(-x.ndim, x.ndim - 1))}


@st.composite
def _maxout(draw):
    rng = draw(generators())
    pieces, units = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    batch = draw(array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=3))
    return (rng.standard_normal(batch + (units * pieces,)),), {"pieces": pieces}


@st.composite
def _dropout(draw):
    """x and an explicit keep-mask (bool); p and training drawn."""
    rng = draw(generators())
    shape = draw(array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    p = draw(st.sampled_from([0.0, 0.2, 0.5, 0.9]))
    return (rng.standard_normal(shape), rng.random(shape) >= p), {"p": p, "training": draw(st.booleans())}


@st.composite
def _flatten(draw):
    (x,), _ = draw(_unary(min_dims=1, max_dims=4))
    s = draw(st.integers(0, x.ndim - 1))
    e = draw(st.integers(s, x.ndim - 1))
    # negative indices too, since both are allowed
    return (x,), {"start_dim": s - x.ndim if draw(st.booleans()) else s,
                  "end_dim": e - x.ndim if draw(st.booleans()) else e}


def _maxout_builtin(x, *, pieces):
    # maxout = max-pooling over the feature axis with window = stride = pieces
    flat = x.reshape(-1, 1, x.shape[-1])  # (M, 1, D * pieces)
    return F.max_pool1d(flat, pieces).reshape(x.shape[:-1] + (x.shape[-1] // pieces,))


def _swish_builtin(x, *, beta):
    return F.silu(beta * x) / beta  # x sigmoid(beta x) = silu(beta x) / beta


_SLOPES = st.sampled_from([0.01, 0.1, 0.3])

CASES = [
    ParityCase(hn.affine_forward, hn.affine_backward, ht.affine, _affine(), builtin=F.linear),
    ParityCase(hn.relu_forward, hn.relu_backward, ht.relu, _unary(kinks=(0.0,)), builtin=F.relu),
    ParityCase(hn.leaky_relu_forward, hn.leaky_relu_backward, ht.leaky_relu,
               _unary(kinks=(0.0,), hp={"negative_slope": _SLOPES}), builtin=F.leaky_relu),
    ParityCase(hn.prelu_forward, hn.prelu_backward, ht.prelu, _prelu(shared=False), builtin=F.prelu,
               label="per-channel"),
    ParityCase(hn.prelu_forward, hn.prelu_backward, ht.prelu, _prelu(shared=True), builtin=F.prelu,
               label="shared"),
    ParityCase(hn.elu_forward, hn.elu_backward, ht.elu,
               _unary(kinks=(0.0,), hp={"alpha": st.sampled_from([1.0, 0.5, 2.0])}), builtin=F.elu),
    ParityCase(hn.sigmoid_forward, hn.sigmoid_backward, ht.sigmoid, _unary(low=-12.0, high=12.0),
               builtin=torch.sigmoid),
    ParityCase(hn.tanh_forward, hn.tanh_backward, ht.tanh, _unary(low=-6.0, high=6.0), builtin=torch.tanh),
    ParityCase(hn.softmax_forward, hn.softmax_backward, ht.softmax, _softmax(), builtin=F.softmax),
    ParityCase(hn.maxout_forward, hn.maxout_backward, ht.maxout, _maxout(), builtin=_maxout_builtin),
    ParityCase(hn.swish_forward, hn.swish_backward, ht.swish,
               _unary(hp={"beta": st.sampled_from([0.5, 1.0, 2.0])}), builtin=_swish_builtin, label="beta"),
    ParityCase(hn.swish_forward, hn.swish_backward, ht.swish, _unary(), builtin=F.silu, label="silu"),
    ParityCase(hn.gelu_forward, hn.gelu_backward, ht.gelu,
               _unary(hp={"approximate": st.sampled_from(["none", "tanh"])}), builtin=F.gelu),
    ParityCase(hn.dropout_inverted_forward, hn.dropout_inverted_backward, ht.dropout_inverted, _dropout(),
               constant_args=(1,), notes="built-in: tests/test_layers_extra.py (seeded F.dropout)"),
    ParityCase(hn.dropout_noninverted_forward, hn.dropout_noninverted_backward, ht.dropout_noninverted,
               _dropout(), constant_args=(1,),
               notes="no built-in (lecture form); tests/test_layers_extra.py relates it to F.dropout"),
    ParityCase(hn.flatten_forward, hn.flatten_backward, ht.flatten, _flatten(), builtin=torch.flatten),
]
