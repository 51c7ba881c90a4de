"""VAE and GAN losses in PyTorch: the differentiable twins of :mod:`helpers.numpy_impl.generative`.

Same names (without ``_forward``), arguments and sign conventions; written from tensor operations (not from
``F.binary_cross_entropy_with_logits`` or ``torch.distributions``, which the tests compare them with);
device- and dtype-agnostic.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..core._validation import check_array, check_choice, check_elbo_args, check_latent_args
from .losses import _reduce  # the same batch reduction as every loss

__all__ = ["reparameterize", "gaussian_kl", "negative_elbo", "gan_discriminator_loss", "gan_generator_loss",
           "GAN_GENERATOR_MODES"]

GAN_GENERATOR_MODES = ("non_saturating", "minimax")


def reparameterize(mu, logvar, eps):
    """``z = mu + exp(logvar / 2) * eps``; the caller draws ``eps`` (e.g. ``torch.randn(..., generator=g)``)."""
    check_latent_args(mu, logvar, "reparameterize", eps=eps, tensor=True)
    return mu + torch.exp(0.5 * logvar) * eps  # autograd derives d/dmu = 1, d/dlogvar = sigma * eps / 2


def gaussian_kl(mu, logvar, *, reduction="mean"):
    """``1/2 sum_j (exp(logvar_j) + mu_j^2 - 1 - logvar_j)`` over the last axis, then reduced over samples."""
    check_latent_args(mu, logvar, "gaussian_kl", reduction=reduction, tensor=True)
    return _reduce(0.5 * (logvar.exp() + mu * mu - 1.0 - logvar).sum(-1), reduction)


def negative_elbo(x_logits, x, mu, logvar, *, reduction="mean", beta=1.0):
    """``sum_features BCE(sigmoid(x_logits), x) + beta * KL(q(z | x) || N(0, I))`` per sample, then reduced."""
    beta = check_elbo_args(x_logits, x, mu, beta, reduction, "negative_elbo", tensor=True)
    recon = (F.softplus(x_logits) - x * x_logits).sum(-1)  # (N,)
    return _reduce(recon + beta * gaussian_kl(mu, logvar, reduction="none"), reduction)


def gan_discriminator_loss(real_logits, fake_logits):
    """``mean softplus(-l_real) + mean softplus(l_fake)`` = BCE(real, 1) + BCE(fake, 0)."""
    check_array(real_logits, "real_logits", "gan_discriminator_loss", tensor=True, min_ndim=1)
    check_array(fake_logits, "fake_logits", "gan_discriminator_loss", tensor=True, min_ndim=1)
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def gan_generator_loss(fake_logits, *, mode="non_saturating"):
    """``"minimax"``: ``-mean softplus(l)`` = mean log(1 - D); ``"non_saturating"``: ``mean softplus(-l)``."""
    check_array(fake_logits, "fake_logits", "gan_generator_loss", tensor=True, min_ndim=1)
    check_choice(mode, "mode", "gan_generator_loss", GAN_GENERATOR_MODES)
    return -F.softplus(fake_logits).mean() if mode == "minimax" else F.softplus(-fake_logits).mean()
