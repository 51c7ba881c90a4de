"""The exercise checkers of chapters 3 and 4 accept right answers and reject the typical wrong ones."""

from __future__ import annotations

import numpy as np

from helpers.exercises import ch03, ch04


def test_ch03_checkers(capsys):
    assert ch03.check_parameter_count(lambda s: sum(b * (a + 1) for a, b in zip(s[:-1], s[1:])))
    assert not ch03.check_parameter_count(lambda s: sum(a * b for a, b in zip(s[:-1], s[1:])))
    assert "bias" in capsys.readouterr().out
    assert ch03.check_stable_softmax(lambda a: np.exp(a - a.max(-1, keepdims=True)) / np.exp(a - a.max(-1, keepdims=True)).sum(-1, keepdims=True))
    assert not ch03.check_stable_softmax(lambda a: np.exp(a) / np.exp(a).sum(-1, keepdims=True))
    assert ch03.check_laplace_location(np.median)
    assert not ch03.check_laplace_location(np.mean)
    assert "Gaussian" in capsys.readouterr().out

    def dice(a, b):
        t = a.sum() + b.sum()
        return 1.0 if t == 0 else 2 * (a & b).sum() / t

    def jaccard(a, b):
        u = (a | b).sum()
        return 1.0 if u == 0 else (a & b).sum() / u

    assert ch03.check_dice_jaccard(dice, jaccard)
    assert not ch03.check_dice_jaccard(jaccard, jaccard)
    assert ch03.check_mse_gradient(lambda p, t: 2 * (p - t) / p.size)
    assert not ch03.check_mse_gradient(lambda p, t: (p - t) / p.size)
    assert "factor 2" in capsys.readouterr().out
    assert not ch03.check_mse_gradient(lambda p, t: 1 / 0)  # a crash is reported, not raised


def test_ch04_checkers(capsys):
    assert ch04.check_add_mul_gradients(2.0, 2.0, 1.0)
    assert not ch04.check_add_mul_gradients(1.0, 1.0, 2.0)

    def neuron(w, x):
        s = 1 / (1 + np.exp(-(w[:-1] @ x + w[-1])))
        return np.append(x * s * (1 - s), s * (1 - s)), w[:-1] * s * (1 - s)

    assert ch04.check_sigmoid_neuron_gradient(neuron)
    assert not ch04.check_sigmoid_neuron_gradient(lambda w, x: (np.append(x, 1.0), w[:-1]))
    assert ch04.check_affine_backward(lambda d, x, w: (d @ w, d.T @ x, d.sum(0)))
    assert not ch04.check_affine_backward(lambda d, x, w: (d @ w, x.T @ d, d.sum(0)))
    assert ch04.check_weight_decay(1e-3, lam=5e-4)
    assert not ch04.check_weight_decay(5e-4, lam=5e-4)

    def centred(f, x, h):
        g = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            e = np.zeros_like(x)
            e[i] = h
            g[i] = (f(x + e) - f(x - e)) / (2 * h)
        return g

    def forward(f, x, h):
        g = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            e = np.zeros_like(x)
            e[i] = h
            g[i] = (f(x + e) - f(x)) / h
        return g

    assert ch04.check_numerical_gradient(centred)
    assert not ch04.check_numerical_gradient(forward)
    assert "centred" in capsys.readouterr().out
