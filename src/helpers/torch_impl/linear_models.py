"""Chapter 2: linear models in PyTorch (twin of :mod:`helpers.numpy_impl.linear_models`).

The losses are differentiable functions of ``(x, w, b, y)`` written from tensor operations; the
trainers use autograd for the gradients, so agreement with the hand-written NumPy backward passes
is a real check. Labels are 0/1; ``weight_decay`` adds (weight_decay/2)·||w||² to the loss.
"""

from __future__ import annotations

import torch

from ..core._validation import (
    check_linear_fit_args,
    check_linear_model_args,
    check_linear_regression_args,
    check_matrix,
)

__all__ = [
    "linear_regression_fit", "linear_regression_predict",
    "logistic_regression", "logistic_regression_fit", "logistic_regression_predict_proba",
    "linear_svm", "linear_svm_fit", "linear_classifier_predict",
]


def linear_regression_fit(x, y, *, solver: str = "lstsq"):
    """Least-squares fit of ``y ≈ x @ w + b`` -> ``(w (D,), b)``; solvers as in the NumPy reference."""
    check_linear_regression_args(x, y, solver, "linear_regression_fit")
    xb = torch.cat([torch.ones_like(x[:, :1]), x], dim=1)  # (N, D + 1)
    if solver == "lstsq":
        # CPU default driver "gelsy" handles rank deficiency; CUDA only has "gels" (full rank).
        theta = torch.linalg.lstsq(xb, y[:, None]).solution[:, 0]
    elif solver == "normal":
        theta = torch.linalg.solve(xb.T @ xb, xb.T @ y)
    else:
        theta = torch.linalg.inv(xb.T @ xb) @ (xb.T @ y)
    return theta[1:], theta[0]


def linear_regression_predict(x, w, b):
    """Predictions ``x @ w + b`` -> (N,)."""
    check_matrix(x, "x", "linear_regression_predict")
    return x @ w + b


def logistic_regression(x, w, b, y):
    """Mean binary cross-entropy -(1/N) Σ [y ln σ(s) + (1-y) ln(1-σ(s))], s = x·w + b, as softplus(s) - y·s."""
    check_linear_model_args(x, w, b, y, "logistic_regression")
    s = x @ w + b  # (N,)
    return (torch.nn.functional.softplus(s) - y * s).mean()


def logistic_regression_predict_proba(x, w, b):
    """p(y = 1 | x) = σ(x·w + b) -> (N,)."""
    check_matrix(x, "x", "logistic_regression_predict_proba")
    return torch.sigmoid(x @ w + b)


def _gradient_descent(loss_fn, x, lr: float, n_steps: int):
    """Plain full-batch gradient descent from zeros; gradients from autograd. Returns ``(w, b, losses)``."""
    w = torch.zeros(x.shape[1], dtype=x.dtype, device=x.device, requires_grad=True)
    b = torch.zeros((), dtype=x.dtype, device=x.device, requires_grad=True)
    losses = []
    for _ in range(n_steps):
        loss = loss_fn(w, b)
        dw, db = torch.autograd.grad(loss, (w, b))
        losses.append(loss.detach())
        with torch.no_grad():
            w -= lr * dw
            b -= lr * db
    return w.detach(), b.detach(), torch.stack(losses)


def logistic_regression_fit(x, y, *, lr: float = 0.5, n_steps: int = 500, weight_decay: float = 0.0):
    """Gradient descent on mean BCE + (weight_decay/2)||w||² from zeros; returns ``(w, b, losses)``."""
    check_linear_fit_args(x, y, lr, n_steps, "logistic_regression_fit", weight_decay=weight_decay)
    return _gradient_descent(
        lambda w, b: logistic_regression(x, w, b, y) + 0.5 * weight_decay * (w @ w), x, lr, n_steps
    )


def linear_svm(x, w, b, y, *, alpha: float = 0.0):
    """Mean hinge loss max(0, 1 - t·s) with t = 2y - 1, plus (alpha/2)||w||²."""
    check_linear_model_args(x, w, b, y, "linear_svm", binary=True, alpha=alpha)
    margins = (2.0 * y - 1.0) * (x @ w + b)  # (N,)
    # relu's derivative at 0 is 0 in PyTorch: the same subgradient choice as the NumPy reference
    return torch.relu(1.0 - margins).mean() + 0.5 * alpha * (w @ w)


def linear_svm_fit(x, y, *, lr: float = 0.1, n_steps: int = 500, alpha: float = 0.01):
    """Subgradient descent on the SVM objective from zeros; returns ``(w, b, losses)``."""
    check_linear_fit_args(x, y, lr, n_steps, "linear_svm_fit", alpha=alpha)
    return _gradient_descent(lambda w, b: linear_svm(x, w, b, y, alpha=alpha), x, lr, n_steps)


def linear_classifier_predict(x, w, b):
    """Labels 0/1 from the sign of the score x·w + b (score 0 counts as class 0) -> (N,) int64."""
    check_matrix(x, "x", "linear_classifier_predict")
    return (x @ w + b > 0).long()
