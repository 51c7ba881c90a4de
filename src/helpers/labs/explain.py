"""Looking inside and attacking image classifiers (chapter 12's outlook; reusable by any CNN of the book).

* :func:`grad_cam`: Grad-CAM for any ``nn.Module`` and any of its layers with a (N, C, H, W) output:
  weights ``alpha_c^k = mean_{ij} d score_c / d A^k_ij``, map ``ReLU(sum_k alpha_c^k A^k)``, upsampled to the
  input size. It uses hooks, so the model needs no changes.
* :func:`fgsm`: the fast gradient sign method ``x_adv = clip(x + eps sign(grad_x loss(f(x), y)))``.
* :class:`TinyCNN` and :func:`train_classifier`: a small digits classifier to try both on.

References: Selvaraju et al., *Grad-CAM* (ICCV 2017); Goodfellow, Shlens & Szegedy, *Explaining and
Harnessing Adversarial Examples* (ICLR 2015).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..core._device import resolve_device
from ..core._validation import check_array, check_int, check_real
from ._loop import minibatch_epochs

__all__ = ["grad_cam", "fgsm", "TinyCNN", "train_classifier", "accuracy"]


def grad_cam(model: nn.Module, layer: nn.Module, x, target=None):
    """Grad-CAM maps (N, H, W) in [0, 1] for the classes ``target`` (N,) (default: the predicted ones).

    ``layer`` is a submodule of ``model`` whose output A has shape (N, K, h, w). The model is run once with
    a forward hook that keeps A; ``torch.autograd.grad`` then gives d score / d A without touching the
    parameters' ``.grad``. Maps are bilinearly upsampled to the input's (H, W) and scaled to max 1 per image
    (an all-zero map stays zero).
    """
    check_array(x, "x", "grad_cam", tensor=True, ndim=4)
    if not any(m is layer for m in model.modules()):
        raise ValueError("The 'layer' argument of grad_cam must be a submodule of 'model'. "
                         f"Got {type(layer).__name__} instead.")
    kept = {}

    def keep(module, inputs, output):  # returning a tensor replaces the layer's output
        if not output.requires_grad:  # e.g. a frozen model: make A a leaf we can differentiate by
            output = output.detach().requires_grad_(True)
        kept["A"] = output
        return output

    handle = layer.register_forward_hook(keep)
    try:
        with torch.enable_grad():
            scores = model(x)
    finally:
        handle.remove()
    A = kept["A"]
    if A.dim() != 4:
        raise ValueError(f"The 'layer' argument of grad_cam must output (N, K, h, w) feature maps. "
                         f"Got an output of shape {tuple(A.shape)} instead.")
    target = scores.argmax(1) if target is None else torch.as_tensor(target, device=scores.device)
    chosen = scores.gather(1, target.view(-1, 1)).sum()  # the pre-softmax score of each image's class
    (dA,) = torch.autograd.grad(chosen, A)  # (N, K, h, w)
    alpha = dA.mean(dim=(2, 3), keepdim=True)  # (N, K, 1, 1): global-average-pooled gradients
    cam = torch.relu((alpha * A).sum(1, keepdim=True))  # (N, 1, h, w)
    cam = F.interpolate(cam, size=x.shape[-2:], mode="bilinear", align_corners=False)[:, 0]  # (N, H, W)
    peak = cam.flatten(1).max(1).values.clamp(min=1e-12).view(-1, 1, 1)
    return (cam / peak).detach()


def fgsm(model: nn.Module, x, y, *, eps=0.1, clamp=(0.0, 1.0)):
    """One signed-gradient step that increases the cross-entropy of the true labels ``y``.

    ``x_adv = x + eps * sign(d CE(model(x), y) / d x)``, clipped to ``clamp`` (pass None for no clipping).
    Each pixel moves by at most ``eps``: an L-infinity ball of radius eps around x.
    """
    check_array(x, "x", "fgsm", tensor=True)
    eps = check_real(eps, "eps", "fgsm", low=0.0)
    x = x.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(F.cross_entropy(model(x), y), x)
    x_adv = x.detach() + eps * grad.sign()
    return x_adv.clamp(*clamp) if clamp is not None else x_adv


class TinyCNN(nn.Module):
    """8x8 digits: conv(1->8) - ReLU - conv(8->16) - ReLU - maxpool 2 - conv(16->16) - ReLU [``features``]
    - flatten - linear(256->10). About 6,300 parameters."""

    def __init__(self, n_classes=10):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(),
                                  nn.MaxPool2d(2), nn.Conv2d(16, 16, 3, padding=1), nn.ReLU())
        self.head = nn.Linear(16 * 4 * 4, n_classes)

    @property
    def features(self) -> nn.Module:
        """The last convolutional block's ReLU: (N, 16, 4, 4) maps, the usual Grad-CAM layer."""
        return self.body[-1]

    def forward(self, x):
        return self.head(self.body(x).flatten(1))  # (N, 16 * 4 * 4)


def train_classifier(model: nn.Module, X, y, *, epochs=15, batch_size=64, lr=3e-3, seed=0, device=None):
    """Adam on the cross-entropy with seeded shuffling (drawn on the CPU) on ``device`` (default: the model's);
    returns the mean training loss of each epoch."""
    check_int(epochs, "epochs", "train_classifier", low=1)
    g = torch.Generator().manual_seed(seed)
    dev = resolve_device(device, model)
    model.to(dev)
    X, y = torch.as_tensor(X).to(dev), torch.as_tensor(y).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    return minibatch_epochs(model, opt, len(X), lambda idx: F.cross_entropy(model(X[idx]), y[idx]), epochs=epochs,
                            batch_size=batch_size, generator=g, device=dev)


def accuracy(model: nn.Module, X, y) -> float:
    """Fraction of correct argmax predictions (on the model's device)."""
    dev = resolve_device(None, model)
    with torch.no_grad():
        return float((model(torch.as_tensor(X).to(dev)).argmax(1) == torch.as_tensor(y).to(dev)).float().mean())
