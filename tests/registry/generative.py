"""Generative models (chapter 12): VAE and GAN losses, DDPM maths.

Built-ins: ``torch.distributions`` for the Gaussian KL, ``F.binary_cross_entropy_with_logits`` for the
ELBO's reconstruction term and the GAN losses (the formulation PyTorch GAN code uses), ``F.mse_loss``
for the eps-prediction loss. The reparametrisation, q_sample and the DDPM means are affine maps with no
built-in; they are checked against autograd and finite differences here and against sampling and
Gaussian conditioning in tests/test_generative.py.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import strategies as st
from torch.distributions import Normal, kl_divergence

import helpers.numpy_impl as hn
import helpers.torch_impl as ht

from .base import ParityCase, generators

_REDUCTION = st.sampled_from(["mean", "sum", "none"])


def _reduce(x, reduction):
    return x.mean() if reduction == "mean" else x.sum() if reduction == "sum" else x


@st.composite
def _latent(draw, *, noise=False, hp=True):
    rng = draw(generators())
    n, k = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    mu, logvar = rng.normal(0, 1.5, (n, k)), rng.uniform(-3, 2, (n, k))
    arrays = (mu, logvar, rng.standard_normal((n, k))) if noise else (mu, logvar)
    return arrays, ({"reduction": draw(_REDUCTION)} if hp else {})


@st.composite
def _elbo(draw):
    rng = draw(generators())
    n, d, k = draw(st.integers(1, 3)), draw(st.integers(1, 5)), draw(st.integers(1, 3))
    x = rng.random((n, d)) if draw(st.booleans()) else rng.integers(0, 2, (n, d)).astype(np.float64)
    arrays = (rng.normal(0, 3, (n, d)), x, rng.normal(0, 1, (n, k)), rng.uniform(-2, 1, (n, k)))
    return arrays, {"reduction": draw(_REDUCTION), "beta": draw(st.sampled_from([1.0, 0.5, 4.0]))}


@st.composite
def _logits(draw, *, two=False, modes=False):
    rng = draw(generators())
    sizes = [draw(st.integers(1, 6)) for _ in range(2 if two else 1)]
    arrays = tuple(rng.normal(0, 4, (m, 1)) for m in sizes)
    return arrays, ({"mode": draw(st.sampled_from(hn.GAN_GENERATOR_MODES))} if modes else {})


@st.composite
def _diffusion(draw, *, low=0, eps=False):
    rng = draw(generators())
    T = draw(st.integers(1, 12))
    kind = draw(st.sampled_from(hn.SCHEDULE_KINDS))
    _, _, alpha_bars = hn.diffusion_schedule(T, beta_start=1e-3, beta_end=0.3, kind=kind)
    n = draw(st.integers(1, 4))
    shape = (n,) + tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    t = rng.integers(low, T + 1, n)  # q_sample accepts t = 0 (no noise); the posterior needs t >= 1
    a, b = rng.standard_normal(shape), rng.standard_normal(shape)
    return ((a, t, b) if low == 0 else (a, b, t)), {"alpha_bars": alpha_bars}


# ---- built-ins (torch's own formulations) -------------------------------------------------------------------
def _kl_builtin(mu, logvar, *, reduction):
    kl = kl_divergence(Normal(mu, torch.exp(0.5 * logvar)), Normal(torch.zeros_like(mu), torch.ones_like(mu)))
    return _reduce(kl.sum(-1), reduction)


def _elbo_builtin(x_logits, x, mu, logvar, *, reduction, beta):
    recon = F.binary_cross_entropy_with_logits(x_logits, x, reduction="none").sum(-1)
    return _reduce(recon + beta * _kl_builtin(mu, logvar, reduction="none"), reduction)


def _disc_builtin(real, fake):
    return (F.binary_cross_entropy_with_logits(real, torch.ones_like(real))
            + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake)))


def _gen_builtin(fake, *, mode):
    if mode == "minimax":  # minimise E log(1 - D(G(z))) = -BCE(fake, 0)
        return -F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake))
    return F.binary_cross_entropy_with_logits(fake, torch.ones_like(fake))  # -E log D(G(z)) = BCE(fake, 1)


CASES = [
    ParityCase(hn.reparameterize_forward, hn.reparameterize_backward, ht.reparameterize,
               _latent(noise=True, hp=False), notes="no built-in: an affine map; sampled moments in test_generative"),
    ParityCase(hn.gaussian_kl_forward, hn.gaussian_kl_backward, ht.gaussian_kl, _latent(), builtin=_kl_builtin),
    ParityCase(hn.negative_elbo_forward, hn.negative_elbo_backward, ht.negative_elbo, _elbo(),
               builtin=_elbo_builtin, constant_args=(1,)),
    ParityCase(hn.gan_discriminator_loss_forward, hn.gan_discriminator_loss_backward, ht.gan_discriminator_loss,
               _logits(two=True), builtin=_disc_builtin),
    ParityCase(hn.gan_generator_loss_forward, hn.gan_generator_loss_backward, ht.gan_generator_loss,
               _logits(modes=True), builtin=_gen_builtin),
    ParityCase(hn.q_sample_forward, hn.q_sample_backward, ht.q_sample, _diffusion(),
               notes="no built-in; checked against the step-by-step chain in tests/test_generative.py"),
    ParityCase(hn.ddpm_posterior_mean_forward, hn.ddpm_posterior_mean_backward, ht.ddpm_posterior_mean,
               _diffusion(low=1), notes="no built-in; checked against Gaussian conditioning in test_generative"),
    ParityCase(hn.ddpm_reverse_mean_forward, hn.ddpm_reverse_mean_backward, ht.ddpm_reverse_mean,
               _diffusion(low=1), notes="no built-in; equals the posterior mean at x0(eps) in test_generative"),
    ParityCase(hn.eps_prediction_loss_forward, hn.eps_prediction_loss_backward, ht.eps_prediction_loss,
               _latent(noise=False, hp=False), builtin=F.mse_loss, constant_args=(1,)),
]

EXEMPT = {
    "diffusion_schedule": "not a forward/backward pair; tests/test_generative.py checks NumPy == torch, "
                          "abar_t = prod_{s=1}^t alpha_s and the cosine closed form",
    "ddpm_posterior_variance": "a function of t only; tests/test_generative.py checks it against Gaussian "
                               "conditioning and the torch twin",
    "SCHEDULE_KINDS": "a constant (the schedule names of diffusion_schedule)",
    "GAN_GENERATOR_MODES": "a constant (the modes of gan_generator_loss)",
}
