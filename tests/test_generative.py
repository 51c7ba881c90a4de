"""VAE, GAN and diffusion maths checked against independent computations: Monte Carlo, the step-by-step
forward chain, Gaussian conditioning and quadrature. (Parity with torch is in tests/registry/generative.py.)"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import helpers.numpy_impl as hn
import helpers.torch_impl as ht

RNG_SEED = 1234


# ---- VAE ------------------------------------------------------------------------------------------------------
def test_gaussian_kl_matches_monte_carlo():
    rng = np.random.default_rng(RNG_SEED)
    mu, logvar = np.array([[0.7, -1.2, 0.0]]), np.array([[-1.0, 0.5, 0.2]])
    closed, _ = hn.gaussian_kl_forward(mu, logvar, reduction="sum")
    eps = rng.standard_normal((200_000, 3))
    z, _ = hn.reparameterize_forward(np.repeat(mu, len(eps), 0), np.repeat(logvar, len(eps), 0), eps)
    log_q = hn.normal_log_pdf(z, mu, np.exp(0.5 * logvar)).sum(-1)
    log_p = hn.normal_log_pdf(z, 0.0, 1.0).sum(-1)
    samples = log_q - log_p
    se = samples.std() / np.sqrt(len(samples))
    assert abs(samples.mean() - closed) < 4 * se, (samples.mean(), closed, se)


def test_reparameterized_samples_have_the_right_moments():
    rng = np.random.default_rng(RNG_SEED)
    mu, logvar = np.full((100_000, 2), [1.5, -0.5]), np.full((100_000, 2), [0.4, -2.0])
    z, _ = hn.reparameterize_forward(mu, logvar, rng.standard_normal(mu.shape))
    np.testing.assert_allclose(z.mean(0), [1.5, -0.5], atol=0.02)
    np.testing.assert_allclose(z.var(0), np.exp([0.4, -2.0]), rtol=0.02)


def test_negative_elbo_gap_is_the_kl_to_the_true_posterior():
    """-ELBO = -log p(x) + KL(q || p(z | x)): both sides by quadrature on a 1-D latent with a Bernoulli decoder."""
    w, b = np.array([2.0, -1.5, 0.5]), np.array([0.3, 0.2, -1.0])
    x = np.array([1.0, 0.0, 1.0])
    z = np.linspace(-8, 8, 4001)
    dz = z[1] - z[0]
    logits = z[:, None] * w + b  # (nodes, 3)
    log_lik = -np.sum(np.logaddexp(0, logits) - x * logits, axis=1)  # log p(x | z)
    log_joint = log_lik + hn.normal_log_pdf(z, 0.0, 1.0)
    log_px = np.log(np.sum(np.exp(log_joint)) * dz)
    posterior = np.exp(log_joint - log_px)
    for mu, logvar in [(0.0, 0.0), (0.8, -1.0), (-0.5, -2.5)]:
        q = np.exp(hn.normal_log_pdf(z, mu, np.exp(0.5 * logvar)))
        mus, logvars = np.full((len(z), 1), mu), np.full((len(z), 1), logvar)
        per_node, _ = hn.negative_elbo_forward(logits, np.tile(x, (len(z), 1)), mus, logvars, reduction="none")
        neg_elbo = np.sum(q * per_node) * dz  # E_q[recon] + KL (the KL term is constant over the nodes)
        gap = np.sum(q * (np.log(q + 1e-300) - np.log(posterior + 1e-300))) * dz
        assert neg_elbo >= -log_px
        assert neg_elbo == pytest.approx(-log_px + gap, abs=1e-6)


# ---- GAN ------------------------------------------------------------------------------------------------------
def test_nonsaturating_gradient_is_large_where_minimax_vanishes():
    fake = np.full((8, 1), -10.0)  # D(G(z)) = sigmoid(-10) ~ 4.5e-5: the discriminator wins
    grads = {}
    for mode in hn.GAN_GENERATOR_MODES:
        _, cache = hn.gan_generator_loss_forward(fake, mode=mode)
        (grads[mode],) = hn.gan_generator_loss_backward(1.0, cache)
    ns, mm = np.abs(grads["non_saturating"]).sum(), np.abs(grads["minimax"]).sum()
    assert ns == pytest.approx(1.0, rel=1e-3)  # |d loss / d logit| ~ 1 summed over the batch
    assert mm < 1e-4 and ns / mm > 1e4
    # both push the logit the same way (up: make the fakes look real)
    assert np.all(grads["non_saturating"] < 0) and np.all(grads["minimax"] < 0)


def test_generator_losses_as_functions_of_d():
    """On D itself: d/dD log(1 - D) = -1/(1 - D) stays ~ -1 at D ~ 0; d/dD (-log D) = -1/D explodes."""
    d = torch.tensor([1e-4, 0.5, 0.9999], dtype=torch.float64, requires_grad=True)

    def grad(mode):  # d/dD of the per-sample loss (the batch mean divides by 3)
        logits = torch.log(d) - torch.log1p(-d)
        return torch.autograd.grad(ht.gan_generator_loss(logits[:, None], mode=mode), d)[0] * 3

    mm, ns = grad("minimax"), grad("non_saturating")
    np.testing.assert_allclose(mm.numpy(), -1 / (1 - d.detach().numpy()), rtol=1e-6)
    np.testing.assert_allclose(ns.numpy(), -1 / d.detach().numpy(), rtol=1e-6)


def test_minimax_generator_loss_is_minus_the_fake_part_of_the_discriminator_loss():
    rng = np.random.default_rng(RNG_SEED)
    real, fake = rng.normal(0, 3, (5, 1)), rng.normal(0, 3, (7, 1))
    j_d, _ = hn.gan_discriminator_loss_forward(real, fake)
    j_real, _ = hn.gan_generator_loss_forward(real, mode="non_saturating")  # mean softplus(-l) = BCE(real, 1)
    j_g, _ = hn.gan_generator_loss_forward(fake, mode="minimax")
    assert j_g == pytest.approx(-(j_d - j_real))


def test_optimal_discriminator_is_the_density_ratio():
    """Per point, BCE(real, 1) p_data + BCE(fake, 0) p_g is minimal at D* = p_data / (p_data + p_g)."""
    p_data, p_g = np.array([0.1, 0.5, 0.3, 0.1]), np.array([0.4, 0.1, 0.3, 0.2])
    d_star = p_data / (p_data + p_g)
    logit = np.log(d_star) - np.log1p(-d_star)
    # gradient of sum_i p_data_i softplus(-l_i) + p_g_i softplus(l_i), through our backward (batch of 1 each)
    for i in range(4):
        _, cache = hn.gan_discriminator_loss_forward(logit[i:i + 1], logit[i:i + 1])
        d_real, d_fake = hn.gan_discriminator_loss_backward(1.0, cache)
        assert p_data[i] * d_real[0] + p_g[i] * d_fake[0] == pytest.approx(0.0, abs=1e-12)


# ---- diffusion ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", hn.SCHEDULE_KINDS)
def test_schedule_product_starts_at_one_and_matches_torch(kind):
    betas, alphas, alpha_bars = hn.diffusion_schedule(20, beta_start=0.01, beta_end=0.2, kind=kind)
    assert betas[0] == 0 and alpha_bars[0] == 1 and betas.shape == (21,)
    for t in range(21):
        assert alpha_bars[t] == pytest.approx(np.prod(1 - betas[1:t + 1]))
    for ours, theirs in zip((betas, alphas, alpha_bars), ht.diffusion_schedule(20, beta_start=0.01, beta_end=0.2,
                                                                                kind=kind), strict=True):
        np.testing.assert_allclose(theirs.numpy(), ours, rtol=1e-12)
    if kind == "cosine":  # no clipping is active here, so abar_t = f(t) / f(0)
        f = np.cos((np.arange(21) / 20 + 0.008) / 1.008 * np.pi / 2) ** 2
        np.testing.assert_allclose(alpha_bars[:-1], (f / f[0])[:-1], rtol=1e-10)


def test_closed_form_matches_the_step_by_step_chain():
    """Run x_t = sqrt(1 - beta_t) x_{t-1} + sqrt(beta_t) eps many times; compare moments with q(x_t | x_0)."""
    rng = np.random.default_rng(RNG_SEED)
    T, runs = 8, 100_000
    betas, _, alpha_bars = hn.diffusion_schedule(T, beta_start=0.05, beta_end=0.4)
    x0 = np.array([1.5, -2.0])
    x = np.tile(x0, (runs, 1))
    for t in range(1, T + 1):
        x = np.sqrt(1 - betas[t]) * x + np.sqrt(betas[t]) * rng.standard_normal(x.shape)
        mean = np.sqrt(alpha_bars[t]) * x0
        var = 1 - alpha_bars[t]
        np.testing.assert_allclose(x.mean(0), mean, atol=5 * np.sqrt(var / runs))
        np.testing.assert_allclose(x.var(0), var, rtol=0.03)
        # the notes' product from s = 0 over a 0-based array of the betas takes one step too many
        wrong = 1 - np.prod(1 - betas[1:][: t + 1])
        if t < T:
            assert abs(x.var(0).mean() - wrong) > 0.03
    # q_sample draws from the same distribution in one shot
    xt, _ = hn.q_sample_forward(np.tile(x0, (runs, 1)), np.full(runs, T), rng.standard_normal((runs, 2)),
                                alpha_bars=alpha_bars)
    np.testing.assert_allclose(xt.mean(0), np.sqrt(alpha_bars[T]) * x0, atol=0.02)
    np.testing.assert_allclose(xt.var(0), 1 - alpha_bars[T], rtol=0.03)


def test_posterior_matches_gaussian_conditioning():
    """q(x_{t-1} | x_t, x_0) by conditioning the joint Gaussian of (x_{t-1}, x_t) given x_0."""
    _, alphas, alpha_bars = hn.diffusion_schedule(10, beta_start=0.02, beta_end=0.3, kind="linear")
    rng = np.random.default_rng(RNG_SEED)
    t = np.arange(1, 11)
    x0, xt = rng.normal(size=(10, 1)), rng.normal(size=(10, 1))
    c11 = 1 - alpha_bars[t - 1]  # Var(x_{t-1} | x_0)
    c12 = np.sqrt(alphas[t]) * c11  # Cov(x_{t-1}, x_t | x_0)
    c22 = alphas[t] * c11 + (1 - alphas[t])  # Var(x_t | x_0)
    m1, m2 = np.sqrt(alpha_bars[t - 1]) * x0[:, 0], np.sqrt(alpha_bars[t]) * x0[:, 0]
    mean_expected = m1 + c12 / c22 * (xt[:, 0] - m2)
    var_expected = c11 - c12**2 / c22
    np.testing.assert_allclose(c22, 1 - alpha_bars[t])
    mean, _ = hn.ddpm_posterior_mean_forward(x0, xt, t, alpha_bars=alpha_bars)
    np.testing.assert_allclose(mean[:, 0], mean_expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(hn.ddpm_posterior_variance(t, alpha_bars=alpha_bars), var_expected, atol=1e-12)
    torch_var = ht.ddpm_posterior_variance(torch.from_numpy(t), alpha_bars=torch.from_numpy(alpha_bars))
    np.testing.assert_allclose(torch_var.numpy(), var_expected, atol=1e-12)
    assert hn.ddpm_posterior_variance(np.array([1]), alpha_bars=alpha_bars)[0] == 0.0


def test_reverse_mean_is_the_posterior_mean_at_the_predicted_x0():
    _, _, alpha_bars = hn.diffusion_schedule(6, beta_start=0.01, beta_end=0.3, kind="cosine")
    rng = np.random.default_rng(RNG_SEED)
    t = rng.integers(1, 7, 5)
    xt, eps = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    x0 = (xt - np.sqrt(1 - alpha_bars[t])[:, None] * eps) / np.sqrt(alpha_bars[t])[:, None]
    via_eps, _ = hn.ddpm_reverse_mean_forward(xt, eps, t, alpha_bars=alpha_bars)
    via_x0, _ = hn.ddpm_posterior_mean_forward(x0, xt, t, alpha_bars=alpha_bars)
    np.testing.assert_allclose(via_eps, via_x0, rtol=1e-10, atol=1e-12)


# ---- validation messages ----------------------------------------------------------------------------------------
def test_validation_messages():
    _, _, ab = hn.diffusion_schedule(5)
    x = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"'t' argument of q_sample_forward must hold time steps in \[0, 5\]\. "
                                         r"Got values in \[0, 9\]"):
        hn.q_sample_forward(x, np.array([0, 9]), x, alpha_bars=ab)
    with pytest.raises(TypeError, match="'t' argument of q_sample_forward must have an integer dtype"):
        hn.q_sample_forward(x, np.array([0.0, 1.0]), x, alpha_bars=ab)
    with pytest.raises(ValueError, match="'t' argument of ddpm_posterior_mean_forward must hold time steps in "
                                         r"\[1, 5\]"):
        hn.ddpm_posterior_mean_forward(x, x, np.array([0, 1]), alpha_bars=ab)
    with pytest.raises(ValueError, match="'alpha_bars' argument of q_sample_forward must be a decreasing array"):
        hn.q_sample_forward(x, np.array([0, 1]), x, alpha_bars=np.cumprod(np.full(6, 0.9)))
    with pytest.raises(ValueError, match="'kind' argument of diffusion_schedule must be one of 'linear', 'cosine'"):
        hn.diffusion_schedule(5, kind="quadratic")
    with pytest.raises(ValueError, match="'T' argument of diffusion_schedule must be an int >= 1. Got 0"):
        ht.diffusion_schedule(0)
    with pytest.raises(ValueError, match="'logvar' argument of gaussian_kl_forward must have the shape of 'mu'"):
        hn.gaussian_kl_forward(np.zeros((2, 3)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="'mode' argument of gan_generator_loss must be one of 'non_saturating'"):
        ht.gan_generator_loss(torch.zeros(3, 1), mode="wasserstein")
    with pytest.raises(TypeError, match="'fake_logits' argument of gan_discriminator_loss must be a torch.Tensor"):
        ht.gan_discriminator_loss(torch.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="'beta' argument of negative_elbo_forward must be a real number in "
                                         r"\[0, inf\]\. Got -1"):
        hn.negative_elbo_forward(x, x, x[:, :1], x[:, :1], beta=-1.0)
    with pytest.raises(ValueError, match="'mu' argument of negative_elbo must have 2 rows"):
        ht.negative_elbo(torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(3, 1), torch.zeros(3, 1))
    with pytest.raises(ValueError, match="'t' argument of q_sample must have shape \\(2,\\)"):
        ht.q_sample(torch.zeros(2, 3), torch.zeros(3, dtype=torch.long), torch.zeros(2, 3), alpha_bars=ab)
