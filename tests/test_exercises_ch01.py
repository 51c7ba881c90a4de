"""The chapter-1 checkers: each accepts the solution the chapter shows in its collapsed dropdown, rejects typical
mistakes with the hint that names them, and reports an untouched stub as "not attempted yet" (the stored output)."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.exercises import ch01
from tests.notebook_solutions import exercise_outputs, solutions

NOTEBOOK = "01_introduction.ipynb"


@pytest.fixture(scope="module")
def sol():
    return solutions(NOTEBOOK, {"np": np})


def stub(*args):
    return None  # what a function whose body is `...` returns


def test_every_exercise_has_a_solution_that_passes(sol, capsys):
    assert ch01.check_grayscale(sol["to_gray"])
    assert ch01.check_nand_perceptron(sol["w"], sol["b"])
    assert ch01.check_xor_network(sol["W1"], sol["b1"], sol["w2"], sol["b2"])
    assert ch01.check_perceptron_epoch(sol["perceptron_epoch"])
    assert "❌" not in capsys.readouterr().out


def test_stored_outputs_are_the_feedback_on_untouched_stubs():
    cells = exercise_outputs(NOTEBOOK, "ch01")
    assert len(cells) == 4
    for source, text in cells:
        assert "not attempted yet" in text and "✅" not in text and "❌" not in text, source


def test_stubs_are_not_attempted(capsys):
    assert ch01.check_grayscale(stub) is None
    assert ch01.check_nand_perceptron(None, None) is None
    assert ch01.check_xor_network(None, None, None, None) is None
    assert ch01.check_perceptron_epoch(stub) is None
    out = capsys.readouterr().out
    assert out.count("not attempted yet") == 4 and "❌" not in out


def test_grayscale_mistakes(capsys):
    assert not ch01.check_grayscale(lambda im: im.astype(float).mean(axis=2))
    assert "plain mean" in capsys.readouterr().out
    assert not ch01.check_grayscale(lambda im: im.astype(float) @ np.array([0.114, 0.587, 0.299]))
    assert "reversed" in capsys.readouterr().out
    assert not ch01.check_grayscale(lambda im: im.astype(float).sum(axis=0) * 0.3)
    assert "expected shape (5, 7)" in capsys.readouterr().out


def test_nand_and_xor_mistakes(capsys):
    assert not ch01.check_nand_perceptron([2.0, 2.0], -3.0)  # AND
    assert "computes AND" in capsys.readouterr().out
    assert not ch01.check_nand_perceptron([1.0, 1.0], 0.5)  # OR
    assert "NAND is [1, 1, 1, 0]" in capsys.readouterr().out
    assert not ch01.check_xor_network([[1.0, 1.0], [1.0, 1.0]], [-0.5, -1.5], [1.0, 1.0], -1.5)  # OR, AND
    assert "XOR is [0, 1, 1, 0]" in capsys.readouterr().out
    assert not ch01.check_xor_network([[1.0, 1.0, 1.0]], [-0.5, 1.5], [1.0, 1.0], -1.5)
    assert "the shapes do not fit" in capsys.readouterr().out


def _epoch(strict=False, minus=False, count_all=False):
    def perceptron_epoch(x, y, w, b, lr):
        mistakes = 0
        for xi, yi in zip(x, y):
            score = yi * (xi @ w + b)
            if score < 0 if strict else score <= 0:
                w = w - lr * yi * xi if minus else w + lr * yi * xi
                b = b + lr * yi
                mistakes += not count_all
            mistakes += count_all
        return w, b, mistakes
    return perceptron_epoch


def test_perceptron_epoch_finds_each_bug(capsys):
    assert ch01.check_perceptron_epoch(_epoch())
    capsys.readouterr()
    assert not ch01.check_perceptron_epoch(_epoch(strict=True))
    assert "strict '< 0'" in capsys.readouterr().out
    assert not ch01.check_perceptron_epoch(_epoch(minus=True))
    assert "wrong sign" in capsys.readouterr().out
    assert not ch01.check_perceptron_epoch(_epoch(count_all=True))
    assert "every sample was counted" in capsys.readouterr().out
    assert not ch01.check_perceptron_epoch(_epoch(strict=True, minus=True, count_all=True))  # the page's version
    assert "strict '< 0'" in capsys.readouterr().out
    assert not ch01.check_perceptron_epoch(lambda x, y, w, b, lr: (w, b))
    assert "return a triple" in capsys.readouterr().out
