"""The exercise checkers of chapters 3 and 4 accept right answers (chapter 4: the solutions on its page) and reject
the typical wrong ones with the hint that names them; an untouched stub is "not attempted yet"."""

from __future__ import annotations

import numpy as np
from notebook_solutions import exercise_outputs, solutions

from helpers.core.testing import gradient_check
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


NOTEBOOK_04 = "04_backpropagation.ipynb"


def _stub(*args):
    return None  # what a function whose body is `...` returns


def _centred(f, x, h):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def test_ch04_solutions_on_the_page_pass(capsys):
    sol = solutions(NOTEBOOK_04, {"np": np, "gradient_check": gradient_check})
    assert ch04.check_add_mul_gradients(sol["dx"], sol["dy"], sol["dz"])
    assert ch04.check_sigmoid_neuron_gradient(sol["neuron_grad"])
    assert ch04.check_affine_backward(sol["my_affine_backward"])
    assert ch04.check_numerical_gradient(sol["my_numerical_gradient"])
    assert ch04.check_weight_decay(sol["weight_decay"], lam=5e-4)
    assert ch04.check_silu_backward(sol["silu_backward"])
    out = capsys.readouterr().out
    assert "❌" not in out and "great" in out  # the SiLU solution's own gradient check


def test_ch04_stored_outputs_are_the_feedback_on_untouched_stubs():
    cells = exercise_outputs(NOTEBOOK_04, "ch04")
    assert len(cells) == 6
    for source, text in cells:
        assert "not attempted yet" in text and "✅" not in text and "❌" not in text, source


def test_ch04_stubs_are_not_attempted(capsys):
    assert ch04.check_add_mul_gradients(None, None, None) is None
    assert ch04.check_weight_decay(None) is None
    for check in (ch04.check_sigmoid_neuron_gradient, ch04.check_affine_backward, ch04.check_numerical_gradient,
                  ch04.check_silu_backward):
        assert check(_stub) is None
    out = capsys.readouterr().out
    assert out.count("not attempted yet") == 6 and "❌" not in out


def test_ch04_checkers(capsys):
    assert ch04.check_add_mul_gradients(2.0, 2.0, 1.0)
    assert not ch04.check_add_mul_gradients(1.0, 1.0, 2.0)
    assert "other* input" in capsys.readouterr().out

    def neuron(w, x):
        s = 1 / (1 + np.exp(-(w[:-1] @ x + w[-1])))
        return np.append(x * s * (1 - s), s * (1 - s)), w[:-1] * s * (1 - s)

    assert ch04.check_sigmoid_neuron_gradient(neuron)
    assert not ch04.check_sigmoid_neuron_gradient(lambda w, x: (np.append(x, 1.0), w[:-1]))
    assert "local derivative" in capsys.readouterr().out
    assert not ch04.check_sigmoid_neuron_gradient(lambda w, x: (w[:-1], x))
    assert "expected shapes" in capsys.readouterr().out
    assert ch04.check_affine_backward(lambda d, x, w: (d @ w, d.T @ x, d.sum(0)))
    assert not ch04.check_affine_backward(lambda d, x, w: (d @ w, x.T @ d, d.sum(0)))
    assert "dw must have shape" in capsys.readouterr().out
    assert not ch04.check_affine_backward(lambda d, x, w: (d @ w, d.T @ x, d.sum(1)))
    assert "sum dout over the batch" in capsys.readouterr().out
    assert ch04.check_weight_decay(1e-3, lam=5e-4)
    assert not ch04.check_weight_decay(5e-4, lam=5e-4)
    assert "is λ itself" in capsys.readouterr().out
    assert not ch04.check_weight_decay(2.5e-4, lam=5e-4)
    assert "λ/2" in capsys.readouterr().out

    def forward(f, x, h):
        g = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            e = np.zeros_like(x)
            e[i] = h
            g[i] = (f(x + e) - f(x)) / h
        return g

    def leaves_x_shifted(f, x, h):
        g = _centred(f, x, h)
        x[0, 0] -= h  # forgets to restore one entry
        return g

    assert ch04.check_numerical_gradient(_centred)
    assert not ch04.check_numerical_gradient(forward)
    assert "centred" in capsys.readouterr().out
    assert not ch04.check_numerical_gradient(leaves_x_shifted)
    assert "changed x" in capsys.readouterr().out
    assert not ch04.check_numerical_gradient(lambda f, x, h: 2 * _centred(f, x, h))
    assert "divide by 2h" in capsys.readouterr().out


def test_ch04_silu_mistakes(capsys):
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    assert ch04.check_silu_backward(lambda d, x: d * (sig(x) + x * sig(x) * (1 - sig(x))))
    assert not ch04.check_silu_backward(lambda d, x: d * sig(x))
    assert "product rule" in capsys.readouterr().out
    assert not ch04.check_silu_backward(lambda d, x: d * x * sig(x) * (1 - sig(x)))
    assert "product rule" in capsys.readouterr().out
    assert not ch04.check_silu_backward(lambda d, x: sig(x) + x * sig(x) * (1 - sig(x)))
    assert "upstream gradient" in capsys.readouterr().out
    assert ch04.check_silu_backward(lambda d, x: 1 / 0) is False  # a crash is reported, not raised
    assert "raised ZeroDivisionError" in capsys.readouterr().out
