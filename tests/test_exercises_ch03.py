"""The chapter-3 checkers: each accepts the solution the chapter shows in its collapsed dropdown, rejects typical
mistakes with the hint that names them, and reports an untouched stub as "not attempted yet" (the stored output)."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.exercises import ch03
from tests.notebook_solutions import exercise_outputs, solutions

NOTEBOOK = "03_neural_networks.ipynb"


@pytest.fixture(scope="module")
def sol():
    return solutions(NOTEBOOK, {"np": np})


def stub(*args):
    return None  # what a function whose body is `...` returns


def test_every_exercise_has_a_solution_that_passes(sol, capsys):
    assert ch03.check_parameter_count(sol["count"])
    assert ch03.check_stable_softmax(sol["softmax"])
    assert ch03.check_laplace_location(sol["laplace_location"])
    assert ch03.check_dice_jaccard(sol["dice"], sol["jaccard"])
    assert ch03.check_mse_gradient(sol["mse_gradient"])
    assert ch03.check_huber_backward(sol["huber_backward"])
    assert "❌" not in capsys.readouterr().out


def test_stored_outputs_are_the_feedback_on_untouched_stubs():
    cells = exercise_outputs(NOTEBOOK, "ch03")
    assert len(cells) == 6
    for source, text in cells:
        assert "not attempted yet" in text and "✅" not in text and "❌" not in text, source


def test_stubs_are_not_attempted(capsys):
    for check in (ch03.check_parameter_count, ch03.check_stable_softmax, ch03.check_laplace_location,
                  ch03.check_mse_gradient, ch03.check_huber_backward):
        assert check(stub) is None
    assert ch03.check_dice_jaccard(stub, stub) is None
    out = capsys.readouterr().out
    assert out.count("not attempted yet") == 6 and "❌" not in out


def test_parameter_count_mistakes(capsys):
    assert not ch03.check_parameter_count(lambda s: sum(a * b for a, b in zip(s[:-1], s[1:])))
    assert "the weights only" in capsys.readouterr().out
    assert not ch03.check_parameter_count(lambda s: sum(a * b for a, b in zip(s[:-1], s[1:])) + sum(s))
    assert "input layer has no biases" in capsys.readouterr().out


def test_softmax_mistakes(capsys):
    assert not ch03.check_stable_softmax(lambda a: np.exp(a) / np.exp(a).sum(axis=-1, keepdims=True))
    assert "subtract the row maximum" in capsys.readouterr().out
    assert not ch03.check_stable_softmax(lambda a: np.exp(a - a.max()) / np.exp(a - a.max()).sum(axis=0, keepdims=True))
    out = capsys.readouterr().out
    assert "normalise along the last axis" in out or "expected" in out


def test_laplace_location_mistakes(capsys):
    assert not ch03.check_laplace_location(np.mean)
    assert "Gaussian (MSE) answer" in capsys.readouterr().out
    assert not ch03.check_laplace_location(lambda s: 0.5 * (s.min() + s.max()))
    assert "half of the samples" in capsys.readouterr().out


def test_dice_jaccard_mistakes(capsys, sol):
    assert not ch03.check_dice_jaccard(sol["dice"], lambda a, b: (a & b).sum() / (a.sum() + b.sum()))
    assert "divides by the union" in capsys.readouterr().out

    def dice_nan(a, b):
        return 2 * (a & b).sum() / max(a.sum() + b.sum(), 1e-300) if a.sum() + b.sum() else 0.0

    assert not ch03.check_dice_jaccard(dice_nan, sol["jaccard"])
    assert "two empty masks" in capsys.readouterr().out


def test_mse_gradient_mistakes(capsys):
    assert not ch03.check_mse_gradient(lambda p, t: (p - t) / p.size)
    assert "factor 2" in capsys.readouterr().out
    assert not ch03.check_mse_gradient(lambda p, t: 2 * (p - t))
    assert "1/N of the mean" in capsys.readouterr().out


def test_huber_backward_mistakes(capsys):
    assert not ch03.check_huber_backward(lambda p, t, d: (p - t) / p.size)
    assert "Clip r" in capsys.readouterr().out
    assert not ch03.check_huber_backward(lambda p, t, d: np.clip(p - t, -d, d))
    assert "1/N of the mean" in capsys.readouterr().out
    assert not ch03.check_huber_backward(lambda p, t, d: np.clip(t - p, -d, d) / p.size)
    assert "sign is flipped" in capsys.readouterr().out
