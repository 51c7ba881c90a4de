"""The optimizer-trajectory widget: surfaces, compute (incl. the theory on quadratics), plot, static and a fuzz
test of the explorer's controls."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import plotly.graph_objects as go
import pytest

from helpers.widgets.optimizer_plots import optimizer_explorer, plot_trajectories
from helpers.widgets.optimizer_trajectories import (
    OPTIMIZERS,
    compute_trajectories,
    compute_trajectory_grid,
    quadratic_theory,
)
from helpers.widgets.surfaces import SURFACE_NAMES, make_surface, quadratic_surface
from tests.widget_fuzz import assert_explorer_shape


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


def test_plot_draws_no_nan_and_is_a_valid_plotly_figure():
    s = make_surface("rosenbrock")
    res = compute_trajectories(s, lr=0.01, steps=200)  # several optimizers diverge at this learning rate
    fig = plot_trajectories(s, res)
    _assert_finite(fig)
    assert fig.layout.yaxis2.type == "log"
    go.Figure(fig.to_dict())  # built without plotly's validators (speed): every property must still be valid


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
    assert_explorer_shape(box, ("surface", "expression", "kappa", "angle", "tuned", "lr", "momentum", "beta2", "x0", "y0", "steps", "noise", "damping", "optimizers"))
    c = box.controls
    readout = box.children[0].children[1]

    def check():
        assert "Traceback" not in readout.value and "nan" not in readout.value.lower().replace("nan-", "")
        if box.figure is not None:
            _assert_finite(box.figure)

    check()
    c["optimizers"].value = OPTIMIZERS
    for tuned in (True, False):  # every slider to both ends, with one α for all and with each optimizer's tuned α
        c["tuned"].value = tuned
        for name, ctl in c.items():
            if name in ("optimizers", "expression", "surface", "tuned"):
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
                  if name not in ("optimizers", "expression", "surface", "steps", "tuned")}
        box.set_values(**values, steps=int(rng.integers(1, 501)), surface=str(rng.choice(SURFACE_NAMES)),
                       tuned=bool(rng.integers(2)))
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
    assert all(not ctl.continuous_update for name, ctl in c.items() if name not in ("surface", "optimizers", "tuned"))


# ------------------------------------------------------------------------------ tuned rates, critical points
def test_tuned_rates_are_the_best_of_the_grid_and_make_momentum_win_on_an_ill_conditioned_quadratic():
    from helpers.widgets.optimizer_trajectories import TUNING_GRID, tuned_learning_rates

    s = quadratic_surface(kappa=100, angle=30)
    beta = quadratic_theory(s.eigenvalues)["hb_momentum_opt"]
    names = ("GD", "Momentum", "Adam", "Newton")
    lrs = tuned_learning_rates(s, names, momentum=beta, steps=120)
    assert lrs["Newton"] == 1.0 and all(lrs[n] in TUNING_GRID for n in ("GD", "Momentum", "Adam"))
    res = compute_trajectories(s, names, lr="tuned", momentum=beta, steps=120)
    assert {n: t.lr for n, t in res.items()} == lrs
    # what the static figure opens on (and the prose says): at its tuned β, momentum copes where GD crawls
    assert res["Momentum"].steps_to_tol is not None and res["GD"].steps_to_tol is None
    # no other rate of the grid does better for GD (by the final loss, as none reaches the tolerance)
    grid = compute_trajectory_grid(s, list(TUNING_GRID), ("GD",), steps=120)
    finite = [r["GD"] for r in grid if r["GD"].diverged_at is None]
    assert min(np.mean(t.losses[-12:]) for t in finite) == pytest.approx(np.mean(res["GD"].losses[-12:]))
    # per-optimizer rates by dict; a rate that diverges everywhere falls back to the smallest
    assert compute_trajectories(s, ("GD", "Adam"), lr={"GD": 0.01, "Adam": 0.5})["Adam"].lr == 0.5
    assert tuned_learning_rates(s, ("GD",), grid=(5.0, 10.0), steps=50) == {"GD": 5.0}
    with pytest.raises(ValueError, match="'lr' argument of compute_trajectories"):
        compute_trajectories(s, lr="best")
    with pytest.raises(ValueError, match="must give rates for"):
        compute_trajectory_grid(s, {"GD": [0.1]}, ("GD", "Adam"))


def test_newton_at_a_maximum_or_a_saddle_is_reported_and_explained():
    from helpers.widgets.optimizer_plots import explain_trajectories
    from helpers.widgets.optimizer_trajectories import critical_point_kind

    him = compute_trajectories(make_surface("himmelblau"), ("GD", "Newton"), steps=100)
    newton = him["Newton"]
    assert newton.critical == "maximum" and newton.final_loss == pytest.approx(181.617, abs=1e-3)
    assert newton.status() == "stuck at a local maximum, f = 181.6"
    np.testing.assert_allclose(newton.path[-1], (-0.270845, -0.923039), atol=1e-5)
    assert him["GD"].critical is None and "local maximum" in explain_trajectories(him)
    saddle = compute_trajectories(make_surface("saddle"), ("Newton",), steps=50)["Newton"]
    assert saddle.critical == "saddle" and "saddle point" in saddle.status()
    fig = plot_trajectories(make_surface("himmelblau"), him)
    assert "local maximum" in fig.layout.annotations[0].text and "<br>" in fig.layout.annotations[0].text
    # a flat plateau far from every critical point is no critical point, and neither is a point with a large gradient
    plateau = make_surface("plateau")
    assert critical_point_kind(plateau, (12.0, 9.0)) is None and critical_point_kind(plateau, (0.0, 0.0)) == "minimum"
    assert critical_point_kind(make_surface("himmelblau"), (0.0, 0.0)) is None


def test_explorer_tuned_switch_runs_each_optimizer_at_its_own_rate():
    box = optimizer_explorer()
    c = box.controls
    box.set_values(tuned=True, kappa=100.0)
    rates = {n: t.lr for n, t in box.result.items()}
    assert len({rates[n] for n in ("GD", "Momentum", "Adam")}) > 1 and rates["Newton"] == 1.0
    assert "tuned" in box.figure.data[1].name and "each its tuned α" in box.children[0].children[1].value
    box.buttons[0].click()  # "optimal α for GD" switches back to one α for all
    assert c["tuned"].value is False and box.result["GD"].lr == c["lr"].value


# ------------------------------------------------------------------------------ the static optimizer figure
def _state_args(fig):
    """Every (data, layout) a control of a static figure can write, nested lists included."""
    found = []

    def walk(items):
        for item in items:
            data, layout = item["args"][0], item["args"][1]
            found.append((data, layout))
            for key, value in layout.items():
                if key.endswith((".buttons", ".steps")):
                    walk(value)

    for menu in fig.layout.updatemenus:
        walk([b.to_plotly_json() for b in menu.buttons])
    for slider in fig.layout.sliders:
        walk([s.to_plotly_json() for s in slider.steps])
    return found


def _assert_finite_args(fig):
    for data, _ in _state_args(fig):
        for key in ("x", "y", "z"):
            for values in data.get(key, []):
                if values is not None:
                    assert np.isfinite(np.asarray(values, dtype=float)).all(), key


@pytest.fixture(scope="module")
def static_optimizer():
    from helpers.widgets.optimizer_plots import static_optimizer_figure

    return static_optimizer_figure()


def test_static_optimizer_figure_opens_on_what_the_prose_says_and_stays_light(static_optimizer):
    fig = static_optimizer
    size = len(fig.to_json())
    assert size < 1.8e6, size
    _assert_finite(fig)
    _assert_finite_args(fig)
    names = [t.name for t in fig.data if t.name and "α" in t.name or t.name and t.name.startswith("Newton")]
    by = {n.split(",")[0].split(":")[0]: n for n in names}
    assert "quadratic κ = 100" in fig.layout.title.text and "tuned α" in fig.layout.title.text
    assert "(β*)" in fig.layout.updatemenus[1].buttons[fig.layout.updatemenus[1].active].label
    assert "reached tol" in by["Momentum"] and "not converged" in by["GD"] and "(tuned)" in by["GD"]
    problems = [b.label for b in fig.layout.updatemenus[0].buttons]
    assert {"quadratic κ = 10", "quadratic κ = 100", "κ = 100, noise σ = 1", "Himmelblau"} <= set(problems)
    assert [s.label for s in fig.layout.sliders[0].steps][0] == "tuned"
    assert fig._dlbook_states == 3 * 6 * 4 + 4 * 6 * 3  # quadratics: 6 rates × 4 β; the other 4 surfaces: 3 β
    go.Figure(fig.to_dict())  # valid plotly


def test_static_figures_store_no_rounding_noise(static_optimizer):
    """Numbers between 0 and 1e-9 in magnitude (a converged path's last coordinates, f − f* at machine precision)
    differ between CPUs; both static figures cut their runs at 1e-9 and store coordinates to 1e-8 instead."""
    from helpers.widgets.display import round_figure
    from helpers.widgets.momentum_views import static_momentum_figure

    noise = re.compile(r"(?<![\w.])-?\d(\.\d+)?e-(1\d|[2-9]\d)\b")  # as tests/test_notebook_conventions.py
    for fig in (static_optimizer, static_momentum_figure()):
        text = json.dumps(round_figure(json.loads(fig.to_json())))
        assert not noise.findall(text), [m.group(0) for m in noise.finditer(text)][:5]


def test_static_optimizer_controls_change_what_they_should(static_optimizer):
    fig = static_optimizer
    menus = fig.layout.updatemenus
    himmelblau = next(b for b in menus[0].buttons if b.label == "Himmelblau")
    data, layout, indices = himmelblau.args
    assert "Newton climbed to a local maximum" in layout["annotations"][0]["text"]
    assert layout["updatemenus[1].visible"] and [b["label"] for b in layout["updatemenus[1].buttons"]] == [
        "β = 0.9", "β = 0.5", "β = 0"]
    assert 0 in indices and len(data["x"]) == len(indices)  # the contour changes with the surface
    # moving β changes heavy ball and Nesterov only; moving α changes every first-order method but not Newton
    for step in menus[1].buttons:
        names = step.args[0]["name"]
        assert all(n is None or n.startswith(("Momentum", "Nesterov")) for n in names)
    for step in fig.layout.sliders[0].steps:
        names = [n for n in step.args[0]["name"] if n]
        assert {n.split(",")[0] for n in names} == {"GD", "Momentum", "Nesterov", "RMSProp", "Adam"}
    shared = fig.layout.sliders[0].steps[3]  # α = 1/κ = 0.01 for all
    assert all(", α = 0.01:" in n for n in shared.args[0]["name"] if n)
    assert "α = 0.01 for all" in shared.args[1]["title.text"]


# ------------------------------------------------------------------ momentum on a quadratic: eigen view, rate plane
@pytest.mark.parametrize("kappa, lr, beta", [(100, None, None), (100, 0.01, 0.9), (10, 0.1, 0.0), (100, 0.015, 0.3),
                                             (10, 0.05, 0.95), (1, 0.5, 0.2)])
def test_measured_error_along_each_eigenvector_matches_the_closed_form(kappa, lr, beta):
    from helpers.widgets.momentum_views import compute_eigen_errors

    e = compute_eigen_errors(kappa, lr, beta, steps=120)
    for measured, predicted in zip(e["measured"], e["predicted"]):
        n = min(len(measured), len(predicted))
        above = predicted[:n] > 1e-8  # well above the floor and the rounding noise
        np.testing.assert_allclose(measured[:n][above], predicted[:n][above], rtol=1e-7)
    th = quadratic_theory((1.0, float(kappa))) if kappa > 1 else None
    if lr is None:  # at the optimum both directions shrink at the same rate (√κ − 1)/(√κ + 1)
        np.testing.assert_allclose(e["rates"], th["hb_rate"], rtol=1e-6)
    if beta == 0.0:  # gradient descent: ρ_i = |1 − αλ_i|
        np.testing.assert_allclose(e["rates"], [abs(1 - e["lr"] * lam) for lam in e["eigenvalues"]], rtol=1e-12)


def test_diverging_heavy_ball_stops_its_curves_and_says_where():
    from helpers.widgets.momentum_views import compute_eigen_errors, compute_rate_plane, plot_momentum_views

    e = compute_eigen_errors(100, 0.05, 0.5, steps=200)  # αλ_max = 5 > 2 + 2β = 3
    assert e["diverged_at"] is not None and max(e["rates"]) > 1
    assert all(len(m) <= e["diverged_at"] for m in e["measured"])
    fig = plot_momentum_views(e, compute_rate_plane(100))
    _assert_finite(fig)
    assert f"diverged at step {e['diverged_at']}" in fig.layout.title.text
    go.Figure(fig.to_dict())


def test_rate_plane_optimum_edge_and_best_rate_per_beta():
    from helpers.widgets.momentum_views import best_lr_for_momentum, compute_rate_plane

    plane = compute_rate_plane(100.0)
    a_opt, b_opt, r_opt = plane["optimum"]
    assert plane["rate"].min() >= r_opt - 1e-9  # nothing on the grid beats the theoretical optimum
    near = np.unravel_index(np.argmin(plane["rate"]), plane["rate"].shape)
    assert abs(plane["betas"][near[0]] - b_opt) < 0.05 and abs(plane["alphas"][near[1]] - a_opt) < 0.1 * a_opt
    a, b = np.meshgrid(plane["alphas"], plane["betas"])
    beyond = a * 100 > 2 + 2 * b + 1e-9
    assert (plane["rate"][beyond] > 1 - 1e-12).all() and np.isinf(plane["steps"][beyond]).all()
    assert best_lr_for_momentum(100.0, b_opt) == pytest.approx(a_opt, rel=2e-3)
    assert best_lr_for_momentum(100.0, 0.0) == pytest.approx(plane["gd"][0], rel=2e-3)
    with pytest.raises(ValueError, match="'kappa' argument of compute_rate_plane"):
        compute_rate_plane(0.5)


def test_momentum_explorer_fuzzed_to_its_extremes_never_draws_nan(monkeypatch):
    import IPython.display

    from helpers.widgets import display
    from helpers.widgets.momentum_views import momentum_explorer

    drawn = []
    monkeypatch.setattr(display, "in_kernel", lambda: True)
    monkeypatch.setattr(IPython.display, "clear_output", lambda wait=False: None)
    monkeypatch.setattr(display, "show_plotly", drawn.append)
    box = momentum_explorer()
    assert_explorer_shape(box, ("kappa", "lr", "momentum", "steps"))
    c, readout = box.controls, box.children[0].children[1]
    assert len(drawn) == 1
    for ctl in c.values():
        for value in (ctl.min, ctl.max):
            ctl.value = value
            _assert_finite(box.figure)
            assert "nan" not in readout.value.lower()
    box.set_values(kappa=100.0, lr=0.1, momentum=0.0)
    assert "diverged at step" in readout.value
    n = len(drawn)
    box.buttons[1].click()  # the optimum: one redraw for α and β together
    th = quadratic_theory((1.0, 100.0))
    assert (c["lr"].value, c["momentum"].value) == (th["hb_lr_opt"], th["hb_momentum_opt"]) and len(drawn) == n + 1
    box.set_values(momentum=0.9)
    box.buttons[0].click()  # the best α for β = 0.9
    assert max(box.result[0]["rates"]) == pytest.approx(0.9 ** 0.5, rel=1e-3)  # at its best α, ρ = √β


def test_static_momentum_figure_states_and_weight():
    from helpers.widgets.momentum_views import static_momentum_figure

    fig = static_momentum_figure()
    assert len(fig.to_json()) < 0.9e6
    _assert_finite(fig)
    _assert_finite_args(fig)
    go.Figure(fig.to_dict())
    assert fig._dlbook_states == 2 * 9 * 8  # κ ∈ {10, 100}; 8 β + β*; 7 rates + the best α for that β
    beta, alpha = fig.layout.sliders
    assert "(β*)" in beta.steps[beta.active].label and "(best)" in alpha.steps[alpha.active].label
    assert "κ = 100" in fig.layout.title.text and "ρ = 0.8182" in fig.layout.title.text
    # moving β rewrites the α slider (its best α moves) and resets it to that best α
    step = beta.steps[-1]  # β = 0.99
    layout = step.args[1]
    labels = [s["label"] for s in layout["sliders[1].steps"]]
    assert labels[layout["sliders[1].active"]].endswith("(best)")
    # the rate plane is written by the κ menu only
    assert all(4 not in s.args[2] for s in alpha.steps) and 4 in fig.layout.updatemenus[0].buttons[0].args[2]


def test_states_figure_resets_later_controls_and_hides_single_option_menus():
    from helpers.widgets.static_states import Control, states_figure

    fig = go.Figure([go.Scatter(x=[0], y=[0]), go.Scatter(x=[0], y=[0])])
    controls = [Control("a", ["a0", "a1"]), Control("b", lambda p: ["b0", "b1", "b2"] if p[0] == 0 else ["only"]),
                Control("c", ["c0", "c1"], kind="slider", default=1)]
    seen = []

    def render(state):
        seen.append(state)
        return [dict(y=[state[0]]), dict(y=list(state), name=str(state))], {"title.text": str(state)}

    states_figure(fig, controls, render, levels=[0, 2])
    assert fig.layout.title.text == "(0, 0, 1)" and list(fig.data[1].y) == [0, 0, 1]
    assert len(set(seen)) == fig._dlbook_states == 3 * 2 + 1 * 2
    a1 = fig.layout.updatemenus[0].buttons[1].args
    assert list(a1[2]) == [0, 1] and a1[1]["updatemenus[1].visible"] is False and a1[1]["sliders[0].active"] == 1
    b2 = fig.layout.updatemenus[1].buttons[2].args
    assert list(b2[2]) == [1] and [list(v) for v in b2[0]["y"]] == [[0, 2, 1]]  # trace 0 depends on control a only
    assert [s.args[0]["name"] for s in fig.layout.sliders[0].steps] == [["(0, 0, 0)"], ["(0, 0, 1)"]]
    with pytest.raises(ValueError, match="one entry per trace"):
        states_figure(fig, controls, render, levels=[0])


def _digest_under(env_extra: dict, code: str) -> str:
    """Run ``code`` (which prints a digest) in a fresh interpreter with ``env_extra`` added to the environment."""
    import os
    import subprocess
    import sys

    env = {**os.environ, **env_extra}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


STATIC_DIGEST = """
import hashlib, json
from helpers.widgets.display import round_figure
from helpers.widgets.momentum_views import static_momentum_figure
from helpers.widgets.optimizer_plots import static_optimizer_figure
for make in (static_optimizer_figure, static_momentum_figure):
    figure = round_figure(json.loads(make().to_json()))
    print(hashlib.sha1(json.dumps(figure, sort_keys=True).encode()).hexdigest())
"""


def test_static_figures_are_identical_under_other_float_kernels():
    """What nbval compares (the rounded figure) does not depend on the CPU's float kernels (make test-portable)."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tools.kernel_evidence import FORCED

    assert _digest_under({}, STATIC_DIGEST) == _digest_under(dict(FORCED), STATIC_DIGEST)
