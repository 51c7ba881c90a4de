"""Checkers for chapter 1 (Introduction)."""

from __future__ import annotations

import numpy as np

from ._report import as_float, call, report

_TRUTH_TABLE = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)


def _step(z):
    return (np.asarray(z, dtype=np.float64) > 0).astype(np.float64)


def check_grayscale(to_gray) -> bool:
    """``to_gray(image)`` must map (H, W, 3) uint8 to (H, W) float luminance 0.299 R + 0.587 G + 0.114 B."""
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, size=(5, 7, 3), dtype=np.uint8)
    expected = image.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    ok, got = call(to_gray, image, name="grayscale", convert=as_float)
    if not ok:
        return False
    if got.shape != expected.shape:
        return report(False, "grayscale", f"expected shape {expected.shape}, got {got.shape}.")
    return report(np.allclose(got, expected), "grayscale", "compare with 0.299 R + 0.587 G + 0.114 B per pixel.")


def check_nand_perceptron(w, b) -> bool:
    """A single threshold unit ``step(w·x + b)`` that computes NAND on {0, 1}²."""
    got = _step(_TRUTH_TABLE @ np.asarray(w, dtype=np.float64) + b)
    expected = np.array([1.0, 1.0, 1.0, 0.0])
    return report(np.array_equal(got, expected), "NAND perceptron", f"your unit outputs {got.astype(int).tolist()}, NAND is [1, 1, 1, 0].")


def check_xor_network(w1, b1, w2, b2) -> bool:
    """Two layers of threshold units, hidden ``step(x W1ᵀ + b1)``, output ``step(h·w2 + b2)``, computing XOR."""
    hidden = _step(_TRUTH_TABLE @ np.asarray(w1, dtype=np.float64).T + np.asarray(b1, dtype=np.float64))
    got = _step(hidden @ np.asarray(w2, dtype=np.float64).reshape(-1) + b2)
    expected = np.array([0.0, 1.0, 1.0, 0.0])
    return report(np.array_equal(got, expected), "XOR network", f"your network outputs {got.astype(int).tolist()}, XOR is [0, 1, 1, 0].")
