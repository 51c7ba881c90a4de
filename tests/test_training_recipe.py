"""Sanity checks and the deliberately broken runs of chapter 6: each bug shows the symptom the chapter describes."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import helpers.numpy_impl as hn
from helpers.core.testing import gradient_check
from helpers.labs.training_recipe import (
    BUGS,
    debug_run,
    expected_initial_loss,
    initial_loss,
    overfit_one_batch,
    softmax_cross_entropy_backward_forgot_mean,
    train_step_softmax_before_loss,
)
from helpers.torch_impl.nets import mlp


def test_initial_loss_is_close_to_log_c_and_one_batch_can_be_overfit():
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(16, 64, generator=g), torch.arange(16) % 10
    net = mlp([64, 64, 10], generator=g)
    assert expected_initial_loss(10) == pytest.approx(math.log(10))
    assert initial_loss(net, x, y) == pytest.approx(math.log(10), abs=0.15)
    losses = overfit_one_batch(net, x, y, steps=150)
    assert losses[-1] < 0.01
    stuck = overfit_one_batch(mlp([64, 64, 10], generator=torch.Generator().manual_seed(0)), x, y, steps=150,
                              step=train_step_softmax_before_loss)
    assert stuck[-1] > math.log(1 + 9 / math.e) - 1e-3  # softmax twice: the loss cannot go below ln(1 + 9/e)


def test_each_bug_shows_its_symptom():
    runs = {name: debug_run(name, epochs=6) for name in BUGS}
    ok = runs["no bug"]
    assert ok.diverged_at is None and ok.val_acc[-1] > 0.9
    assert runs["forgot zero_grad()"].diverged_at is not None
    assert runs["learning rate 10× too high"].diverged_at is not None
    assert runs["softmax before cross_entropy"].train_loss[-1] > 1.46
    assert runs["labels shuffled"].val_acc[-1] < 0.2  # chance level is 0.1
    assert runs["validation in train mode (dropout on)"].val_loss[-1] > ok.val_loss[-1]
    assert runs["validation in train mode (dropout on)"].train_loss[0] == ok.train_loss[0]  # same training so far
    with pytest.raises(ValueError, match="'bug' argument of debug_run"):
        debug_run("typo")


def test_gradient_check_catches_the_missing_mean():
    rng = np.random.default_rng(0)
    scores, y = rng.standard_normal((5, 4)), rng.integers(0, 4, 5)
    good = gradient_check(hn.softmax_cross_entropy_forward, scores, y, backward=hn.softmax_cross_entropy_backward)
    bad = gradient_check(hn.softmax_cross_entropy_forward, scores, y, backward=softmax_cross_entropy_backward_forgot_mean)
    assert good.verdict == "great" and bad.verdict == "wrong"
    assert bad.max_error == pytest.approx((5 - 1) / (5 + 1), rel=1e-5)  # analytic = 5 × numeric
