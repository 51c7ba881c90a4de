"""Widgets of chapter 2: kNN decision regions and the forward/backward KL fit (all four layers)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import integrate

import helpers.numpy_impl as hn
from helpers.widgets import kl_fit, knn
from tests.widget_fuzz import assert_explorer_shape, assert_finite_figure


# ---- kNN ----------------------------------------------------------------------------------------------------
def test_compute_knn_regions_is_deterministic_and_consistent():
    a = knn.compute_knn_regions(k=3, metric="l1", noise=0.3, resolution=30)
    b = knn.compute_knn_regions(k=3, metric="l1", noise=0.3, resolution=30)
    np.testing.assert_array_equal(a["regions"], b["regions"])
    assert a["regions"].shape == (30, 30) and set(np.unique(a["regions"])) <= {0, 1}
    # the region at a grid point is the kNN prediction there
    gx, gy = a["gx"][7], a["gy"][11]
    pred = hn.knn_predict(a["x_train"], a["y_train"], np.array([[gx, gy]]), k=3, metric="l1")[0]
    assert a["regions"][11, 7] == pred
    one = knn.compute_knn_regions(k=1, noise=0.5)
    assert one["train_acc"] == 1.0  # k = 1 memorises the training set (no duplicate points)
    everything = knn.compute_knn_regions(k=120, noise=0.5)
    assert len(np.unique(everything["regions"])) == 1  # k = N: the majority class everywhere


def test_knn_plot_and_static():
    fig = knn.plot_knn_regions(knn.compute_knn_regions(k=5, resolution=20))
    assert len(fig.data) == 3 and "k = 5" in fig.layout.title.text
    assert_finite_figure(fig)
    static = knn.static_knn_regions(ks=(1, 5), metrics=("l2", "l1"))
    steps = static.layout.sliders[0].steps
    assert [s.label for s in steps] == ["L2 k=1", "L2 k=5", "L1 k=1", "L1 k=5"]
    assert all(sum(s.args[0]["visible"]) == 3 for s in steps)  # one heatmap + the two point clouds
    assert_finite_figure(static)
    assert len(knn.static_knn_regions().to_json()) < 1_500_000


def test_knn_validation():
    with pytest.raises(ValueError, match="The 'metric' argument of compute_knn_regions must be one of"):
        knn.compute_knn_regions(metric="cosine")
    with pytest.raises(ValueError, match=r"The 'noise' argument of compute_knn_regions must be a float in \[0, 2\]"):
        knn.compute_knn_regions(noise=-0.1)
    with pytest.raises(ValueError, match=r"The 'k' argument of compute_knn_regions must be an int in \[1, 120\]"):
        knn.compute_knn_regions(k=121)


def test_knn_explorer_fuzzed_controls():
    box = knn.knn_explorer()
    assert_explorer_shape(box, ("k", "metric", "noise"))
    k, metric, noise = box.children[0].children
    rng = np.random.default_rng(0)
    combos = list(itertools.product([k.min, k.max], ["l1", "l2"], [noise.min, noise.max]))
    combos += [(int(rng.integers(k.min, k.max + 1)), str(rng.choice(["l1", "l2"])), float(rng.uniform(0, 1)))
               for _ in range(4)]
    for kv, mv, nv in combos:
        k.value, metric.value, noise.value = kv, mv, round(nv, 2)
        fig = box.figure
        assert_finite_figure(fig)
        assert f"k = {k.value}" in fig.layout.title.text


# ---- KL fit -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("separation,weight", [(0.0, 0.5), (3.0, 0.5), (5.0, 0.7), (8.0, 0.3)])
def test_forward_kl_fit_matches_the_moments_of_p(separation, weight):
    r = kl_fit.compute_kl_fit(separation=separation, weight=weight, width=0.6)
    half = separation / 2
    mean = weight * -half + (1 - weight) * half
    var = 0.36 + weight * (-half - mean) ** 2 + (1 - weight) * (half - mean) ** 2  # law of total variance
    mu, sigma, kl = r["forward"]
    assert mu == pytest.approx(mean, abs=2e-3) and sigma == pytest.approx(math.sqrt(var), rel=2e-3)
    # the Riemann sum on the grid agrees with adaptive quadrature of ∫ p ln(p/q)
    def log_p(x):
        return np.logaddexp(math.log(weight) + hn.normal_log_pdf(x, -half, 0.6),
                            math.log(1 - weight) + hn.normal_log_pdf(x, half, 0.6))

    def integrand(x):
        return math.exp(log_p(x)) * (log_p(x) - hn.normal_log_pdf(x, mu, sigma))

    assert kl == pytest.approx(integrate.quad(integrand, -30, 30, points=[-half, half], limit=200)[0], abs=1e-6)


def test_backward_kl_fit_picks_one_mode_when_they_are_apart():
    r = kl_fit.compute_kl_fit(separation=8.0, weight=0.3, width=0.6)
    mu, sigma, kl = r["backward"]
    assert mu == pytest.approx(4.0, abs=1e-2) and sigma == pytest.approx(0.6, rel=1e-2)  # the heavier mode
    assert kl == pytest.approx(-math.log(0.7), abs=1e-3)  # q = one component: D(q||p) = -ln(its weight)
    fwd, bwd = r["kl_table"]["forward"], r["kl_table"]["backward"]
    assert fwd[0] < bwd[0] and bwd[1] < fwd[1]  # each fit wins in its own direction
    sym = kl_fit.compute_kl_fit(separation=6.0, weight=0.5)
    assert sym["backward"][0] < 0  # equal weights: a tie, resolved to the left mode deterministically


def test_kl_fit_plot_static_and_validation():
    fig = kl_fit.plot_kl_fit(kl_fit.compute_kl_fit())
    assert len(fig.data) == 3
    assert_finite_figure(fig)
    static = kl_fit.static_kl_fit(separations=(0.0, 4.0))
    assert len(static.data) == 6 and len(static.layout.sliders[0].steps) == 2
    assert_finite_figure(static)
    assert len(kl_fit.static_kl_fit().to_json()) < 1_500_000
    with pytest.raises(ValueError, match=r"The 'weight' argument of compute_kl_fit must be a float in \[0.01, 0.99\]"):
        kl_fit.compute_kl_fit(weight=1.0)


def test_kl_fit_explorer_fuzzed_controls():
    box = kl_fit.kl_fit_explorer()
    assert_explorer_shape(box, ("separation", "weight", "width"))
    sep, weight, width = box.children[0].children
    rng = np.random.default_rng(1)
    combos = list(itertools.product([sep.min, sep.max], [weight.min, weight.max], [width.min, width.max]))
    combos += [tuple(float(rng.uniform(c.min, c.max)) for c in (sep, weight, width)) for _ in range(3)]
    for s, w, h in combos:
        sep.value, weight.value, width.value = s, w, h
        fig = box.figure
        assert_finite_figure(fig)
        assert all(np.asarray(t.y).max() > 0 for t in fig.data)
