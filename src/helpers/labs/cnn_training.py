"""Training the chapter-10 CNNs on real images: scikit-learn's 8x8 handwritten digits, on the CPU in seconds.

* :func:`digit_images`: the digits as (N, 1, 8, 8) float32 tensors, split and normalised (training statistics).
* :func:`small_cnn`, :func:`digits_mlp`: a small CNN and a dense net of about the same size for a fair comparison.
* :func:`deep_net`: a deep stack of 3x3 conv blocks with or without residual connections and batch norm.
* :func:`fit`: Adam + cross-entropy through :func:`helpers.torch_impl.trainer.train`, seeded shuffling.
* :func:`transfer_experiment`: pretrain on digits 0-4, reuse the network for 5-9 with a few labels.

Everything is seeded (initialisation and shuffling), so the same call gives the same numbers. The trainers take
``device=`` (default: where the model, or the data, already is); metrics come back as Python floats.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..core._device import resolve_device
from ..core.training import History
from ..data import load_digits
from ..torch_impl.trainer import evaluate, train
from .architectures import BasicBlock, ResNet, count_parameters

__all__ = ["DigitImages", "digit_images", "select_classes", "small_cnn", "digits_mlp", "deep_net", "fit", "accuracy",
           "train_digits", "transfer_experiment", "plot_loss_curves"]


@dataclass(frozen=True, eq=False)
class DigitImages:
    """Train/validation/test images (N, 1, H, W) float32 and labels (N,) int64."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor


def digit_images(*, seed: int = 0, fractions=(0.6, 0.2, 0.2)) -> DigitImages:
    """The 1,797 digits as 8x8 images, stratified split, scaled by the training set's pixel mean and std."""
    d = load_digits(fractions=fractions, rng=seed, standardized=False)
    mean, std = d.x_train.mean(), d.x_train.std()  # one mean and std for all pixels: keeps the image structure

    def images(x):
        return torch.tensor((x - mean) / std, dtype=torch.float32).reshape(-1, 1, 8, 8)  # (N, 1, 8, 8)

    def labels(y):
        return torch.tensor(y, dtype=torch.int64)

    return DigitImages(images(d.x_train), labels(d.y_train), images(d.x_val), labels(d.y_val),
                       images(d.x_test), labels(d.y_test))


def select_classes(data: DigitImages, classes, *, n_per_class: int | None = None, seed: int = 0) -> DigitImages:
    """Only the digits in ``classes``, relabelled 0..len(classes)-1; ``n_per_class`` keeps that many *training*
    images per class (chosen at random with ``seed``), validation and test sets stay complete."""
    classes = list(classes)
    rng = np.random.default_rng(seed)

    def part(x, y, limit):
        keep = []
        for c in classes:
            idx = torch.nonzero(y == c).flatten().cpu().numpy()
            keep.append(rng.choice(idx, size=limit, replace=False) if limit is not None else idx)
        idx = torch.tensor(np.sort(np.concatenate(keep)), device=y.device)
        relabel = torch.tensor([classes.index(int(v)) for v in y[idx]], dtype=torch.int64, device=y.device)
        return x[idx], relabel

    return DigitImages(*part(data.x_train, data.y_train, n_per_class), *part(data.x_val, data.y_val, None),
                       *part(data.x_test, data.y_test, None))


