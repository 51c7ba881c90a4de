"""Checkers for chapter 12b (autoencoders, VAEs, GANs, diffusion, reinforcement learning, outlook).

Each checker runs the reader's answer on inputs of its own and words the first difference from the reference
as the mistake that usually causes it. An untouched stub (a body of ``...``) gets "not attempted yet".
"""

from __future__ import annotations

import numpy as np

from ._report import as_float, attempt, report


def check_gaussian_kl(kl):
    """``kl(mu, logvar)`` -> (N,): KL(N(mu, diag(exp(logvar))) || N(0, I)) per row, summed over the latent axis."""
    from ..numpy_impl import gaussian_kl_forward

    rng = np.random.default_rng(12)
    mu, logvar = rng.normal(size=(5, 3)), rng.uniform(-2, 1, (5, 3))
    expected, _ = gaussian_kl_forward(mu, logvar, reduction="none")
    state, got = attempt(kl, mu.copy(), logvar.copy(), name="Gaussian KL", convert=as_float,
                         task="Return one KL per row: 1/2 sum_j (exp(logvar_j) + mu_j^2 - 1 - logvar_j).")
    if not state:
        return state
    if got.shape != expected.shape:
        return report(False, "Gaussian KL", f"expected one value per row, shape {expected.shape}; got {got.shape}.")
    if np.allclose(got, 2 * expected):
        return report(False, "Gaussian KL", "twice the right value: did you forget the factor 1/2?")
    if np.allclose(got, expected + np.sum(logvar, 1)):
        return report(False, "Gaussian KL", "check the sign of the log-variance term: it is -logvar.")
    if np.allclose(got, 0.5 * np.sum(np.exp(0.5 * logvar) + mu**2 - 1 - logvar, 1)):
        return report(False, "Gaussian KL", "exp(logvar) is the variance sigma^2; you used exp(logvar / 2) = sigma.")
    return report(np.allclose(got, expected), "Gaussian KL",
                  "compare with 1/2 sum_j (exp(logvar_j) + mu_j^2 - 1 - logvar_j).")


def check_alpha_bar(alpha_bar):
    """``alpha_bar(betas)``: ``betas`` holds beta_1 .. beta_T in a 0-based array (betas[0] is beta_1); return
    abar_1 .. abar_T, i.e. ``abar_t = prod_{s=1}^{t} (1 - beta_s)``."""
    betas = np.linspace(0.05, 0.3, 7)
    expected = np.cumprod(1 - betas)
    state, got = attempt(alpha_bar, betas.copy(), name="alpha_bar", convert=as_float, shape=expected.shape,
                         shape_meaning="one value per step", task="Return abar_1 .. abar_T, one value per entry of betas.")
    if not state:
        return state
    if np.allclose(got[:-1], expected[1:]):
        return report(False, "alpha_bar", "each product has one factor too many: the product starts at s = 1, "
                                          "so abar_1 = 1 - beta_1 (the lecture notes' s = 0 is a slip).")
    if np.allclose(got, np.cumprod(betas)):
        return report(False, "alpha_bar", "multiply the alphas = 1 - betas, not the betas.")
    return report(np.allclose(got, expected), "alpha_bar", "abar_t = prod_{s=1}^{t} (1 - beta_s).")


def check_nonsaturating_loss(loss):
    """``loss(fake_logits)`` -> scalar tensor: the non-saturating generator loss -mean log D(G(z))."""
    import torch

    from ..torch_impl import gan_generator_loss

    logits = torch.linspace(-8, 3, 6, dtype=torch.float64).reshape(6, 1)
    x = logits.clone().requires_grad_(True)
    state, got = attempt(loss, x, name="non-saturating loss",
                         task="Return -mean log D(G(z)) from the logits, as a differentiable scalar tensor.")
    if not state:
        return state
    if not torch.is_tensor(got) or got.numel() != 1:
        return report(False, "non-saturating loss", "return a scalar tensor (average over the batch).")
    if not got.requires_grad:
        return report(False, "non-saturating loss", "the result has no gradient: use torch operations on the "
                                                     "logits (no float() or .item() on the way).")
    got = got.to(torch.float64)
    expected = gan_generator_loss(logits, mode="non_saturating")
    if torch.allclose(got.detach(), gan_generator_loss(logits, mode="minimax")):
        return report(False, "non-saturating loss", "that is the minimax loss mean log(1 - D): it saturates "
                                                     "when D rejects the fakes. Use -mean log D(G(z)).")
    if torch.allclose(got.detach(), -expected):
        return report(False, "non-saturating loss", "wrong sign: the generator *minimises* -log D(G(z)).")
    (grad,) = torch.autograd.grad(got, x)
    ok = torch.allclose(got.detach(), expected) and torch.allclose(grad, -torch.sigmoid(-logits) / 6)
    return report(ok, "non-saturating loss", "compare with mean softplus(-l) = -mean log sigmoid(l).")


