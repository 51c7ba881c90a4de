"""Parity cases of chapter 8: batch norm on (N, D) (train and eval), group, instance and layer norm.

Built-ins: ``F.batch_norm``, ``F.group_norm``, ``F.instance_norm`` and ``F.layer_norm`` over (C, H, W). Inputs
have a non-zero mean and a scale far from 1 so that a missing centring or scaling cannot pass. Running statistics
(updated in place by ``F.batch_norm``) are compared in tests/test_norm_init.py. The initialisers of chapter 7
have no forward/backward pair; they are listed in ``EXEMPT``.
"""

from __future__ import annotations

import numpy as np
import torch.nn.functional as F
from hypothesis import strategies as st

import helpers.numpy_impl as hn
import helpers.torch_impl as ht

from .base import ParityCase


def _rng(draw):
    return np.random.default_rng(draw(st.integers(0, 2**31 - 1)))


@st.composite
def batch_norm_inputs(draw, training):
    rng = _rng(draw)
    n, d = draw(st.integers(2 if training else 1, 6)), draw(st.integers(1, 4))
    x = rng.normal(loc=1.5, scale=2.5, size=(n, d))
    arrays = (x, rng.normal(1.0, 0.5, d), rng.normal(size=d), rng.normal(size=d), rng.uniform(0.5, 2.0, d))
    return arrays, {"training": training, "eps": draw(st.sampled_from([1e-5, 1e-2]))}


def _batch_norm_builtin(x, gamma, beta, running_mean, running_var, *, training, eps):
    # F.batch_norm updates the running statistics in place when training: give it copies (ours never mutates)
    return F.batch_norm(x, running_mean.clone(), running_var.clone(), gamma, beta, training=training, eps=eps)


@st.composite
def grouped_inputs(draw, kind):
    rng = _rng(draw)
    groups = draw(st.integers(1, 3))
    c = groups * draw(st.integers(1, 2)) if kind == "group" else draw(st.integers(1, 4))
    spatial = draw(st.sampled_from([(3,), (2, 2), (1, 3)] + ([(1,), ()] if kind == "group" else [])))
    hp = {"eps": draw(st.sampled_from([1e-5, 1e-2]))}
    if kind == "group":
        hp["num_groups"] = groups if draw(st.booleans()) else 1
        if c // hp["num_groups"] * int(np.prod(spatial)) < 2:
            spatial = (2,)  # F.group_norm refuses groups of a single value (ours returns beta there)
    x = rng.normal(loc=-1.0, scale=3.0, size=(draw(st.integers(1, 3)), c) + spatial)
    return (x, rng.normal(1.0, 0.5, c), rng.normal(size=c)), hp


def _group_norm_builtin(x, gamma, beta, *, num_groups, eps):
    return F.group_norm(x, num_groups, gamma, beta, eps)


def _layer_norm_chw_builtin(x, gamma, beta, *, num_groups, eps):
    # layer norm over (C, ...) = one group; F.layer_norm's affine map is per element, ours per channel: expand it
    assert num_groups == 1
    per_element = (-1,) + (1,) * (x.ndim - 2)
    shape = tuple(x.shape[1:])
    return F.layer_norm(x, shape, gamma.reshape(per_element).expand(shape), beta.reshape(per_element).expand(shape),
                        eps)


def _one_group(strategy):
    return strategy.map(lambda a: (a[0], {**a[1], "num_groups": 1}))


CASES = [
    ParityCase(hn.batch_norm_forward, hn.batch_norm_backward, ht.batch_norm, batch_norm_inputs(True),
               builtin=_batch_norm_builtin, constant_args=(3, 4), label="train"),
    ParityCase(hn.batch_norm_forward, hn.batch_norm_backward, ht.batch_norm, batch_norm_inputs(False),
               builtin=_batch_norm_builtin, constant_args=(3, 4), label="eval"),
    ParityCase(hn.group_norm_forward, hn.group_norm_backward, ht.group_norm, grouped_inputs("group"),
               builtin=_group_norm_builtin),
    ParityCase(hn.group_norm_forward, hn.group_norm_backward, ht.group_norm, _one_group(grouped_inputs("group")),
               builtin=_layer_norm_chw_builtin, label="layer_norm_chw"),
    ParityCase(hn.instance_norm_forward, hn.instance_norm_backward, ht.instance_norm, grouped_inputs("instance"),
               builtin=lambda x, gamma, beta, *, eps: F.instance_norm(x, weight=gamma, bias=beta, eps=eps)),
]

_INIT = ("statistical and exact tests in tests/test_norm_init.py: empirical variances vs the formulas and vs "
         "torch.nn.init on large matrices, identical draws to torch.nn.init with the same generator")
EXEMPT = {
    "batch_norm_running_stats": "tests/test_norm_init.py compares it with the running buffers F.batch_norm and "
                                "nn.BatchNorm1d update (momentum convention, unbiased variance)",
    "INIT_SCHEMES": "a constant tuple of scheme names; " + _INIT,
    "fan_in_and_fan_out": "plain shape arithmetic; compared with torch.nn.init._calculate_fan_in_and_fan_out in "
                          "tests/test_norm_init.py",
    "init_std": _INIT,
    "init_weight": _INIT,
}
