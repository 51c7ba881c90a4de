"""Checkers for chapter 7 (outputs, losses, activations, initialisation)."""

from __future__ import annotations

import math

import numpy as np

from helpers.numpy_impl import init as _init
from helpers.numpy_impl import layers as _layers

from ._report import as_float, call, report


def check_stable_softmax(softmax) -> bool:
    """``softmax(scores)`` over the last axis of a (N, C) array, correct for scores as large as ±1e4."""
    rng = np.random.default_rng(70)
    tests = [rng.normal(size=(4, 5)), np.array([[1000.0, 1001.0, 999.0]]), np.array([[-1e4, 0.0, 1e4]]),
             np.array([[1.8, -2.7, 3.1, 0.5]])]
    for scores in tests:
        with np.errstate(all="ignore"):
            ok, got = call(softmax, scores.copy(), name="stable softmax", convert=as_float)
        if not ok:
            return False
        expected, _ = _layers.softmax_forward(scores)
        if got.shape != expected.shape or not np.all(np.isfinite(got)) or not np.allclose(got, expected, atol=1e-12):
            return report(False, "stable softmax", f"for scores {np.round(scores[0], 1)} expected "
                          f"{np.round(expected[0], 4)}, got {np.round(got[0], 4) if got.ndim == 2 else got}. "
                          "Subtract the row maximum before exp.")
    return report(True, "stable softmax")


def check_stable_sigmoid(sigmoid) -> bool:
    """``sigmoid(x)`` elementwise, without overflow warnings or NaN for |x| up to 1e4."""
    x = np.array([-1e4, -800.0, -30.0, -1.0, 0.0, 1.0, 30.0, 800.0, 1e4])
    with np.errstate(over="raise", invalid="raise"):
        ok, got = call(sigmoid, x.copy(), name="stable sigmoid", convert=as_float)
    if not ok:
        return False
    expected, _ = _layers.sigmoid_forward(x)
    ok = got.shape == x.shape and np.allclose(got, expected, rtol=1e-12, atol=1e-300)
    return report(ok, "stable sigmoid", "exponentiate only non-positive numbers: use exp(-|x|) and pick the "
                                        "formula by the sign of x.")


def check_init_std(init_std) -> bool:
    """``init_std(fan_in, fan_out, activation)``: Xavier (1/fan_in) for "tanh", He (2/fan_in) for "relu"."""
    for fan_in, fan_out in ((100, 10), (784, 256), (3, 500)):
        for activation, scheme in (("tanh", "xavier"), ("relu", "he")):
            expected = _init.init_std((fan_out, fan_in), scheme=scheme)
            ok, value = call(init_std, fan_in, fan_out, activation, name="initialisation std", convert=float)
            if not ok:
                return False
            if not math.isclose(value, expected, rel_tol=1e-9):
                return report(False, "initialisation std", f"for fan_in={fan_in}, fan_out={fan_out}, {activation}: "
                              f"expected std {expected:.5f}, got {value:.5f}. Variance, not std, is 1/n or 2/n; "
                              "and n is the fan-in.")
    return report(True, "initialisation std")


def check_dead_fraction(answer, pre_activations) -> bool:
    """The fraction of ReLU units (columns) that output 0 for every example (row) of ``pre_activations``."""
    expected = float(np.mean(np.all(np.asarray(pre_activations) <= 0, axis=0)))
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return report(False, "dead ReLUs", f"expected a number, got {answer!r}.")
    return report(abs(value - expected) < 1e-12, "dead ReLUs",
                  "a unit is dead when its pre-activation is <= 0 for *all* examples (a column), not per entry.")
