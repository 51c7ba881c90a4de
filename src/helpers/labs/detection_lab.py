"""A small one-stage, centre-based object detector trained on the shapes data set (CenterNet in miniature).

The network maps a (3, S, S) image to three maps on a grid 4x coarser (stride 4):

* a **heatmap** per class (sigmoid): 1 at the grid cell that holds an object's centre, a Gaussian bump
  around it, 0 elsewhere;
* the box **size** ``(w, h)`` in pixels, read at the centre cell;
* the sub-cell **offset** of the centre (the stride-4 grid rounds it down), read at the centre cell.

Training minimises the penalty-reduced focal loss on the heatmaps plus L1 losses on size and offset at the
centre cells (Zhou, Wang & Krähenbühl, "Objects as points", 2019; focal loss: Lin et al., 2017). Decoding
keeps the local maxima of the heatmaps (a 3 x 3 max pool: CenterNet's replacement for NMS) above a score
threshold; :func:`decode` can then also run the classic greedy NMS of :mod:`helpers.labs.detection` per class.

Evaluation is PASCAL VOC's: a detection is correct when its IoU with a not-yet-matched true box of its class
is at least 0.5 (best score first); precision and recall at a score threshold, and the average precision
(area under the interpolated precision-recall curve, all points) per class, whose mean is mAP@0.5
(Everingham et al., IJCV 2010). Everything is seeded and runs on ``device`` (default: the CPU).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..core._device import resolve_device
from ..core._validation import check_int, check_real
from ..core.plotting import finish_image_grid
from ._loop import minibatch_epochs
from .architectures import count_parameters
from .detection import box_iou, nms

__all__ = ["STRIDE", "CenterNet", "make_targets", "detection_loss", "decode", "match_detections",
           "average_precision", "DetectionResult", "predict", "train_detector", "evaluate_detector", "plot_detections"]

STRIDE = 4


def _block(c_in, c_out, *, stride=1, dilation=1):
    return [nn.Conv2d(c_in, c_out, 3, stride, padding=dilation, dilation=dilation, bias=False),
            nn.BatchNorm2d(c_out), nn.ReLU()]


class CenterNet(nn.Module):
    """Backbone (3x3 convs, two of them with stride 2, then two with dilation 2 for context: receptive field
    51 px) and three 1x1-conv heads: class heatmaps (logits), size (w, h) and offset (dx, dy)."""

    def __init__(self, n_classes: int = 4, width: int = 16):
        super().__init__()
        w = width
        self.backbone = nn.Sequential(
            *_block(3, w, stride=2), *_block(w, w),  # (N, w, S/2, S/2)
            *_block(w, 2 * w, stride=2), *_block(2 * w, 2 * w),  # (N, 2w, S/4, S/4)
            *_block(2 * w, 2 * w, dilation=2), *_block(2 * w, 2 * w, dilation=2))
        self.heatmap = nn.Conv2d(2 * w, n_classes, 1)
        self.size = nn.Conv2d(2 * w, 2, 1)
        self.offset = nn.Conv2d(2 * w, 2, 1)
        with torch.no_grad():  # start with a low score everywhere (focal-loss prior: p = 0.1)
            self.heatmap.bias.fill_(-2.2)

    def forward(self, x):
        f = self.backbone(x)
        return self.heatmap(f), self.size(f), self.offset(f)  # (N, K, G, G), (N, 2, G, G), (N, 2, G, G)


def _gaussian_radius(w, h):
    return max(0.5, 0.3 * min(w, h) / STRIDE)  # in grid cells; grows with the object


def make_targets(boxes, labels, size: int, n_classes: int):
    """Training targets of one image: heatmap (K, G, G), and for each object its centre cell (row, col),
    size (w, h) and offset (dx, dy) in grid units, with G = size / 4."""
    g = size // STRIDE
    heat = np.zeros((n_classes, g, g))
    cells, sizes, offsets = [], [], []
    rows, cols = np.mgrid[0:g, 0:g]
    for (x1, y1, x2, y2), k in zip(boxes, labels):
        cx, cy = (x1 + x2) / 2 / STRIDE, (y1 + y2) / 2 / STRIDE  # centre in grid units
        col, row = min(int(cx), g - 1), min(int(cy), g - 1)
        sigma = _gaussian_radius(x2 - x1, y2 - y1)
        bump = np.exp(-((cols - col) ** 2 + (rows - row) ** 2) / (2 * sigma**2))
        heat[k] = np.maximum(heat[k], bump)
        cells.append((row, col))
        sizes.append((x2 - x1, y2 - y1))
        offsets.append((cx - col, cy - row))
    return heat, np.array(cells, np.int64).reshape(-1, 2), np.array(sizes).reshape(-1, 2), np.array(offsets).reshape(-1, 2)


def _stack_targets(part, n_classes):
    size = part.images.shape[-1]
    heats, index = [], []
    for i, (b, lab) in enumerate(zip(part.boxes, part.box_labels)):
        heat, cells, sizes, offsets = make_targets(b, lab, size, n_classes)
        heats.append(heat)
        for (r, c), s, o in zip(cells, sizes, offsets):
            index.append((i, r, c, *s, *o))
    index = np.array(index)
    return (torch.tensor(np.stack(heats), dtype=torch.float32), torch.tensor(index[:, :3], dtype=torch.int64),
            torch.tensor(index[:, 3:5], dtype=torch.float32), torch.tensor(index[:, 5:7], dtype=torch.float32))


def detection_loss(outputs, heat, centres, sizes, offsets, *, size_weight: float = 0.1):
    """Focal loss on the heatmaps (per object) + ``size_weight`` * L1(size) + L1(offset) at the centre cells.

    ``centres`` (M, 3) = (image, row, col) of every object in the batch, ``sizes``/``offsets`` (M, 2).
    """
    logits, size_map, offset_map = outputs
    p = torch.sigmoid(logits).clamp(1e-4, 1 - 1e-4)
    pos = heat == 1.0
    pos_loss = -(torch.log(p) * (1 - p) ** 2)[pos].sum()
    neg_loss = -(torch.log(1 - p) * p**2 * (1 - heat) ** 4)[~pos].sum()  # cells near a centre are penalised less
    n_obj = max(1, len(centres))
    i, r, c = centres.unbind(1)
    size_loss = F.l1_loss(size_map[i, :, r, c], sizes, reduction="sum") / n_obj
    offset_loss = F.l1_loss(offset_map[i, :, r, c], offsets, reduction="sum") / n_obj
    return (pos_loss + neg_loss) / n_obj + size_weight * size_loss + offset_loss


@torch.no_grad()
def decode(outputs, *, score_threshold: float = 0.3, max_detections: int = 20, nms_iou: float | None = None):
    """Boxes of a batch: one ``(boxes (m, 4), scores (m,), labels (m,))`` NumPy triple per image.

    Peaks = cells equal to the maximum of their 3 x 3 neighbourhood (in their class) with score above the
    threshold; box = centre (cell + offset) x 4 +- size / 2. ``nms_iou`` also applies greedy NMS per class.
    """
    logits, size_map, offset_map = (t.detach().float().cpu() for t in outputs)
    scores = torch.sigmoid(logits)
    peaks = scores * (F.max_pool2d(scores, 3, stride=1, padding=1) == scores)
    n, k, g, _ = scores.shape
    out = []
    for b in range(n):
        flat = peaks[b].flatten()
        top = torch.topk(flat, min(max_detections, flat.numel()))
        keep = top.values > score_threshold
        s, idx = top.values[keep].numpy().astype(np.float64), top.indices[keep]
        labels = (idx // (g * g)).numpy()
        rows, cols = ((idx % (g * g)) // g), (idx % g)
        w, h = size_map[b, 0, rows, cols].clamp(min=0), size_map[b, 1, rows, cols].clamp(min=0)
        cx = (cols + offset_map[b, 0, rows, cols]) * STRIDE
        cy = (rows + offset_map[b, 1, rows, cols]) * STRIDE
        boxes = torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1).numpy().astype(np.float64)
        if nms_iou is not None and len(s):
            kept = np.concatenate([np.flatnonzero(labels == c)[nms(boxes[labels == c], s[labels == c], nms_iou)]
                                   for c in np.unique(labels)])
            kept = kept[np.argsort(-s[kept], kind="stable")]
            boxes, s, labels = boxes[kept], s[kept], labels[kept]
        out.append((boxes, s, labels.astype(np.int64)))
    return out


def match_detections(det_boxes, det_scores, true_boxes, *, iou_threshold: float = 0.5):
    """True-positive flags (m,) of one image's detections of one class, greedily by score (VOC rule)."""
    tp = np.zeros(len(det_scores), dtype=bool)
    if len(det_scores) == 0 or len(true_boxes) == 0:
        return tp
    iou = box_iou(det_boxes, true_boxes)
    taken = np.zeros(len(true_boxes), dtype=bool)
    for d in np.argsort(-np.asarray(det_scores), kind="stable"):
        candidates = np.where(taken, -1.0, iou[d])
        j = int(np.argmax(candidates))
        if candidates[j] >= iou_threshold:
            tp[d], taken[j] = True, True
    return tp


