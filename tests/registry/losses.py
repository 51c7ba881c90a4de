"""Parity cases for ``losses``. Targets and labels are constant arguments (index 1).

Dice and Jaccard have no PyTorch built-in: they are checked against finite differences here and
against closed forms (perfect/disjoint masks, J = D / (2 - D)) in tests/test_losses_extra.py.
"""

from __future__ import annotations

import numpy as np
import torch.nn.functional as F
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import helpers.numpy_impl as hn
import helpers.torch_impl as ht

from .base import ParityCase, away_from, generators

_REDUCTION = st.sampled_from(["mean", "sum", "none"])


@st.composite
def _regression(draw, *, hp=None, kinks=(0.0,)):
    """Prediction x and target y of one small shape; the residual x - y avoids ``kinks``."""
    rng = draw(generators())
    shape = draw(array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    hp = {"reduction": draw(_REDUCTION), **{k: draw(v) for k, v in (hp or {}).items()}}
    y = rng.standard_normal(shape)
    r = away_from(rng.uniform(-3, 3, shape), kinks)
    return (y + r, y), hp


@st.composite
def _binary(draw, *, logits):
    rng = draw(generators())
    shape = draw(array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    x = rng.uniform(-8, 8, shape) if logits else rng.uniform(0.02, 0.98, shape)
    soft = draw(st.booleans())  # soft labels in [0, 1] or hard 0/1 labels
    y = rng.random(shape) if soft else rng.integers(0, 2, shape).astype(np.float64)
    return (x, y), {"reduction": draw(_REDUCTION)}


@st.composite
def _classification(draw, *, spatial=False, hinge=False):
    rng = draw(generators())
    n, c = draw(st.integers(1, 4)), draw(st.integers(2, 5))
    extra = draw(array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=3)) if spatial else ()
    scores = rng.normal(0, 2, (n, c) + extra)
    y = rng.integers(0, c, (n,) + extra)
    hp = {"reduction": draw(_REDUCTION)}
    if hinge:
        hp["margin"] = draw(st.sampled_from([1.0, 0.5]))
        # keep every margin term s_j - s_y + margin away from the hinge's kink at 0
        correct = scores[np.arange(n), y][:, None]
        scores = correct - hp["margin"] + away_from(scores - correct + hp["margin"], (0.0,))
        scores[np.arange(n), y] = correct[:, 0]
    return (scores, y), hp


@st.composite
def _overlap(draw):
    rng = draw(generators())
    shape = draw(array_shapes(min_dims=2, max_dims=4, min_side=1, max_side=4))
    p = rng.uniform(0.01, 0.99, shape)
    y = rng.random(shape) if draw(st.booleans()) else rng.integers(0, 2, shape).astype(np.float64)
    return (p, y), {"reduction": draw(_REDUCTION), "eps": draw(st.sampled_from([1.0, 1e-6]))}


def _hinge_builtin(scores, y, *, reduction, margin):
    # PyTorch averages the per-example sum over the C classes; the lecture (and we) do not
    return scores.shape[1] * F.multi_margin_loss(scores, y, margin=margin, reduction=reduction)


_CONST = (1,)  # the target/label argument

CASES = [
    ParityCase(hn.l1_loss_forward, hn.l1_loss_backward, ht.l1_loss, _regression(), builtin=F.l1_loss,
               constant_args=_CONST),
    ParityCase(hn.mse_loss_forward, hn.mse_loss_backward, ht.mse_loss, _regression(kinks=()),
               builtin=F.mse_loss, constant_args=_CONST),
    ParityCase(hn.huber_loss_forward, hn.huber_loss_backward, ht.huber_loss,
               _regression(kinks=(), hp={"delta": st.sampled_from([0.5, 1.0, 2.0])}), builtin=F.huber_loss,
               constant_args=_CONST),
    ParityCase(hn.binary_cross_entropy_forward, hn.binary_cross_entropy_backward, ht.binary_cross_entropy,
               _binary(logits=False), builtin=F.binary_cross_entropy, constant_args=_CONST),
    ParityCase(hn.binary_cross_entropy_with_logits_forward, hn.binary_cross_entropy_with_logits_backward,
               ht.binary_cross_entropy_with_logits, _binary(logits=True),
               builtin=F.binary_cross_entropy_with_logits, constant_args=_CONST),
    ParityCase(hn.softmax_cross_entropy_forward, hn.softmax_cross_entropy_backward, ht.softmax_cross_entropy,
               _classification(), builtin=F.cross_entropy, constant_args=_CONST),
    ParityCase(hn.softmax_cross_entropy_forward, hn.softmax_cross_entropy_backward, ht.softmax_cross_entropy,
               _classification(spatial=True), builtin=F.cross_entropy, constant_args=_CONST, label="spatial"),
    ParityCase(hn.multiclass_hinge_loss_forward, hn.multiclass_hinge_loss_backward, ht.multiclass_hinge_loss,
               _classification(hinge=True), builtin=_hinge_builtin, constant_args=_CONST),
    ParityCase(hn.dice_loss_forward, hn.dice_loss_backward, ht.dice_loss, _overlap(), constant_args=_CONST,
               notes="no built-in; closed forms in tests/test_losses_extra.py"),
    ParityCase(hn.jaccard_loss_forward, hn.jaccard_loss_backward, ht.jaccard_loss, _overlap(),
               constant_args=_CONST, notes="no built-in; closed forms in tests/test_losses_extra.py"),
]
