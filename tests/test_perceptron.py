"""Chapter 1: perceptron and two-layer XOR network, NumPy vs torch vs scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from sklearn.linear_model import Perceptron

import helpers.numpy_impl as hn
import helpers.torch_impl as ht

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
XOR_Y = np.array([0.0, 1.0, 1.0, 0.0])


def separable(seed: int, n: int = 30):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    y = np.where(x @ np.array([1.0, -2.0]) + 0.3 > 0, 1.0, -1.0)
    return x, y


@given(seed=st.integers(0, 10_000), epochs=st.integers(1, 8), lr=st.floats(0.1, 2.0))
def test_perceptron_matches_sklearn(seed, epochs, lr):
    x, y = separable(seed)
    w, b, _ = hn.perceptron_fit(x, y, epochs=epochs, lr=lr)
    sk = Perceptron(shuffle=False, eta0=lr, max_iter=epochs, tol=None, penalty=None).fit(x, y)
    np.testing.assert_allclose(w, sk.coef_[0], rtol=1e-12, atol=1e-12)
    assert b == pytest.approx(sk.intercept_[0], abs=1e-12)


@given(seed=st.integers(0, 10_000))
def test_perceptron_numpy_equals_torch(seed):
    x, y = separable(seed)
    w, b, mistakes = hn.perceptron_fit(x, y, epochs=5)
    wt, bt, mistakes_t = ht.perceptron_fit(torch.tensor(x), torch.tensor(y), epochs=5)
    np.testing.assert_allclose(w, wt.numpy(), rtol=1e-12)
    assert b == pytest.approx(bt) and mistakes == mistakes_t
    np.testing.assert_array_equal(hn.perceptron_predict(x, w, b), ht.perceptron_predict(torch.tensor(x), wt, bt).numpy())


def test_perceptron_converges_on_separable_data_and_never_on_xor():
    x, y = separable(3, n=60)
    assert hn.perceptron_fit(x, y, epochs=100)[2][-1] == 0
    xor_pm = 2 * XOR_Y - 1
    _, _, mistakes = hn.perceptron_fit(XOR_X, xor_pm, epochs=100)
    assert min(mistakes) >= 1  # no line separates XOR, so every epoch makes a mistake


def test_two_layer_network_solves_xor_and_torch_follows_the_same_curve():
    rng = np.random.default_rng(0)
    init = (rng.normal(size=(3, 2)), rng.normal(size=3), rng.normal(size=(1, 3)), rng.normal(size=1))
    params, losses = hn.two_layer_fit(XOR_X, XOR_Y, *init, lr=2.0, steps=3000)
    params_t, losses_t = ht.two_layer_fit(*(torch.tensor(a) for a in (XOR_X, XOR_Y, *init)), lr=2.0, steps=3000)
    np.testing.assert_allclose(losses, losses_t, rtol=1e-9)
    prediction = hn.two_layer_predict(XOR_X, *params) > 0.5
    np.testing.assert_array_equal(prediction, XOR_Y.astype(bool))
    assert losses[-1] < 0.01


def test_two_layer_gradient_matches_finite_differences():
    """One step of the hand-written backward pass equals a centred-difference gradient step."""
    rng = np.random.default_rng(1)
    init = [rng.normal(size=(3, 2)), rng.normal(size=3), rng.normal(size=(1, 3)), rng.normal(size=1)]
    lr = 1e-3
    (new_w1, *_), _ = hn.two_layer_fit(XOR_X, XOR_Y, *init, lr=lr, steps=1)
    analytic = (init[0] - new_w1) / lr

    def loss(w1):
        p = hn.two_layer_predict(XOR_X, w1, *init[1:])
        return -np.mean(XOR_Y * np.log(p) + (1 - XOR_Y) * np.log(1 - p))

    h = 1e-6
    numeric = np.zeros_like(init[0])
    for idx in np.ndindex(*init[0].shape):
        step = np.zeros_like(init[0])
        step[idx] = h
        numeric[idx] = (loss(init[0] + step) - loss(init[0] - step)) / (2 * h)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-9)


@pytest.mark.parametrize("impl, conv", [(hn, np.asarray), (ht, torch.tensor)])
def test_validation_messages(impl, conv):
    with pytest.raises(ValueError, match="'x' argument of perceptron_fit must be a 2-D"):
        impl.perceptron_fit(conv(np.zeros(3)), conv(np.ones(3)))
    with pytest.raises(ValueError, match="only -1 and \\+1"):
        impl.perceptron_fit(conv(np.zeros((3, 2))), conv(np.array([0.0, 1.0, 1.0])))
    with pytest.raises(ValueError, match="'epochs' argument of perceptron_fit must be an int >= 1. Got 0"):
        impl.perceptron_fit(conv(np.zeros((3, 2))), conv(np.ones(3)), epochs=0)
    with pytest.raises(ValueError, match="'y' argument of two_layer_fit must have shape \\(4,\\)"):
        impl.two_layer_fit(conv(XOR_X), conv(np.ones(3)), *(conv(np.ones(s)) for s in ((2, 2), 2, (1, 2), 1)))
