"""The chapter-6 checkers: each accepts the solution on the chapter's page, rejects typical mistakes with the hint
that names them, and reports an untouched stub as "not attempted yet" (the notebook's stored output)."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from notebook_solutions import exercise_outputs, solutions

from helpers.exercises import ch06

NOTEBOOK = "06_training_recipe.ipynb"


@pytest.fixture(scope="module")
def sol():
    return solutions(NOTEBOOK, {"math": math, "torch": torch, "F": F})


def stub(*args):
    return None  # what a function whose body is `...` returns


def test_every_exercise_has_a_solution_that_passes(sol, capsys):
    assert ch06.check_initial_loss(sol["answer"], num_classes=10)
    assert ch06.check_step_decay(sol["step_decay"])
    assert ch06.check_early_stopping(sol["early_stopping"])
    assert ch06.check_random_trials(sol["n_trials"], q=0.02, p=0.9)
    assert ch06.check_fixed_train_step(sol["my_step"])
    assert "❌" not in capsys.readouterr().out


def test_stored_outputs_are_the_feedback_on_untouched_stubs():
    cells = exercise_outputs(NOTEBOOK, "ch06")
    assert len(cells) == 5
    for source, text in cells:
        assert "not attempted yet" in text and "✅" not in text and "❌" not in text, source


def test_stubs_are_not_attempted(capsys):
    assert ch06.check_initial_loss(None, num_classes=10) is None
    assert ch06.check_step_decay(stub) is None
    assert ch06.check_early_stopping(stub) is None
    assert ch06.check_random_trials(None) is None
    assert ch06.check_fixed_train_step(stub) is None
    out = capsys.readouterr().out
    assert out.count("not attempted yet") == 5 and "❌" not in out


def test_initial_loss_mistakes(capsys):
    assert not ch06.check_initial_loss(math.log10(10), num_classes=10)
    assert "natural logarithm" in capsys.readouterr().out
    assert not ch06.check_initial_loss(0.1, num_classes=10)
    assert "−log of it" in capsys.readouterr().out


def test_step_decay_mistakes(capsys):
    assert not ch06.check_step_decay(lambda e, lr0, t, n: lr0 * (1 - t) ** (e / n))
    assert "epoch // n" in capsys.readouterr().out
    assert not ch06.check_step_decay(lambda e, lr0, t, n: lr0 * t ** (e // n))
    assert "fraction *removed*" in capsys.readouterr().out
    assert not ch06.check_step_decay(lambda e, lr0, t, n: lr0 * (1 - t) ** (e // n + 1))
    assert "at epoch 0" in capsys.readouterr().out


def _early(improves, offset=0):
    def rule(val_losses, patience):
        best, best_epoch = math.inf, 0
        for epoch, loss in enumerate(val_losses, start=1):
            if improves(loss, best):
                best, best_epoch = loss, epoch
            elif epoch - best_epoch >= patience + offset:
                return epoch, best_epoch
        return len(val_losses), best_epoch
    return rule


def test_early_stopping_mistakes(capsys):
    assert ch06.check_early_stopping(_early(lambda a, b: a < b))
    capsys.readouterr()
    assert not ch06.check_early_stopping(_early(lambda a, b: a <= b))
    assert "A tie is not an improvement" in capsys.readouterr().out
    assert not ch06.check_early_stopping(_early(lambda a, b: a < b, offset=1))
    out = capsys.readouterr().out
    assert "not one later" in out and "A tie" not in out


def test_random_trials_mistakes(capsys):
    assert not ch06.check_random_trials(113)
    assert "round up" in capsys.readouterr().out
    assert not ch06.check_random_trials(45)
    assert "do not add up" in capsys.readouterr().out


def _step(order=("zero", "backward", "step"), softmax=False, as_float=True):
    def step(model, opt, x, y):
        out = model(x)
        loss = F.cross_entropy(torch.softmax(out, dim=1) if softmax else out, y)
        for op in order:
            {"zero": opt.zero_grad, "backward": loss.backward, "step": opt.step}[op]()
        return loss.item() if as_float else loss
    return step


def test_fixed_train_step_mistakes(capsys):
    assert ch06.check_fixed_train_step(_step())
    capsys.readouterr()
    assert not ch06.check_fixed_train_step(_step(order=("backward", "zero", "step")))
    assert "never change" in capsys.readouterr().out
    assert not ch06.check_fixed_train_step(_step(softmax=True))
    assert "logits" in capsys.readouterr().out
    assert not ch06.check_fixed_train_step(_step(as_float=False))
    assert "Python float" in capsys.readouterr().out
    assert not ch06.check_fixed_train_step(_step(order=("backward", "step")))  # forgot zero_grad
    assert "blows up" in capsys.readouterr().out