def average_precision(scores, tp, n_true: int) -> float:
    """Area under the precision-recall curve of detections (``scores``, true-positive flags ``tp``) against
    ``n_true`` true boxes, precision made monotone from the right (VOC 2010+ "all points")."""
    if n_true == 0:
        return float("nan")
    order = np.argsort(-np.asarray(scores), kind="stable")
    hits = np.asarray(tp, dtype=np.float64)[order]
    cum_tp, cum_fp = np.cumsum(hits), np.cumsum(1 - hits)
    recall = np.concatenate([[0.0], cum_tp / n_true, [1.0]])
    precision = np.concatenate([[1.0], cum_tp / np.maximum(cum_tp + cum_fp, 1e-12), [0.0]])
    precision = np.maximum.accumulate(precision[::-1])[::-1]
    return float(np.sum(np.diff(recall) * precision[1:]))


def evaluate_detector(detections, part, *, n_classes: int = 4, iou_threshold: float = 0.5,
                      score_threshold: float = 0.5) -> dict:
    """AP per class, mAP, and precision / recall of the detections with score >= ``score_threshold``."""
    ap, all_tp, all_scores, n_true_all = [], [], [], 0
    for k in range(n_classes):
        scores, tps, n_true = [], [], 0
        for (boxes, s, labels), tb, tl in zip(detections, part.boxes, part.box_labels):
            sel, true_k = labels == k, tb[tl == k]
            tps.append(match_detections(boxes[sel], s[sel], true_k, iou_threshold=iou_threshold))
            scores.append(s[sel])
            n_true += len(true_k)
        scores, tps = np.concatenate(scores), np.concatenate(tps)
        ap.append(average_precision(scores, tps, n_true))
        all_tp.append(tps)
        all_scores.append(scores)
        n_true_all += n_true
    tp, scores = np.concatenate(all_tp), np.concatenate(all_scores)
    above = scores >= score_threshold
    return {"ap": np.array(ap), "map": float(np.nanmean(ap)),
            "precision": float(tp[above].mean()) if above.any() else float("nan"),
            "recall": float(tp[above].sum() / max(n_true_all, 1)), "n_true": n_true_all,
            "n_detections": int(above.sum())}


