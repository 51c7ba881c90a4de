"""The checkers of chapter 9 accept the reference solutions (the ones in the chapter's collapsed dropdowns, run
here as the reader sees them), reject the typical mistakes with the right hint, and call an untouched stub "not
attempted" — which is what the notebook stores as each exercise cell's output."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from helpers.exercises import ch09
from tests.notebook_solutions import dropdown_cells, exercise_outputs, solutions


def _stub(*args):
    """What a stub with the body ``...`` returns."""


def test_transposed_output_size_checker(capsys):
    assert ch09.check_transposed_output_size(lambda n, k, s, p: (n - 1) * s - 2 * p + k) is True
    assert ch09.check_transposed_output_size(lambda n, k, s, p: (n - 1) * s + k) is False
    assert "padding p crops p pixels" in capsys.readouterr().out
    assert ch09.check_transposed_output_size(lambda n, k, s, p: n * s) is False
    assert "the last stamp adds k - s more pixels" in capsys.readouterr().out
    assert ch09.check_transposed_output_size(lambda n, k, s, p: (n + 2 * p - k) // s + 1) is False
    assert "the forward convolution's size" in capsys.readouterr().out
    assert ch09.check_transposed_output_size(_stub) is None


def test_parameter_count_checker(capsys):
    assert ch09.check_parameter_count(128 * 64 * 9 + 128, 128 * (64 // 4) * 9 + 128) is True
    assert ch09.check_parameter_count(128 * 64 * 9, None) is False
    assert "one bias per filter is missing" in capsys.readouterr().out
    assert ch09.check_parameter_count(128 * 64 * 9 + 128, 128 * 64 * 9 + 128) is False
    assert "groups=4 divides the weights by 4" in capsys.readouterr().out
    assert ch09.check_parameter_count(None, None) is None


def test_receptive_field_checker(capsys):
    assert ch09.check_receptive_field(14) is True
    assert ch09.check_receptive_field(10) is False  # strides ignored
    assert "after the stride-2 pooling" in capsys.readouterr().out
    assert ch09.check_receptive_field(18) is False
    assert ch09.check_receptive_field(None) is None


def test_max_pool_checker(capsys):
    def max_pool(a):
        h, w = a.shape
        return a.reshape(h // 2, 2, w // 2, 2).max(axis=(1, 3))

    assert ch09.check_max_pool(max_pool) is True
    assert ch09.check_max_pool(lambda a: a.reshape(a.shape[0] // 2, a.shape[1] // 2, 2, 2).max(axis=(2, 3))) is False
    assert "axes 1 and 3" in capsys.readouterr().out
    assert ch09.check_max_pool(lambda a: a[::2, ::2]) is False  # strided subsampling, not a maximum
    assert ch09.check_max_pool(_stub) is None


def _conv_matrix(w, n):
    k = len(w)
    m = np.zeros((n - k + 1, n))
    for i in range(n - k + 1):
        m[i, i:i + k] = w
    return m


def test_conv_matrix_checker(capsys):
    assert ch09.check_conv_matrix(_conv_matrix) is True
    assert ch09.check_conv_matrix(lambda w, n: _conv_matrix(w[::-1], n)) is False
    assert "a true convolution (flipped kernel)" in capsys.readouterr().out
    assert ch09.check_conv_matrix(lambda w, n: _conv_matrix(w, n).T) is False
    assert "one row per output, one column per input" in capsys.readouterr().out
    assert ch09.check_conv_matrix(_stub) is None


# ------------------------------------------------------------------- the notebook's stubs and dropdown solutions
NOTEBOOK = "09_cnn_intro.ipynb"


def test_every_dropdown_solution_passes_its_checker(capsys):
    sol = solutions(NOTEBOOK, {"np": np, "torch": torch, "F": F})
    out = capsys.readouterr().out
    assert "M^T g equals autograd's gradient: True" in out and "and F.conv_transpose1d(g, w): True" in out
    assert ch09.check_transposed_output_size(sol["output_size"]) is True
    assert ch09.check_parameter_count(sol["conv_params"], sol["grouped_params"]) is True
    assert ch09.check_receptive_field(sol["rf"]) is True
    assert ch09.check_max_pool(sol["max_pool"]) is True
    assert ch09.check_conv_matrix(sol["conv_matrix"]) is True
    assert "❌" not in capsys.readouterr().out


def test_stored_outputs_are_the_feedback_on_untouched_stubs():
    cells = exercise_outputs(NOTEBOOK, "ch09")
    assert len(cells) == 5 == len(dropdown_cells(NOTEBOOK))
    for source, text in cells:
        assert text.startswith("⬜") and "not attempted yet" in text, source
        assert "✅" not in text and "❌" not in text, source
