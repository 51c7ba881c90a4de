"""The chapter-2 checkers: each accepts the solution the chapter shows in its collapsed dropdown, rejects typical
mistakes with the hint that names them, and reports an untouched stub as "not attempted yet" (the stored output)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from helpers.exercises import ch02
from tests.notebook_solutions import exercise_outputs, solutions

NOTEBOOK = "02_ml_basics.ipynb"


@pytest.fixture(scope="module")
def sol():
    return solutions(NOTEBOOK, {"np": np, "math": math})


def stub(*args):
    return None  # what a function whose body is `...` returns


def test_every_exercise_has_a_solution_that_passes(sol, capsys):
    assert ch02.check_l1_distance(sol["l1_distance"])
    assert ch02.check_split_sizes(sol["n_train"], sol["n_val"], sol["n_test"])
    assert ch02.check_normal_equations(sol["fit"])
    assert ch02.check_bce_gradient(sol["grad"])
    assert ch02.check_kl_normal(sol["kl_gauss"])
    assert ch02.check_laplace_scale(sol["b_backward"], sigma=2.0, direction="backward")
    assert "❌" not in capsys.readouterr().out


def test_stored_outputs_are_the_feedback_on_untouched_stubs():
    cells = exercise_outputs(NOTEBOOK, "ch02")
    assert len(cells) == 6
    for source, text in cells:
        assert "not attempted yet" in text and "✅" not in text and "❌" not in text, source


def test_stubs_are_not_attempted(capsys):
    for check in (ch02.check_l1_distance, ch02.check_normal_equations, ch02.check_bce_gradient, ch02.check_kl_normal):
        assert check(stub) is None
    assert ch02.check_split_sizes(None, None, None) is None
    assert ch02.check_laplace_scale(None, direction="backward") is None
    out = capsys.readouterr().out
    assert out.count("not attempted yet") == 6 and "❌" not in out


def test_l1_mistakes(capsys):
    assert not ch02.check_l1_distance(lambda a, b: np.abs(a - b).sum())  # uint8 / int wrap-around
    assert "wrap around" in capsys.readouterr().out
    assert not ch02.check_l1_distance(lambda a, b: np.sqrt(((a.astype(float) - b) ** 2).sum()))
    assert "L2 (Euclidean)" in capsys.readouterr().out


def test_split_mistakes(capsys):
    assert not ch02.check_split_sizes(1437, 180, 180)  # the split of the whole set
    assert "stratified split rounds per class" in capsys.readouterr().out
    assert not ch02.check_split_sizes(1437, 180, 179)
    assert "add up to 1796" in capsys.readouterr().out
    assert not ch02.check_split_sizes(1429, 184, 184)
    assert "expected (1439, 179, 179)" in capsys.readouterr().out


def test_normal_equations_mistakes(capsys):
    assert not ch02.check_normal_equations(lambda X, y: np.linalg.solve(X.T @ X, y))
    assert "raised" in capsys.readouterr().out
    assert not ch02.check_normal_equations(lambda X, y: np.linalg.lstsq(X[:, 1:], y, rcond=None)[0])
    assert "expected θ of shape (4,)" in capsys.readouterr().out


def test_bce_gradient_mistakes(capsys):
    def sigmoid(s):
        return 1 / (1 + np.exp(-s))

    assert not ch02.check_bce_gradient(lambda x, w, b, y: (x.T @ (y - sigmoid(x @ w + b)) / len(y),
                                                           (y - sigmoid(x @ w + b)).mean()))
    assert "sign is flipped" in capsys.readouterr().out
    assert not ch02.check_bce_gradient(lambda x, w, b, y: (x.T @ (sigmoid(x @ w + b) - y),
                                                           (sigmoid(x @ w + b) - y).sum()))
    assert "divide by N" in capsys.readouterr().out


def test_kl_mistakes(capsys, sol):
    assert not ch02.check_kl_normal(lambda mp, sp, mq, sq: sol["kl_gauss"](mq, sq, mp, sp))
    assert "D(q||p)" in capsys.readouterr().out
    assert not ch02.check_kl_normal(lambda mp, sp, mq, sq: sol["kl_gauss"](mp, sp, mq, sq) + 0.5)
    assert "missing the -1/2" in capsys.readouterr().out


def test_laplace_scale_mistakes(capsys):
    assert ch02.check_laplace_scale(2 * math.sqrt(2 / math.pi), sigma=2.0)  # the forward optimum
    assert not ch02.check_laplace_scale(2 * math.sqrt(2 / math.pi), sigma=2.0, direction="backward")
    assert "other direction" in capsys.readouterr().out
    assert not ch02.check_laplace_scale(1 / math.sqrt(2), sigma=2.0, direction="backward")
    assert "optimum for σ = 1" in capsys.readouterr().out
    assert not ch02.check_laplace_scale(1.72, sigma=2.0)
    assert "0.86" in capsys.readouterr().out
