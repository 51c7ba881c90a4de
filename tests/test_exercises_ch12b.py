"""The chapter-12b checkers accept correct answers and reject the typical mistakes (with a helpful hint)."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from helpers.exercises import ch12b


def test_gaussian_kl_checker(capsys):
    assert ch12b.check_gaussian_kl(lambda mu, lv: 0.5 * np.sum(np.exp(lv) + mu**2 - 1 - lv, axis=1))
    assert not ch12b.check_gaussian_kl(lambda mu, lv: np.sum(np.exp(lv) + mu**2 - 1 - lv, axis=1))
    assert "factor 1/2" in capsys.readouterr().out
    assert not ch12b.check_gaussian_kl(lambda mu, lv: 0.5 * np.sum(np.exp(lv) + mu**2 - 1 + lv, axis=1))
    assert not ch12b.check_gaussian_kl(lambda mu, lv: 0.5 * (np.exp(lv) + mu**2 - 1 - lv))  # not summed


def test_alpha_bar_checker(capsys):
    assert ch12b.check_alpha_bar(lambda b: np.cumprod(1 - b))
    # the notes' product from s = 0 on the 0-based array: one factor too many
    assert not ch12b.check_alpha_bar(lambda b: np.array([np.prod(1 - b[: t + 2]) for t in range(len(b))]))
    assert "starts at s = 1" in capsys.readouterr().out
    assert not ch12b.check_alpha_bar(lambda b: np.cumprod(b))


def test_nonsaturating_checker(capsys):
    assert ch12b.check_nonsaturating_loss(lambda l: F.softplus(-l).mean())
    assert not ch12b.check_nonsaturating_loss(lambda l: -F.softplus(l).mean())
    assert "minimax" in capsys.readouterr().out
    assert not ch12b.check_nonsaturating_loss(lambda l: -F.softplus(-l).mean())
    assert not ch12b.check_nonsaturating_loss(lambda l: F.softplus(-l).mean().detach())
    assert "no gradient" in capsys.readouterr().out


def test_q_update_checker(capsys):
    def good(Q, s, a, r, s2, done, alpha, gamma):
        Q = Q.copy()
        Q[s, a] += alpha * (r + (0.0 if done else gamma * Q[s2].max()) - Q[s, a])
        return Q

    def no_terminal(Q, s, a, r, s2, done, alpha, gamma):
        return good(Q, s, a, r, s2, False, alpha, gamma)

    def in_place(Q, s, a, r, s2, done, alpha, gamma):
        Q[s, a] += 1.0
        return Q

    assert ch12b.check_q_update(good)
    assert not ch12b.check_q_update(no_terminal)
    assert "terminal" in capsys.readouterr().out
    assert not ch12b.check_q_update(in_place)


def test_fgsm_checker(capsys):
    def good(model, x, y, eps):
        x = x.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(F.cross_entropy(model(x), y), x)
        return (x + eps * g.sign()).clamp(0, 1).detach()

    def downhill(model, x, y, eps):
        x = x.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(F.cross_entropy(model(x), y), x)
        return (x - eps * g.sign()).clamp(0, 1).detach()

    assert ch12b.check_fgsm(good)
    assert not ch12b.check_fgsm(downhill)
    assert "increases" in capsys.readouterr().out
    assert not ch12b.check_fgsm(lambda model, x, y, eps: 1 / 0)


# ---------------------------------------------------------------- the chapter's stubs and shown solutions
import helpers.numpy_impl as hn  # noqa: E402
import helpers.torch_impl as ht  # noqa: E402
from helpers.labs import explain  # noqa: E402
from tests.notebook_solutions import exercise_outputs, solutions  # noqa: E402

NOTEBOOK = "12b_generative_rl.ipynb"


def _stub(*args):
    return None  # what a function whose body is `...` returns


def test_every_exercise_has_a_solution_that_passes(capsys):
    sol = solutions(NOTEBOOK, {"np": np, "torch": torch, "F": F, "hn": hn, "ht": ht, "explain": explain})
    assert ch12b.check_gaussian_kl(sol["kl"])
    assert ch12b.check_gaussian_kl_general(sol["kl_general"])
    assert ch12b.check_alpha_bar(sol["alpha_bar"])
    assert ch12b.check_nonsaturating_loss(sol["generator_loss"])
    assert ch12b.check_q_update(sol["q_update"])
    assert ch12b.check_fgsm(sol["attack"])
    assert "❌" not in capsys.readouterr().out


def test_stored_outputs_are_the_feedback_on_untouched_stubs():
    cells = exercise_outputs(NOTEBOOK, "ch12b")
    assert len(cells) == 6
    for source, text in cells:
        assert "not attempted yet" in text and "✅" not in text and "❌" not in text, source


def test_stubs_are_not_attempted(capsys):
    for check in (ch12b.check_gaussian_kl, ch12b.check_gaussian_kl_general, ch12b.check_alpha_bar,
                  ch12b.check_nonsaturating_loss, ch12b.check_q_update, ch12b.check_fgsm):
        assert check(_stub) is None
    out = capsys.readouterr().out
    assert out.count("not attempted yet") == 6 and "❌" not in out


def _kl(mu1, lv1, mu2, lv2):
    return 0.5 * np.sum(lv2 - lv1 + (np.exp(lv1) + (mu1 - mu2) ** 2) / np.exp(lv2) - 1, axis=-1)


def test_gaussian_kl_general_mistakes(capsys):
    assert ch12b.check_gaussian_kl_general(_kl)
    assert not ch12b.check_gaussian_kl_general(lambda m1, l1, m2, l2: _kl(m2, l2, m1, l1))
    assert "not symmetric" in capsys.readouterr().out
    assert not ch12b.check_gaussian_kl_general(lambda *a: 2 * _kl(*a))
    assert "factor 1/2" in capsys.readouterr().out
    assert not ch12b.check_gaussian_kl_general(
        lambda m1, l1, m2, l2: 0.5 * np.sum(l2 - l1 + (np.exp(l1 / 2) + (m1 - m2) ** 2) / np.exp(l2 / 2) - 1, -1))
    assert "not by the standard deviation" in capsys.readouterr().out
    assert not ch12b.check_gaussian_kl_general(lambda m1, l1, m2, l2: _kl(m1, l1, m2, l2) + np.sum(l1, -1))
    assert "even with mu2 = 0 and logvar2 = 0" in capsys.readouterr().out


def test_gaussian_kl_sigma_for_variance(capsys):
    assert not ch12b.check_gaussian_kl(lambda mu, lv: 0.5 * np.sum(np.exp(0.5 * lv) + mu**2 - 1 - lv, axis=1))
    assert "exp(logvar) is the variance" in capsys.readouterr().out


def test_fgsm_without_clipping(capsys):
    assert not ch12b.check_fgsm(lambda model, x, y, eps: explain.fgsm(model, x, y, eps=eps, clamp=None))
    assert "clip" in capsys.readouterr().out