def small_cnn(n_classes: int = 10, width: int = 16) -> nn.Sequential:
    """conv3 (w) - BN - ReLU - conv3 (2w) - BN - ReLU - max pool 2 - conv3 (2w) - BN - ReLU - flatten - dense.

    For 8x8 inputs; ``model[:-1]`` is the feature extractor (N, 2w*16), ``model[-1]`` the classifier head.
    """
    w = width
    return nn.Sequential(
        nn.Conv2d(1, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(),  # (N, w, 8, 8)
        nn.Conv2d(w, 2 * w, 3, padding=1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(), nn.MaxPool2d(2),  # 4x4
        nn.Conv2d(2 * w, 2 * w, 3, padding=1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(),
        nn.Flatten(), nn.Linear(2 * w * 16, n_classes))  # (N, 2w * 4 * 4) -> (N, n_classes)


def digits_mlp(hidden: int, n_classes: int = 10) -> nn.Sequential:
    """Flatten the 8x8 image - dense (hidden) - BN - ReLU - dense (hidden) - BN - ReLU - dense."""
    return nn.Sequential(nn.Flatten(), nn.Linear(64, hidden), nn.BatchNorm1d(hidden), nn.ReLU(),
                         nn.Linear(hidden, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Linear(hidden, n_classes))


def deep_net(blocks_per_stage: int, *, residual: bool, batch_norm: bool, width: int = 16) -> ResNet:
    """A ResNet for 8x8 digits with two stages of ``blocks_per_stage`` basic blocks (8x8 then 4x4):
    ``4 * blocks_per_stage + 2`` weight layers. ``residual=False`` gives the same network without shortcuts."""
    return ResNet(BasicBlock, (blocks_per_stage, blocks_per_stage), (width, 2 * width), in_channels=1, n_classes=10,
                  imagenet_stem=False, residual=residual, batch_norm=batch_norm)


def fit(model: nn.Module, data: DigitImages, *, epochs: int = 10, lr: float = 3e-3, batch_size: int = 64,
        weight_decay: float = 0.0, seed: int = 0, device=None) -> History:
    """Adam on the cross-entropy over the training set, validation metrics after every epoch.

    Model and data go to ``device`` (default: the model's device); the shuffling is drawn on the CPU, so the
    batches are the same on every device."""
    dev = resolve_device(device, model)
    model.to(dev)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    gen = torch.Generator().manual_seed(seed)
    return train(model, data.x_train.to(dev), data.y_train.to(dev), epochs=epochs, batch_size=batch_size,
                 optimizer=opt, generator=gen, val=(data.x_val.to(dev), data.y_val.to(dev)))


def accuracy(model: nn.Module, x, y, *, device=None) -> float:
    """Test accuracy in evaluation mode (batch norm uses its running statistics), on ``device`` (default: the
    model's)."""
    dev = resolve_device(device, model)
    return float(evaluate(model.to(dev), x.to(dev), y.to(dev))[1])


def train_digits(make_model, data: DigitImages, *, seed: int = 0, device=None, **fit_kwargs):
    """Build ``make_model()`` with the torch seed ``seed`` (on the CPU), train it with :func:`fit` on ``device``
    (default: the data's device); returns (model, history)."""
    dev = resolve_device(device, data.x_train)
    torch.manual_seed(seed)
    model = make_model()
    return model, fit(model, data, seed=seed, device=dev, **fit_kwargs)


def transfer_experiment(data: DigitImages, *, n_per_class: int = 5, source=(0, 1, 2, 3, 4), target=(5, 6, 7, 8, 9),
                        epochs_pretrain: int = 8, epochs: int = 60, seed: int = 0, device=None) -> dict:
    """Test accuracies on the ``target`` digits after training on ``n_per_class`` labelled images per class:

    * ``"scratch"``: a fresh :func:`small_cnn`;
    * ``"head only"``: the network pretrained on the ``source`` digits, frozen, with a new dense head trained on
      its features (computed once, in evaluation mode);
    * ``"whole net"``: the pretrained network with a new head, all layers fine-tuned (smaller learning rate).

    Also returns the pretrained network's accuracy on the source digits (``"source"``). Everything trains on
    ``device`` (default: the data's device).
    """
    dev = resolve_device(device, data.x_train)
    src = select_classes(data, source)
    tgt = select_classes(data, target, n_per_class=n_per_class, seed=seed)
    tgt = DigitImages(*(t.to(dev) for t in (tgt.x_train, tgt.y_train, tgt.x_val, tgt.y_val, tgt.x_test, tgt.y_test)))
    pretrained, _ = train_digits(lambda: small_cnn(len(source)), src, seed=seed, epochs=epochs_pretrain, device=dev)
    out = {"source": accuracy(pretrained, src.x_test, src.y_test)}
    batch = dict(batch_size=len(tgt.y_train), epochs=epochs, device=dev)  # a few labels: full-batch steps

    scratch, _ = train_digits(lambda: small_cnn(len(target)), tgt, seed=seed, **batch)
    out["scratch"] = accuracy(scratch, tgt.x_test, tgt.y_test)

    features = copy.deepcopy(pretrained[:-1]).eval().requires_grad_(False)  # frozen feature extractor
    with torch.no_grad():
        feats = DigitImages(features(tgt.x_train), tgt.y_train, features(tgt.x_val), tgt.y_val,
                            features(tgt.x_test), tgt.y_test)  # (N, 512) each
    head, _ = train_digits(lambda: nn.Linear(feats.x_train.shape[1], len(target)), feats, seed=seed, **batch)
    out["head only"] = accuracy(head, feats.x_test, feats.y_test)

    torch.manual_seed(seed)
    whole = nn.Sequential(*copy.deepcopy(pretrained[:-1]), nn.Linear(pretrained[-1].in_features, len(target)))
    fit(whole, tgt, lr=1e-3, seed=seed, **batch)
    out["whole net"] = accuracy(whole, tgt.x_test, tgt.y_test)
    out["n_parameters"] = count_parameters(pretrained)
    return out


def plot_loss_curves(histories: dict, *, title: str = "training loss"):
    """Matplotlib: the per-epoch training loss of each named :class:`History` (log scale)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    for label, h in histories.items():
        ax.plot(h.epoch, h.train_loss, marker="o", ms=3, label=label)
    ax.set(xlabel="epoch", ylabel="cross-entropy (training)", yscale="log", title=title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
