"""The machinery every checker shares (helpers.exercises._report): running the reader's code, the shape check of
``attempt`` and the typical-mistake table of ``diagnose``."""

from __future__ import annotations

import math

import numpy as np

from helpers.exercises._report import attempt, diagnose


def test_attempt_tells_a_stub_a_crash_a_wrong_shape_and_a_good_answer_apart(capsys):
    def stub(x):
        ...

    def crash(x):
        raise KeyError("boom")

    assert attempt(stub, 1.0, name="t", task="Do it.") == (None, None)
    assert "not attempted yet" in capsys.readouterr().out

    assert attempt(crash, 1.0, name="t") == (False, None)
    assert "raised KeyError" in capsys.readouterr().out

    state, got = attempt(lambda x: np.zeros(3), 1.0, name="t", shape=(2, 3), shape_meaning="one row per sample")
    assert (state, got) == (False, None)
    assert "expected shape (2, 3) (one row per sample), got (3,)." in capsys.readouterr().out

    state, got = attempt(lambda x: [[x] * 3] * 2, 1.0, name="t", convert=np.asarray, shape=(2, 3))
    assert state is True and got.shape == (2, 3)
    assert capsys.readouterr().out == ""


def test_diagnose_names_the_first_matching_mistake():
    mistakes = [(2.0, "doubled"), (-1.0, "sign"), (2.0, "never reached")]
    assert diagnose(2.0, mistakes, "other") == "doubled"
    assert diagnose(-1.0, mistakes, "other") == "sign"
    assert diagnose(0.5, mistakes, "other") == "other"
    close = lambda a, b: math.isclose(a, b, rel_tol=1e-9)  # noqa: E731 - a one-line comparison
    assert diagnose(2.0 + 1e-6, mistakes, "other", same=close) == "other"
    assert diagnose(np.array([1.0, 2.0]), [(np.array([1.0, 2.0 + 1e-12]), "close")], "other") == "close"
