"""The checkers of chapters 7 and 8 accept the reference solutions (the ones in the chapters' collapsed
dropdowns), reject the typical mistakes with the right hint, and call an untouched stub "not attempted"."""

from __future__ import annotations

import math

import numpy as np
import torch

from helpers.exercises import ch07, ch08


def _stub(*args):
    """What a stub with the body ``...`` returns."""


def _verdict(capsys) -> str:
    return capsys.readouterr().out


# ------------------------------------------------------------------------------------------------ chapter 7
def _cross_entropy(scores, labels):
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -log_probs[np.arange(len(labels)), labels].mean()


def _cross_entropy_via_probabilities(scores, labels):
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return -np.log((e / e.sum(axis=1, keepdims=True))[np.arange(len(labels)), labels]).mean()


def test_cross_entropy_checker(capsys):
    assert ch07.check_cross_entropy(_cross_entropy) is True
    assert ch07.check_cross_entropy(_cross_entropy_via_probabilities) is False
    assert "ln of a probability that rounded to 0" in _verdict(capsys)
    assert ch07.check_cross_entropy(lambda s, y: -_cross_entropy(s, y)) is False
    assert "the sign is wrong" in _verdict(capsys)
    assert ch07.check_cross_entropy(lambda s, y: _cross_entropy(s, y) * len(y)) is False
    assert "take the mean" in _verdict(capsys)
    assert ch07.check_cross_entropy(_stub) is None
    assert "⬜ cross-entropy from logits: not attempted yet" in _verdict(capsys)


def _softplus_forward(x):
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def _softplus_backward(dout, x):
    e = np.exp(-np.abs(x))
    return dout * np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))  # the stable sigmoid


def test_softplus_checker(capsys):
    assert ch07.check_softplus(_softplus_forward, _softplus_backward) is True
    assert ch07.check_softplus(lambda x: np.log(1 + np.exp(x)), _softplus_backward) is False
    assert "overflow" in _verdict(capsys)
    assert ch07.check_softplus(_softplus_forward, lambda dout, x: _softplus_backward(np.ones_like(dout), x)) is False
    assert "multiplies it by the upstream dout" in _verdict(capsys)
    assert ch07.check_softplus(_softplus_forward, lambda dout, x: _softplus_backward(dout, -x)) is False
    assert "that is sigmoid(-x)" in _verdict(capsys)
    assert ch07.check_softplus(_stub, _stub) is None
    assert "not attempted yet (softplus_forward returns None)" in _verdict(capsys)
    assert ch07.check_softplus(_softplus_forward, _stub) is None
    assert "not attempted yet (softplus_backward returns None)" in _verdict(capsys)


def test_leaky_relu_init_checker(capsys):
    assert ch07.check_leaky_relu_init(lambda n, a: math.sqrt(2.0 / ((1.0 + a * a) * n))) is True
    assert ch07.check_leaky_relu_init(lambda n, a: 2.0 / ((1.0 + a * a) * n)) is False
    assert "that is the variance" in _verdict(capsys)
    assert ch07.check_leaky_relu_init(lambda n, a: math.sqrt(2.0 / ((1.0 + a) * n))) is False
    assert "the slope is squared" in _verdict(capsys)
    assert ch07.check_leaky_relu_init(lambda n, a: math.sqrt(2.0 / n)) is False
    assert "He's ReLU value for every slope" in _verdict(capsys)
    assert ch07.check_leaky_relu_init(_stub) is None


def test_dead_fraction_checker(capsys):
    z = np.array([[-1.0, 2.0, -3.0], [-0.5, -1.0, 4.0]])
    assert ch07.check_dead_fraction(float(np.mean(np.all(z <= 0, axis=0))), z) is True
    assert ch07.check_dead_fraction(float(np.mean(z <= 0)), z) is False
    assert "fraction of zero *outputs*" in _verdict(capsys)
    assert ch07.check_dead_fraction(100 / 3, z) is False
    assert "not a percentage" in _verdict(capsys)
    assert ch07.check_dead_fraction(None, z) is None
    assert "not attempted yet" in _verdict(capsys)


