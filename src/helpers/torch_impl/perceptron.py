"""Chapter 1: the perceptron and a two-layer sigmoid network in PyTorch (twin of the NumPy reference).

Same functions and signatures as :mod:`helpers.numpy_impl.perceptron`; the network's gradients
come from autograd instead of a hand-written backward pass. Runs on the device of its inputs.
"""

from __future__ import annotations

import torch

from ..core._validation import check_perceptron_fit_args, check_two_layer_fit_args

__all__ = ["perceptron_fit", "perceptron_predict", "two_layer_fit", "two_layer_predict"]


def perceptron_predict(x, w, b):
    """Labels in {-1, +1} of a linear threshold unit; ``x`` (N, D), ``w`` (D,), ``b`` scalar."""
    return torch.where(x @ w + b > 0, 1.0, -1.0).to(x.dtype)


def perceptron_fit(x, y, *, epochs: int = 20, lr: float = 1.0):
    """Train a perceptron in a fixed sample order; return ``(w, b, mistakes_per_epoch)``."""
    check_perceptron_fit_args(x, y, epochs, lr, tensor=True)
    w = torch.zeros(x.shape[1], dtype=x.dtype, device=x.device)
    b = torch.zeros((), dtype=x.dtype, device=x.device)
    mistakes = []
    for _ in range(epochs):
        count = 0
        for xi, yi in zip(x, y):
            if yi * (xi @ w + b) <= 0:
                w = w + lr * yi * xi
                b = b + lr * yi
                count += 1
        mistakes.append(count)
    return w, float(b), mistakes


def two_layer_predict(x, w1, b1, w2, b2):
    """Probabilities of class 1 from ``sigmoid(sigmoid(x W1ᵀ + b1) W2ᵀ + b2)``; weights (out, in)."""
    return torch.sigmoid(torch.sigmoid(x @ w1.T + b1) @ w2.T + b2)[:, 0]


def two_layer_fit(x, y, w1, b1, w2, b2, *, lr: float = 1.0, steps: int = 2000):
    """Full-batch gradient descent on mean BCE with autograd; labels in {0, 1}. Returns ``(params, losses)``."""
    check_two_layer_fit_args(x, y, steps, tensor=True)
    params = [p.detach().clone().requires_grad_(True) for p in (w1, b1, w2, b2)]
    losses = []
    for _ in range(steps):
        p = two_layer_predict(x, *params)
        eps = 1e-12
        loss = -torch.mean(y * torch.log(p + eps) + (1 - y) * torch.log(1 - p + eps))
        grads = torch.autograd.grad(loss, params)
        losses.append(float(loss.detach()))
        with torch.no_grad():
            params = [(q - lr * g).requires_grad_(True) for q, g in zip(params, grads)]
    return tuple(q.detach() for q in params), losses
