"""Chapter 2 (classical ML): the two losses with hand-written backward passes, and the exempt plain functions.

Built-ins: ``F.binary_cross_entropy_with_logits`` for logistic regression; for the binary hinge loss
``F.multi_margin_loss`` on the two scores (-s/2, s/2), whose margin term is max(0, 1 - t·s) averaged
over C = 2 classes, hence the factor 2.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import strategies as st

import helpers.numpy_impl as hn
import helpers.torch_impl as ht

from .base import ParityCase


@st.composite
def _linear_model_inputs(draw, *, svm=False):
    """(x (N, D), w (D,), b (), y (N,) in {0, 1}) and, for the SVM, alpha."""
    seed = draw(st.integers(0, 2**32 - 1))
    n, d = draw(st.integers(1, 6)), draw(st.integers(1, 4))
    rng = np.random.default_rng(seed)
    x, w, b = rng.standard_normal((n, d)), rng.standard_normal(d), rng.standard_normal(())
    y = rng.integers(0, 2, n).astype(np.float64)
    hp = {"alpha": draw(st.sampled_from([0.0, 0.1, 1.0]))} if svm else {}
    return (x, w, b, y), hp


def _builtin_bce(x, w, b, y):
    return F.binary_cross_entropy_with_logits(x @ w + b, y)


def _builtin_hinge(x, w, b, y, *, alpha):
    s = x @ w + b
    # multi_margin_loss averages max(0, 1 - x[y] + x[other]) over C = 2 classes: with scores (-s/2, s/2) that is hinge/2
    return 2.0 * F.multi_margin_loss(torch.stack([-s / 2, s / 2], dim=1), y.long()) + 0.5 * alpha * (w @ w)


CASES = [
    ParityCase(hn.logistic_regression_forward, hn.logistic_regression_backward, ht.logistic_regression,
               _linear_model_inputs(), builtin=_builtin_bce, constant_args=(3,)),
    # the hinge has a kink at margin 1, hit with probability 0 by continuous random inputs
    ParityCase(hn.linear_svm_forward, hn.linear_svm_backward, ht.linear_svm,
               _linear_model_inputs(svm=True), builtin=_builtin_hinge, constant_args=(3,)),
]

_WHERE = "tests/test_classical.py"
EXEMPT = {
    # kNN, k-means, PCA: not differentiable operations (argsort, argmin, SVD sign conventions)
    "pairwise_distances": f"plain function; {_WHERE} checks it against sklearn and torch.cdist, NumPy == torch",
    "knn_predict": f"a non-differentiable vote; {_WHERE} checks it against sklearn KNeighborsClassifier",
    "knn_select_k": f"validation loop; {_WHERE} checks accuracies against sklearn and NumPy == torch",
    "knn_cross_validate": f"validation loop; {_WHERE} checks it against sklearn KFold + KNeighborsClassifier",
    "kmeans": f"Lloyd's algorithm; {_WHERE} checks it against sklearn KMeans from the same initial centres",
    "pca_fit": f"an SVD; {_WHERE} checks it against sklearn PCA up to sign, NumPy == torch",
    "pca_transform": f"a projection; {_WHERE} checks it against sklearn PCA.transform",
    "pca_inverse_transform": f"a projection; {_WHERE} checks it against sklearn PCA.inverse_transform",
    # linear models: solvers and trainers, not operations
    "linear_regression_fit": f"closed-form solver; {_WHERE} checks it against sklearn LinearRegression",
    "linear_regression_predict": f"x @ w + b; {_WHERE} checks NumPy == torch == sklearn predictions",
    "logistic_regression_fit": f"a trainer; {_WHERE} checks it against sklearn LogisticRegression (same penalty)",
    "logistic_regression_predict_proba": f"sigmoid of a score; {_WHERE} checks it against sklearn predict_proba",
    "linear_svm_fit": f"a trainer; {_WHERE} checks NumPy (hand subgradient) == torch (autograd) loss curves",
    "linear_classifier_predict": f"a threshold; {_WHERE} checks NumPy == torch",
    # probability: plain elementwise formulas and closed forms
    **{name: f"plain formula; {_WHERE} checks it against torch.distributions / scipy.stats, NumPy == torch"
       for name in ("normal_log_pdf", "laplace_log_pdf", "bernoulli_log_pmf", "categorical_log_pmf",
                    "entropy", "cross_entropy", "kl_divergence", "normal_entropy", "laplace_entropy")},
    **{name: f"closed form; {_WHERE} checks it against numerical quadrature and Monte Carlo, NumPy == torch"
       for name in ("kl_normal_normal", "kl_normal_laplace", "kl_laplace_normal")},
    "kde": f"density estimate; {_WHERE} checks it against sklearn KernelDensity, NumPy == torch",
}
