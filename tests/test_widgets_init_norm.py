"""Widgets of chapters 7 and 8: activation/gradient histograms, normalisation sets and dropout masks."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import helpers.numpy_impl as hn
from helpers.widgets import activation_histograms as ah
from helpers.widgets import normalization_axes as na
from tests.widget_fuzz import assert_explorer_shape, assert_finite_figure


# ---- activation histograms -----------------------------------------------------------------------------------
def test_histograms_reproduce_the_classic_pictures():
    runs = {(a, i): ah.compute_activation_histograms(a, i, depth=10, width=128, n_samples=300)
            for a in ("tanh", "relu") for i in ("small", "large", "xavier", "he")}
    small = runs["tanh", "small"]["act_std"]
    assert small[-1] < 1e-6 * small[0]  # vanishing activations
    assert runs["tanh", "large"]["saturated"].min() > 0.6  # saturated tanh
    assert runs["relu", "large"]["act_std"][-1] > 1e6  # exploding ReLU activations
    he = runs["relu", "he"]["act_std"]
    assert 0.5 < he[-1] / he[0] < 2  # He keeps ReLU activations at scale
    xav = runs["relu", "xavier"]["act_std"]
    assert xav[-1] / xav[0] < 0.1  # Xavier halves the ReLU signal's power per layer
    for r in runs.values():
        assert r["overflow_at"] is None and len(r["act_fractions"]) == 10
        for f in r["act_fractions"] + r["grad_fractions"]:
            assert f.sum() == pytest.approx(1.0)


def test_histogram_gradients_agree_with_torch_autograd():
    import torch

    r = ah.compute_activation_histograms("tanh", "xavier", depth=3, width=8, n_samples=5, seed=3)
    rng = np.random.default_rng(3)  # replay the same draws as compute_activation_histograms
    h = torch.tensor(rng.standard_normal((5, 8)), requires_grad=True)
    layers = [h]
    for _ in range(3):
        w = torch.tensor(hn.init_weight((8, 8), scheme="xavier", rng=rng))
        layers.append(torch.tanh(layers[-1] @ w.T))
        layers[-1].retain_grad()
    g = torch.tensor(rng.standard_normal((5, 8)))
    (layers[-1] * g).sum().backward()
    np.testing.assert_allclose(r["grad_std"], [float(t.grad.std(unbiased=False)) for t in layers[1:]], rtol=1e-10)
    np.testing.assert_allclose(r["act_std"], [float(t.detach().std(unbiased=False)) for t in layers[1:]], rtol=1e-10)


def test_overflow_is_reported_as_data_not_drawn():
    r = ah.compute_activation_histograms("relu", "large", depth=400, width=64, n_samples=4)
    assert r["overflow_at"] is not None and len(r["act_std"]) == r["overflow_at"] - 1
    fig = ah.plot_activation_histograms(r)
    assert_finite_figure(fig)
    assert "overflow in layer" in fig.layout.title.text


def test_histogram_plot_static_and_validation():
    fig = ah.plot_activation_histograms(ah.compute_activation_histograms("relu", "he", depth=4, width=32))
    assert len(fig.data) == 2 * 4 + 3
    assert_finite_figure(fig)
    static = ah.static_activation_histograms(depth=4, width=32, n_samples=100)
    steps = static.layout.sliders[0].steps
    assert len(steps) == 8 and all(sum(s.args[0]["visible"]) == 11 for s in steps)
    assert_finite_figure(static)
    assert len(ah.static_activation_histograms().to_json()) < 1_500_000
    with pytest.raises(ValueError, match="The 'init' argument of compute_activation_histograms must be one of"):
        ah.compute_activation_histograms("tanh", "glorot")
    with pytest.raises(ValueError, match="The 'depth' argument of compute_activation_histograms must be an int >= 1"):
        ah.compute_activation_histograms(depth=0)


def test_activation_histograms_explorer_fuzzed_controls():
    box = ah.activation_histograms_explorer(n_samples=50)
    assert_explorer_shape(box, ("activation", "init", "depth", "width"))
    (act, init), (depth, width) = box.children[0].children, box.children[1].children
    rng = np.random.default_rng(0)
    combos = [("relu", "large", depth.max, width.max), ("tanh", "small", depth.min, width.min)]
    combos += [(str(rng.choice(["tanh", "relu"])), str(rng.choice(list(ah.INITS))),
                int(rng.integers(depth.min, depth.max + 1)), int(rng.integers(1, 33)) * 16) for _ in range(3)]
    for a, i, d, w in combos:
        act.value, init.value, depth.value, width.value = a, i, d, w
        fig = box.figure
        assert_finite_figure(fig)
        assert fig.layout.title.text.startswith(f"{a} + {ah.INITS[i][0]}")


# ---- normalisation sets --------------------------------------------------------------------------------------
def _dependence_pattern(kind, x, n, c, g, sample, channel):
    """Which inputs change the output at (sample, channel, position 0): non-zeros of the hand-written backward."""
    dout = np.zeros_like(x)
    dout[sample, channel, 0] = 1.0
    ones, zeros = np.ones(c), np.zeros(c)
    if kind == "batch":
        _, cache = hn.spatial_batch_norm_forward(x[..., None], ones, zeros, zeros, ones)
        dx = hn.spatial_batch_norm_backward(dout[..., None], cache)[0][..., 0]
    elif kind == "layer":
        _, cache = hn.layer_norm_forward(x.reshape(n, -1), np.ones(x[0].size), np.zeros(x[0].size))
        dx = hn.layer_norm_backward(dout.reshape(n, -1), cache)[0].reshape(x.shape)
    elif kind == "instance":
        _, cache = hn.instance_norm_forward(x, ones, zeros)
        dx = hn.instance_norm_backward(dout, cache)[0]
    else:
        _, cache = hn.group_norm_forward(x, ones, zeros, num_groups=g)
        dx = hn.group_norm_backward(dout, cache)[0]
    return np.abs(dx) > 1e-12


@pytest.mark.parametrize("kind, g", [("batch", 1), ("layer", 1), ("instance", 1), ("group", 2), ("group", 3)])
@pytest.mark.parametrize("sample, channel", [(0, 0), (2, 4)])
def test_normalization_sets_are_what_the_layers_compute(kind, g, sample, channel):
    n, c, hw = 3, 6, 4
    r = na.compute_normalization_sets(kind, n=n, c=c, hw=hw, num_groups=g, sample=sample, channel=channel)
    x = np.random.default_rng(0).normal(size=(n, c, hw))
    np.testing.assert_array_equal(r["mask"], _dependence_pattern(kind, x, n, c, g, sample, channel))
    assert r["size"] == {"batch": n * hw, "layer": c * hw, "instance": hw, "group": c // g * hw}[kind]


def test_normalization_plot_static_and_validation():
    fig = na.plot_normalization_axes(na.compute_normalization_sets("group", num_groups=3, sample=1, channel=5))
    assert fig.data[1].x.size == 2 * 5 and "group norm (G = 3)" in fig.layout.title.text
    assert_finite_figure(fig)
    static = na.static_normalization_axes()
    assert [s.label for s in static.layout.sliders[0].steps] == ["batch", "layer", "instance", "group G=2",
                                                                 "group G=3"]
    assert_finite_figure(static)
    assert len(static.to_json()) < 1_500_000
    with pytest.raises(ValueError, match="The 'num_groups' argument of compute_normalization_sets must divide c=6"):
        na.compute_normalization_sets("group", num_groups=4)
    with pytest.raises(ValueError, match="must be < n=4 and < c=6. Got 4 and 0 instead."):
        na.compute_normalization_sets("batch", sample=4)


def test_normalization_axes_explorer_fuzzed_controls():
    box = na.normalization_axes_explorer()
    assert_explorer_shape(box, ("kind", "groups", "sample", "channel"))
    (kind, groups), (sample, channel) = box.children[0].children, box.children[1].children
    rng = np.random.default_rng(1)
    combos = list(itertools.product(["batch", "group"], [1, 6], [sample.max], [channel.min, channel.max]))
    combos += [(str(rng.choice(na.NORM_KINDS)), int(rng.choice(groups.options)), int(rng.integers(0, 4)),
                int(rng.integers(0, 6))) for _ in range(4)]
    for k, g, s, ch in combos:
        kind.value, groups.value, sample.value, channel.value = k, g, s, ch
        fig = box.figure
        assert_finite_figure(fig)
        shared = sum(np.asarray(trace.z).sum() for trace in fig.data[:-1])  # one heat map per sample, 1 = shared
        assert shared == int(np.asarray(
            na.compute_normalization_sets(k, num_groups=g, sample=s, channel=ch)["mask"]).sum())
        outline = fig.data[-1]  # the chosen value's column
        assert min(outline.x) == s * (6 + 1.5) + ch and fig.layout.annotations[-1].text.endswith("H·W position")


# ---- dropout masks -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [0.0, 0.3, 0.9])
def test_dropout_forms_agree_in_expectation(p):
    r = na.compute_dropout_masks(p, n_draws=40000, seed=2)
    np.testing.assert_allclose(r["lecture_test"], (1 - p) * r["x"])
    np.testing.assert_allclose(r["pytorch_test"], r["x"])
    # Monte-Carlo error of a mean of n Bernoulli-scaled values: x sqrt(p (1 - p) / n) (lecture), / (1 - p) (PyTorch)
    tol = 5 * np.sqrt(p / ((1 - p) * 40000)) + 1e-12
    assert r["max_gap"] <= tol
    np.testing.assert_allclose(r["pytorch_train_mean"] * (1 - p), r["lecture_train_mean"], rtol=0.1, atol=0.05)


def test_dropout_plot_static_explorer():
    fig = na.plot_dropout_masks(na.compute_dropout_masks(0.5))
    assert len(fig.data) == 5 and "p = 0.50" in fig.layout.title.text
    assert_finite_figure(fig)
    static = na.static_dropout_masks()
    assert len(static.layout.sliders[0].steps) == 5 and len(static.to_json()) < 1_500_000
    assert_finite_figure(static)
    box = na.dropout_masks_explorer()
    assert_explorer_shape(box, ("p", "seed"))
    p, seed = box.children[0].children
    for pv, sv in [(p.min, seed.min), (p.max, seed.max), (0.35, 7)]:
        p.value, seed.value = pv, sv
        assert_finite_figure(box.figure)
    with pytest.raises(ValueError, match=r"The 'p' argument of compute_dropout_masks must be a real number in \[0, 0.95\]"):
        na.compute_dropout_masks(1.0)
