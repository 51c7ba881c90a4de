"""What a CNN learns on the shapes data set: a classifier, its first-layer filters and feature maps, its
effective receptive field, and transfer learning with few labels.

* :func:`shape_cnn`: conv 5x5 (8) - pool - conv 3x3 (16) - pool - two conv 3x3 (32) - global max pool - dense,
  with batch norm and ReLU, for (3, 32, 32) images (about 16,000 parameters).
* :func:`train_classifier`: Adam on the cross-entropy, seeded; test accuracy on held-out images.
* :func:`first_layer_filters` / :func:`feature_maps`: the learned 5x5 RGB kernels as images and the maps
  every layer computes for one image (:func:`draw_filters`, :func:`draw_feature_maps`).
* :func:`effective_receptive_field`: the mean absolute gradient of a centre unit with respect to the input
  pixels over many images (Luo et al., 2016), next to the theoretical receptive field that
  :func:`helpers.core.conv_arithmetic.network_summary` computes for the same layers.
* :func:`transfer_experiment`: pretrain on two classes, then learn the two others from a few labels each:
  from scratch, a new head on frozen features, or fine-tuning everything.

Images are scaled as in :mod:`helpers.labs.segmentation` (``(x - 0.5) / 0.25``). Weights and batch orders are drawn
on the CPU from ``seed``; training runs on ``device`` (default: the CPU). References: Zeiler & Fergus,
"Visualizing and understanding convolutional networks" (ECCV 2014); Luo et al., "Understanding the effective
receptive field in deep convolutional neural networks" (NeurIPS 2016); Yosinski et al., "How transferable are
features in deep neural networks?" (NeurIPS 2014).
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..core import conv_arithmetic as ca
from ..core._device import resolve_device
from ..core._validation import check_int, check_real
from ..core.plotting import finish_image_grid
from ._loop import minibatch_epochs
from .architectures import count_parameters

__all__ = ["shape_cnn", "images_tensor", "dihedral", "ClassifierResult", "train_classifier", "first_layer_filters",
           "feature_maps", "draw_filters", "draw_feature_maps", "conv_layers", "effective_receptive_field",
           "draw_effective_receptive_field", "transfer_experiment"]


def shape_cnn(n_classes: int = 4, *, width: int = 8, activation=nn.ReLU) -> nn.Sequential:
    """conv 5x5 (w) - pool - conv 3x3 (2w) - pool - conv 3x3 (4w) - conv 3x3 (4w), each conv followed by batch
    norm and ``activation``, then global *max* pooling ("is this pattern anywhere?") and a dense layer. For
    (3, 32, 32) images the last conv sees 28 x 28 pixels. ``model[:-1]`` is the feature extractor (N, 4w),
    ``model[-1]`` the head."""
    w = width
    return nn.Sequential(
        nn.Conv2d(3, w, 5, padding=2, bias=False), nn.BatchNorm2d(w), activation(), nn.MaxPool2d(2),  # (N, w, 16, 16)
        nn.Conv2d(w, 2 * w, 3, padding=1, bias=False), nn.BatchNorm2d(2 * w), activation(), nn.MaxPool2d(2),  # 8x8
        nn.Conv2d(2 * w, 4 * w, 3, padding=1, bias=False), nn.BatchNorm2d(4 * w), activation(),  # (N, 4w, 8, 8)
        nn.Conv2d(4 * w, 4 * w, 3, padding=1, bias=False), nn.BatchNorm2d(4 * w), activation(),
        nn.AdaptiveMaxPool2d(1), nn.Flatten(),  # (N, 4w)
        nn.Linear(4 * w, n_classes))


def images_tensor(part) -> torch.Tensor:
    """A part's images as a float32 tensor (N, 3, H, W), scaled to about mean 0, std 1."""
    return torch.from_numpy((part.images - 0.5) / 0.25)


