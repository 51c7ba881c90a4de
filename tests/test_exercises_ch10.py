"""The checkers of chapter 10 accept the reference solutions (the ones in the chapter's collapsed dropdowns),
reject the typical mistakes with the right hint, and call an untouched stub "not attempted"."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers.exercises import ch10
from tests.notebook_solutions import exercise_outputs, solutions

NOTEBOOK = "10_cnn_architectures.ipynb"


def _stub(*args):
    """What a stub with the body ``...`` returns."""


@pytest.fixture(scope="module")
def sol():
    return solutions(NOTEBOOK, {"np": np, "torch": torch})


def test_every_exercise_has_a_solution_that_passes(sol, capsys):
    assert ch10.check_vgg_stack(sol["stack_params"], sol["single_params"]) is True
    assert ch10.check_inception_macs(sol["naive"], sol["reduced"]) is True
    assert ch10.check_preact_forward(sol["preact_forward"]) is True
    assert ch10.check_iou(sol["iou"]) is True
    assert ch10.check_se_parameters(sol["se_params"]) is True
    assert ch10.check_average_precision(sol["average_precision"]) is True
    assert "❌" not in capsys.readouterr().out


def test_stored_outputs_are_the_feedback_on_untouched_stubs():
    cells = exercise_outputs(NOTEBOOK, "ch10")
    assert len(cells) == 6
    for source, text in cells:
        assert "not attempted yet" in text and "✅" not in text and "❌" not in text, source


def test_every_stub_is_reported_as_not_attempted(capsys):
    assert ch10.check_vgg_stack(None, None) is None
    assert ch10.check_inception_macs(None, None) is None
    assert ch10.check_preact_forward(_stub) is None
    assert ch10.check_iou(_stub) is None
    assert ch10.check_se_parameters(None) is None
    assert ch10.check_average_precision(_stub) is None
    out = capsys.readouterr().out
    assert out.count("not attempted yet") == 6 and "❌" not in out


def test_vgg_stack_checker(capsys):
    assert ch10.check_vgg_stack(3 * (64 * 64 * 9 + 64), 64 * 64 * 49 + 64) is True
    assert ch10.check_vgg_stack(3 * 64 * 64 * 9, 64 * 64 * 49) is False
    assert "also has C_out = 64 biases" in capsys.readouterr().out
    assert ch10.check_vgg_stack(3 * 64 * 9, 64 * 49) is False
    assert "not 64 * 9" in capsys.readouterr().out
    assert ch10.check_vgg_stack(None, None) is None


def test_inception_macs_checker(capsys):
    naive, reduced = 28 * 28 * 32 * 192 * 25, 28 * 28 * 16 * 192 + 28 * 28 * 32 * 16 * 25
    assert ch10.check_inception_macs(naive, reduced) is True
    assert ch10.check_inception_macs(naive, 28 * 28 * 32 * 16 * 25) is False
    assert "add the 1x1 reduction's own cost" in capsys.readouterr().out
    assert ch10.check_inception_macs(28 * 28 * 32 * 25, reduced) is False
    assert "192 * 25 multiply-adds" in capsys.readouterr().out
    assert ch10.check_inception_macs(None, None) is None


def _preact_forward(block, x):
    out = block.conv1(block.relu(block.bn1(x)))
    out = block.conv2(block.relu(block.bn2(out)))
    return x + out


def test_preact_forward_checker(capsys):
    assert ch10.check_preact_forward(_preact_forward) is True
    assert ch10.check_preact_forward(lambda b, x: b.relu(_preact_forward(b, x))) is False
    assert "no ReLU after the addition" in capsys.readouterr().out
    assert ch10.check_preact_forward(lambda b, x: _preact_forward(b, x) - x) is False
    assert "the identity shortcut, + x, is missing" in capsys.readouterr().out
    post = lambda b, x: b.relu(b.bn2(b.conv2(b.relu(b.bn1(b.conv1(x))))) + x)  # noqa: E731 - the original block
    assert ch10.check_preact_forward(post) is False
    assert "the original (post-activation) block" in capsys.readouterr().out
    assert ch10.check_preact_forward(_stub) is None


def _iou(a, b):
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
    return w * h / union


def _iou_buggy(a, b):  # the chapter's stub: the overlap is not clipped at 0
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
    return w * h / union


def test_iou_checker(capsys):
    assert ch10.check_iou(_iou) is True
    assert ch10.check_iou(_iou_buggy) is False
    assert "Clip each side at 0" in capsys.readouterr().out
    assert ch10.check_iou(lambda a, b: _iou(a, b) * (1 + _iou(a, b))) is False
    assert "the overlap must not be counted twice" in capsys.readouterr().out
    assert ch10.check_iou(_stub) is None


def test_se_parameters_checker(capsys):
    assert ch10.check_se_parameters(2 * 64 * 4 + 64 + 4) is True
    assert ch10.check_se_parameters(2 * 64 * 4) is False
    assert "the biases are missing" in capsys.readouterr().out
    assert ch10.check_se_parameters(64 * 64 // 16) is False
    assert ch10.check_se_parameters(None) is None


def test_average_precision_checker(sol, capsys):
    from helpers.exercises.ch10 import _ap_variant

    assert ch10.check_average_precision(sol["average_precision"]) is True
    assert ch10.check_average_precision(lambda s, t, n: _ap_variant(s, t, n, sort=False)) is False
    assert "not sorted" in capsys.readouterr().out
    assert ch10.check_average_precision(lambda s, t, n: _ap_variant(s, t, n, envelope=False)) is False
    assert "running maximum from the right" in capsys.readouterr().out
    assert ch10.check_average_precision(lambda s, t, n: _ap_variant(s, t, n, per_detection=True)) is False
    assert "not by the number of detections" in capsys.readouterr().out
    assert ch10.check_average_precision(lambda s, t, n: np.mean(t)) is False
    assert ch10.check_average_precision(_stub) is None
    assert "not attempted yet" in capsys.readouterr().out
