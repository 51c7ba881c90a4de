"""Grad-CAM and FGSM against hand computations; the tiny generative trainers on their key properties."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from helpers.labs.explain import TinyCNN, accuracy, fgsm, grad_cam, train_classifier
from helpers.labs.generative_training import load_digits_01, reconstruction_mse, train_autoencoder


class _GapLinear(nn.Module):
    """features = x itself (an Identity layer), score = W · mean_ij(features) + b."""

    def __init__(self, W):
        super().__init__()
        self.features = nn.Identity()
        self.W = W

    def forward(self, x):
        return self.features(x).mean(dim=(2, 3)) @ self.W.T


def test_grad_cam_matches_the_closed_form():
    torch.manual_seed(0)
    W = torch.randn(3, 4, dtype=torch.float64)
    x = torch.randn(2, 4, 5, 5, dtype=torch.float64)  # mixed signs: the ReLU matters
    model = _GapLinear(W)
    target = torch.tensor([2, 0])
    cam = grad_cam(model, model.features, x, target)
    # d score_c / d A_k = W_ck / (H W) everywhere, so the map is ReLU(sum_k W_ck A_k) up to a positive factor
    expected = torch.relu(torch.einsum("nk,nkhw->nhw", W[target], x))
    assert float(expected.max()) > 0
    expected = expected / expected.flatten(1).max(1).values.clamp(min=1e-12).view(-1, 1, 1)
    np.testing.assert_allclose(cam.numpy(), expected.numpy(), rtol=1e-10, atol=1e-12)
    assert model.W.grad is None  # parameters' .grad untouched


def test_grad_cam_on_a_cnn_upsamples_and_validates():
    torch.manual_seed(0)
    model = TinyCNN().double()
    x = torch.rand(3, 1, 8, 8, dtype=torch.float64)
    cam = grad_cam(model, model.features, x)
    assert cam.shape == (3, 8, 8) and float(cam.min()) >= 0 and float(cam.max()) <= 1
    with pytest.raises(ValueError, match="'layer' argument of grad_cam must be a submodule"):
        grad_cam(model, nn.ReLU(), x)
    with pytest.raises(ValueError, match="must output \\(N, K, h, w\\) feature maps"):
        grad_cam(model, model.head, x)


def test_fgsm_is_one_signed_gradient_step():
    torch.manual_seed(0)
    lin = nn.Linear(6, 3).double()
    x, y = torch.rand(4, 6, dtype=torch.float64), torch.tensor([0, 1, 2, 1])
    x_adv = fgsm(lin, x, y, eps=0.05, clamp=None)
    p = torch.softmax(lin(x), 1).detach()
    grad = (p - F.one_hot(y, 3)) @ lin.weight.detach() / 4  # d mean CE / d x for a linear model
    np.testing.assert_allclose(x_adv.numpy(), (x + 0.05 * grad.sign()).numpy())
    assert F.cross_entropy(lin(x_adv), y) > F.cross_entropy(lin(x), y)
    clipped = fgsm(lin, x, y, eps=2.0)
    assert float(clipped.min()) >= 0 and float(clipped.max()) <= 1
    with pytest.raises(ValueError, match="'eps' argument of fgsm must be a real number"):
        fgsm(lin, x, y, eps=-0.1)


def test_tiny_cnn_learns_digits_and_fgsm_hurts_it():
    X, y = load_digits_01()
    X = X.reshape(-1, 1, 8, 8)
    torch.manual_seed(0)
    model = TinyCNN()
    losses = train_classifier(model, X[:1000], y[:1000], epochs=6, seed=0)
    assert losses[-1] < losses[0]
    clean = accuracy(model, X[1000:], y[1000:])
    attacked = accuracy(model, fgsm(model, torch.as_tensor(X[1000:]), torch.as_tensor(y[1000:]), eps=0.2),
                        y[1000:])
    assert clean > 0.5 and attacked < clean - 0.3


def test_linear_autoencoder_spans_the_pca_subspace():
    from scipy.linalg import subspace_angles
    from sklearn.decomposition import PCA

    X, _ = load_digits_01()
    model, losses = train_autoencoder(X, latent_dim=2, hidden=(), epochs=400, lr=3e-2, batch_size=len(X), seed=0)
    pca = PCA(2).fit(X)
    angles = np.degrees(subspace_angles(model.decoder[0].weight.detach().numpy(), pca.components_.T))
    assert angles.max() < 5
    pca_mse = float(((pca.inverse_transform(pca.transform(X)) - X) ** 2).mean())
    assert reconstruction_mse(model, X) == pytest.approx(pca_mse, rel=0.02)