@dataclass
class ClassifierResult:
    """A trained classifier, its per-epoch training loss and its held-out accuracy."""

    model: nn.Module
    n_parameters: int
    train_loss: list[float] = field(default_factory=list)
    test_accuracy: float = float("nan")
    seconds: float = float("nan")  # wall-clock training time (never print it in a checked cell)


def dihedral(x, k: int):
    """Image batch (N, C, H, W) under the k-th of the 8 symmetries of the square (k = 0: unchanged):
    ``k % 4`` quarter turns, then a left-right flip if ``k >= 4``. The shapes' classes are invariant to them."""
    x = torch.rot90(x, k % 4, dims=(-2, -1))
    return x.flip(-1) if k >= 4 else x


def _fit(model, x, y, *, epochs, batch_size, lr, seed, dev, augment=False):
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    gen = torch.Generator().manual_seed(seed)

    def batch_loss(idx):
        xb = dihedral(x[idx], int(torch.randint(8, (1,), generator=gen))) if augment else x[idx]
        return F.cross_entropy(model(xb), y[idx])

    return minibatch_epochs(model, opt, len(y), batch_loss, epochs=epochs, batch_size=batch_size, generator=gen,
                            device=dev)


@torch.no_grad()
def _accuracy(model, x, y) -> float:
    model.eval()
    return float((model(x).argmax(1) == y).double().mean())


def train_classifier(data, *, epochs: int = 12, batch_size: int = 16, lr: float = 3e-3, width: int = 8,
                     augment: bool = False, seed: int = 0, device=None) -> ClassifierResult:
    """Train :func:`shape_cnn` on ``data.train`` (a ShapesDataset with one object per image) and measure the
    accuracy on ``data.test``. ``augment``: every batch is turned / flipped by one random symmetry of the
    square (:func:`dihedral`), which keeps every class; Adam, batches reshuffled from ``seed``."""
    epochs = check_int(epochs, "epochs", "train_classifier", low=1)
    lr = check_real(lr, "lr", "train_classifier", low=0.0, low_open=True)
    dev = resolve_device(device)
    torch.manual_seed(seed)
    model = shape_cnn(len(data.target_names), width=width).to(dev)
    x, y = images_tensor(data.train).to(dev), torch.from_numpy(data.train.labels).to(dev)
    result = ClassifierResult(model=model, n_parameters=count_parameters(model))
    start = time.perf_counter()
    result.train_loss = _fit(model, x, y, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed, dev=dev,
                             augment=augment)
    result.seconds = time.perf_counter() - start
    result.test_accuracy = _accuracy(model, images_tensor(data.test).to(dev), torch.from_numpy(data.test.labels).to(dev))
    return result


def first_layer_filters(model) -> np.ndarray:
    """The first conv layer's kernels as images (C_out, k, k, 3), each scaled to [0, 1] on its own."""
    w = next(m for m in model.modules() if isinstance(m, nn.Conv2d)).weight.detach().cpu().double().numpy()
    w = w.transpose(0, 2, 3, 1)  # (C_out, k, k, C_in)
    lo, hi = w.min(axis=(1, 2, 3), keepdims=True), w.max(axis=(1, 2, 3), keepdims=True)
    return (w - lo) / np.where(hi > lo, hi - lo, 1.0)


@torch.no_grad()
def feature_maps(model, image) -> list[np.ndarray]:
    """The activation maps after every activation layer for one image (3, H, W): a list of (C, h, w) arrays."""
    dev = resolve_device(None, model)
    model.eval()
    x = torch.as_tensor(image)[None].to(dev)
    maps = []
    for layer in model:
        x = layer(x)
        if isinstance(layer, (nn.ReLU, nn.PReLU, nn.LeakyReLU, nn.Tanh)):
            maps.append(x[0].cpu().double().numpy())
    return maps


