"""Widgets of chapters 3 and 4: the loss explorer and the regularization explorer (all four layers)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from scipy.special import expit

from helpers.widgets import loss_explorer as le
from helpers.widgets import regularization as rw
from tests.widget_fuzz import assert_explorer_shape, assert_finite_figure


# ---- loss explorer ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("outlier", [-20.0, 0.0, 8.0, 40.0])
def test_estimates_are_mean_median_and_huber(outlier):
    r = le.compute_loss_explorer(outlier=outlier, delta=1.0)
    y = r["samples"]
    assert len(y) == 11
    assert r["estimates"]["MSE"] == pytest.approx(y.mean(), abs=1e-6)
    assert r["estimates"]["L1"] == pytest.approx(np.median(y), abs=1e-6)
    # Huber's estimate solves sum clip(c - y_i, -delta, delta) = 0 (independent oracle: the first-order condition)
    assert abs(np.clip(r["estimates"]["Huber"] - y, -1, 1).sum()) < 1e-5
    # the gradient the outlier sends: 2 r / 1 for MSE (per element, reduction "none"), sign for L1, clip for Huber
    res = r["outlier_residual"]
    assert r["outlier_grad"]["MSE"] == pytest.approx(2 * res["MSE"])
    assert r["outlier_grad"]["L1"] == pytest.approx(np.sign(res["L1"]))
    assert r["outlier_grad"]["Huber"] == pytest.approx(np.clip(res["Huber"], -1, 1))


def test_classification_losses_match_closed_forms_and_torch():
    r = le.compute_loss_explorer(wrong_logit=3.0)
    z = r["z_grid"]
    q = expit(z)  # probability of the wrong class
    np.testing.assert_allclose(r["cls_loss"]["cross-entropy"], np.logaddexp(0, z), atol=1e-12)
    np.testing.assert_allclose(r["cls_grad"]["cross-entropy"], q, atol=1e-12)
    np.testing.assert_allclose(r["cls_loss"]["hinge"], np.maximum(0, 1 + z))
    np.testing.assert_allclose(r["cls_loss"]["MSE on softmax"], 2 * q**2, atol=1e-12)  # (1-p)^2 + q^2, p = 1-q
    # d/dz of 2 q^2 = 4 q q (1 - q), checked with autograd
    zt = torch.tensor(z, requires_grad=True)
    (g,) = torch.autograd.grad((2 * torch.sigmoid(zt) ** 2).sum(), zt)
    np.testing.assert_allclose(r["cls_grad"]["MSE on softmax"], g.numpy(), atol=1e-12)
    # the lesson: confidently wrong -> CE keeps pushing, MSE on probabilities saturates
    far = le.compute_loss_explorer(wrong_logit=15.0)["cls_at"]
    assert far["cross-entropy"][1] > 0.99 and far["MSE on softmax"][1] < 1e-5


def test_loss_plot_and_static():
    fig = le.plot_loss_explorer(le.compute_loss_explorer())
    assert len(fig.data) == 25 and "outlier at 8.0" in fig.layout.title.text
    assert_finite_figure(fig)
    static = le.static_loss_explorer(outliers=(0.0, 30.0), wrong_logits=(0.0, 10.0))
    steps = static.layout.sliders[0].steps
    assert len(steps) == 2 and all(sum(s.args[0]["visible"]) == 25 for s in steps)
    assert_finite_figure(static)
    assert len(le.static_loss_explorer().to_json()) < 1_500_000


def test_loss_validation():
    with pytest.raises(ValueError, match=r"The 'outlier' argument of compute_loss_explorer must be a real number in \[-50, 50\]"):
        le.compute_loss_explorer(outlier=100.0)
    with pytest.raises(ValueError, match="The 'delta' argument of compute_loss_explorer"):
        le.compute_loss_explorer(delta=0.0)
    with pytest.raises(ValueError, match="equal length"):
        le.static_loss_explorer(outliers=(1.0,), wrong_logits=(1.0, 2.0))


def test_loss_explorer_fuzzed_controls():
    box = le.loss_explorer()
    assert_explorer_shape(box, ("outlier", "wrong_logit", "delta"))
    outlier, wrong, delta = box.children[0].children
    rng = np.random.default_rng(0)
    combos = list(itertools.product([outlier.min, outlier.max], [wrong.min, wrong.max], [delta.min, delta.max]))
    combos += [(float(rng.uniform(outlier.min, outlier.max)), float(rng.uniform(wrong.min, wrong.max)),
                float(rng.uniform(delta.min, delta.max))) for _ in range(4)]
    for o, w, d in combos:
        outlier.value, wrong.value, delta.value = round(o, 1), round(w, 1), round(d, 1)
        fig = box.figure
        assert_finite_figure(fig)
        assert f"outlier at {outlier.value:.1f}" in fig.layout.title.text


# ---- regularization -----------------------------------------------------------------------------------------
def test_regularization_is_deterministic_and_consistent():
    a = rw.compute_regularization(1e-3, steps=60, resolution=12)
    b = rw.compute_regularization(1e-3, steps=60, resolution=12)
    np.testing.assert_array_equal(a["prob"], b["prob"])
    assert a["prob"].shape == (12, 12) and ((a["prob"] >= 0) & (a["prob"] <= 1)).all()
    assert a["diverged_at"] is None
    assert len(a["y_train"]) == 30 and len(a["y_val"]) == 400
    # the result is a copy: mutating it does not poison the cache
    a["lam"] = -1
    assert rw.compute_regularization(1e-3, steps=60, resolution=12)["lam"] == 1e-3


def test_penalty_shrinks_weights_and_large_lambda_underfits():
    path = rw.compute_regularization_path((0.0, 1e-2, 3.0), steps=300, resolution=8)
    assert path["weight_l2"][0] > path["weight_l2"][1] > path["weight_l2"][2]
    assert path["train_error"][0] <= path["train_error"][1]
    assert path["train_error"][2] >= 0.4  # crushed weights: (almost) one class everywhere
    l1 = rw.compute_regularization(1e-2, kind="l1", steps=300, resolution=8)
    assert l1["small_weights"] > path["runs"][0]["small_weights"]


def test_default_path_has_a_sweet_spot():
    path = rw.compute_regularization_path()  # the defaults of static_regularization (cached for that test)
    best = int(np.argmin(path["val_error"]))
    assert 0 < best < len(path["lams"]) - 1  # neither no penalty nor the strongest one
    assert path["train_error"][0] == 0.0 and path["val_error"][0] > path["val_error"][best]


def test_regularization_plot_and_static():
    path = rw.compute_regularization_path((0.0, 1e-3), steps=50, resolution=10)
    fig = rw.plot_regularization(path["runs"][1], path)
    assert len(fig.data) == 5 and "λ = 0.001" in fig.layout.title.text
    assert_finite_figure(fig)
    static = rw.static_regularization(lams=(0.0, 1e-2), kinds=("l2", "l1"))
    steps = static.layout.sliders[0].steps
    assert [s.label for s in steps] == ["L2 0", "L2 0.01", "L1 0", "L1 0.01"]
    assert all(sum(s.args[0]["visible"]) == 5 for s in steps)
    assert_finite_figure(static)
    assert len(rw.static_regularization().to_json()) < 1_500_000


def test_regularization_validation():
    with pytest.raises(ValueError, match="The 'kind' argument of compute_regularization must be one of"):
        rw.compute_regularization(kind="l3")
    with pytest.raises(ValueError, match=r"The 'lam' argument of compute_regularization must be a real number in \[0, 10\]"):
        rw.compute_regularization(-1.0)


@pytest.mark.parametrize("kind", ["l2", "l1"])
def test_the_explorers_vectorised_numpy_training_is_the_torch_training(kind):
    lams = (0.0, 1e-2, 0.3)
    batch = rw.compute_regularization_batch(lams, kind=kind, steps=200, resolution=10)
    for lam, b in zip(lams, batch):
        t = rw.compute_regularization(lam, kind=kind, steps=200, resolution=10)
        np.testing.assert_allclose(b["prob"], t["prob"], atol=1e-6)
        assert (b["lam"], b["train_error"], b["val_error"], b["diverged_at"]) == (lam, t["train_error"],
                                                                                 t["val_error"], t["diverged_at"])
        for key in ("train_loss", "val_loss", "weight_l2", "small_weights"):
            assert b[key] == pytest.approx(t[key], rel=1e-6, abs=1e-9), key
    with pytest.raises(ValueError, match="The 'kind' argument of compute_regularization_batch must be one of"):
        rw.compute_regularization_batch((0.0,), kind="l3")


def test_regularization_explorer_fuzzed_controls():
    box = rw.regularization_explorer(steps=30, lams=(0.0, 1e-2))
    assert_explorer_shape(box, ("lam", "kind", "noise"))
    lam, kind, noise = box.children[0].children
    for lv, kv, nv in [(10 ** lam.min, "l2", noise.min), (10 ** lam.max, "l1", noise.max), (1e-3, "l1", 0.2)]:
        lam.value, kind.value, noise.value = lv, kv, nv
        fig = box.figure
        assert_finite_figure(fig)
        assert ("L2" if kv == "l2" else "L1") in fig.layout.title.text
