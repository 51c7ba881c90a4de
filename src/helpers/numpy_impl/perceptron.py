"""Chapter 1: Rosenblatt's perceptron and a two-layer sigmoid network, NumPy reference.

The perceptron learns a linear threshold unit with the mistake-driven rule
``w += lr * y_i * x_i`` (labels in {-1, +1}); it converges on linearly separable data
(Novikoff, 1962) and never on XOR (Minsky & Papert, 1969). The two-layer network is trained by
full-batch gradient descent on the mean binary cross-entropy, with the backward pass by hand.
The torch twin (:mod:`helpers.torch_impl.perceptron`) has the same functions.
"""

from __future__ import annotations

import numpy as np

from ..core._validation import check_perceptron_fit_args, check_two_layer_fit_args

__all__ = ["perceptron_fit", "perceptron_predict", "two_layer_fit", "two_layer_predict"]


def perceptron_predict(x, w, b):
    """Labels in {-1, +1} of a linear threshold unit; ``x`` (N, D), ``w`` (D,), ``b`` scalar."""
    return np.where(x @ w + b > 0, 1.0, -1.0)


def perceptron_fit(x, y, *, epochs: int = 20, lr: float = 1.0):
    """Train a perceptron in a fixed sample order; return ``(w, b, mistakes_per_epoch)``.

    ``y`` holds labels -1/+1. A sample counts as a mistake when ``y_i (w·x_i + b) <= 0``.
    """
    check_perceptron_fit_args(x, y, epochs, lr)
    w, b = np.zeros(x.shape[1]), 0.0
    mistakes = []
    for _ in range(epochs):
        count = 0
        for xi, yi in zip(x, y):  # the rule is sequential by nature: one sample at a time
            if yi * (xi @ w + b) <= 0:
                w = w + lr * yi * xi
                b = b + lr * yi
                count += 1
        mistakes.append(count)
    return w, float(b), mistakes


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # = 1/(1+e^-z), without overflow warnings


def two_layer_predict(x, w1, b1, w2, b2):
    """Probabilities of class 1 from ``sigmoid(sigmoid(x W1ᵀ + b1) W2ᵀ + b2)``; weights in PyTorch's (out, in) layout."""
    h = _sigmoid(x @ w1.T + b1)  # (N, H)
    return _sigmoid(h @ w2.T + b2)[:, 0]  # (N,)


def two_layer_fit(x, y, w1, b1, w2, b2, *, lr: float = 1.0, steps: int = 2000):
    """Full-batch gradient descent on mean BCE; labels in {0, 1}. Returns ``(params, losses)``.

    The initial weights are inputs (no hidden randomness), so the NumPy and torch versions can
    start from the same point and must follow the same loss curve.
    """
    check_two_layer_fit_args(x, y, steps)
    params = [np.array(p, dtype=np.float64) for p in (w1, b1, w2, b2)]
    losses = []
    n = x.shape[0]
    for _ in range(steps):
        w1, b1, w2, b2 = params
        h = _sigmoid(x @ w1.T + b1)  # (N, H)
        p = _sigmoid(h @ w2.T + b2)[:, 0]  # (N,)
        eps = 1e-12
        losses.append(float(-np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))))
        dz2 = (p - y)[:, None] / n  # dL/d(logit) of BCE∘sigmoid, (N, 1)
        dw2, db2 = dz2.T @ h, dz2.sum(axis=0)
        dz1 = (dz2 @ w2) * h * (1 - h)  # (N, H)
        dw1, db1 = dz1.T @ x, dz1.sum(axis=0)
        params = [p_ - lr * g for p_, g in zip(params, (dw1, db1, dw2, db2))]
    return tuple(params), losses
