"""The checkers of chapters 7 and 8 accept correct answers and reject the classic mistakes."""

from __future__ import annotations

import numpy as np

from helpers.exercises import ch07, ch08


def _softmax(s):
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _naive_softmax(s):
    return np.exp(s) / np.exp(s).sum(axis=-1, keepdims=True)


def _sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def test_chapter7_checkers(capsys):
    assert ch07.check_stable_softmax(_softmax)
    assert not ch07.check_stable_softmax(_naive_softmax)
    assert ch07.check_stable_sigmoid(_sigmoid)
    assert not ch07.check_stable_sigmoid(lambda x: 1 / (1 + np.exp(-x)))
    assert ch07.check_init_std(lambda fi, fo, a: np.sqrt((2.0 if a == "relu" else 1.0) / fi))
    assert not ch07.check_init_std(lambda fi, fo, a: (2.0 if a == "relu" else 1.0) / fi)  # a variance, not a std
    assert not ch07.check_init_std(lambda fi, fo, a: np.sqrt(2.0 / (fi + fo)))  # Glorot
    z = np.array([[-1.0, 2.0, -3.0], [-0.5, -1.0, 4.0]])
    assert ch07.check_dead_fraction(1 / 3, z)
    assert not ch07.check_dead_fraction(float(np.mean(z <= 0)), z)
    assert "❌" in capsys.readouterr().out


def _early_stopping(losses, patience):
    best, best_epoch = float("inf"), 0
    for epoch, loss in enumerate(losses, start=1):
        if loss < best:
            best, best_epoch = loss, epoch
        elif epoch - best_epoch >= patience:
            return epoch, best_epoch
    return len(losses), best_epoch


def _bn(x, gamma, beta, eps):
    return gamma * (x - x.mean(0)) / np.sqrt(x.var(0) + eps) + beta


def test_chapter8_checkers():
    assert ch08.check_early_stopping(_early_stopping)
    assert not ch08.check_early_stopping(lambda losses, patience: (len(losses), int(np.argmin(losses))))  # 0-based
    assert ch08.check_batch_norm_train(_bn)
    assert not ch08.check_batch_norm_train(lambda x, g, b, eps: g * (x - x.mean(0)) / np.sqrt(x.var(0, ddof=1) + eps) + b)
    assert ch08.check_running_stats(lambda m, v, x, mom: ((1 - mom) * m + mom * x.mean(0),
                                                          (1 - mom) * v + mom * x.var(0, ddof=1)))
    assert not ch08.check_running_stats(lambda m, v, x, mom: ((1 - mom) * m + mom * x.mean(0),
                                                              (1 - mom) * v + mom * x.var(0)))  # biased
    assert not ch08.check_running_stats(lambda m, v, x, mom: (mom * m + (1 - mom) * x.mean(0),
                                                              mom * v + (1 - mom) * x.var(0, ddof=1)))  # Keras-style
    assert ch08.check_norm_axes({"batch": (0, 2, 3), "layer": (1, 2, 3), "instance": (2, 3)})
    assert not ch08.check_norm_axes({"batch": (0,), "layer": (1, 2, 3), "instance": (2, 3)})
