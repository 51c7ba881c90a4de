"""The loss-curve lab: compute (determinism, divergence, early stopping, label noise, schedules), plot, the static
grid (against a recomputation of stored points) and a fuzz test of the live lab's controls."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from helpers.widgets.loss_curve_lab import load_grid, loss_curve_lab, plot_run, static_loss_curve_lab
from helpers.widgets.loss_curve_runs import (
    SCHEDULES,
    LabConfig,
    RunRecord,
    compute_grid,
    compute_lr_range_test,
    compute_run,
    grid_config,
    lab_data,
    lr_factor,
)

TINY = LabConfig(epochs=3, train_size=120, batch_size=32)


def _finite_figure(fig) -> bool:
    """Every number the figure draws is finite (and there is no None hole)."""
    for trace in fig.data:
        for axis in ("x", "y"):
            values = getattr(trace, axis)
            if values is not None and not all(isinstance(v, (int, float)) and math.isfinite(v) for v in values):
                return False
    return True


def test_same_seed_same_curves_other_seed_other_curves():
    a, b = compute_run(TINY, dropout=0.3), compute_run(TINY, dropout=0.3)
    assert a.to_dict(decimals=12) == b.to_dict(decimals=12)
    c = compute_run(TINY, dropout=0.3, seed=1)
    assert c.train_loss != a.train_loss
    assert len(a.epochs) == 3 and a.diverged_at is None and a.n_train == 120
    assert a.n_params == 64 * 64 + 64 + 64 * 10 + 10


def test_a_huge_learning_rate_is_reported_as_diverged_and_plots_finite_data():
    r = compute_run(TINY, lr=10.0)
    assert r.diverged_at == 1 and r.epochs == [] and r.status() == "diverged at epoch 1"
    fig = plot_run(r)
    assert _finite_figure(fig)
    assert any("diverged at epoch 1" in (t.text[0] if t.text else "") for t in fig.data)
    later = compute_run(LabConfig(width=16, train_size=200, label_noise=0.2, lr=0.3))  # diverges late
    assert later.diverged_at is not None and later.diverged_at > 5
    assert later.epochs == list(range(1, later.diverged_at)) and all(map(math.isfinite, later.val_loss))
    assert _finite_figure(plot_run(later))


def test_early_stopping_point_and_patience():
    cfg = LabConfig(patience=2)
    r = RunRecord(cfg, 10, 5, epochs=[1, 2, 3, 4, 5, 6], train_loss=[1.0] * 6,
                  val_loss=[3.0, 2.0, 1.0, 1.5, 1.6, 0.9], train_acc=[0.5] * 6, val_acc=[0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
                  lr=[0.1] * 6)
    assert r.best_epoch == 6  # the lowest validation loss overall
    assert r.stop_epoch == 5  # but with patience 2 training would have stopped after epoch 5
    assert "at epoch 6" in r.status()
    r2 = RunRecord(LabConfig(patience=5), 10, 5, epochs=[1, 2], val_loss=[2.0, 1.0], train_loss=[1, 1],
                   train_acc=[0, 0], val_acc=[0, 0], lr=[1, 1])
    assert r2.stop_epoch is None and r2.best_epoch == 2


def test_label_noise_changes_exactly_the_requested_fraction_and_keeps_validation_clean():
    x0, y0, xv0, yv0 = lab_data(LabConfig(train_size=200, seed=4))
    x1, y1, xv1, yv1 = lab_data(LabConfig(train_size=200, seed=4, label_noise=0.25))
    assert np.array_equal(x0.numpy(), x1.numpy()) and np.array_equal(yv0.numpy(), yv1.numpy())
    assert int((y0 != y1).sum()) == 50
    n_all = len(lab_data(LabConfig())[1])  # the whole training split (60 % of 1,797)
    assert 1070 <= n_all <= 1085 and lab_data(LabConfig(train_size=5000))[0].shape == (n_all, 64)  # capped


def test_schedules_match_their_closed_forms():
    total, per_epoch = 100, 10
    for name in SCHEDULES:
        assert 0 <= lr_factor(name, 50, total, per_epoch) <= 1
    assert lr_factor("exponential", total - 1, total, per_epoch) == pytest.approx(0.01)
    assert lr_factor("cosine", 50, total, per_epoch) == pytest.approx(0.5)
    assert lr_factor("warmup + cosine", 0, total, per_epoch) == 0.0
    for epoch in range(5):  # the lecture's α₀ / (1 + r·epoch), r = 0.5, at every epoch boundary
        assert lr_factor("1/t", epoch * per_epoch, total, per_epoch) == pytest.approx(1 / (1 + 0.5 * epoch))
    assert lr_factor("step", 34, total, per_epoch) == pytest.approx(0.2)
    r = compute_run(TINY, schedule="cosine")
    assert r.lr[0] < TINY.lr and r.lr == sorted(r.lr, reverse=True)


def test_config_validation_names_the_argument():
    with pytest.raises(ValueError, match="'schedule' argument of LabConfig"):
        LabConfig(schedule="linear")
    with pytest.raises(ValueError, match="'lr' argument of LabConfig"):
        LabConfig(lr=0.0)
    with pytest.raises(ValueError, match="'train_size' argument of LabConfig"):
        LabConfig(train_size=3)


def test_plot_shows_earlier_runs_faintly_and_marks_early_stopping():
    a, b = compute_run(TINY), compute_run(TINY, lr=0.01)
    fig = plot_run(b, previous=[a])
    faint = [t for t in fig.data if t.opacity is not None and t.opacity < 1]
    assert len(faint) == 4 and _finite_figure(fig)
    star = [t for t in fig.data if t.mode == "markers"]
    assert list(star[0].x) == [b.best_epoch]


def test_range_test_for_the_lab_gives_usable_suggestions():
    res = compute_lr_range_test(TINY, steps=40)
    s = res.suggestions
    assert 1e-4 <= s["steepest"] <= 10 and 1e-5 <= s["min_over_10"] <= 1
    assert np.all(np.isfinite(res.losses))


def test_static_figure_from_a_small_grid():
    grid = compute_grid([0.01, 10.0], [(8, 1)], [{"name": "tiny", "train_size": 60}], LabConfig(epochs=2))
    fig = static_loss_curve_lab(json.loads(json.dumps(grid)))
    steps = fig.layout.sliders[0].steps
    assert len(steps) == 2 and [s.label for s in steps] == ["0.01", "10"]
    assert sum(steps[1].args[0]["visible"]) == 6  # 4 curves + early-stopping marker + status text
    assert _finite_figure(fig)
    assert any("diverged at epoch 1" in (t.text[0] if t.text else "") for t in fig.data)


def test_stored_grid_is_small_complete_and_reproducible():
    grid = load_grid()
    assert len(grid["lrs"]) >= 6 and len(grid["capacities"]) >= 3
    fig = static_loss_curve_lab(grid)
    assert len(fig.to_json()) < 2_000_000 and _finite_figure(fig)
    assert len(fig.layout.updatemenus[0].buttons) == len(grid["capacities"]) * len(grid["scenarios"])
    # recompute a few grid points (a small noisy one and a diverging one: both fast) and compare
    for s, c, k in ((1, 1, 4), (1, 3, 2), (0, 0, len(grid["lrs"]) - 1)):
        stored = grid["runs"][s][c][k]
        again = compute_run(grid_config(grid, s, c, k)).to_dict()
        assert again["d"] == stored["d"] and again["n"] == stored["n"]
        for key in ("tl", "vl", "ta", "va"):
            np.testing.assert_allclose(again[key], stored[key], atol=2e-3, err_msg=f"grid point {(s, c, k)} {key}")


def test_live_lab_fuzzed_controls_never_crash_or_draw_nan():
    box = loss_curve_lab(config=LabConfig(epochs=2, train_size=40))
    assert box.figure is not None and len(box.records) == 1
    c, rng = box.controls, np.random.default_rng(0)
    extremes = [dict(lr=10.0, batch_size=2048, width=2, depth=3, dropout=0.8, label_noise=0.9),
                dict(lr=1e-4, batch_size=8, width=256, depth=1, dropout=0.0, label_noise=0.0, train_size=20)]
    combos = extremes + [{name: ctl.options[int(rng.integers(len(ctl.options)))][1]
                          if isinstance(ctl.options[0], tuple) else ctl.options[int(rng.integers(len(ctl.options)))]
                          for name, ctl in c.items() if hasattr(ctl, "options")} for _ in range(4)]
    for i, values in enumerate(combos):
        if i >= 2:  # random values for the sliders too
            values.update(lr=float(10 ** rng.uniform(-4, 1)), dropout=float(rng.uniform(0, 0.8)),
                          label_noise=float(rng.uniform(0, 0.9)), depth=int(rng.integers(1, 4)))
        values.setdefault("train_size", int(rng.integers(20, 80)))
        box.set_values(epochs=2, **values)
        record = box.run()
        assert _finite_figure(box.figure), values
        assert record.diverged_at is not None or len(record.epochs) == 2
    result = box.find_lr()
    assert 1e-4 <= c["lr"].value <= 10 and len(result.lrs) > 0
    assert len(box.records) == len(combos) + 1
    box.buttons[2].click()  # forget earlier runs
    assert box.records == []