def check_q_update(update):
    """``update(Q, s, a, r, s_next, done, alpha, gamma)`` -> the new Q table (do not modify the input)."""
    rng = np.random.default_rng(3)
    Q = rng.normal(size=(4, 2))
    cases = [(1, 0, -0.04, 2, False), (2, 1, 1.0, 3, True)]
    for s, a, r, s_next, done in cases:
        before = Q.copy()
        state, got = attempt(update, Q, s, a, r, s_next, done, 0.5, 0.9, name="Q-learning update",
                             task="Return a new table in which only Q[s, a] moved toward r + gamma max Q[s'].")
        if not state:
            return state
        if not np.array_equal(Q, before):
            return report(False, "Q-learning update", "your function modified its input Q: work on a copy.")
        expected = Q.copy()
        target = r + (0.0 if done else 0.9 * Q[s_next].max())
        expected[s, a] += 0.5 * (target - Q[s, a])
        got = np.asarray(got, dtype=np.float64)
        if done and got.shape == expected.shape and np.isclose(got[s, a], Q[s, a] + 0.5 * (r + 0.9 * Q[s_next].max()
                                                                                          - Q[s, a])):
            return report(False, "Q-learning update", "after a terminal transition there is no future: the "
                                                      "target is just r.")
        if got.shape != expected.shape or not np.allclose(got, expected):
            return report(False, "Q-learning update", "Q[s, a] += alpha (r + gamma max_b Q[s', b] - Q[s, a]), "
                                                      "only that entry changes.")
    return report(True, "Q-learning update")


def check_fgsm(attack):
    """``attack(model, x, y, eps)`` -> x_adv: one signed-gradient step on the cross-entropy, clipped to [0, 1]."""
    import torch

    from ..labs.explain import fgsm

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 3)).double()
    x = torch.rand(5, 1, 4, 4, dtype=torch.float64)
    y = torch.tensor([0, 1, 2, 0, 1])
    expected = fgsm(model, x, y, eps=0.1)
    state, got = attempt(attack, model, x.clone(), y, 0.1, name="FGSM",
                         task="Return clamp(x + eps * sign(d CE / d x), 0, 1).")
    if not state:
        return state
    got = torch.as_tensor(got).detach().to(torch.float64)
    if got.shape != expected.shape:
        return report(False, "FGSM", f"expected shape {tuple(expected.shape)}; got {tuple(got.shape)}.")
    downhill = (2 * x - fgsm(model, x, y, eps=0.1, clamp=None)).clamp(0, 1)  # x - eps sign(grad)
    if torch.allclose(got, downhill):
        return report(False, "FGSM", "you stepped down the loss: the attack *increases* it (+eps sign(grad)).")
    if torch.allclose(got, fgsm(model, x, y, eps=0.1, clamp=None)):
        return report(False, "FGSM", "clip the result to the valid pixel range [0, 1].")
    return report(torch.allclose(got, expected), "FGSM", "x_adv = clamp(x + eps * sign(d loss / d x), 0, 1).")


def check_gaussian_kl_general(kl):
    """``kl(mu1, logvar1, mu2, logvar2)`` -> (N,): KL(N(mu1, diag e^logvar1) || N(mu2, diag e^logvar2)) per row.

    ``1/2 sum_j (logvar2 - logvar1 + (e^logvar1 + (mu1 - mu2)^2) / e^logvar2 - 1)``; compared with
    ``torch.distributions.kl_divergence``, which the book does not use to compute it.
    """
    import torch
    from torch.distributions import Normal, kl_divergence

    name = "KL between two Gaussians"
    rng = np.random.default_rng(21)
    mu1, mu2 = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    lv1, lv2 = rng.uniform(-1.5, 1.0, (5, 3)), rng.uniform(-1.0, 1.5, (5, 3))

    def reference(m1, l1, m2, l2):
        p, q = (Normal(torch.from_numpy(m), torch.from_numpy(np.exp(0.5 * lv))) for m, lv in ((m1, l1), (m2, l2)))
        return kl_divergence(p, q).sum(-1).numpy()

    state, got = attempt(kl, mu1.copy(), lv1.copy(), mu2.copy(), lv2.copy(), name=name, convert=as_float,
                         task="Return one KL per row; with mu2 = 0 and logvar2 = 0 it must reduce to the "
                              "chapter's formula.")
    if not state:
        return state
    expected = reference(mu1, lv1, mu2, lv2)
    if got.shape != expected.shape:
        return report(False, name, f"expected one value per row, shape {expected.shape}; got {got.shape}.")
    if np.allclose(got, expected):
        return report(True, name)
    if np.allclose(got, reference(mu2, lv2, mu1, lv1)):
        return report(False, name, "you computed KL(q2 || q1): the KL is not symmetric. The first distribution's "
                                   "variance goes in the numerator, the second's in the denominator.")
    if np.allclose(got, 2 * expected):
        return report(False, name, "twice the right value: did you forget the factor 1/2?")
    sd1, sd2 = np.exp(0.5 * lv1), np.exp(0.5 * lv2)
    if np.allclose(got, 0.5 * np.sum(lv2 - lv1 + (sd1 + (mu1 - mu2) ** 2) / sd2 - 1, -1)):
        return report(False, name, "divide by the variance exp(logvar2), not by the standard deviation; the "
                                   "numerator is the variance exp(logvar1) plus the squared mean difference.")
    zero = np.zeros_like(mu1)
    state, special = attempt(kl, mu1.copy(), lv1.copy(), zero, zero.copy(), name=name, convert=as_float)
    if state is False:
        return False
    if state and special.shape == expected.shape and not np.allclose(special, reference(mu1, lv1, zero, zero)):
        return report(False, name, "even with mu2 = 0 and logvar2 = 0 your function differs from the chapter's "
                                   "KL to N(0, I): start from 1/2 sum (e^logvar + mu^2 - 1 - logvar).")
    return report(False, name, "compare with 1/2 sum_j (logvar2 - logvar1 + (e^logvar1 + (mu1 - mu2)^2) / e^logvar2"
                               " - 1).")
