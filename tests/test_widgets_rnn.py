"""The vanishing/exploding-gradient widget of chapter 11: compute, plot, static and a fuzzed explorer."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.widgets.rnn_gradients import (
    CAP,
    compute_rnn_gradients,
    plot_rnn_gradients,
    rnn_gradients_explorer,
    static_rnn_gradients,
)
from tests.widget_fuzz import assert_explorer_shape


def _drawn_values(fig):
    for trace in fig.data:
        for axis in ("x", "y"):
            values = np.asarray(getattr(trace, axis), dtype=float)
            yield trace.name, values


def _assert_drawable(fig):
    for name, values in _drawn_values(fig):
        assert np.all(np.isfinite(values)), f"trace {name!r} draws a non-finite value"
        assert np.all(values <= CAP), f"trace {name!r} exceeds the cap"


def test_rnn_gradient_is_bounded_by_rho_power_and_vanishes_below_one():
    for rho in (0.5, 0.9, 1.5):
        r = compute_rnn_gradients(rho, steps=40)
        assert np.all(r["rnn"] <= r["reference"] * (1 + 1e-9))  # ||W_hh|| = rho and |tanh'| <= 1
    assert compute_rnn_gradients(0.5, steps=40)["rnn"][-1] < 1e-10


def test_large_radius_explodes_and_is_capped_not_inf():
    r = compute_rnn_gradients(3.0, steps=400)
    assert r["exploded_at"]["reference"] is not None  # 3^400 is far beyond the cap
    assert np.all(np.isfinite(r["reference"])) and r["reference"].max() == CAP
    assert compute_rnn_gradients(3.0, steps=60)["rnn"][-1] > 1e3  # the RNN's gradient explodes too
    fig = plot_rnn_gradients(r)
    _assert_drawable(fig)
    assert "capped" in fig.layout.title.text


def test_lstm_with_open_forget_gate_keeps_its_gradient():
    open_gate = compute_rnn_gradients(0.8, steps=60, forget_bias=8.0)
    assert open_gate["lstm"][-1] > 1e4 * open_gate["rnn"][-1]


def test_clipping_bounds_the_weight_gradient():
    r = compute_rnn_gradients(3.0, steps=60, max_norm=2.0)
    assert r["rnn_weight"].max() > 2.0
    np.testing.assert_allclose(r["rnn_weight_clipped"], np.minimum(r["rnn_weight"], 2.0), rtol=1e-6)


def test_compute_is_deterministic_and_validates():
    a, b = compute_rnn_gradients(1.2, steps=30), compute_rnn_gradients(1.2, steps=30)
    np.testing.assert_array_equal(a["rnn"], b["rnn"])
    with pytest.raises(
        ValueError, match=r"The 'spectral_radius' argument of compute_rnn_gradients must be a float"
    ):
        compute_rnn_gradients(-1.0)
    with pytest.raises(ValueError, match=r"The 'steps' argument of compute_rnn_gradients must be an int"):
        compute_rnn_gradients(1.0, steps=2.5)


def test_static_figure_has_one_slider_step_per_radius_and_is_small():
    radii = (0.5, 1.0, 3.0)
    fig = static_rnn_gradients(radii=radii, steps=40, active=0)
    steps = fig.layout.sliders[0].steps
    assert len(steps) == len(radii)
    per = len(fig.data) // len(radii)
    for i, step in enumerate(steps):
        visible = step.args[0]["visible"]
        assert sum(visible) == per and all(visible[i * per : (i + 1) * per])
    _assert_drawable(fig)
    assert len(fig.to_json()) < 1_500_000


def test_explorer_fuzzed_controls_never_draw_nan():
    box = rnn_gradients_explorer()
    assert_explorer_shape(box, ("rho", "steps", "forget_bias", "max_norm"))
    rows = [child for child in box.children if hasattr(child, "children")]
    controls = [c for row in rows for c in row.children]
    assert len(controls) == 4
    rng = np.random.default_rng(0)
    # a FloatLogSlider's min/max are exponents
    extremes = [
        (c, c.base**c.min, c.base**c.max) if hasattr(c, "base") else (c, c.min, c.max) for c in controls
    ]
    for control, low, high in extremes:  # every control at both ends
        for value in (low, high):
            control.value = value
            _assert_drawable(box.figure)
    for _ in range(4):  # random combinations
        for control, low, high in extremes:
            value = rng.uniform(low, high)
            control.value = int(value) if isinstance(control.value, int) else float(value)
        _assert_drawable(box.figure)


def test_static_figure_starts_at_the_active_radius():
    fig = static_rnn_gradients(radii=(0.5, 1.0), steps=20, active=1)
    assert fig.layout.sliders[0].active == 1
    assert [t.visible for t in fig.data] == fig.layout.sliders[0].steps[1].args[0]["visible"]
    with pytest.raises(ValueError, match="The 'active' argument of static_rnn_gradients"):
        static_rnn_gradients(radii=(0.5, 1.0), active=2)