# ------------------------------------------------------------------------------------------------ chapter 8
def _evaluate(model, x):
    was_training = model.training
    model.eval()  # batch norm: running statistics; dropout: off
    with torch.no_grad():
        predictions = model(x).argmax(dim=1)
    model.train(was_training)  # the training loop continues in the mode it was in
    return predictions


def _evaluate_buggy(model, x):  # the chapter's stub
    with torch.no_grad():
        return model(x).argmax(dim=1)


def _evaluate_left_in_eval(model, x):
    model.eval()
    with torch.no_grad():
        return model(x).argmax(dim=1)


def _evaluate_back_to_train(model, x):
    model.eval()
    with torch.no_grad():
        predictions = model(x).argmax(dim=1)
    model.train()
    return predictions


def test_evaluate_checker(capsys):
    assert ch08.check_evaluate(_evaluate) is True
    assert ch08.check_evaluate(_evaluate_buggy) is False
    assert "change with the batch they come in" in _verdict(capsys)
    assert ch08.check_evaluate(_evaluate_left_in_eval) is False
    assert "in train mode before your function and is in eval mode after it" in _verdict(capsys)
    assert ch08.check_evaluate(_evaluate_back_to_train) is False
    assert "in eval mode before your function and is in train mode after it" in _verdict(capsys)
    assert ch08.check_evaluate(_stub) is None


def _bn_backward(dout, x, gamma, eps):
    inv_std = 1.0 / np.sqrt(x.var(axis=0) + eps)
    x_hat = (x - x.mean(axis=0)) * inv_std
    dx_hat = dout * gamma
    dx = (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0)) * inv_std
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def test_batch_norm_backward_checker(capsys):
    assert ch08.check_batch_norm_backward(_bn_backward) is True

    def constants(dout, x, gamma, eps):  # mean and variance treated as constants
        dx, dgamma, dbeta = _bn_backward(dout, x, gamma, eps)
        return dout * gamma / np.sqrt(x.var(axis=0) + eps), dgamma, dbeta

    assert ch08.check_batch_norm_backward(constants) is False
    assert "treated the batch mean and variance as constants" in _verdict(capsys)

    def mean_term_only(dout, x, gamma, eps):
        dx, dgamma, dbeta = _bn_backward(dout, x, gamma, eps)
        dx_hat = dout * gamma
        return (dx_hat - dx_hat.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps), dgamma, dbeta

    assert ch08.check_batch_norm_backward(mean_term_only) is False
    assert "the variance's term" in _verdict(capsys)
    assert ch08.check_batch_norm_backward(lambda d, x, g, e: (_bn_backward(d, x, g, e)[0], d.sum(0), d.sum(0))) is False
    assert "dgamma is the sum" in _verdict(capsys)
    assert ch08.check_batch_norm_backward(_stub) is None


def test_running_stats_checker(capsys):
    assert ch08.check_running_stats(lambda m, v, x, mom: ((1 - mom) * m + mom * x.mean(0),
                                                          (1 - mom) * v + mom * x.var(0, ddof=1))) is True
    assert ch08.check_running_stats(lambda m, v, x, mom: ((1 - mom) * m + mom * x.mean(0),
                                                          (1 - mom) * v + mom * x.var(0))) is False
    assert "unbiased batch variance" in _verdict(capsys)
    assert ch08.check_running_stats(lambda m, v, x, mom: (mom * m + (1 - mom) * x.mean(0),
                                                          mom * v + (1 - mom) * x.var(0, ddof=1))) is False
    assert "weighs the *new* batch" in _verdict(capsys)
    assert ch08.check_running_stats(_stub) is None


def test_norm_axes_checker(capsys):
    assert ch08.check_norm_axes({"batch": (0, 2, 3), "layer": (1, 2, 3), "instance": (2, 3)}) is True
    assert ch08.check_norm_axes({"batch": (0,), "layer": (1, 2, 3), "instance": (2, 3)}) is False
    assert "look again at batch" in _verdict(capsys)
    assert ch08.check_norm_axes({"batch": (0, 2, 3), "layer": (0, 1, 2, 3), "instance": (0, 2, 3)}) is False
    assert "look again at layer, instance" in _verdict(capsys)
    assert ch08.check_norm_axes({"batch": None, "layer": None, "instance": None}) is None
