"""helpers.__version__, device(), setup() and show_source()."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

import helpers


def test_version_is_a_release_string():
    parts = helpers.__version__.split(".")
    assert len(parts) == 3 and all(p.isdigit() for p in parts)


def test_device_prefers_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(helpers, "_mps_available", lambda _torch: False)
    assert helpers.device().type == "cpu"
    monkeypatch.setattr(helpers, "_mps_available", lambda _torch: True)
    assert helpers.device().type == "mps"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert helpers.device().type == "cuda"


def test_device_prefer_validates(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert helpers.device("cpu").type == "cpu"
    with pytest.raises(ValueError, match="no cuda device is available"):
        helpers.device("cuda")
    with pytest.raises(ValueError, match="must be one of"):
        helpers.device("tpu")


def test_setup_makes_every_generator_repeat():
    def draw():
        rng = helpers.setup(seed=7)
        return rng.normal(), np.random.rand(), random.random(), torch.rand(1).item()

    first, second = draw(), draw()
    assert first == second
    assert helpers.setup(seed=8).normal() != first[0]
    assert torch.get_num_threads() == 1
    assert torch.are_deterministic_algorithms_enabled()


@pytest.mark.parametrize("bad", [-1, 1.5, "0", True])
def test_setup_rejects_bad_seeds(bad):
    with pytest.raises(ValueError, match="'seed' argument of setup must be an int >= 0"):
        helpers.setup(seed=bad)


def test_show_source_prints_the_real_source():
    import helpers.numpy_impl.perceptron as module

    text = helpers.source(module.perceptron_fit)
    assert text.startswith("def perceptron_fit(") and "w = w + lr * yi * xi" in text
    with pytest.raises(TypeError, match="show_source expects a function"):
        helpers.source(42)
