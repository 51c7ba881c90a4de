"""Chapter 12: the losses of variational autoencoders and GANs, NumPy reference (forward and backward by hand).

* VAE: the reparametrisation ``z = mu + exp(logvar / 2) * eps`` (the noise ``eps`` is an input: no hidden
  randomness), the closed-form KL divergence of ``N(mu, diag(exp(logvar)))`` to ``N(0, I)`` and the negative
  ELBO with a Bernoulli decoder (reconstruction cross-entropy from logits + KL).
* GAN: the discriminator loss and the two generator losses, all written on the discriminator's *logits*
  ``l`` (``D = sigmoid(l)``), which is how PyTorch code computes them stably.

Sign conventions (the value function of Goodfellow et al. 2014): ``V(D, G) = E log D(x) + E log(1 - D(G(z)))``.
D maximises V, so its loss is ``-V`` = BCE(real, 1) + BCE(fake, 0). The minimax generator minimises V, i.e.
``E log(1 - D(G(z)))`` (its only G-dependent term); the non-saturating generator minimises
``-E log D(G(z))`` = BCE(fake, 1) instead. Seed 000 writes the discriminator loss with factors 1/2 (the
NIPS 2016 tutorial); that rescales the loss and changes nothing else.

References: Kingma & Welling, *Auto-Encoding Variational Bayes* (2014); Goodfellow et al., *Generative
Adversarial Nets* (2014); Goodfellow, *NIPS 2016 Tutorial: GANs*, §3.2. The torch twin is
:mod:`helpers.torch_impl.generative`; diffusion lives in :mod:`helpers.numpy_impl.diffusion`.
"""

from __future__ import annotations

import numpy as np

from ..core._validation import check_array, check_choice, check_elbo_args, check_latent_args
from .losses import _reduce, _unreduce  # the same batch reduction as every loss

__all__ = [
    "reparameterize_forward", "reparameterize_backward",
    "gaussian_kl_forward", "gaussian_kl_backward",
    "negative_elbo_forward", "negative_elbo_backward",
    "gan_discriminator_loss_forward", "gan_discriminator_loss_backward",
    "gan_generator_loss_forward", "gan_generator_loss_backward",
    "GAN_GENERATOR_MODES",
]

GAN_GENERATOR_MODES = ("non_saturating", "minimax")


def _sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -z))  # stable for any |z|


def _softplus(z):
    return np.logaddexp(0.0, z)  # log(1 + e^z) without overflow


# ---- VAE ------------------------------------------------------------------------------------------------------
def reparameterize_forward(mu, logvar, eps):
    """``z = mu + sigma * eps`` with ``sigma = exp(logvar / 2)``; ``eps ~ N(0, I)`` is drawn by the caller.

    All three arrays have the same shape, e.g. (N, latent). The sample is a smooth function of ``mu`` and
    ``logvar``, so gradients reach the encoder: that is the point of the trick.
    """
    check_latent_args(mu, logvar, "reparameterize_forward", eps=eps)
    sigma = np.exp(0.5 * logvar)
    return mu + sigma * eps, (sigma, eps)


def reparameterize_backward(dout, cache):
    """Returns ``(dmu, dlogvar, deps)``: dz/dmu = 1, dz/dlogvar = sigma * eps / 2, dz/deps = sigma."""
    sigma, eps = cache
    return dout * 1.0, 0.5 * dout * sigma * eps, dout * sigma


def gaussian_kl_forward(mu, logvar, *, reduction="mean"):
    """``KL(N(mu, diag(exp(logvar))) || N(0, I)) = 1/2 sum_j (exp(logvar_j) + mu_j^2 - 1 - logvar_j)``.

    ``mu`` and ``logvar`` are (N, latent) (or (latent,)); the sum runs over the last axis, giving one KL
    per sample, then ``reduction`` ("mean", "sum" or "none") combines the samples.
    """
    check_latent_args(mu, logvar, "gaussian_kl_forward", reduction=reduction)
    var = np.exp(logvar)
    per_sample = 0.5 * np.sum(var + mu * mu - 1.0 - logvar, axis=-1)  # (N,)
    return _reduce(per_sample, reduction), (mu, var, per_sample.shape, reduction)


def gaussian_kl_backward(dout, cache):
    """Returns ``(dmu, dlogvar)``: dKL/dmu = mu, dKL/dlogvar = (exp(logvar) - 1) / 2."""
    mu, var, shape, reduction = cache
    d = _unreduce(dout, shape, reduction)[..., None]  # (N, 1): one upstream value per sample
    return d * mu, d * 0.5 * (var - 1.0)


