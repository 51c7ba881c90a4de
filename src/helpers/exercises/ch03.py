"""Checkers for chapter 3 (Neural networks, computational graphs and loss functions).

Each checker runs the reader's answer on fixed cases and compares it with an independent computation
(a closed formula, SciPy, or a set-based definition), then prints one line saying what is wrong.
"""

from __future__ import annotations

import numpy as np
from scipy.special import softmax as scipy_softmax

from ._report import call, report


def check_parameter_count(count) -> bool:
    """``count(sizes)`` must return the weights + biases of a dense net with widths ``sizes = (M_0, ..., M_L)``."""
    cases = [(3, 4, 2), (1, 500, 1), (1, 100, 5, 1), (784, 1024, 10), (2, 1)]
    for sizes in cases:
        ok, got = call(count, sizes, name="parameter count")
        if not ok:
            return False
        weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
        biases = sum(sizes[1:])
        if got == weights:
            return report(False, "parameter count", f"for {sizes} you counted {got}: the weights only. "
                                                    f"Each of the {biases} non-input neurons has a bias too.")
        if got != weights + biases:
            return report(False, "parameter count", f"for {sizes} expected {weights + biases}, got {got}.")
    return report(True, "parameter count")


def check_stable_softmax(softmax) -> bool:
    """``softmax(a)`` for a 2-D array ``(N, C)`` along the last axis, finite even for huge scores."""
    cases = [np.array([[1.8, -2.7, 3.1, 0.5]]), np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]]),
             np.random.default_rng(3).standard_normal((5, 7)) * 10]
    for a in cases:
        ok, got = call(softmax, a.copy(), name="stable softmax")
        if not ok:
            return False
        got = np.asarray(got, dtype=np.float64)
        if got.shape != a.shape:
            return report(False, "stable softmax", f"expected shape {a.shape}, got {got.shape}.")
        if not np.isfinite(got).all():
            return report(False, "stable softmax", "your output has NaN/inf for large scores: subtract the row "
                                                   "maximum before exponentiating.")
        if not np.allclose(got, scipy_softmax(a, axis=-1), atol=1e-10):
            return report(False, "stable softmax", f"for {np.round(a[0], 2).tolist()} expected "
                                                   f"{np.round(scipy_softmax(a, axis=-1)[0], 4).tolist()}.")
    return report(True, "stable softmax")


def check_laplace_location(estimate) -> bool:
    """``estimate(samples)``: the maximum-likelihood location of i.i.d. Laplace samples (1-D array)."""
    rng = np.random.default_rng(4)
    for n in (11, 25, 101):
        samples = rng.exponential(2.0, n) + rng.laplace(0.0, 1.0, n)  # skewed: mean and median differ
        ok, got = call(estimate, samples.copy(), name="Laplace location")
        if not ok:
            return False
        if np.isclose(float(got), samples.mean()):
            return report(False, "Laplace location", "you returned the mean: that is the Gaussian (MSE) answer. "
                                                     "Which value minimises the sum of absolute deviations?")
        if not np.isclose(float(got), np.median(samples)):
            return report(False, "Laplace location", f"expected {np.median(samples):.4f}, got {float(got):.4f}.")
    return report(True, "Laplace location")


def check_dice_jaccard(dice, jaccard) -> bool:
    """``dice(a, b)`` and ``jaccard(a, b)`` of two boolean masks (1 for two empty masks, by convention)."""
    rng = np.random.default_rng(5)
    cases = [(rng.random((6, 6)) < 0.4, rng.random((6, 6)) < 0.5), (np.eye(4, dtype=bool), np.eye(4, dtype=bool)),
             (np.eye(4, dtype=bool), ~np.eye(4, dtype=bool)), (np.zeros((3, 3), bool), np.zeros((3, 3), bool))]
    for a, b in cases:
        inter, total = float((a & b).sum()), float(a.sum() + b.sum())
        want_d = 1.0 if total == 0 else 2 * inter / total
        want_j = 1.0 if total == 0 else inter / (total - inter)
        for fn, want, name in ((dice, want_d, "Dice"), (jaccard, want_j, "Jaccard")):
            ok, got = call(fn, a.copy(), b.copy(), name=name)
            if not ok:
                return False
            if not np.isclose(float(got), want):
                return report(False, "Dice and Jaccard", f"{name}: expected {want:.4f}, got {float(got):.4f} "
                                                         f"(|A|={int(a.sum())}, |B|={int(b.sum())}, "
                                                         f"|A∩B|={int(inter)}).")
    return report(True, "Dice and Jaccard")


def check_mse_gradient(grad) -> bool:
    """``grad(pred, target)``: the gradient of ``mean((pred - target)^2)`` with respect to ``pred``."""
    rng = np.random.default_rng(6)
    pred, target = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    ok, got = call(grad, pred.copy(), target.copy(), name="MSE gradient")
    if not ok:
        return False
    got = np.asarray(got, dtype=np.float64)
    want = 2 * (pred - target) / pred.size
    if got.shape == want.shape and np.allclose(got, want / 2):
        return report(False, "MSE gradient", "you are missing the factor 2 from d(r²)/dr = 2r.")
    if got.shape == want.shape and np.allclose(got, want * pred.size):
        return report(False, "MSE gradient", "you are missing the 1/N of the mean (N = number of entries).")
    return report(got.shape == want.shape and np.allclose(got, want), "MSE gradient",
                  "expected 2 (pred - target) / N with N the number of entries.")
