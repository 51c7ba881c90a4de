"""The loss-curve lab: compute (determinism, divergence, early stopping, label noise, schedules, smoothing, regimes,
the range test with a run at each suggestion), plot (★ hindsight best, ✕ patience stop), the static grid (every
menu and slider, against a recomputation of stored points) and a fuzz test of the live lab's controls."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from helpers.labs.lr_finder import smooth_losses
from helpers.widgets.loss_curve_lab import (
    load_grid,
    loss_curve_lab,
    plot_range_test,
    plot_run,
    static_loss_curve_lab,
    static_range_test_figure,
)
from helpers.widgets.loss_curve_runs import (
    REGIMES,
    SCHEDULES,
    LabConfig,
    RunRecord,
    classify_regime,
    compute_grid,
    compute_lr_range_test,
    compute_range_test_runs,
    compute_run,
    ema,
    grid_config,
    grid_run,
    lab_data,
    lr_factor,
)
from tests.widget_fuzz import assert_explorer_shape, assert_finite_figure

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
    assert "diverged at epoch 1" in fig.layout.title.text and "<b>diverged</b>" in fig.layout.title.text
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
    assert list(star[0].x) == [b.best_epoch] and star[0].marker.symbol == "star"
    assert list(star[1].x) == ([] if b.stop_epoch is None else [b.stop_epoch]) and star[1].marker.symbol == "x"


def test_patience_stop_and_best_epoch_are_two_markers_where_the_rule_says():
    cfg = LabConfig(patience=2, epochs=6)
    r = RunRecord(cfg, 10, 5, epochs=[1, 2, 3, 4, 5, 6], train_loss=[1.0] * 6,
                  val_loss=[3.0, 2.0, 1.0, 1.5, 1.6, 0.9], train_acc=[0.5] * 6, val_acc=[0.1] * 6, lr=[0.1] * 6)
    fig = plot_run(r)
    star, cross = [t for t in fig.data if t.mode == "markers"]
    assert (list(star.x), list(star.y)) == ([6], [0.9])  # hindsight: the lowest validation loss
    assert (list(cross.x), list(cross.y)) == ([5], [1.6])  # the rule halts after 2 epochs without a new best
    assert "patience 2 stops at 5, keeps epoch 3" in fig.layout.title.text


def test_ema_is_the_bias_corrected_average_of_the_range_test():
    x = np.random.default_rng(0).normal(1.0, 0.3, 200)
    for beta in (0.0, 0.5, 0.9, 0.98):
        np.testing.assert_allclose(ema(x, beta), smooth_losses(x, beta=beta), rtol=1e-12)
    assert ema(x, 0.0) == pytest.approx(list(x))
    assert ema([2.0] * 5, 0.99) == pytest.approx([2.0] * 5)  # bias correction: a constant stays constant
    assert ema([1.0, math.nan, 3.0], 0.5)[1] == 1.0 and all(map(math.isfinite, ema([math.inf, 1.0], 0.9)[1:]))
    with pytest.raises(ValueError, match="'smoothing' argument of ema"):
        ema(x, 1.0)


def _record(train, val, diverged=None, patience=5):
    n = len(train)
    return RunRecord(LabConfig(patience=patience, epochs=max(n, 1)), 100, 10, epochs=list(range(1, n + 1)),
                     train_loss=list(train), val_loss=list(val), train_acc=[0.5] * n, val_acc=[0.5] * n, lr=[0.1] * n,
                     diverged_at=diverged)


def test_regimes_are_read_off_the_curves():
    falling = np.linspace(2.0, 0.01, 20)
    assert classify_regime(_record(falling[:3], falling[:3], diverged=4))[0] == "diverged"
    assert classify_regime(_record([], [], diverged=1))[0] == "diverged"
    assert classify_regime(_record(np.linspace(2.3, 0.9, 20), np.linspace(2.3, 1.1, 20)))[0] == "under-fitting"
    u_shape = np.r_[np.linspace(2.0, 0.4, 10), np.linspace(0.42, 0.8, 10)]  # validation turns up
    assert classify_regime(_record(falling, u_shape))[0] == "over-fitting"
    assert classify_regime(_record(falling, falling + 0.1))[0] == "good fit"
    # a big gap alone (validation still at its minimum) is not over-fitting, nor is a rise with a small gap
    assert classify_regime(_record(falling, falling + 0.5))[0] == "good fit"
    assert classify_regime(_record(falling, np.r_[falling[:-1] + 0.05, 0.2]))[0] == "good fit"
    assert {classify_regime(r)[0] for r in (compute_run(TINY), compute_run(TINY, lr=10.0))} <= set(REGIMES)
    assert classify_regime(compute_run(TINY, lr=10.0))[0] == "diverged"


def test_range_test_for_the_lab_gives_usable_suggestions():
    res = compute_lr_range_test(TINY, steps=40)
    s = res.suggestions
    assert 1e-4 <= s["steepest"] <= 10 and 1e-5 <= s["min_over_10"] <= 1
    assert np.all(np.isfinite(res.losses))


SMALL_AXES = [("data", [{"name": "60 images", "train_size": 60}, {"name": "60 images, 8 units", "train_size": 60,
                                                                    "width": 8}]),
              ("batch size", [{"name": "batch 8", "batch_size": 8}, {"name": "full", "batch_size": 60}]),
              ("regulariser", [{"name": "none"}, {"name": "wd + dropout", "weight_decay": 0.1, "dropout": 0.8}]),
              ("learning rate", [{"name": "0.01", "lr": 0.01}, {"name": "10", "lr": 10.0}])]


@pytest.fixture(scope="module")
def small_grid():
    return json.loads(json.dumps(compute_grid(SMALL_AXES, LabConfig(epochs=3, patience=1))))


def test_grid_nests_one_level_per_axis_and_recomputes(small_grid):
    assert small_grid["version"] == 2 and len(small_grid["runs"]) == 2 and len(small_grid["runs"][0][0][0]) == 2
    cfg = grid_config(small_grid, 1, 0, 1, 1)
    assert (cfg.width, cfg.batch_size, cfg.weight_decay, cfg.dropout, cfg.lr, cfg.train_size) == (8, 8, 0.1, 0.8, 10.0, 60)
    assert grid_run(small_grid, 1, 0, 1, 1).diverged_at == 1
    again = compute_run(grid_config(small_grid, 0, 1, 0, 0)).to_dict()
    assert again == small_grid["runs"][0][1][0][0]


def test_static_lab_every_control_to_every_option_shows_that_run(small_grid):
    """Fuzz: every button of every menu and every slider step (all options, both extremes of each axis) writes
    the run of exactly its grid point: curves, ★ at the best epoch, ✕ at the patience stop, regime in the title."""
    fig = static_loss_curve_lab(small_grid)
    assert_finite_figure(fig) and _finite_figure(fig)
    menus, slider = fig.layout.updatemenus, fig.layout.sliders[0]
    assert [len(m.buttons) for m in menus] == [2, 2, 2] and [s.label for s in slider.steps] == ["0.01", "10"]
    assert fig._dlbook_states == 16  # every grid point, rendered once

    def check(state, data, title):
        r = grid_run(small_grid, *state)
        assert list(data["y"][0]) == pytest.approx(r.train_loss) and list(data["y"][2]) == pytest.approx(r.val_loss)
        assert list(data["x"][4]) == ([r.best_epoch] if r.best_epoch else [])
        assert list(data["x"][5]) == ([r.stop_epoch] if r.stop_epoch else [])
        assert classify_regime(r)[0] in title
        for ys in data["y"]:
            assert all(math.isfinite(v) for v in ys)

    # the slider of the opening state, then each menu's buttons (later controls reset to their first option)
    for k, step in enumerate(slider.steps):
        check((0, 0, 0, k), step.args[0], step.args[1]["title.text"])
    for j, menu in enumerate(menus):
        for v, button in enumerate(menu.buttons):
            state = [0, 0, 0, 0]
            state[j] = v
            check(tuple(state), button.args[0], button.args[1]["title.text"])
    assert "diverged" in slider.steps[1].args[1]["title.text"]


def test_stored_grid_is_light_complete_and_reproducible():
    grid = load_grid()
    names = [name for name, _ in grid["axes"]]
    assert names == ["data · capacity", "batch size", "regulariser", "learning rate"]
    shape = [len(options) for _, options in grid["axes"]]
    assert shape[1] >= 3 and shape[2] >= 4 and shape[3] >= 6
    fig = static_loss_curve_lab(grid)
    weight = len(fig.to_json())
    assert weight < 1_300_000 and _finite_figure(fig)  # the page weight the chapter states (about 1 MB)
    assert [len(m.buttons) for m in fig.layout.updatemenus] == shape[:3]
    regimes = {classify_regime(grid_run(grid, a, b, c, d))[0] for a in range(shape[0]) for b in range(shape[1])
               for c in range(shape[2]) for d in range(shape[3])}
    assert regimes == set(REGIMES)  # the grid shows every regime somewhere
    # recompute a few grid points (small data, large batch: fast) and compare
    for index in ((2, 2, 2, 3), (3, 2, 1, 5), (3, 2, 0, 2)):
        stored = grid_run(grid, *index).to_dict()
        again = compute_run(grid_config(grid, *index)).to_dict()
        assert again["d"] == stored["d"] and again["n"] == stored["n"]
        for key in ("tl", "vl", "ta", "va"):
            np.testing.assert_allclose(again[key], stored[key], atol=2e-3, err_msg=f"grid point {index} {key}")


def test_range_test_runs_train_at_both_suggestions_and_the_figure_smooths():
    result, runs = compute_range_test_runs(TINY, steps=30)
    assert set(runs) == {"steepest", "min_over_10"}
    for key, r in runs.items():
        assert r.config.lr == pytest.approx(result.suggestions[key]) and len(r.step_loss) == 3 * 4  # 120/32 → 4
    fig = plot_range_test(result, runs, smoothing=0.0)
    assert_finite_figure(fig)
    assert list(fig.data[1].y) == pytest.approx(list(fig.data[0].y), abs=1e-2)  # β = 0: the raw curve
    assert list(fig.data[2].x) == pytest.approx([result.suggestions["steepest"]] * 2, rel=1e-3)
    static = static_range_test_figure(result, runs, smoothings=(0.0, 0.99))
    steps = static.layout.sliders[0].steps
    assert [s.label for s in steps] == ["0", "0.99"] and list(steps[1].args[2]) == [1, 5, 10]  # only the averages
    smooth, raw = steps[1].args[0]["y"][0], list(static.data[0].y)
    assert np.std(np.diff(smooth)) < np.std(np.diff(raw))  # smoothing smooths
    np.testing.assert_allclose(steps[1].args[0]["y"][1], ema(runs["steepest"].step_loss, 0.99), atol=1e-2)
    assert_finite_figure(static)


def test_live_lab_fuzzed_controls_never_crash_or_draw_nan():
    box = loss_curve_lab(config=LabConfig(epochs=2, train_size=40))
    assert len(box.records) == 1 and box.result is box.records[0]
    assert_explorer_shape(box, ("lr", "schedule", "optimizer", "batch_size", "width", "depth", "weight_decay",
                                "dropout", "label_noise", "train_size", "epochs", "seed", "smoothing"))
    c, rng = box.controls, np.random.default_rng(0)
    extremes = [dict(lr=10.0, batch_size=2048, width=2, depth=3, dropout=0.8, label_noise=0.9, smoothing=0.99),
                dict(lr=1e-4, batch_size=8, width=256, depth=1, dropout=0.0, label_noise=0.0, train_size=20,
                     smoothing=0.0)]
    combos = extremes + [{name: ctl.options[int(rng.integers(len(ctl.options)))][1]
                          if isinstance(ctl.options[0], tuple) else ctl.options[int(rng.integers(len(ctl.options)))]
                          for name, ctl in c.items() if hasattr(ctl, "options")} for _ in range(4)]
    for i, values in enumerate(combos):
        if i >= 2:  # random values for the sliders too
            values.update(lr=float(10 ** rng.uniform(-4, 1)), dropout=float(rng.uniform(0, 0.8)),
                          label_noise=float(rng.uniform(0, 0.9)), depth=int(rng.integers(1, 4)),
                          smoothing=float(rng.uniform(0, 0.99)))
        values.setdefault("train_size", int(rng.integers(20, 80)))
        box.set_values(epochs=2, **values)
        record = box.run()
        assert _finite_figure(box.figure), values
        assert record.diverged_at is not None or len(record.epochs) == 2
    for smoothing in (0.0, 0.99):  # the slider redraws the latest run, per-update loss raw and smoothed
        c["smoothing"].value = smoothing
        assert _finite_figure(box.figure)
    result = box.find_lr()
    assert 1e-4 <= c["lr"].value <= 10 and len(result.lrs) > 0
    assert box.figure is box.range_test[2] and _finite_figure(box.figure) and box.result == box.range_test[:2]
    c["smoothing"].value = 0.5  # now redraws the range-test figure
    assert box.figure is box.range_test[2] and "β = 0.5" in box.figure.layout.title.text
    assert len(box.records) == len(combos) + 1 + len(box.range_test[1])
    box.buttons[2].click()  # forget earlier runs
    assert box.records == []
