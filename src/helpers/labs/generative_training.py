"""Tiny generative models of chapter 12, trained on CPU in seconds: autoencoders and a VAE on the 8x8 digits
of scikit-learn, a GAN on a ring of Gaussians and a DDPM on two moons.

Every trainer takes a ``seed`` and builds its own ``torch.Generator`` for initialisation, batches and noise,
so results are reproducible and independent of the global RNG. Every trainer takes ``device=`` (default: the
data's device, the CPU when there is no data): the weights are initialised and all noise is drawn on the CPU,
then moved, so a seed gives the same run on every device up to rounding; arrays come back as NumPy on the CPU.
The losses come from
:mod:`helpers.torch_impl` (``negative_elbo``, ``gan_*_loss``, ``q_sample``, ...), i.e. the parity-tested code.

References: Kingma & Welling (2014); Goodfellow et al. (2014); Ho, Jain & Abbeel (2020).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from .. import torch_impl as ht
from ..core._device import resolve_device
from ..core._validation import check_choice, check_int, check_real

__all__ = [
    "load_digits_01", "Autoencoder", "train_autoencoder", "reconstruction_mse", "VAE", "train_vae",
    "ring_of_gaussians", "train_gan", "mode_coverage", "EpsMLP", "train_ddpm", "ddpm_sample", "two_moons",
    "plot_digit_rows",
]


def load_digits_01():
    """scikit-learn's 1797 digits as float32 ``X`` (N, 64) in [0, 1] (pixel / 16) and int labels ``y``."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    return (digits.data / 16.0).astype(np.float32), digits.target.astype(np.int64)


