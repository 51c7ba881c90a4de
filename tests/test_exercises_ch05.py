"""The chapter-5 checkers: each accepts the solution on the chapter's page, rejects typical mistakes with the hint
that names them, and reports an untouched stub as "not attempted yet" (the notebook's stored output)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from notebook_solutions import exercise_outputs, solutions

from helpers.exercises import ch05
from helpers.widgets.optimizer_trajectories import compute_trajectories
from helpers.widgets.surfaces import quadratic_surface

NOTEBOOK = "05_optimization.ipynb"


@pytest.fixture(scope="module")
def sol():
    return solutions(NOTEBOOK, {"np": np, "math": math, "quadratic_surface": quadratic_surface,
                                "compute_trajectories": compute_trajectories})


def stub(*args):
    return None  # what a function whose body is `...` returns


def test_every_exercise_has_a_solution_that_passes(sol, capsys):
    assert ch05.check_momentum_step(sol["momentum_step"])
    assert ch05.check_divergence_threshold(sol["answer"], eigenvalues=[0.5, 3.0, 40.0])
    assert ch05.check_adam_step(sol["adam_step"])
    assert ch05.check_optimal_momentum(sol["lr_star"], sol["beta_star"], eigenvalues=[2.0, 200.0])
    assert "❌" not in capsys.readouterr().out


def test_the_threshold_solution_confirms_its_prediction(capsys):
    solutions(NOTEBOOK, {"np": np, "math": math, "quadratic_surface": quadratic_surface,
                         "compute_trajectories": compute_trajectories})
    out = capsys.readouterr().out
    assert "reached tol" in out and "diverged" in out  # just below and just above the threshold


def test_stored_outputs_are_the_feedback_on_untouched_stubs():
    cells = exercise_outputs(NOTEBOOK, "ch05")
    assert len(cells) == 4
    for source, text in cells:
        assert "not attempted yet" in text and "✅" not in text and "❌" not in text, source


def test_stubs_are_not_attempted(capsys):
    assert ch05.check_momentum_step(stub) is None
    assert ch05.check_adam_step(stub) is None
    assert ch05.check_divergence_threshold(None, [1.0, 2.0]) is None
    assert ch05.check_optimal_momentum(None, None, [1.0, 2.0]) is None
    out = capsys.readouterr().out
    assert out.count("not attempted yet") == 4 and "❌" not in out


def test_momentum_mistakes(capsys):
    assert not ch05.check_momentum_step(lambda th, v, g, lr, b: (th + v, b * v - lr * g))
    assert "old velocity" in capsys.readouterr().out
    assert not ch05.check_momentum_step(lambda th, v, g, lr, b: (th + b * v + lr * g, b * v + lr * g))
    assert "uphill" in capsys.readouterr().out
    assert ch05.check_momentum_step(lambda th, v, g, lr, b: 1 / 0) is False
    assert "raised ZeroDivisionError" in capsys.readouterr().out


def test_divergence_threshold_mistakes(capsys):
    assert not ch05.check_divergence_threshold(2 / 0.5, [0.5, 3.0, 40.0])
    assert "flattest" in capsys.readouterr().out
    assert not ch05.check_divergence_threshold(1 / 40, [0.5, 3.0, 40.0])
    assert "αλ = 2" in capsys.readouterr().out
    assert not ch05.check_divergence_threshold("fast", [0.5, 3.0, 40.0])
    assert "expected a number" in capsys.readouterr().out


def _adam(correction):
    def step(theta, g, m, v, t, lr, b1, b2, eps):
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g**2
        c1, c2 = correction(b1, t), correction(b2, t)
        return theta - lr * (m / c1) / (np.sqrt(v / c2) + eps), m, v
    return step


def test_adam_mistakes(capsys):
    assert ch05.check_adam_step(_adam(lambda b, t: 1 - b**t))
    assert not ch05.check_adam_step(_adam(lambda b, t: 1.0))
    assert "3.2·lr" in capsys.readouterr().out
    assert not ch05.check_adam_step(_adam(lambda b, t: 1 - b))
    assert "step counter t" in capsys.readouterr().out


def test_optimal_momentum_mistakes(capsys):
    assert ch05.check_optimal_momentum(4 / (math.sqrt(2) + math.sqrt(200)) ** 2, (9 / 11) ** 2, [2.0, 200.0])
    assert not ch05.check_optimal_momentum(2 / 202, (9 / 11) ** 2, [2.0, 200.0])
    assert "gradient descent's best rate" in capsys.readouterr().out
    assert not ch05.check_optimal_momentum(4 / (math.sqrt(2) + math.sqrt(200)) ** 2, 9 / 11, [2.0, 200.0])
    assert "its square" in capsys.readouterr().out
