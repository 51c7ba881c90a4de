"""The learning-rate range test and hyperparameter search, against closed forms and simple known cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers.labs.hyperparameter_search import (
    Choice,
    LogUniform,
    Uniform,
    coarse_to_fine,
    grid_points,
    grid_search,
    prob_hit_top,
    random_search,
)
from helpers.labs.lr_finder import exponential_lrs, lr_range_test, smooth_losses, suggest_lrs


# ------------------------------------------------------------------------------------------- LR range test
def test_exponential_lrs_is_a_geometric_sequence():
    lrs = exponential_lrs(1e-5, 10.0, 61)
    assert lrs[0] == pytest.approx(1e-5) and lrs[-1] == pytest.approx(10.0)
    np.testing.assert_allclose(lrs[1:] / lrs[:-1], (1e6) ** (1 / 60), rtol=1e-12)


def test_smoothing_is_bias_corrected():
    np.testing.assert_allclose(smooth_losses([2.5] * 20, beta=0.9), 2.5, rtol=1e-12)  # no pull towards 0
    a, b, beta = 3.0, 1.0, 0.8
    # two steps by hand: avg2 = β(1−β)a + (1−β)b, divided by 1 − β²
    assert smooth_losses([a, b], beta=beta)[1] == pytest.approx((beta * a + b) / (1 + beta))
    np.testing.assert_array_equal(smooth_losses([4.0, 1.0, 7.0], beta=0.0), [4.0, 1.0, 7.0])


def test_suggestions_on_a_synthetic_curve():
    lrs = np.logspace(-6, 0, 601)
    u = np.log10(lrs)
    loss = 2 - np.tanh(2 * (u + 3)) + 5 * np.maximum(u + 1, 0) ** 2  # steepest fall at 1e-3, minimum near 1e-1
    s = suggest_lrs(lrs, loss)
    assert s["steepest"] == pytest.approx(1e-3, rel=0.03)
    assert s["min_over_10"] == pytest.approx(lrs[np.argmin(loss)] / 10)
    assert math.isnan(suggest_lrs([1e-3, 1e-2], [1.0, 0.5])["steepest"])
    with pytest.raises(ValueError, match="'lrs' and 'smoothed'"):
        suggest_lrs([1, 2, 3], [1, 2])


def _least_squares(seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(200, 3, generator=g, dtype=torch.float64) * torch.tensor([3.0, 1.0, 0.3], dtype=torch.float64)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]], dtype=torch.float64) + 0.3 * torch.randn(200, 1, generator=g,
                                                                                           dtype=torch.float64)
    lam_max = torch.linalg.eigvalsh(2 * x.T @ x / len(x)).max().item()  # Hessian of the mean squared error
    return x, y, lam_max


def test_range_test_on_least_squares_stops_just_beyond_the_stability_limit():
    x, y, lam_max = _least_squares()
    model = torch.nn.Linear(3, 1, bias=False).double()
    torch.nn.init.zeros_(model.weight)
    before = model.weight.detach().clone()
    res = lr_range_test(model, x, y, loss_fn=F.mse_loss, make_optimizer=lambda p, lr: torch.optim.SGD(p, lr=lr),
                        lr_min=1e-4, lr_max=100.0, steps=200, batch_size=None, beta=0.0)
    limit = 2 / lam_max  # full-batch GD on a quadratic is stable (and monotone) iff lr < 2/λ_max
    # Beyond the limit the error along the top eigenvector grows by |1 − lr·λ_max| per step; from a converged
    # start it needs many such steps (while lr keeps growing 6 % per step) before the loss is 4× its best.
    assert res.stopped_at is not None and limit <= res.stopped_at <= 10 * limit
    assert np.all(np.diff(res.losses[res.lrs < limit]) <= 1e-12)  # below the limit the loss never rises
    assert torch.equal(model.weight, before)  # the caller's model is left alone
    assert len(res.lrs) == len(res.losses) == len(res.smoothed)
    assert res.suggestions["steepest"] < limit


def test_range_test_is_deterministic_and_reaches_lr_max_when_it_never_diverges():
    x, y, _ = _least_squares(1)
    yc = (y[:, 0] > 0).long()

    def run():
        model = torch.nn.Linear(3, 2).double()
        torch.nn.init.zeros_(model.weight)
        torch.nn.init.zeros_(model.bias)
        return lr_range_test(model, x, yc, lr_min=1e-4, lr_max=1e-2, steps=30, batch_size=16,
                             generator=torch.Generator().manual_seed(3))

    a, b = run(), run()
    np.testing.assert_array_equal(a.losses, b.losses)
    assert a.stopped_at is None and len(a.lrs) == 30
    assert a.losses[0] == pytest.approx(math.log(2))  # zero weights: uniform prediction, loss ln C
    assert "reached lr_max" in a.summary()


def test_range_test_validates_its_arguments():
    with pytest.raises(TypeError, match="'model' argument of lr_range_test"):
        lr_range_test("net", torch.zeros(2, 1), torch.zeros(2))
    with pytest.raises(ValueError, match="'lr_max' argument of exponential_lrs"):
        exponential_lrs(1.0, 0.5, 10)
    with pytest.raises(ValueError, match="'diverge_factor' argument"):
        lr_range_test(torch.nn.Linear(1, 1), torch.zeros(2, 1), torch.zeros(2, 1), diverge_factor=1.0)


# ------------------------------------------------------------------------------------ hyperparameter search
SPACE = {"lr": LogUniform(1e-4, 1.0), "dropout": Uniform(0.0, 0.5), "act": Choice(("relu", "tanh"))}


def objective(p):
    """A known optimum: lr = 10^-2.5, dropout = 0.3, relu; only lr matters much."""
    return (math.log10(p["lr"]) + 2.5) ** 2 + 0.1 * (p["dropout"] - 0.3) ** 2 + (p["act"] != "relu")


def test_grid_points_enumerate_the_product_with_geometric_spacing():
    pts = grid_points(SPACE, 3)
    assert len(pts) == 3 * 3 * 2
    assert sorted({p["lr"] for p in pts}) == pytest.approx([1e-4, 1e-2, 1.0])
    assert sorted({p["dropout"] for p in pts}) == pytest.approx([0.0, 0.25, 0.5])
    assert grid_points({"lr": LogUniform(1e-4, 1.0)}, 1)[0]["lr"] == pytest.approx(1e-2)
    best = min(grid_search(objective, SPACE, n_per_dim=3), key=lambda t: t.score)
    assert best.params["lr"] == pytest.approx(1e-2) and best.params["act"] == "relu"


def test_random_search_is_reproducible_in_bounds_and_tries_more_values_of_what_matters():
    a = random_search(objective, SPACE, n_trials=9, rng=np.random.default_rng(0))
    b = random_search(objective, SPACE, n_trials=9, rng=np.random.default_rng(0))
    assert [t.params for t in a] == [t.params for t in b]
    assert all(1e-4 <= t.params["lr"] <= 1.0 and 0 <= t.params["dropout"] <= 0.5 for t in a)
    grid = grid_points({"lr": SPACE["lr"], "dropout": SPACE["dropout"]}, 3)  # the same budget of 9
    assert len({p["lr"] for p in grid}) == 3 and len({t.params["lr"] for t in a}) == 9  # Bergstra & Bengio


def test_prob_hit_top_matches_its_closed_form_and_a_simulation():
    assert prob_hit_top(0.05, 60) == pytest.approx(1 - 0.95**60) and prob_hit_top(0.05, 60) > 0.95
    rng = np.random.default_rng(1)
    hits = (rng.uniform(size=(20000, 10)) < 0.1).any(axis=1).mean()  # top 10 % of a uniform score, 10 trials
    assert hits == pytest.approx(prob_hit_top(0.1, 10), abs=0.01)


def test_coarse_to_fine_narrows_around_the_optimum_and_improves():
    rounds = coarse_to_fine(objective, SPACE, rounds=3, n_trials=10, top_k=3, rng=np.random.default_rng(2))
    assert len(rounds) == 3
    spaces = [s for s, _ in rounds]
    widths = [math.log(s["lr"].high / s["lr"].low) for s in spaces]
    assert widths[0] > widths[1] >= widths[2]
    assert spaces[-1]["lr"].low <= 10**-2.5 <= spaces[-1]["lr"].high
    best = [min(t.score for t in trials) for _, trials in rounds]
    assert min(best[1:]) < best[0]
    assert set(spaces[-1]["act"].options) == {"relu"}


def test_non_finite_scores_rank_last_and_bad_spaces_are_rejected():
    trials = grid_search(lambda p: float("nan") if p["lr"] > 0.1 else p["lr"], {"lr": LogUniform(1e-3, 1.0)},
                         n_per_dim=4)
    assert trials[-1].score == math.inf and min(trials, key=lambda t: t.score).params["lr"] == pytest.approx(1e-3)
    with pytest.raises(TypeError, match="expected LogUniform"):
        random_search(objective, {"lr": (1e-3, 1)}, n_trials=2, rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="'rng' argument of random_search"):
        random_search(objective, SPACE, n_trials=2, rng=0)
    with pytest.raises(ValueError, match="'low' argument of LogUniform"):
        LogUniform(0.0, 1.0)