def plot_digit_rows(rows, labels, *, image_shape=(8, 8), size=0.8):
    """Matplotlib grid of images: one row per entry of ``rows`` (each (n, H*W) or (n, H, W)), titled by
    ``labels``. Returns the figure."""
    import matplotlib.pyplot as plt

    rows = [np.asarray(r, dtype=np.float64).reshape((-1,) + tuple(image_shape)) for r in rows]
    n = max(len(r) for r in rows)
    fig, axes = plt.subplots(len(rows), n, figsize=(size * n, size * len(rows) + 0.3), squeeze=False)
    for i, (row, label) in enumerate(zip(rows, labels, strict=True)):
        for j in range(n):
            ax = axes[i, j]
            if j < len(row):
                ax.imshow(np.clip(row[j], 0, 1), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([]), ax.set_yticks([])
        axes[i, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    fig.tight_layout()
    return fig


def _mlp(sizes, *, final_activation=None, generator=None):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    if final_activation is not None:
        layers.append(final_activation)
    net = nn.Sequential(*layers)
    if generator is not None:  # initialise from our generator, not the global RNG
        for p in net.parameters():
            with torch.no_grad():
                bound = 1.0 / math.sqrt(p.shape[-1]) if p.dim() > 1 else 0.05
                p.uniform_(-bound, bound, generator=generator)
    return net


def _batches(n, batch_size, generator):
    perm = torch.randperm(n, generator=generator)
    return [perm[i:i + batch_size] for i in range(0, n, batch_size)]


# ---- autoencoders -----------------------------------------------------------------------------------------------
class Autoencoder(nn.Module):
    """``x -> z -> x_hat``. ``hidden=()`` gives the *linear* autoencoder (no activation), PCA's neural twin;
    otherwise ReLU MLPs with a sigmoid output (pixels live in [0, 1])."""

    def __init__(self, d_in=64, latent_dim=2, hidden=(64,), *, generator=None):
        super().__init__()
        linear = len(hidden) == 0
        self.encoder = _mlp([d_in, *hidden, latent_dim], generator=generator)
        self.decoder = _mlp([latent_dim, *hidden[::-1], d_in], final_activation=None if linear else nn.Sigmoid(),
                            generator=generator)

    def forward(self, x):
        return self.decoder(self.encoder(x))


def train_autoencoder(X, *, latent_dim=2, hidden=(64,), noise_std=0.0, epochs=60, batch_size=128, lr=3e-3, seed=0,
                      device=None):
    """Minimise ``mean ||x - decoder(encoder(x + noise))||^2``; ``noise_std > 0`` makes it a *denoising* AE
    (fresh Gaussian noise on the input each batch, the clean image as the target). Returns ``(model, losses)``."""
    check_real(noise_std, "noise_std", "train_autoencoder", low=0.0)
    check_int(epochs, "epochs", "train_autoencoder", low=1)
    g = torch.Generator().manual_seed(seed)
    X = torch.as_tensor(X, dtype=torch.float32)
    dev = resolve_device(device, X)
    X = X.to(dev)
    model = Autoencoder(X.shape[1], latent_dim, tuple(hidden), generator=g).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        for idx in _batches(len(X), batch_size, g):
            x = X[idx.to(dev)]
            noisy = x + noise_std * torch.randn(x.shape, generator=g).to(dev) if noise_std > 0 else x
            loss = ((model(noisy) - x) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        losses.append(loss.item())
    return model, losses


def reconstruction_mse(model, X, *, noise_std=0.0, seed=0, device=None) -> float:
    """Mean squared error per pixel of ``model`` on ``X`` (optionally on noisy inputs, clean targets), computed on
    ``device`` (default: the model's)."""
    dev = resolve_device(device, model)
    model.to(dev)
    X = torch.as_tensor(X, dtype=torch.float32).to(dev)
    g = torch.Generator().manual_seed(seed)
    noisy = X + noise_std * torch.randn(X.shape, generator=g).to(dev) if noise_std > 0 else X
    with torch.no_grad():
        return float(((model(noisy) - X) ** 2).mean())


# ---- VAE ----------------------------------------------------------------------------------------------------
class VAE(nn.Module):
    """Encoder -> (mu, logvar); ``z = mu + exp(logvar / 2) eps``; decoder -> Bernoulli logits of the pixels."""

    def __init__(self, d_in=64, latent_dim=2, hidden=128, *, generator=None):
        super().__init__()
        self.body = _mlp([d_in, hidden, hidden], generator=generator)
        self.head = _mlp([hidden, 2 * latent_dim], generator=generator)
        self.decoder = _mlp([latent_dim, hidden, hidden, d_in], generator=generator)
        self.latent_dim = latent_dim

    def encode(self, x):
        mu, logvar = self.head(torch.relu(self.body(x))).chunk(2, dim=-1)
        return mu, logvar

    def forward(self, x, eps):
        mu, logvar = self.encode(x)
        return self.decoder(ht.reparameterize(mu, logvar, eps)), mu, logvar

    def decode(self, z):
        """Pixel probabilities (sigmoid of the logits) for latent codes ``z`` (..., latent_dim), on the CPU."""
        weight = self.decoder[0].weight
        with torch.no_grad():
            z = torch.as_tensor(z, dtype=torch.float32).to(weight.device)
            return torch.sigmoid(self.decoder(z)).cpu()


def train_vae(X, *, latent_dim=2, hidden=128, epochs=40, batch_size=128, lr=2e-3, beta=1.0, seed=0, device=None):
    """Minimise the negative ELBO; returns ``(model, history)`` with per-epoch 'loss', 'recon' and 'kl'."""
    g = torch.Generator().manual_seed(seed)
    X = torch.as_tensor(X, dtype=torch.float32)
    dev = resolve_device(device, X)
    X = X.to(dev)
    model = VAE(X.shape[1], latent_dim, hidden, generator=g).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history = {"loss": [], "recon": [], "kl": []}
    for _ in range(epochs):
        totals = np.zeros(3)
        for idx in _batches(len(X), batch_size, g):
            x = X[idx.to(dev)]
            eps = torch.randn((len(x), latent_dim), generator=g).to(dev)
            logits, mu, logvar = model(x, eps)
            loss = ht.negative_elbo(logits, x, mu, logvar, beta=beta)
            opt.zero_grad()
            loss.backward()
            opt.step()
            kl = ht.gaussian_kl(mu, logvar).item()
            totals += np.array([loss.item(), loss.item() - beta * kl, kl]) * len(x)
        for key, value in zip(history, totals / len(X), strict=True):
            history[key].append(float(value))
    return model, history


# ---- GAN on a ring of Gaussians -----------------------------------------------------------------------------------
def ring_of_gaussians(n, *, modes=8, radius=2.0, std=0.05, generator=None):
    """``(samples (n, 2), centers (modes, 2))``: an equal mixture of Gaussians on a circle."""
    angles = torch.arange(modes, dtype=torch.float32) * (2 * math.pi / modes)
    centers = radius * torch.stack([angles.cos(), angles.sin()], dim=1)
    which = torch.randint(modes, (n,), generator=generator)
    return centers[which] + std * torch.randn((n, 2), generator=generator), centers


def mode_coverage(samples, centers, *, radius=0.3):
    """``(modes_hit, quality)``: how many mixture modes have at least 1% of the samples within ``radius``,
    and the fraction of samples lying within ``radius`` of some mode."""
    samples, centers = np.asarray(samples, dtype=np.float64), np.asarray(centers, dtype=np.float64)
    d = np.linalg.norm(samples[:, None, :] - centers[None, :, :], axis=-1)  # (n, modes)
    near = d < radius
    hits = int(np.sum(near.sum(0) >= max(1, 0.01 * len(samples))))
    return hits, float(near.any(1).mean())


def train_gan(*, steps=1500, batch_size=128, loss="non_saturating", latent_dim=2, hidden=64, lr=1e-3,
              snapshot_every=100, n_show=400, modes=8, g_steps=1, seed=0, device=None):
    """Alternate one discriminator Adam step and ``g_steps`` generator steps per iteration.

    Returns a dict with ``steps`` (snapshot steps), ``samples`` (K, n_show, 2) of ``G`` on a fixed batch of
    noise, ``real`` (n_show, 2), ``centers``, ``coverage`` (K, 2) from :func:`mode_coverage` and per-step
    ``d_loss``/``g_loss``. ``loss`` is "non_saturating" or "minimax" (see ``gan_generator_loss``).
    A generator that takes several steps against a fixed discriminator (``g_steps > 1``) chases the
    discriminator's current blind spot: a classic way to provoke mode collapse. ``device`` defaults to the CPU.
    """
    check_choice(loss, "loss", "train_gan", ht.GAN_GENERATOR_MODES)
    check_int(steps, "steps", "train_gan", low=1)
    check_int(snapshot_every, "snapshot_every", "train_gan", low=1)
    check_int(g_steps, "g_steps", "train_gan", low=1)
    dev = resolve_device(device)
    g = torch.Generator().manual_seed(seed)
    G = _mlp([latent_dim, hidden, hidden, 2], generator=g).to(dev)
    D = _mlp([2, hidden, hidden, 1], generator=g).to(dev)
    opt_g = torch.optim.Adam(G.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=lr, betas=(0.5, 0.999))
    z_show = torch.randn((n_show, latent_dim), generator=g).to(dev)
    real_show, centers = ring_of_gaussians(n_show, modes=modes, generator=g)
    out = {"steps": [], "samples": [], "coverage": [], "d_loss": [], "g_loss": []}

    def noise():
        return torch.randn((batch_size, latent_dim), generator=g).to(dev)

    def snapshot(step):
        with torch.no_grad():
            fake = G(z_show).cpu().numpy()
        out["steps"].append(step)
        out["samples"].append(fake)
        out["coverage"].append(mode_coverage(fake, centers))

    snapshot(0)
    for step in range(1, steps + 1):
        real, _ = ring_of_gaussians(batch_size, modes=modes, generator=g)
        real, fake = real.to(dev), G(noise())
        d_loss = ht.gan_discriminator_loss(D(real), D(fake.detach()))  # D: maximise V = minimise -V
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        for _ in range(g_steps):  # G: only its own parameters are stepped; D's gradients are discarded
            g_loss = ht.gan_generator_loss(D(G(noise())), mode=loss)
            opt_g.zero_grad()
            g_loss.backward()
            opt_g.step()
        out["d_loss"].append(d_loss.item())
        out["g_loss"].append(g_loss.item())
        if step % snapshot_every == 0:
            snapshot(step)
    return {"steps": np.array(out["steps"]), "samples": np.stack(out["samples"]), "real": real_show.numpy(),
            "centers": centers.numpy(), "coverage": np.array(out["coverage"]), "d_loss": np.array(out["d_loss"]),
            "g_loss": np.array(out["g_loss"])}


# ---- DDPM on 2-D data ---------------------------------------------------------------------------------------
def two_moons(n, *, noise=0.06, seed=0):
    """scikit-learn's two moons, standardised to zero mean and unit variance per axis, float32 (n, 2)."""
    from sklearn.datasets import make_moons

    x, _ = make_moons(n, noise=noise, random_state=seed)
    return ((x - x.mean(0)) / x.std(0)).astype(np.float32)


class EpsMLP(nn.Module):
    """``eps_theta(x_t, t)``: an MLP on ``[x_t, sinusoidal embedding of t / T]``."""

    def __init__(self, d=2, hidden=64, n_freq=8, *, generator=None):
        super().__init__()
        self.register_buffer("freqs", 2.0 ** torch.arange(n_freq, dtype=torch.float32))
        self.net = _mlp([d + 2 * n_freq, hidden, hidden, hidden, d], generator=generator)

    def forward(self, x, t_frac):
        angles = t_frac[:, None] * self.freqs * math.pi  # (N, n_freq)
        return self.net(torch.cat([x, angles.sin(), angles.cos()], dim=1))


def train_ddpm(data, *, T=40, steps=2500, batch_size=256, lr=2e-3, kind="cosine", seed=0, device=None):
    """Train ``eps_theta`` with ``mean ||eps - eps_theta(q_sample(x0, t, eps), t)||^2`` for random t in [1, T].

    Returns ``(model, alpha_bars, losses)`` (``alpha_bars`` float32 (T + 1,) on the CPU; the model on ``device``,
    by default the data's)."""
    g = torch.Generator().manual_seed(seed)
    data = torch.as_tensor(data, dtype=torch.float32)
    dev = resolve_device(device, data)
    data = data.to(dev)
    alpha_bars = ht.diffusion_schedule(T, beta_start=1e-3, beta_end=0.2, kind=kind)[2].float()
    alpha_bars_dev = alpha_bars.to(dev)
    model = EpsMLP(data.shape[1], generator=g).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        x0 = data[torch.randint(len(data), (batch_size,), generator=g).to(dev)]
        t = torch.randint(1, T + 1, (batch_size,), generator=g).to(dev)
        eps = torch.randn(x0.shape, generator=g).to(dev)
        loss = ht.eps_prediction_loss(model(ht.q_sample(x0, t, eps, alpha_bars=alpha_bars_dev), t / T), eps)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return model, alpha_bars, np.array(losses)


def ddpm_sample(model, alpha_bars, n, *, seed=0, device=None):
    """Ancestral sampling from x_T ~ N(0, I) down to x_0; returns the whole path as (T + 1, n, d), index t
    (NumPy). Runs on ``device`` (default: the model's); the noise is drawn on the CPU.

    Each step: ``x_{t-1} = mean_theta(x_t, t) + sqrt(beta_tilde_t) z`` (no noise at t = 1)."""
    dev = resolve_device(device, model)
    model.to(dev)
    alpha_bars = alpha_bars.to(dev) if torch.is_tensor(alpha_bars) else alpha_bars  # arrays follow the data
    g = torch.Generator().manual_seed(seed)
    T = len(alpha_bars) - 1
    d = model.net[-1].out_features
    x = torch.randn((n, d), generator=g).to(dev)
    path = [x]
    with torch.no_grad():
        for step in range(T, 0, -1):
            t = torch.full((n,), step, dtype=torch.long, device=dev)
            mean = ht.ddpm_reverse_mean(x, model(x, t / T), t, alpha_bars=alpha_bars)
            var = ht.ddpm_posterior_variance(t, alpha_bars=alpha_bars).to(x.dtype)
            x = mean + var.sqrt()[:, None] * torch.randn((n, d), generator=g).to(dev)
            path.append(x)
    return torch.stack(path[::-1]).cpu().numpy()
