"""The attention-heatmap widgets (chapter 12a): training, maps, plots, static slider, fuzzed explorer."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from helpers.widgets import attention_heatmap as ah
from tests.widget_fuzz import assert_explorer_shape

SMALL = ah.TransformerConfig(length=4, d_model=8, dim_feedforward=16, steps=5, batch_size=8)


@pytest.fixture(scope="module")
def small_model():
    return ah.train_tiny_transformer(SMALL, seed=1)[0]


@pytest.fixture(scope="module")
def tokens():
    return ah.make_reversal_data(3, length=4, generator=torch.Generator().manual_seed(2))[0]


def _finite_z(fig):
    for trace in fig.data:
        z = np.asarray(trace.z, dtype=float)
        assert np.isfinite(z).all() and z.min() >= 0 and z.max() <= 1


def test_reversal_data_is_seeded_and_reversed():
    a, ya = ah.make_reversal_data(5, length=4, generator=torch.Generator().manual_seed(0))
    b, _ = ah.make_reversal_data(5, length=4, generator=torch.Generator().manual_seed(0))
    assert torch.equal(a, b) and torch.equal(ya, a.flip(1)) and a.shape == (5, 4)
    with pytest.raises(TypeError, match="The 'generator' argument of make_reversal_data"):
        ah.make_reversal_data(5, generator=0)


def test_training_learns_reversal_only_with_positional_encodings():
    model, history = ah.train_tiny_transformer(ah.TransformerConfig(steps=150), seed=0)
    assert history["token_accuracy"] > 0.95 and history["loss"][-1] < 0.1
    # the solving layer attends output i -> input L-1-i: an anti-diagonal
    x, _ = ah.make_reversal_data(20, generator=torch.Generator().manual_seed(3))
    maps, predicted = ah.compute_attention_maps(model, x)
    anti = maps[-1][..., np.arange(6), np.arange(6)[::-1]]  # (N, H, L)
    assert anti.mean() > 0.8 and np.array_equal(predicted, x.flip(1).numpy())
    # without positions, attention is permutation equivariant: output i cannot know where to look
    _, blind = ah.train_tiny_transformer(ah.TransformerConfig(steps=150, positional=False), seed=0)
    assert blind["token_accuracy"] < 0.5


def test_training_is_deterministic():
    a = ah.train_tiny_transformer(SMALL, seed=3)[1]["loss"]
    b = ah.train_tiny_transformer(SMALL, seed=3)[1]["loss"]
    np.testing.assert_array_equal(a, b)


def test_maps_are_row_stochastic_and_plots_are_finite(small_model, tokens):
    maps, predicted = ah.compute_attention_maps(small_model, tokens)
    assert maps.shape == (2, 3, 2, 4, 4) and predicted.shape == (3, 4)
    np.testing.assert_allclose(maps.sum(-1), 1.0, rtol=1e-6)
    fig = ah.plot_attention_heatmap(maps[1, 0, 1], tokens[0].tolist(), predicted[0].tolist(), title="t")
    assert fig.layout.title.text == "t"
    assert list(fig.data[0].x) == [f"{i}:{int(t)}" for i, t in enumerate(tokens[0])]
    _finite_z(fig)
    with pytest.raises(ValueError, match="The 'weights' argument of plot_attention_heatmap"):
        ah.plot_attention_heatmap(np.full((2, 2), np.nan), [0, 1], [1, 0])


def test_static_figure_has_one_step_per_example_layer_head(small_model, tokens):
    maps, predicted = ah.compute_attention_maps(small_model, tokens)
    fig = ah.static_attention_heatmap(maps, tokens.numpy(), predicted)
    steps = fig.layout.sliders[0].steps
    assert len(steps) == len(fig.data) == 3 * 2 * 2
    assert steps[0].label == "1·L1·H1" and steps[-1].label == "3·L2·H2"
    for i, step in enumerate(steps):
        assert step.args[0]["visible"] == [j == i for j in range(12)]
    # example 2, layer 1, head 2
    np.testing.assert_allclose(np.asarray(fig.data[5].z), np.round(maps[0, 1, 1], 4))
    _finite_z(fig)
    assert len(fig.to_json()) < 1_500_000


def test_validation_of_tokens_and_config(small_model):
    for bad in (torch.zeros(2, 5, dtype=torch.long), torch.zeros(2, 4), torch.full((1, 4), 10)):
        with pytest.raises(ValueError, match="The 'tokens' argument of compute_attention_maps"):
            ah.compute_attention_maps(small_model, bad)
    with pytest.raises(ValueError, match="must be even and divisible by num_heads=2"):
        ah.train_tiny_transformer(ah.TransformerConfig(d_model=9))
    with pytest.raises(ValueError, match="The 'steps' field"):
        ah.train_tiny_transformer(ah.TransformerConfig(steps=0))


def test_explorer_controls_fuzzed(small_model, tokens):
    box = ah.attention_explorer(small_model, tokens)
    assert_explorer_shape(box, ("layer", "head", "example"))
    layer, head, example = box.children[0].children
    maps, _ = ah.compute_attention_maps(small_model, tokens)
    rng = np.random.default_rng(0)
    combos = list(itertools.product(layer.options, head.options, [example.min, example.max]))
    combos += [(layer.options[rng.integers(2)], head.options[rng.integers(2)], int(rng.integers(0, 3)))
               for _ in range(5)]
    for (_, la), (_, h), e in combos:
        layer.value, head.value, example.value = la, h, e
        fig = box.figure
        _finite_z(fig)
        np.testing.assert_allclose(np.asarray(fig.data[0].z), np.round(maps[la, e, h], 4))
        assert fig.layout.title.text == f"example {e + 1} · layer {la + 1} · head {h + 1}"
