"""The optimizer-trajectory widget: surfaces, compute (incl. the theory on quadratics), plot, static and a fuzz
test of the explorer's controls."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from helpers.widgets.optimizer_plots import optimizer_explorer, plot_trajectories, static_optimizer_figure
from helpers.widgets.optimizer_trajectories import (
    OPTIMIZERS,
    compute_trajectories,
    compute_trajectory_grid,
    quadratic_theory,
)
from helpers.widgets.surfaces import SURFACE_NAMES, make_surface, quadratic_surface


@pytest.mark.parametrize("name", SURFACE_NAMES)
def test_surface_gradients_and_hessians_match_finite_differences(name):
    s = make_surface(name, expression="x^2*y + sin(x) + exp(y/3)")
    rng = np.random.default_rng(0)
    x, y = rng.uniform(*s.x_range, 8) * 0.8, rng.uniform(*s.y_range, 8) * 0.8
    h = 1e-6
    gx, gy = s.grad(x, y)
    np.testing.assert_allclose(gx, (s.f(x + h, y) - s.f(x - h, y)) / (2 * h), rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(gy, (s.f(x, y + h) - s.f(x, y - h)) / (2 * h), rtol=1e-5, atol=1e-4)
    hxx, hxy, hyy = (np.broadcast_to(v, x.shape) for v in s.hessian(x, y))
    np.testing.assert_allclose(hxx, (s.grad(x + h, y)[0] - s.grad(x - h, y)[0]) / (2 * h), rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(hxy, (s.grad(x, y + h)[0] - s.grad(x, y - h)[0]) / (2 * h), rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(hyy, (s.grad(x, y + h)[1] - s.grad(x, y - h)[1]) / (2 * h), rtol=1e-5, atol=1e-3)
    if s.f_star is not None and name != "quadratic":
        assert np.all(s.f(x, y) >= s.f_star - 1e-12)


def test_newton_and_divergence_reporting_on_a_quadratic():
    s = quadratic_surface(kappa=20, angle=25)
    res = compute_trajectories(s, lr=2.2 / 20, steps=300)  # beyond GD's stable range α < 2/λ_max = 0.1
    assert res["Newton"].steps_to_tol == 1
    gd = res["GD"]
    assert gd.diverged_at is not None and gd.status() == f"diverged at step {gd.diverged_at}"
    assert np.isfinite(gd.path).all() and np.isfinite(gd.losses).all() and len(gd.path) == gd.diverged_at


@pytest.mark.parametrize("kappa", [4.0, 25.0, 100.0])
def test_gd_stability_threshold_and_optimal_rate(kappa):
    s = quadratic_surface(kappa=kappa, angle=40)
    th = quadratic_theory(s.eigenvalues, f0=float(s.f(*s.start)))
    below, above = compute_trajectory_grid(s, [0.98 * th["gd_lr_max"], 1.02 * th["gd_lr_max"]], ("GD",), steps=400)
    assert below["GD"].losses[-1] < below["GD"].losses[0] < above["GD"].losses[-1]
    # with α* both eigen-directions shrink by exactly (κ−1)/(κ+1) per step: prediction == measurement
    gd = compute_trajectories(s, ("GD",), lr=th["gd_lr_opt"], steps=3000)["GD"]
    assert abs(gd.steps_to_tol - th["gd_steps"]) <= 1
    ratio = np.exp(np.diff(np.log(gd.losses[1:50]))) ** 0.5
    np.testing.assert_allclose(ratio, th["gd_rate"], rtol=1e-6)


@pytest.mark.parametrize("kappa", [9.0, 100.0, 400.0])
def test_heavy_ball_optimal_parameters_give_the_sqrt_kappa_rate(kappa):
    s = quadratic_surface(kappa=kappa, angle=10)
    th = quadratic_theory(s.eigenvalues, f0=float(s.f(*s.start)), tol=1e-10)
    run = compute_trajectories(s, ("Momentum", "GD"), lr=th["hb_lr_opt"], momentum=th["hb_momentum_opt"],
                               steps=4000, tol=1e-10)
    hb = run["Momentum"]
    # the iteration matrix has a double eigenvalue √β*: the error behaves like k·rateᵏ, so the measured count
    # exceeds the pure-rate prediction by about log(k)/log(1/rate) steps — and stays far below GD's count
    assert th["hb_steps"] <= hb.steps_to_tol <= 1.35 * th["hb_steps"] + 10
    k = np.arange(hb.steps_to_tol // 3, hb.steps_to_tol + 1)  # fit log(‖z_k‖/k) = k·log(rate) + c
    slope = np.polyfit(k, 0.5 * np.log(hb.losses[k]) - np.log(k), 1)[0]
    assert math.exp(slope) == pytest.approx(th["hb_rate"], rel=0.02)
    assert hb.steps_to_tol < 0.5 * math.ceil(math.log(1e-10 / float(s.f(*s.start))) / (2 * math.log(th["gd_rate"])))


def test_plot_and_static_figure_draw_no_nan_and_stay_small():
    s = make_surface("rosenbrock")
    res = compute_trajectories(s, lr=0.01, steps=200)  # several optimizers diverge at this learning rate
    fig = plot_trajectories(s, res)
    _assert_finite(fig)
    assert fig.layout.yaxis2.type == "log"
    static = static_optimizer_figure()
    size = len(static.to_json())
    assert size < 1.5e6, size
    _assert_finite(static)
    menu = static.layout.updatemenus[0]
    assert len(menu.buttons) == 5
    for button in menu.buttons:
        slider = button.args[1]["sliders"][0]
        assert len(slider["steps"]) == 6
        for step in slider["steps"]:
            vis = step["args"][0]["visible"]
            assert len(vis) == len(static.data) and sum(vis) == 1 + 2 * 6  # contour + (path, loss) per optimizer


def _assert_finite(fig):
    for trace in fig.data:
        for key in ("x", "y", "z"):
            values = getattr(trace, key, None)
            if values is not None:
                arr = np.asarray(values, dtype=float)
                assert np.isfinite(arr).all(), (trace.name, key)
    json.loads(fig.to_json())  # serialisable


def test_explorer_controls_fuzz():
    box = optimizer_explorer()
    c = box.controls
    readout = box.children[0].children[1]

    def check():
        assert "Traceback" not in readout.value and "nan" not in readout.value.lower().replace("nan-", "")
        if box.figure is not None:
            _assert_finite(box.figure)

    check()
    c["optimizers"].value = OPTIMIZERS
    for name, ctl in c.items():
        if name in ("optimizers", "expression", "surface"):
            continue
        for value in (ctl.min, ctl.max):
            ctl.value = value
            check()
        ctl.value = ctl.min if name != "steps" else 60
    for surface in SURFACE_NAMES:
        c["surface"].value = surface
        check()
    for text in ("log(x) + y^2", "x^2 + ", "exp(exp(x*y))", "1/(x*y)", "x*y", "import os", "sqrt(-1 - x^2)"):
        c["expression"].value = text
        check()
    assert "Cannot use this expression" in readout.value or "status" in readout.value
    c["surface"].value = "quadratic"
    box.buttons[1].click()
    th = quadratic_theory((1.0, c["kappa"].value))
    # the exact optimum is used (the sliders send values only when moved, so the front end cannot round it)
    assert (c["lr"].value, c["momentum"].value) == (th["hb_lr_opt"], th["hb_momentum_opt"])
    assert f"α = {th['hb_lr_opt']:.4g}, β = {th['hb_momentum_opt']:.4g}" in readout.value
    rng = np.random.default_rng(0)
    for _ in range(12):
        values = {name: rng.uniform(ctl.min, ctl.max) for name, ctl in c.items()
                  if name not in ("optimizers", "expression", "surface", "steps")}
        box.set_values(**values, steps=int(rng.integers(1, 501)), surface=str(rng.choice(SURFACE_NAMES)))
        check()


def test_explorer_draws_once_per_change_of_state(monkeypatch):
    """What the front end does (make test-live): values sent back rounded to the slider grid are no change; the
    "optimal" buttons set α and β with one redraw; every slider sends its value only when released."""
    import IPython.display

    from helpers.widgets import display

    drawn = []
    monkeypatch.setattr(display, "in_kernel", lambda: True)
    monkeypatch.setattr(IPython.display, "clear_output", lambda wait=False: None)
    monkeypatch.setattr(display, "show_plotly", drawn.append)
    box = optimizer_explorer()
    c = box.controls
    assert len(drawn) == 1
    c["angle"].value, c["momentum"].value, c["beta2"].value = 29.999999999999996, 0.9000000000000001, 0.9990000000000001
    assert len(drawn) == 1
    box.buttons[1].click()
    assert len(drawn) == 2
    box.buttons[1].click()  # already optimal: nothing to redraw
    assert len(drawn) == 2
    assert all(not ctl.continuous_update for name, ctl in c.items() if name not in ("surface", "optimizers"))
