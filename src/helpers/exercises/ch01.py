"""Checkers for chapter 1 (Introduction).

Each checker runs the reader's answer on fixed cases, compares it with an independent computation and says what
is wrong and why. An untouched stub (a function whose body is ``...``, an answer still ``None``) gets "not
attempted yet" instead of a verdict.
"""

from __future__ import annotations

import numpy as np

from ._report import as_float, attempt, not_attempted, report

_TRUTH_TABLE = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
_LUMA = np.array([0.299, 0.587, 0.114])


def _step(z):
    return (np.asarray(z, dtype=np.float64) > 0).astype(np.float64)


def check_grayscale(to_gray) -> bool | None:
    """``to_gray(image)`` must map (H, W, 3) uint8 to (H, W) float luminance 0.299 R + 0.587 G + 0.114 B."""
    name, task = "grayscale", "Return the weighted sum 0.299 R + 0.587 G + 0.114 B of every pixel, as floats."
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, size=(5, 7, 3), dtype=np.uint8)
    expected = image.astype(np.float64) @ _LUMA
    state, got = attempt(to_gray, image.copy(), name=name, task=task, convert=as_float)
    if not state:
        return state
    if got.shape != expected.shape:
        hint = " Sum over the last axis (the channels), not the first." if got.shape == (7, 3) or got.shape == (5, 3) \
            else ""
        return report(False, name, f"expected shape {expected.shape} (H, W), got {got.shape}.{hint}")
    if np.allclose(got, image.astype(np.float64).mean(axis=2)):
        return report(False, name, "that is the plain mean of R, G and B; the eye is most sensitive to green, so "
                                   "the weights are 0.299, 0.587, 0.114.")
    if np.allclose(got, image.astype(np.float64) @ _LUMA[::-1]):
        return report(False, name, "the weights are reversed (B, G, R order, as in OpenCV); the array is R, G, B.")
    return report(np.allclose(got, expected), name, "compare with 0.299 R + 0.587 G + 0.114 B per pixel "
                                                    "(convert to float first: uint8 arithmetic wraps around).")


def check_nand_perceptron(w, b) -> bool | None:
    """A single threshold unit ``step(w·x + b)`` that computes NAND on {0, 1}²."""
    name = "NAND perceptron"
    if w is None or b is None:
        return not_attempted(name, "Choose w (two numbers) and b so that step(w·x + b) is 1 unless x = (1, 1).")
    got = _step(_TRUTH_TABLE @ np.asarray(w, dtype=np.float64) + b)
    expected = np.array([1.0, 1.0, 1.0, 0.0])
    if np.array_equal(got, 1 - expected):
        return report(False, name, "your unit computes AND: flip the signs of w and b.")
    return report(np.array_equal(got, expected), name,
                  f"your unit outputs {got.astype(int).tolist()} on (0,0), (0,1), (1,0), (1,1); NAND is [1, 1, 1, 0].")


def check_xor_network(w1, b1, w2, b2) -> bool | None:
    """Two layers of threshold units, hidden ``step(x W1ᵀ + b1)``, output ``step(h·w2 + b2)``, computing XOR."""
    name = "XOR network"
    if any(v is None for v in (w1, b1, w2, b2)):
        return not_attempted(name, "Fill in W1 (2x2), b1 (2), w2 (2) and b2: hidden units OR and NAND, output AND.")
    try:
        hidden = _step(_TRUTH_TABLE @ np.asarray(w1, dtype=np.float64).T + np.asarray(b1, dtype=np.float64))
        got = _step(hidden @ np.asarray(w2, dtype=np.float64).reshape(-1) + b2)
    except ValueError as err:
        return report(False, name, f"the shapes do not fit ({err}): W1 is (2 hidden, 2 inputs), b1 and w2 have 2 "
                                   "entries, b2 is a number.")
    expected = np.array([0.0, 1.0, 1.0, 0.0])
    return report(np.array_equal(got, expected), name,
                  f"your network outputs {got.astype(int).tolist()}, XOR is [0, 1, 1, 0]; the hidden units output "
                  f"{hidden.astype(int).tolist()} (OR and NAND would be [[0, 1], [1, 1], [1, 1], [1, 0]]).")


def _reference_epoch(x, y, w, b, lr):
    mistakes = 0
    for xi, yi in zip(x, y):
        if yi * (xi @ w + b) <= 0:
            w, b, mistakes = w + lr * yi * xi, b + lr * yi, mistakes + 1
    return w, b, mistakes


def check_perceptron_epoch(perceptron_epoch) -> bool | None:
    """``perceptron_epoch(x, y, w, b, lr)``: one pass of Rosenblatt's rule over the samples in order, returning
    ``(w, b, mistakes)``; a sample with ``y (w·x + b) <= 0`` is a mistake and updates ``w += lr y x``, ``b += lr y``."""
    name = "perceptron epoch"
    task = "Fix the three bugs of the broken loop and return (w, b, mistakes) after one pass over the samples."
    rng = np.random.default_rng(11)
    x_sep = rng.normal(size=(12, 2))
    y_sep = np.where(x_sep @ np.array([1.0, -2.0]) + 0.3 > 0, 1.0, -1.0)
    cases = [(_TRUTH_TABLE, np.array([-1.0, -1.0, -1.0, 1.0]), np.zeros(2), 0.0, 1.0),  # AND from w = 0
             (x_sep, y_sep, np.array([0.5, 0.5]), -0.2, 0.5)]
    for x, y, w0, b0, lr in cases:
        state, got = attempt(perceptron_epoch, x.copy(), y.copy(), w0.copy(), b0, lr, name=name, task=task)
        if not state:
            return state
        try:
            w, b, mistakes = np.asarray(got[0], dtype=np.float64), float(got[1]), int(got[2])
        except (TypeError, IndexError, ValueError):
            return report(False, name, "return a triple (w, b, mistakes).")
        w_ref, b_ref, m_ref = _reference_epoch(x, y, w0, b0, lr)
        if np.allclose(w, w_ref) and np.isclose(b, b_ref) and mistakes == m_ref:
            continue
        if np.allclose(w, w0) and np.isclose(b, b0) and not (np.allclose(w_ref, w0) and np.isclose(b_ref, b0)):
            hint = ("nothing was updated: with w = 0 every score is exactly 0, which a strict '< 0' never counts as "
                    "a mistake. A score of 0 is on the boundary: it must count (<= 0).")
        elif mistakes == len(y) and m_ref < len(y):
            hint = "every sample was counted as a mistake: count (and update) only when y (w·x + b) <= 0."
        elif mistakes == m_ref:
            hint = ("the update has the wrong sign or size: a mistake on (x, y) moves w by +lr·y·x and b by +lr·y, "
                    "towards classifying x as y.")
        else:
            hint = "compare your loop with the rule in the text, one sample at a time, in order."
        return report(False, name, f"on a case with {len(y)} samples expected {m_ref} mistakes and "
                                   f"w = {np.round(w_ref, 3).tolist()}, b = {b_ref:.3f}; got {mistakes} mistakes, "
                                   f"w = {np.round(w, 3).tolist()}, b = {b:.3f}: {hint}")
    return report(True, name)
