"""Checkers for chapter 3 (Neural networks, computational graphs and loss functions).

Each checker runs the reader's answer on fixed cases and compares it with an independent computation
(a closed formula, SciPy, PyTorch's autograd, or a set-based definition), then prints one line saying what is
wrong and why. An untouched stub (a function whose body is ``...``) gets "not attempted yet" instead of a verdict.
"""

from __future__ import annotations

import numpy as np
from scipy.special import softmax as scipy_softmax

from ._report import as_float, attempt, diagnose, report


def check_parameter_count(count) -> bool | None:
    """``count(sizes)`` must return the weights + biases of a dense net with widths ``sizes = (M_0, ..., M_L)``."""
    cases = [(3, 4, 2), (1, 500, 1), (1, 100, 5, 1), (784, 1024, 10), (2, 1)]
    for sizes in cases:
        state, got = attempt(count, sizes, name="parameter count", convert=int,
                             task="Sum, over the layers, the weights M_l·M_(l-1) and the M_l biases.")
        if not state:
            return state
        weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
        biases = sum(sizes[1:])
        if got == weights:
            return report(False, "parameter count", f"for {sizes} you counted {got}: the weights only. "
                                                    f"Each of the {biases} non-input neurons has a bias too.")
        if got == weights + sum(sizes):
            return report(False, "parameter count", f"for {sizes} you counted {got}: the input layer has no "
                                                    f"biases (it holds the data), only the {len(sizes) - 1} layers "
                                                    "after it.")
        if got != weights + biases:
            return report(False, "parameter count", f"for {sizes} expected {weights + biases}, got {got}.")
    return report(True, "parameter count")


def check_stable_softmax(softmax) -> bool | None:
    """``softmax(a)`` for a 2-D array ``(N, C)`` along the last axis, finite even for huge scores."""
    cases = [np.array([[1.8, -2.7, 3.1, 0.5]]), np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]]),
             np.random.default_rng(3).standard_normal((5, 7)) * 10]
    for a in cases:
        with np.errstate(all="ignore"):
            state, got = attempt(softmax, a.copy(), name="stable softmax", convert=as_float, shape=a.shape,
                                 task="Subtract each row's maximum, exponentiate, divide by the row sum.")
        if not state:
            return state
        if not np.isfinite(got).all():
            return report(False, "stable softmax", "your output has NaN/inf for large scores: subtract the row "
                                                   "maximum before exponentiating.")
        if a.shape[0] > 1 and np.allclose(got, scipy_softmax(a, axis=0), atol=1e-10):
            return report(False, "stable softmax", "each column sums to 1: normalise along the last axis (the "
                                                   "classes of one example), axis=-1 with keepdims=True.")
        if not np.allclose(got, scipy_softmax(a, axis=-1), atol=1e-10):
            return report(False, "stable softmax", f"for {np.round(a[0], 2).tolist()} expected "
                                                   f"{np.round(scipy_softmax(a, axis=-1)[0], 4).tolist()}.")
    return report(True, "stable softmax")


def check_laplace_location(estimate) -> bool | None:
    """``estimate(samples)``: the maximum-likelihood location of i.i.d. Laplace samples (1-D array)."""
    rng = np.random.default_rng(4)
    for n in (11, 25, 101):
        samples = rng.exponential(2.0, n) + rng.laplace(0.0, 1.0, n)  # skewed: mean and median differ
        state, got = attempt(estimate, samples.copy(), name="Laplace location", convert=float,
                             task="Which c maximises the Laplace likelihood, i.e. minimises the sum of |y_i - c|?")
        if not state:
            return state
        if np.isclose(got, samples.mean()):
            return report(False, "Laplace location", "you returned the mean: that is the Gaussian (MSE) answer. "
                                                     "Which value minimises the sum of absolute deviations?")
        if not np.isclose(got, np.median(samples)):
            return report(False, "Laplace location", f"expected {np.median(samples):.4f}, got {got:.4f}: half of "
                                                     "the samples lie above the answer, half below.")
    return report(True, "Laplace location")


