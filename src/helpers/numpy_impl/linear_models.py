"""Chapter 2: linear models, NumPy reference.

Linear regression by least squares (closed form), logistic regression (mean binary cross-entropy,
i.e. the *negative* Bernoulli log-likelihood, trained by gradient descent) and a linear SVM (hinge
loss, trained by subgradient descent). Losses come as ``*_forward -> (loss, cache)`` and
``*_backward(dout, cache) -> (dx, dw, db)`` with the backward pass by hand; the torch twin
(:mod:`helpers.torch_impl.linear_models`) gets its gradients from autograd.

Binary labels are 0/1 everywhere (as in PyTorch's ``binary_cross_entropy``); the SVM maps them to
t = 2y - 1 in {-1, +1} internally. ``weight_decay`` adds (weight_decay/2)·||w||² to a loss, which
is exactly what PyTorch's ``weight_decay`` does to the gradient (it adds weight_decay·w).

References: Bishop, *Pattern Recognition and Machine Learning*, §3.1 and §4.3; Golub & Van Loan,
*Matrix Computations*, §5.3 (why least squares is not solved with an explicit inverse);
Cortes & Vapnik, "Support-vector networks" (1995).
"""

from __future__ import annotations

import numpy as np

from ..core._validation import (
    check_linear_fit_args,
    check_linear_model_args,
    check_linear_regression_args,
    check_matrix,
)

__all__ = [
    "linear_regression_fit", "linear_regression_predict",
    "logistic_regression_forward", "logistic_regression_backward", "logistic_regression_fit",
    "logistic_regression_predict_proba",
    "linear_svm_forward", "linear_svm_backward", "linear_svm_fit", "linear_classifier_predict",
]

# ---- linear regression ---------------------------------------------------------------------------------------
def linear_regression_fit(x, y, *, solver: str = "lstsq"):
    """Least-squares fit of ``y ≈ x @ w + b``; ``x`` (N, D), ``y`` (N,) -> ``(w (D,), b)``.

    A column of ones carries the bias: X = [1, x], θ = (b, w). The minimiser of ||Xθ - y||² solves
    the normal equations XᵀX θ = Xᵀy. ``solver``:

    * ``"lstsq"`` (default): an orthogonal factorisation of X itself (SVD); accurate even when X is
      ill-conditioned, and it handles rank-deficient X (minimum-norm solution).
    * ``"normal"``: solve the normal equations with an LU solve. Forming XᵀX squares the condition
      number, so about twice as many digits are lost as with ``"lstsq"``.
    * ``"inverse"``: the textbook formula (XᵀX)⁻¹Xᵀy with an explicit inverse; slower and the least
      accurate. Only here to compare.
    """
    check_linear_regression_args(x, y, solver, "linear_regression_fit")
    xb = np.concatenate([np.ones((x.shape[0], 1)), x], axis=1)  # (N, D + 1)
    if solver == "lstsq":
        theta = np.linalg.lstsq(xb, y, rcond=None)[0]
    elif solver == "normal":
        theta = np.linalg.solve(xb.T @ xb, xb.T @ y)
    else:
        theta = np.linalg.inv(xb.T @ xb) @ (xb.T @ y)
    return theta[1:], theta[0]


def linear_regression_predict(x, w, b):
    """Predictions ``x @ w + b`` -> (N,)."""
    check_matrix(x, "x", "linear_regression_predict")
    return x @ w + b


# ---- logistic regression -------------------------------------------------------------------------------------
def _sigmoid(s):
    return 0.5 * (1.0 + np.tanh(0.5 * s))  # = 1 / (1 + e^-s), without overflow for large |s|


def logistic_regression_forward(x, w, b, y):
    """Mean binary cross-entropy of the model p(y=1|x) = σ(x·w + b); returns ``(loss, cache)``.

    loss = -(1/N) Σ [y ln σ(s) + (1 - y) ln(1 - σ(s))] with s = x·w + b, the negative Bernoulli
    log-likelihood per sample. It is evaluated as softplus(s) - y·s, which equals it exactly and
    never takes the log of 0. ``x`` (N, D), ``w`` (D,), ``b`` scalar, ``y`` (N,) in [0, 1].
    """
    check_linear_model_args(x, w, b, y, "logistic_regression_forward")
    s = x @ w + b  # (N,) scores ("logits")
    loss = np.mean(np.logaddexp(0.0, s) - y * s)
    return loss, (x, w, s, y)