def draw_filters(model, *, title: str = "learned first-layer filters"):
    """Matplotlib: every first-layer kernel as a small RGB image."""
    import matplotlib.pyplot as plt

    f = first_layer_filters(model)
    fig, axes = plt.subplots(1, len(f), figsize=(1.1 * len(f), 1.4), squeeze=False)
    for ax, k in zip(axes[0], f):
        ax.imshow(k, interpolation="nearest")
    return finish_image_grid(fig, axes, title)


def draw_feature_maps(model, image, *, shown: int = 8, title: str = ""):
    """Matplotlib: the image (in [0, 1]) and, per activation layer, up to ``shown`` of its feature maps."""
    import matplotlib.pyplot as plt

    maps = feature_maps(model, (np.asarray(image) - 0.5) / 0.25)
    fig, axes = plt.subplots(len(maps), shown + 1, figsize=(1.2 * (shown + 1), 1.3 * len(maps)), squeeze=False)
    for r, m in enumerate(maps):
        axes[r, 0].imshow(np.asarray(image).transpose(1, 2, 0)) if r == 0 else axes[r, 0].axis("off")
        axes[r, 1].set_ylabel(f"layer {r + 1}\n{m.shape[1]}×{m.shape[2]}", fontsize=8)
        for c in range(shown):
            ax = axes[r, c + 1]
            if c < len(m):
                ax.imshow(m[c], cmap="magma", interpolation="nearest")
    return finish_image_grid(fig, axes, title)


def conv_layers(model, upto: int | None = None) -> list:
    """The conv and pooling layers of a sequential model as :class:`~helpers.core.conv_arithmetic.Layer` rows
    (``upto``: only the first ``upto`` modules), for ``network_summary``."""
    layers = []
    for m in list(model)[:upto]:
        if isinstance(m, nn.Conv2d):
            layers.append(ca.Layer("conv", m.kernel_size[0], m.stride[0], m.padding[0], m.dilation[0],
                                   out_channels=m.out_channels))
        elif isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)):
            k, s = m.kernel_size, m.stride
            layers.append(ca.Layer("maxpool", k if isinstance(k, int) else k[0], s if isinstance(s, int) else s[0]))
    return layers


def effective_receptive_field(model, images, *, upto: int) -> dict:
    """Mean |d (sum of the centre unit's channels after module ``upto``) / d input| over ``images`` (N, 3, H, W),
    summed over colour channels, normalised to total 1; with the theoretical receptive field of those layers.

    Returns ``{"erf": (H, W), "rf": int, "centre": (row, col) of the unit's field's first pixel, "mass_90": side of
    the smallest centred square holding 90 % of the gradient mass}``.
    """
    dev = resolve_device(None, model)
    model.eval()
    x = torch.as_tensor(images).to(dev).detach().clone().requires_grad_(True)  # a fresh leaf: no stale .grad
    out = model[:upto](x)  # (N, C, h, w)
    r, c = out.shape[2] // 2, out.shape[3] // 2
    out[:, :, r, c].sum().backward()
    erf = x.grad.abs().sum(dim=(0, 1)).cpu().double().numpy()
    erf /= erf.sum()
    row = ca.network_summary(conv_layers(model, upto), x.shape[-1], x.shape[1])[-1]
    start = (row["start"] + r * row["jump"], row["start"] + c * row["jump"])
    cy, cx = start[0] + (row["rf"] - 1) / 2, start[1] + (row["rf"] - 1) / 2  # the field's centre
    rows, cols = np.mgrid[0:erf.shape[0], 0:erf.shape[1]]
    radius = np.maximum(np.abs(rows - cy), np.abs(cols - cx))  # Chebyshev distance: centred squares
    order = np.argsort(radius, axis=None, kind="stable")
    mass = np.cumsum(erf.reshape(-1)[order])
    side = 2 * radius.reshape(-1)[order][np.searchsorted(mass, 0.9)] + 1
    return {"erf": erf, "rf": int(row["rf"]), "start": start, "mass_90": float(side)}