def negative_elbo_forward(x_logits, x, mu, logvar, *, reduction="mean", beta=1.0):
    """The VAE loss ``-ELBO = E_q[-log p(x | z)] + beta * KL(q(z | x) || N(0, I))`` for a Bernoulli decoder.

    ``x_logits`` (N, D) are the decoder's logits for one sample ``z ~ q(z | x)``; ``x`` (N, D) in [0, 1] the
    data (a constant); ``mu, logvar`` (N, latent) the encoder's outputs. The reconstruction term is the
    binary cross-entropy summed over the D features (not averaged: the ELBO is a log-likelihood of the whole
    image). ``beta = 1`` is the ELBO; other values give the beta-VAE.
    """
    beta = check_elbo_args(x_logits, x, mu, beta, reduction, "negative_elbo_forward")
    # BCE from logits, stably: softplus(l) - x l  (= -(x log s + (1 - x) log(1 - s)), s = sigmoid(l))
    recon = np.sum(_softplus(x_logits) - x * x_logits, axis=-1)  # (N,)
    kl, kl_cache = gaussian_kl_forward(mu, logvar, reduction="none")
    per_sample = recon + beta * kl
    return _reduce(per_sample, reduction), (x_logits, x, beta, kl_cache, per_sample.shape, reduction)


def negative_elbo_backward(dout, cache):
    """Returns ``(dx_logits, dmu, dlogvar)``; the data ``x`` gets no gradient."""
    x_logits, x, beta, kl_cache, shape, reduction = cache
    d = _unreduce(dout, shape, reduction)  # (N,)
    dlogits = d[:, None] * (_sigmoid(x_logits) - x)
    dmu, dlogvar = gaussian_kl_backward(beta * d, kl_cache)
    return dlogits, dmu, dlogvar


# ---- GAN ------------------------------------------------------------------------------------------------------
def gan_discriminator_loss_forward(real_logits, fake_logits):
    """``J_D = -mean log D(x) - mean log(1 - D(G(z)))`` = BCE(real, 1) + BCE(fake, 0), from logits.

    ``log D = -softplus(-l)`` and ``log(1 - D) = -softplus(l)``, so ``J_D = mean softplus(-l_real) +
    mean softplus(l_fake)``. Each batch is averaged on its own (the two may differ in size).
    """
    check_array(real_logits, "real_logits", "gan_discriminator_loss_forward", min_ndim=1)
    check_array(fake_logits, "fake_logits", "gan_discriminator_loss_forward", min_ndim=1)
    loss = _softplus(-real_logits).mean() + _softplus(fake_logits).mean()
    return loss, (real_logits, fake_logits)


def gan_discriminator_loss_backward(dout, cache):
    """Returns ``(dreal_logits, dfake_logits)``: ``-(1 - D(x)) / n_real`` and ``D(G(z)) / n_fake``."""
    real, fake = cache
    return -dout * _sigmoid(-real) / real.size, dout * _sigmoid(fake) / fake.size


def gan_generator_loss_forward(fake_logits, *, mode="non_saturating"):
    """The generator's loss on the discriminator logits ``l = logit D(G(z))`` of its samples.

    * ``"minimax"``: ``mean log(1 - D(G(z))) = -mean softplus(l)``. Its gradient ``-sigmoid(l)`` vanishes when
      D confidently rejects the fakes (``l -> -inf``), exactly early in training: the generator *saturates*.
    * ``"non_saturating"``: ``-mean log D(G(z)) = mean softplus(-l)``, gradient ``-(1 - sigmoid(l))`` -> -1
      there. Same fixed point, strong gradients when G is bad (Goodfellow et al. 2014, §3).
    """
    check_array(fake_logits, "fake_logits", "gan_generator_loss_forward", min_ndim=1)
    check_choice(mode, "mode", "gan_generator_loss_forward", GAN_GENERATOR_MODES)
    loss = -_softplus(fake_logits).mean() if mode == "minimax" else _softplus(-fake_logits).mean()
    return loss, (fake_logits, mode)


def gan_generator_loss_backward(dout, cache):
    """Returns ``(dfake_logits,)``."""
    fake, mode = cache
    slope = -_sigmoid(fake) if mode == "minimax" else -_sigmoid(-fake)
    return (dout * slope / fake.size,)