@dataclass
class DetectionResult:
    """A trained detector, its training curve and its held-out metrics (see :func:`evaluate_detector`)."""

    model: nn.Module
    n_parameters: int
    train_loss: list[float] = field(default_factory=list)
    metrics: dict = field(default_factory=dict)
    detections: list = field(default_factory=list)  # decoded test-set detections (before any NMS)
    seconds: float = float("nan")  # wall-clock training time (never print it in a checked cell)


def _images(part):
    return torch.from_numpy((part.images - 0.5) / 0.25)


@torch.no_grad()
def predict(model, part, *, batch_size: int = 256):
    """Raw outputs (heatmap logits, sizes, offsets) of ``model`` on a part's images, concatenated on the CPU."""
    dev = resolve_device(None, model)
    model.eval()
    outs = [model(xb.to(dev)) for xb in _images(part).split(batch_size)]
    return tuple(torch.cat([o[i].cpu() for o in outs]) for i in range(3))


def train_detector(data, *, epochs: int = 12, batch_size: int = 32, lr: float = 5e-3, width: int = 16,
                   seed: int = 0, device=None, score_threshold: float = 0.5) -> DetectionResult:
    """Train a :class:`CenterNet` on ``data.train`` (shapes with boxes) and evaluate it on ``data.test``.

    Adam with a cosine-decaying learning rate, batches reshuffled by a CPU generator seeded with ``seed``;
    on ``device`` (default: the CPU). Metrics at IoU 0.5; precision/recall at ``score_threshold``.
    """
    func = "train_detector"
    epochs = check_int(epochs, "epochs", func, low=1)
    batch_size = check_int(batch_size, "batch_size", func, low=1)
    lr = check_real(lr, "lr", func, low=0.0, low_open=True)
    n_classes = len(data.target_names)
    dev = resolve_device(device)
    torch.manual_seed(seed)
    model = CenterNet(n_classes, width).to(dev)
    x = _images(data.train).to(dev)
    heat, centres, sizes, offsets = (t.to(dev) for t in _stack_targets(data.train, n_classes))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    n_batches = -(-len(x) // batch_size)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs * n_batches)
    gen = torch.Generator().manual_seed(seed)
    result = DetectionResult(model=model, n_parameters=count_parameters(model))
    start = time.perf_counter()

    def batch_loss(idx):
        # the objects of the batch's images, with image indices renumbered 0..B-1
        position = torch.full((len(x),), -1, dtype=torch.int64, device=dev)
        position[idx] = torch.arange(len(idx), device=dev)
        sel = position[centres[:, 0]] >= 0
        c = torch.stack([position[centres[sel, 0]], centres[sel, 1], centres[sel, 2]], 1)
        return detection_loss(model(x[idx]), heat[idx], c, sizes[sel], offsets[sel])

    result.train_loss = minibatch_epochs(model, opt, len(x), batch_loss, epochs=epochs, batch_size=batch_size,
                                         generator=gen, device=dev, scheduler=sched)
    result.seconds = time.perf_counter() - start
    result.detections = decode(predict(model, data.test), score_threshold=0.05)
    result.metrics = evaluate_detector(result.detections, data.test, n_classes=n_classes,
                                       score_threshold=score_threshold)
    return result


def plot_detections(part, detections, *, n: int = 6, score_threshold: float = 0.5, class_names=(),
                    title: str = ""):
    """Matplotlib: ``n`` images with their true boxes (white, dashed) and the detections above the threshold
    (coloured by class, with their scores)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, n, figsize=(1.9 * n, 2.2), squeeze=False)
    for j, ax in enumerate(axes[0]):
        ax.imshow(part.images[j].transpose(1, 2, 0), extent=(0, part.images.shape[-1], part.images.shape[-2], 0))
        for x1, y1, x2, y2 in part.boxes[j]:
            ax.add_patch(plt.Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, ls="--", color="white", lw=1))
        boxes, scores, labels = detections[j]
        for (x1, y1, x2, y2), s, k in zip(boxes, scores, labels):
            if s >= score_threshold:
                ax.add_patch(plt.Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, color=f"C{k}", lw=1.5))
                name = class_names[k] if class_names else str(k)
                ax.text(x1, y1 - 1, f"{name} {s:.2f}", color=f"C{k}", fontsize=6)
    return finish_image_grid(fig, axes, title)