def draw_effective_receptive_field(results: dict, *, title: str = "effective receptive field"):
    """Matplotlib: each named ERF (log colour scale) with its theoretical receptive field as a box."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    fig, axes = plt.subplots(1, len(results), figsize=(3.2 * len(results), 3.2), squeeze=False)
    for ax, (name, r) in zip(axes[0], results.items()):
        erf = r["erf"]
        ax.imshow(erf + 1e-6, cmap="viridis", norm=LogNorm(vmin=1e-5, vmax=max(erf.max(), 1e-4)))
        y0, x0 = r["start"]
        ax.add_patch(plt.Rectangle((x0 - 0.5, y0 - 0.5), r["rf"], r["rf"], fill=False, color="w", ls="--"))
        ax.set_title(f"{name}\nRF {r['rf']} px, 90 % of the mass in {r['mass_90']:.0f} px", fontsize=9)
    return finish_image_grid(fig, axes, title)


def _select(part, classes, n_per_class=None, seed=0):
    rng = np.random.default_rng(seed)
    idx = []
    for c in classes:
        members = np.flatnonzero(part.labels == c)
        idx.append(members if n_per_class is None else rng.choice(members, n_per_class, replace=False))
    idx = np.sort(np.concatenate(idx))
    relabel = np.searchsorted(np.array(classes), part.labels[idx])  # classes must be sorted
    return images_tensor(part.subset(idx)), torch.from_numpy(relabel)


def transfer_experiment(data, *, source=(0, 2), target=(1, 3), n_per_class: int = 5, epochs_pretrain: int = 8,
                        epochs: int = 40, seed: int = 0, device=None) -> dict:
    """Test accuracy on the ``target`` classes after learning from ``n_per_class`` labelled images each:

    * ``"scratch"``: a fresh :func:`shape_cnn`;
    * ``"head only"``: the CNN pretrained on all training images of the ``source`` classes, frozen, with a new
      dense head on its features;
    * ``"whole net"``: the pretrained CNN with a new head, every layer fine-tuned (learning rate / 3).

    Also ``"source"``: the pretrained CNN's test accuracy on the source classes. Full-batch Adam on the few
    labels; everything on ``device``.
    """
    dev = resolve_device(device)
    source, target = tuple(sorted(source)), tuple(sorted(target))
    xs, ys = (t.to(dev) for t in _select(data.train, source))
    xs_test, ys_test = (t.to(dev) for t in _select(data.test, source))
    xt, yt = (t.to(dev) for t in _select(data.train, target, n_per_class, seed))
    xt_test, yt_test = (t.to(dev) for t in _select(data.test, target))
    torch.manual_seed(seed)
    pretrained = shape_cnn(len(source)).to(dev)
    _fit(pretrained, xs, ys, epochs=epochs_pretrain, batch_size=32, lr=3e-3, seed=seed, dev=dev)
    out = {"source": _accuracy(pretrained, xs_test, ys_test)}
    few = dict(epochs=epochs, batch_size=len(yt), seed=seed, dev=dev)

    torch.manual_seed(seed)
    scratch = shape_cnn(len(target)).to(dev)
    _fit(scratch, xt, yt, lr=3e-3, **few)
    out["scratch"] = _accuracy(scratch, xt_test, yt_test)

    frozen = copy.deepcopy(pretrained[:-1]).eval().requires_grad_(False)  # batch norm keeps its statistics
    with torch.no_grad():
        ft, ft_test = frozen(xt), frozen(xt_test)  # (N, 4w) features, computed once
    torch.manual_seed(seed)
    head = nn.Linear(ft.shape[1], len(target)).to(dev)
    _fit(head, ft, yt, lr=1e-2, **few)
    out["head only"] = _accuracy(head, ft_test, yt_test)

    torch.manual_seed(seed)
    whole = nn.Sequential(*copy.deepcopy(pretrained[:-1]), nn.Linear(pretrained[-1].in_features, len(target))).to(dev)
    _fit(whole, xt, yt, lr=1e-3, **few)
    out["whole net"] = _accuracy(whole, xt_test, yt_test)
    return out