def check_dice_jaccard(dice, jaccard) -> bool | None:
    """``dice(a, b)`` and ``jaccard(a, b)`` of two boolean masks (1 for two empty masks, by convention)."""
    rng = np.random.default_rng(5)
    cases = [(rng.random((6, 6)) < 0.4, rng.random((6, 6)) < 0.5), (np.eye(4, dtype=bool), np.eye(4, dtype=bool)),
             (np.eye(4, dtype=bool), ~np.eye(4, dtype=bool)), (np.zeros((3, 3), bool), np.zeros((3, 3), bool))]
    for a, b in cases:
        inter, total = float((a & b).sum()), float(a.sum() + b.sum())
        want_d = 1.0 if total == 0 else 2 * inter / total
        want_j = 1.0 if total == 0 else inter / (total - inter)
        for fn, want, name in ((dice, want_d, "Dice"), (jaccard, want_j, "Jaccard")):
            state, got = attempt(fn, a.copy(), b.copy(), name="Dice and Jaccard", convert=float,
                                 what=f"your {name} function",
                                 task="Dice = 2|A∩B|/(|A|+|B|), Jaccard = |A∩B|/|A∪B|, both 1 for two empty masks.")
            if not state:
                return state
            if total == 0 and not np.isclose(got, 1.0):
                return report(False, "Dice and Jaccard", f"{name} of two empty masks: expected 1 (they agree "
                                                         f"perfectly), got {got}. Test for an empty union first.")
            if name == "Jaccard" and inter > 0 and np.isclose(got, inter / total):
                return report(False, "Dice and Jaccard", "Jaccard divides by the union |A∪B| = |A| + |B| - |A∩B|, "
                                                         "not by |A| + |B|.")
            if not np.isclose(got, want):
                return report(False, "Dice and Jaccard", f"{name}: expected {want:.4f}, got {got:.4f} "
                                                         f"(|A|={int(a.sum())}, |B|={int(b.sum())}, "
                                                         f"|A∩B|={int(inter)}).")
    return report(True, "Dice and Jaccard")


def check_mse_gradient(grad) -> bool | None:
    """``grad(pred, target)``: the gradient of ``mean((pred - target)^2)`` with respect to ``pred``."""
    rng = np.random.default_rng(6)
    pred, target = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    state, got = attempt(grad, pred.copy(), target.copy(), name="MSE gradient", convert=as_float,
                         task="Differentiate mean((pred - target)²) entry by entry.")
    if not state:
        return state
    want = 2 * (pred - target) / pred.size
    if got.shape == want.shape and np.allclose(got, want / 2):
        return report(False, "MSE gradient", "you are missing the factor 2 from d(r²)/dr = 2r.")
    if got.shape == want.shape and np.allclose(got, want * pred.size):
        return report(False, "MSE gradient", "you are missing the 1/N of the mean (N = number of entries).")
    return report(got.shape == want.shape and np.allclose(got, want), "MSE gradient",
                  "expected 2 (pred - target) / N with N the number of entries.")


def check_huber_backward(huber_backward) -> bool | None:
    """``huber_backward(pred, target, delta)``: the gradient of ``mean(huber(pred - target))`` with respect to
    ``pred`` (Huber: r²/2 for |r| <= δ, δ(|r| - δ/2) beyond), checked against PyTorch's autograd of
    ``F.huber_loss`` and a centred finite difference."""
    import torch
    import torch.nn.functional as F

    from helpers.core.testing import numerical_gradient

    name = "Huber backward"
    task = "Differentiate each piece: r inside [-δ, δ], ±δ outside; then divide by the number of entries."
    rng = np.random.default_rng(7)
    cases = [(rng.standard_normal((4, 3)) * 2, rng.standard_normal((4, 3)), 1.0),
             (np.array([0.1, -3.0, 2.5, 0.4, 10.0]), np.zeros(5), 0.5)]
    for pred, target, delta in cases:
        state, got = attempt(huber_backward, pred.copy(), target.copy(), delta, name=name, task=task, convert=as_float,
                             shape=pred.shape, shape_meaning="one gradient entry per prediction")
        if not state:
            return state
        pt = torch.tensor(pred, requires_grad=True)
        (want,) = torch.autograd.grad(F.huber_loss(pt, torch.tensor(target), delta=delta), pt)
        want = want.numpy()
        numeric = numerical_gradient(
            lambda p, t=target, d=delta: float(F.huber_loss(torch.tensor(p), torch.tensor(t), delta=d)), pred.copy())
        assert np.allclose(want, numeric, atol=1e-6)  # the two oracles agree (|r| = δ exactly never occurs here)
        r = pred - target
        if np.allclose(got, want):
            continue
        hint = diagnose(got, [
            (r / r.size, "that is the MSE's half: beyond δ the loss grows linearly, so its slope is ±δ. Clip r to "
                         "[-δ, δ]."),
            (want * r.size, "you are missing the 1/N of the mean (N = number of entries)."),
            (-want, "the sign is flipped: the loss grows when pred moves away from target.")],
            otherwise="compare with np.clip(pred - target, -δ, δ) / N on a small example.")
        return report(False, name, f"for δ = {delta:g} and residuals {np.round(r.ravel()[:4], 2).tolist()}... expected "
                                   f"{np.round(want.ravel()[:4], 4).tolist()}..., got {np.round(got.ravel()[:4], 4).tolist()}...: {hint}")
    return report(True, name)
