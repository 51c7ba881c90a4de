"""Semantic segmentation trained for real: the chapter-10 TinyFCN and TinyUNet on the shapes data set.

Every pixel is classified, here as object (1) or background (0) of :mod:`helpers.data.shapes` images (or,
with ``semantic=True``, as background or one of the four shape classes). The two networks differ in how they
get back to full resolution:

* :class:`~helpers.labs.architectures.TinyFCN` scores a 4x coarser grid and blows it up with one transposed
  convolution (kernel 4, stride 4): every 4 x 4 block of output pixels comes from one coarse score vector,
  so its boundaries are blocky (Long et al., 2015, "FCN-32s" in small);
* :class:`~helpers.labs.architectures.TinyUNet` upsamples step by step and concatenates the encoder's
  full-resolution features (the skip connections), so its boundaries follow the shapes (Ronneberger et al.,
  2015).

Metrics come from the confusion matrix of all held-out pixels: per-class IoU (Jaccard) ``TP / (TP + FP + FN)``
and Dice ``2 TP / (2 TP + FP + FN)``, as in chapter 3; ``mean_iou`` averages the classes (background
included, as the PASCAL VOC benchmark). Training is Adam on the per-pixel cross-entropy, seeded (weights and
batch order drawn on the CPU), on ``device`` (default: the CPU).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from ..core._device import resolve_device
from ..core._validation import check_choice, check_int, check_real
from ..core.plotting import finish_image_grid
from ._loop import minibatch_epochs
from .architectures import TinyFCN, TinyUNet, count_parameters

__all__ = ["SegmentationResult", "segmentation_tensors", "build_segmenter", "confusion_matrix", "iou_dice",
           "train_segmenter", "predict_masks", "plot_segmentations"]

MODELS = ("fcn", "unet")


def segmentation_tensors(part, *, semantic: bool = False):
    """``(x, y)``: images (N, 3, H, W) float32 scaled to about mean 0, std 1 (``(x - 0.5) / 0.25``, the
    same for every part) and targets (N, H, W) int64 (0/1, or 0..4 with ``semantic``)."""
    x = torch.from_numpy((part.images - 0.5) / 0.25)
    y = torch.from_numpy(part.masks if semantic else (part.masks > 0).astype(np.int64))
    return x, y


def build_segmenter(name: str, n_classes: int = 2, *, width: int = 8, seed: int = 0) -> torch.nn.Module:
    """``"fcn"`` (TinyFCN) or ``"unet"`` (TinyUNet, depth 2) for RGB input, weights drawn from ``seed`` on the CPU."""
    check_choice(name, "name", "build_segmenter", MODELS)
    torch.manual_seed(seed)
    if name == "fcn":
        return TinyFCN(in_channels=3, n_classes=n_classes, width=width)
    return TinyUNet(in_channels=3, n_classes=n_classes, width=width, depth=2)


def confusion_matrix(pred, target, n_classes: int) -> np.ndarray:
    """(K, K) int64 counts: rows = true class, columns = predicted class, over all pixels."""
    pred, target = torch.as_tensor(pred).flatten().cpu(), torch.as_tensor(target).flatten().cpu()
    return torch.bincount(target * n_classes + pred, minlength=n_classes**2).reshape(n_classes, n_classes).numpy()


def iou_dice(conf) -> tuple[np.ndarray, np.ndarray]:
    """Per-class IoU ``TP / (TP + FP + FN)`` and Dice ``2 TP / (2 TP + FP + FN)`` from a confusion matrix."""
    conf = np.asarray(conf, dtype=np.float64)
    tp = np.diag(conf)
    fp, fn = conf.sum(axis=0) - tp, conf.sum(axis=1) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        return tp / (tp + fp + fn), 2 * tp / (2 * tp + fp + fn)


@dataclass
class SegmentationResult:
    """A trained segmenter with its held-out metrics (plain floats) and training curve."""

    name: str
    model: torch.nn.Module
    n_parameters: int
    train_loss: list[float] = field(default_factory=list)  # mean per-pixel cross-entropy of every epoch
    iou: np.ndarray | None = None  # per class, test set
    dice: np.ndarray | None = None
    pixel_accuracy: float = float("nan")
    seconds: float = float("nan")  # wall-clock training time (never print it in a checked cell)

    @property
    def mean_iou(self) -> float:
        return float(np.mean(self.iou))

    @property
    def foreground_iou(self) -> float:
        """IoU of "any object" against background (for the binary task, the object class's IoU)."""
        return float(self.iou[1]) if len(self.iou) == 2 else float("nan")

    @property
    def foreground_dice(self) -> float:
        return float(self.dice[1]) if len(self.dice) == 2 else float("nan")


@torch.no_grad()
def predict_masks(model: torch.nn.Module, x, *, batch_size: int = 256) -> torch.Tensor:
    """Predicted class of every pixel (N, H, W) in evaluation mode, on the model's device, returned on the CPU."""
    dev = resolve_device(None, model)
    model.eval()
    return torch.cat([model(xb.to(dev)).argmax(1).cpu() for xb in x.split(batch_size)])


def train_segmenter(name: str, data, *, semantic: bool = False, epochs: int = 8, batch_size: int = 32,
                    lr: float = 3e-3, width: int = 8, seed: int = 0, device=None) -> SegmentationResult:
    """Train ``"fcn"`` or ``"unet"`` on ``data.train`` (a :class:`~helpers.data.shapes.ShapesDataset`) and measure
    IoU, Dice and pixel accuracy on ``data.test``.

    Adam with learning rate ``lr``, mini-batches of ``batch_size`` reshuffled every epoch by a CPU generator
    seeded with ``seed``; model and tensors on ``device`` (default: the CPU).
    """
    func = "train_segmenter"
    check_choice(name, "name", func, MODELS)
    epochs = check_int(epochs, "epochs", func, low=1)
    batch_size = check_int(batch_size, "batch_size", func, low=1)
    lr = check_real(lr, "lr", func, low=0.0, low_open=True)
    n_classes = 5 if semantic else 2
    dev = resolve_device(device)
    model = build_segmenter(name, n_classes, width=width, seed=seed).to(dev)
    x, y = (t.to(dev) for t in segmentation_tensors(data.train, semantic=semantic))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    result = SegmentationResult(name=name, model=model, n_parameters=count_parameters(model))
    start = time.perf_counter()
    result.train_loss = minibatch_epochs(model, opt, len(y), lambda idx: F.cross_entropy(model(x[idx]), y[idx]),
                                         epochs=epochs, batch_size=batch_size, generator=gen, device=dev)
    result.seconds = time.perf_counter() - start
    x_test, y_test = segmentation_tensors(data.test, semantic=semantic)
    conf = confusion_matrix(predict_masks(model, x_test), y_test, n_classes)
    result.iou, result.dice = iou_dice(conf)
    result.pixel_accuracy = float(np.trace(conf) / conf.sum())
    return result


def plot_segmentations(images, truth, predictions: dict, *, n: int = 6, title: str = ""):
    """Matplotlib: ``n`` images (N, 3, H, W) in [0, 1], their true masks and each model's predicted masks,
    one row each; wrong pixels of a prediction are outlined in red."""
    import matplotlib.pyplot as plt

    truth = np.asarray(truth)[:n]
    rows = 2 + len(predictions)
    fig, axes = plt.subplots(rows, n, figsize=(1.45 * n, 1.5 * rows), squeeze=False)
    vmax = max(1, int(truth.max()))
    for j in range(n):
        axes[0, j].imshow(np.asarray(images[j]).transpose(1, 2, 0))
        axes[1, j].imshow(truth[j], cmap="viridis", vmin=0, vmax=vmax, interpolation="nearest")
        for r, pred in enumerate(predictions.values(), start=2):
            p = np.asarray(pred)[j]
            axes[r, j].imshow(p, cmap="viridis", vmin=0, vmax=vmax, interpolation="nearest")
            wrong = np.ma.masked_where(p == truth[j], np.ones_like(p))
            axes[r, j].imshow(wrong, cmap="autumn", alpha=0.55, interpolation="nearest")
    for r, label in enumerate(["image", "true mask", *predictions]):
        axes[r, 0].set_ylabel(label, fontsize=9)
    return finish_image_grid(fig, axes, title)
