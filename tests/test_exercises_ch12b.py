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
