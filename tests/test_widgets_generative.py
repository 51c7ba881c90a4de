"""Widgets of chapter 12b: latent traversal, GAN training and DDPM denoising in 2-D.

compute/plot/static are tested directly; the explorers' controls are fuzzed at their extremes and at random
combinations (no exception, nothing non-finite drawn). Models are trained for a handful of steps only.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from helpers.labs.generative_training import load_digits_01, train_vae, two_moons
from helpers.widgets import gan_diffusion_2d as gd
from helpers.widgets import latent_traversal as lt
from tests.widget_fuzz import assert_explorer_shape, assert_finite_figure


@pytest.fixture
def drawn(monkeypatch):
    """Record the figures the explorers show (as if in a kernel; the Output widget captures nothing here)."""
    import IPython.display

    from helpers.widgets import display

    figures = []
    monkeypatch.setattr(display, "in_kernel", lambda: True)
    monkeypatch.setattr(IPython.display, "clear_output", lambda wait=False: None)
    monkeypatch.setattr(display, "show_plotly", figures.append)
    return figures


@pytest.fixture(scope="module")
def vae_bits():
    X, y = load_digits_01()
    model, _ = train_vae(X[:300], epochs=1, seed=0)
    with torch.no_grad():
        codes = model.encode(torch.as_tensor(X[:300]))[0].numpy()
    return model.decode, codes, y[:300]


@pytest.fixture(scope="module")
def gan_histories():
    return {"a": gd.compute_gan_history(steps=20, snapshot_every=10, n_show=50, seed=0),
            "b": gd.compute_gan_history(steps=20, snapshot_every=5, n_show=50, g_steps=2, seed=1)}


@pytest.fixture(scope="module")
def ddpm_history():
    return gd.compute_ddpm_history(two_moons(200), n=60, T=6, steps=20, batch_size=32)


# ---- latent traversal -------------------------------------------------------------------------------------------
def test_compute_latent_grid_places_the_codes(vae_bits):
    calls = []

    def decode(z):  # every pixel records the signs of the code: 0.5 [z1 > 0] + 0.25 [z2 > 0]
        calls.append(z.copy())
        return np.repeat((z[:, [0]] > 0) * 0.5 + (z[:, [1]] > 0) * 0.25, 64, axis=1)

    grid = lt.compute_latent_grid(decode, np.array([-1.0, 0.5, 2.0]))
    assert grid["images"].shape == (3, 3, 8, 8) and grid["nonfinite"] == 0
    assert grid["images"][0, 2, 0, 0] == 0.25 and grid["images"][2, 0, 0, 0] == 0.5  # [i, j]: z1 = v_i, z2 = v_j
    assert len(calls) == 1  # one batched decode

    def bad(z):
        return np.full((len(z), 64), np.nan)

    grid = lt.compute_latent_grid(bad, np.linspace(-1, 1, 4))
    assert grid["nonfinite"] == 4 * 4 * 64 and np.all(grid["images"] == 0)
    with pytest.raises(ValueError, match="'dims' argument of compute_latent_grid"):
        lt.compute_latent_grid(decode, np.zeros(3), dims=(0, 0))
    with pytest.raises(ValueError, match="'values' argument of compute_latent_grid must be finite"):
        lt.compute_latent_grid(decode, np.array([0.0, np.inf]))


def test_plot_and_static_latent_traversal(vae_bits):
    decode, codes, labels = vae_bits
    fig = lt.plot_latent_traversal(np.random.default_rng(0).random((8, 8)), (0.5, -1.0), codes=codes, labels=labels)
    assert_finite_figure(fig)
    static = lt.static_latent_traversal(decode, np.linspace(-2, 2, 9), codes=codes, labels=labels)
    assert_finite_figure(static)
    steps = static.layout.sliders[0].steps
    assert len(steps) == 9
    for step in steps:  # each step shows the scatter plus exactly one line and one image column
        assert sum(step.args[0]["visible"]) == 3
    assert len(json.dumps(static.to_plotly_json(), default=str)) < 1_500_000


def test_latent_traversal_explorer_fuzz(vae_bits, drawn):
    decode, codes, labels = vae_bits
    box = lt.latent_traversal_explorer(decode, codes=codes, labels=labels, limit=3.0)
    assert_explorer_shape(box, ("z1", "z2"))
    z1, z2 = box.children[0].children
    rng = np.random.default_rng(0)
    for a, b in [(-3, -3), (3, 3), (-3, 3), (0, 0)] + [tuple(rng.uniform(-3, 3, 2)) for _ in range(4)]:
        before = len(drawn)
        z1.value, z2.value = float(a), float(b)
        assert len(drawn) > before, "the explorer drew nothing"
        assert_finite_figure(drawn[-1])
        star = drawn[-1].data[-2]
        assert (star.x[0], star.y[0]) == (z1.value, z2.value)


# ---- GAN and diffusion -------------------------------------------------------------------------------------------
def test_compute_gan_history_shapes(gan_histories):
    h = gan_histories["b"]
    assert h["samples"].shape == (5, 50, 2) and list(h["steps"]) == [0, 5, 10, 15, 20]
    assert h["coverage"].shape == (5, 2) and h["diverged_at"] is None
    assert np.all(np.isfinite(h["samples"])) and h["d_loss"].shape == (20,)


def test_gan_divergence_is_reported_not_drawn(monkeypatch):
    from helpers.labs import generative_training

    def fake_train(**kw):
        samples = np.zeros((3, 4, 2))
        samples[2, 0, 0] = np.nan
        return {"steps": np.array([0, 10, 20]), "samples": samples, "coverage": np.zeros((3, 2)),
                "real": np.zeros((4, 2)), "centers": np.zeros((8, 2)), "d_loss": np.zeros(20), "g_loss": np.zeros(20)}

    monkeypatch.setattr(generative_training, "train_gan", fake_train)
    h = gd.compute_gan_history()
    assert h["diverged_at"] == 20 and len(h["samples"]) == 2


def test_static_gan_training(gan_histories):
    fig = gd.static_gan_training(gan_histories)
    assert_finite_figure(fig)
    steps = fig.layout.sliders[0].steps
    assert len(steps) == 3  # the shorter history decides
    assert all(sum(s.args[0]["visible"]) == 4 for s in steps)  # per run: data + one snapshot
    assert len(steps[0].args) == 1  # visibility only: no measured (machine-dependent) numbers in its strings
    assert len(json.dumps(fig.to_plotly_json(), default=str)) < 1_500_000


def test_gan_explorer_fuzz(gan_histories, drawn):
    box = gd.gan_training_explorer(gan_histories)
    assert_explorer_shape(box, ("run", "snapshot"), result=False)
    run, k = box.children[0].children
    for name in ("b", "a", "b"):
        for value in (k.min, k.max, 1):
            run.value, k.value = name, value
            assert_finite_figure(drawn[-1])
            assert drawn[-1].layout.title.text.startswith(name)
    assert len(drawn) >= 6


def test_ddpm_history_paths(ddpm_history):
    h = ddpm_history
    assert h["reverse"].shape == (7, 60, 2) and h["forward"].shape == (7, 60, 2)
    np.testing.assert_allclose(h["forward"][0], h["data"][:60], atol=1e-6)  # t = 0 is the data itself
    assert h["diverged_at"] is None and np.all(np.isfinite(h["reverse"]))
    assert h["alpha_bars"][0] == 1.0


def test_static_diffusion_and_explorer(ddpm_history):
    fig = gd.static_diffusion(ddpm_history, every=2)
    assert_finite_figure(fig)
    labels = [s.label for s in fig.layout.sliders[0].steps]
    assert labels == ["6", "4", "2", "0"]
    assert len(json.dumps(fig.to_plotly_json(), default=str)) < 1_500_000

def test_diffusion_explorer_fuzz(ddpm_history, drawn):
    box = gd.diffusion_explorer(ddpm_history)
    assert_explorer_shape(box, ("t", "process"), result=False)
    t, which = box.children[0].children
    for w in which.options:
        for value in (0, ddpm_history["T"], 3):
            which.value, t.value = w, value
            assert_finite_figure(drawn[-1])
            assert drawn[-1].layout.title.text.endswith(f"t = {t.value}")


def test_plot_points_never_draws_nan():
    pts = np.array([[0.0, 1.0], [np.nan, 2.0], [np.inf, -np.inf]])
    assert_finite_figure(gd.plot_points_2d(pts, reference=np.zeros((3, 2))))