def logistic_regression_backward(dout, cache):
    """Gradients ``(dx, dw, db)`` of the mean BCE; ∂loss/∂s_i = (σ(s_i) - y_i) / N."""
    x, w, s, y = cache
    ds = dout * (_sigmoid(s) - y) / x.shape[0]  # (N,)
    return ds[:, None] * w[None, :], x.T @ ds, ds.sum()


def logistic_regression_predict_proba(x, w, b):
    """p(y = 1 | x) = σ(x·w + b) -> (N,)."""
    check_matrix(x, "x", "logistic_regression_predict_proba")
    return _sigmoid(x @ w + b)


def logistic_regression_fit(x, y, *, lr: float = 0.5, n_steps: int = 500, weight_decay: float = 0.0):
    """Full-batch gradient descent on mean BCE + (weight_decay/2)||w||², from w = 0, b = 0.

    Returns ``(w, b, losses)`` with the (penalised) loss before each step. The problem is convex, so
    the zero start loses nothing and keeps the function free of randomness.
    """
    check_linear_fit_args(x, y, lr, n_steps, "logistic_regression_fit", weight_decay=weight_decay)
    w, b = np.zeros(x.shape[1]), np.zeros(())
    losses = np.empty(n_steps)
    for t in range(n_steps):
        loss, cache = logistic_regression_forward(x, w, b, y)
        losses[t] = loss + 0.5 * weight_decay * (w @ w)
        _, dw, db = logistic_regression_backward(1.0, cache)
        w = w - lr * (dw + weight_decay * w)
        b = b - lr * db
    return w, b, losses


# ---- linear SVM ----------------------------------------------------------------------------------------------
def linear_svm_forward(x, w, b, y, *, alpha: float = 0.0):
    """Mean hinge loss + (alpha/2)||w||² of the score s = x·w + b; returns ``(loss, cache)``.

    With t = 2y - 1 in {-1, +1}: hinge_i = max(0, 1 - t_i s_i). It is zero for points on the right
    side with margin ≥ 1 (they do not influence the solution) and grows linearly otherwise.
    """
    check_linear_model_args(x, w, b, y, "linear_svm_forward", binary=True, alpha=alpha)
    t = 2.0 * y - 1.0
    margins = t * (x @ w + b)  # (N,)
    loss = np.maximum(0.0, 1.0 - margins).mean() + 0.5 * alpha * (w @ w)
    return loss, (x, w, t, margins, alpha)


def linear_svm_backward(dout, cache):
    """A subgradient ``(dx, dw, db)``: points with margin < 1 push, the others contribute 0 (also at the kink)."""
    x, w, t, margins, alpha = cache
    ds = dout * -t * (margins < 1.0) / x.shape[0]  # (N,)
    return ds[:, None] * w[None, :], x.T @ ds + dout * alpha * w, ds.sum()


def linear_svm_fit(x, y, *, lr: float = 0.1, n_steps: int = 500, alpha: float = 0.01):
    """Subgradient descent on the SVM objective from w = 0, b = 0; returns ``(w, b, losses)``."""
    check_linear_fit_args(x, y, lr, n_steps, "linear_svm_fit", alpha=alpha)
    w, b = np.zeros(x.shape[1]), np.zeros(())
    losses = np.empty(n_steps)
    for t in range(n_steps):
        losses[t], cache = linear_svm_forward(x, w, b, y, alpha=alpha)
        _, dw, db = linear_svm_backward(1.0, cache)
        w, b = w - lr * dw, b - lr * db
    return w, b, losses


def linear_classifier_predict(x, w, b):
    """Labels 0/1 from the sign of the score x·w + b (score 0 counts as class 0) -> (N,) int."""
    check_matrix(x, "x", "linear_classifier_predict")
    return (x @ w + b > 0).astype(np.int64)
