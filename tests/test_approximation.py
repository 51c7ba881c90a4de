"""helpers.labs.approximation (chapter 3/4): parameter counts against torch, fits against closed-form oracles."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers.data import make_regression_1d
from helpers.labs import approximation as ap


@pytest.mark.parametrize("sizes", [(3, 4, 2), (1, 500, 1), (1, 100, 5, 1), (784, 1024, 10), (2, 1)])
def test_counts_match_torch(sizes):
    model = ap.build_mlp(sizes, seed=0)
    assert ap.dense_parameter_count(sizes) == sum(p.numel() for p in model.parameters())
    # multiplications of one forward pass = number of weight-matrix entries
    assert ap.count_multiplications(sizes) == sum(w.numel() for w in ap.weight_matrices(model))


def test_lecture_counts():
    assert ap.dense_parameter_count((3, 4, 2)) == 26
    assert ap.dense_parameter_count((1, 500, 1)) == 1501
    assert ap.dense_parameter_count((1, 100, 5, 1)) == 711
    assert ap.dense_parameter_count((784, 1024, 10)) == 814_090
    assert ap.count_multiplications((784, 1024, 10)) == 813_056


def test_build_mlp_is_seeded_and_initialised_like_linear():
    a, b = ap.build_mlp((1, 8, 1), seed=3), ap.build_mlp((1, 8, 1), seed=3)
    for p, q in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(p, q)
    w = ap.weight_matrices(ap.build_mlp((50, 40, 1), seed=0))[0]
    assert w.dtype == torch.float64 and w.abs().max() <= 1 / np.sqrt(50)


def test_linear_net_fit_equals_least_squares():
    """A net with one identity-like path: hidden=(1,) tanh cannot, but a 1 -> 1 affine map (no hidden layer)
    fitted by L-BFGS must equal the least-squares line (independent oracle: np.linalg.lstsq)."""
    x, y = make_regression_1d(80, function="cubic", noise=0.3, x_range=(-1.0, 1.0), rng=2)
    fit = ap.fit_mlp(x, y, hidden=(), optimizer="lbfgs", steps=100)
    design = np.hstack([x, np.ones_like(x)])
    coef = np.linalg.lstsq(design, y, rcond=None)[0]
    np.testing.assert_allclose(fit.predict(x), design @ coef, atol=1e-6)
    assert fit.train_mse == pytest.approx(float(np.mean((design @ coef - y) ** 2)), rel=1e-8)


def test_l2_penalty_is_ridge_regression():
    """No hidden layer + l2 penalty on the weight (not the bias) = ridge regression with that λ."""
    x, y = make_regression_1d(60, function="sin", noise=0.2, x_range=(-2.0, 2.0), rng=5)
    lam = 0.3
    fit = ap.fit_mlp(x, y, hidden=(), l2=lam, optimizer="lbfgs", steps=200)
    # minimise mean((w x + b - y)^2) + lam w^2: normal equations with N*lam on the weight only
    n = len(x)
    design = np.hstack([x, np.ones_like(x)])
    coef = np.linalg.solve(design.T @ design + n * lam * np.diag([1.0, 0.0]), design.T @ y)
    w = ap.weight_matrices(fit.model)[0].detach().numpy()
    np.testing.assert_allclose(w.ravel(), coef[0], atol=1e-6)


def test_width_improves_the_fit_of_sin_1_plus_x2():
    x, y = make_regression_1d(300, function="sin(1+x^2)", noise=0.1, x_range=(0.0, 3.0), rng=0)
    grid = np.linspace(0, 3, 200)[:, None]
    errors = [float(np.mean((ap.fit_mlp(x, y, (h,), steps=300).predict(grid) - ap.target_function(grid)) ** 2))
              for h in (1, 6)]
    assert errors[0] > 0.1 and errors[1] < 0.005  # one step vs a good fit


def test_l1_shrinks_weights_more_than_nothing():
    x, y = make_regression_1d(50, function="sin(1+x^2)", noise=0.2, x_range=(0.0, 3.0), rng=1)
    plain = ap.fit_mlp(x, y, (20, 10), optimizer="adam", steps=400, lr=3e-3)
    sparse = ap.fit_mlp(x, y, (20, 10), optimizer="adam", steps=400, lr=3e-3, l1=1e-3)
    small = [float((ap.weight_matrices(f.model)[1].abs() < 1e-3).double().mean()) for f in (plain, sparse)]
    assert small[1] > small[0] + 0.3
    assert len(sparse.losses) == 400 and np.isfinite(sparse.losses).all()


def test_validation_messages():
    x = np.zeros((4, 1))
    with pytest.raises(ValueError, match="The 'sizes' argument of dense_parameter_count must be a sequence"):
        ap.dense_parameter_count((3,))
    with pytest.raises(ValueError, match="The 'sizes' argument of dense_parameter_count must be an int >= 1"):
        ap.dense_parameter_count((3, 0))
    with pytest.raises(ValueError, match="The 'activation' argument of build_mlp must be one of"):
        ap.build_mlp((1, 1), activation="gelu")
    with pytest.raises(ValueError, match="use optimizer='adam'"):
        ap.fit_mlp(x, x, l1=0.1)
    with pytest.raises(ValueError, match="must hold the same number"):
        ap.fit_mlp(x, np.zeros((3, 1)))
    with pytest.raises(ValueError, match="The 'optimizer' argument of fit_mlp must be one of"):
        ap.fit_mlp(x, x, optimizer="sgd")
