"""The chapter-11 checkers: each accepts the solution the chapter shows, rejects typical mistakes with the hint
that names them, and reports an untouched stub as "not attempted yet" (the notebook's stored output)."""

from __future__ import annotations

import numpy as np
import pytest

import helpers.numpy_impl as hn
from helpers.exercises import ch11
from tests.notebook_solutions import exercise_outputs, solutions

NOTEBOOK = "11_rnn.ipynb"


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


@pytest.fixture(scope="module")
def sol():
    return solutions(NOTEBOOK, {"np": np, "hn": hn})


def stub(*args):
    return None  # what a function whose body is `...` returns


def test_every_exercise_has_a_solution_that_passes(sol, capsys):
    assert ch11.check_rnn_step(sol["rnn_step"])
    assert ch11.check_lstm_step(sol["lstm_step"])
    assert ch11.check_gru_step(sol["gru_step"])
    assert ch11.check_gru_step_backward(sol["gru_step_backward"])
    assert ch11.check_vanishing_steps(sol["k"])
    assert ch11.check_lstm_parameter_count(sol["n_params"])
    assert ch11.check_clip_by_norm(sol["clip"])
    assert "❌" not in capsys.readouterr().out


def test_stored_outputs_are_the_feedback_on_untouched_stubs():
    cells = exercise_outputs(NOTEBOOK, "ch11")
    assert len(cells) == 7
    for source, text in cells:
        assert "not attempted yet" in text and "✅" not in text and "❌" not in text, source


def test_stubs_are_not_attempted(capsys):
    for check in (ch11.check_rnn_step, ch11.check_lstm_step, ch11.check_gru_step, ch11.check_gru_step_backward,
                  ch11.check_clip_by_norm):
        assert check(stub) is None
    assert ch11.check_vanishing_steps(None) is None
    assert ch11.check_lstm_parameter_count(None) is None
    out = capsys.readouterr().out
    assert out.count("not attempted yet") == 7 and "❌" not in out


def test_rnn_step_mistakes(capsys):
    def no_tanh(x, h, w_ih, w_hh, b_ih, b_hh):
        return x @ w_ih.T + b_ih + h @ w_hh.T + b_hh

    def one_bias(x, h, w_ih, w_hh, b_ih, b_hh):
        return np.tanh(x @ w_ih.T + h @ w_hh.T + b_hh)

    def untransposed(x, h, w_ih, w_hh, b_ih, b_hh):
        return np.tanh(x @ w_ih + b_ih + h @ w_hh + b_hh)

    assert not ch11.check_rnn_step(no_tanh)
    assert "apply tanh" in capsys.readouterr().out
    assert not ch11.check_rnn_step(one_bias)
    assert "both biases" in capsys.readouterr().out
    assert ch11.check_rnn_step(untransposed) is False
    assert "raised ValueError" in capsys.readouterr().out


def _lstm(order="ifgo", g_act=np.tanh, o_act=sigmoid):
    def step(x, h, c, w_ih, w_hh, b_ih, b_hh):
        blocks = dict(zip(order, np.split(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh, 4, axis=1), strict=True))
        i, f, g, o = sigmoid(blocks["i"]), sigmoid(blocks["f"]), g_act(blocks["g"]), o_act(blocks["o"])
        c_next = f * c + i * g
        return o * np.tanh(c_next), c_next
    return step


def test_lstm_step_mistakes(capsys):
    assert ch11.check_lstm_step(_lstm())
    assert not ch11.check_lstm_step(_lstm(order="ifog"))
    assert "(i, f, o, g)" in capsys.readouterr().out
    assert not ch11.check_lstm_step(_lstm(g_act=sigmoid))
    assert "candidate g must be a tanh" in capsys.readouterr().out
    assert not ch11.check_lstm_step(_lstm(o_act=np.tanh))  # the slip of one set of notes
    assert "SIGMOID output gate o (a gate in (0, 1)), not a tanh" in capsys.readouterr().out
    assert not ch11.check_lstm_step(lambda *a: _lstm()(*a)[0])
    assert "return the pair" in capsys.readouterr().out


def test_gru_step_mistakes(sol, capsys):
    def swapped_z(x, h, w_ih, w_hh, b_ih, b_hh):
        h_next = sol["gru_step"](x, h, w_ih, w_hh, b_ih, b_hh)
        z = sigmoid(np.split(x @ w_ih.T + b_ih, 3, axis=1)[1] + np.split(h @ w_hh.T + b_hh, 3, axis=1)[1])
        n = (h_next - z * h) / (1 - z)
        return z * n + (1 - z) * h

    def cho(x, h, w_ih, w_hh, b_ih, b_hh):
        xr, xz, xn = np.split(x @ w_ih.T + b_ih, 3, axis=1)
        hr, hz, _ = np.split(h @ w_hh.T + b_hh, 3, axis=1)
        r, z = sigmoid(xr + hr), sigmoid(xz + hz)
        n = np.tanh(xn + (r * h) @ np.split(w_hh, 3)[2].T + np.split(b_hh, 3)[2])
        return (1 - z) * n + z * h

    assert not ch11.check_gru_step(swapped_z)
    assert "z and 1 - z are swapped" in capsys.readouterr().out
    assert not ch11.check_gru_step(cho)
    assert "Cho et al." in capsys.readouterr().out


def test_gru_backward_mistakes(sol, capsys):
    good = sol["gru_step_backward"]

    def no_direct_path(dh_next, x, h, *w):
        grads = list(good(dh_next, x, h, *w))
        z = sigmoid(np.split(x @ w[0].T + w[2], 3, axis=1)[1] + np.split(h @ w[1].T + w[3], 3, axis=1)[1])
        grads[1] = grads[1] - dh_next * z
        return tuple(grads)

    def same_biases(dh_next, x, h, *w):
        grads = list(good(dh_next, x, h, *w))
        grads[5] = grads[4]
        return tuple(grads)

    def transposed(dh_next, x, h, *w):
        grads = list(good(dh_next, x, h, *w))
        grads[2] = grads[2].T
        return tuple(grads)

    assert not ch11.check_gru_step_backward(no_direct_path)
    assert "misses the direct path" in capsys.readouterr().out
    assert not ch11.check_gru_step_backward(same_biases)
    assert "db_hh is not db_ih" in capsys.readouterr().out
    assert not ch11.check_gru_step_backward(transposed)
    assert "stored (out, in)" in capsys.readouterr().out
    assert not ch11.check_gru_step_backward(lambda *a: good(*a)[:5])
    assert "six gradients" in capsys.readouterr().out


def test_vanishing_steps_mistakes(capsys):
    assert ch11.check_vanishing_steps(66)
    assert not ch11.check_vanishing_steps(65)
    assert "round up" in capsys.readouterr().out
    assert not ch11.check_vanishing_steps(65.56)
    assert "whole number" in capsys.readouterr().out


def test_lstm_parameter_count_mistakes(capsys):
    assert ch11.check_lstm_parameter_count(2560)
    assert not ch11.check_lstm_parameter_count(2480)
    assert "two bias vectors" in capsys.readouterr().out
    assert not ch11.check_lstm_parameter_count(640)
    assert "stacks four" in capsys.readouterr().out


def test_clip_mistakes(capsys):
    def per_array(grads, max_norm):
        return [g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads]

    def always(grads, max_norm):
        total = np.sqrt(sum(np.sum(g**2) for g in grads))
        return [g * max_norm / total for g in grads]

    assert not ch11.check_clip_by_norm(per_array)
    assert "ONE factor" in capsys.readouterr().out
    assert not ch11.check_clip_by_norm(always)
    assert "already small" in capsys.readouterr().out
