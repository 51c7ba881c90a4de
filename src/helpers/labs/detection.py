"""Two building blocks of every object detector, in NumPy: box overlap (IoU) and non-maximum suppression.

Boxes are rows ``(x1, y1, x2, y2)`` with ``x1 <= x2`` and ``y1 <= y2`` in continuous coordinates (area
``(x2 - x1)(y2 - y1)``, no "+1" pixel convention), as in ``torchvision.ops.box_iou`` and ``torchvision.ops.nms``.

References: Girshick et al., *Rich feature hierarchies ...* (R-CNN, CVPR 2014) for greedy NMS; Everingham et al.,
*The PASCAL VOC challenge* (IJCV 2010) for IoU >= 0.5 as a correct detection.
"""

from __future__ import annotations

import numpy as np

from ..core._validation import check_real

__all__ = ["box_area", "box_iou", "nms"]


def _check_boxes(boxes, name: str, fn: str) -> np.ndarray:
    boxes = np.asarray(boxes, dtype=np.float64)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f"The '{name}' argument of {fn} must have shape (n, 4) = (x1, y1, x2, y2) rows. "
                         f"Got shape {boxes.shape} instead.")
    if not np.all(np.isfinite(boxes)):
        raise ValueError(f"The '{name}' argument of {fn} must hold finite numbers. Got {boxes.tolist()} instead.")
    bad = np.flatnonzero((boxes[:, 2] < boxes[:, 0]) | (boxes[:, 3] < boxes[:, 1]))
    if bad.size:
        raise ValueError(f"The '{name}' argument of {fn} must have x1 <= x2 and y1 <= y2 in every row. "
                         f"Got {boxes[bad[0]].tolist()} in row {int(bad[0])} instead.")
    return boxes


def box_area(boxes) -> np.ndarray:
    """Areas ``(x2 - x1) * (y2 - y1)`` of boxes (n, 4) -> (n,)."""
    b = _check_boxes(boxes, "boxes", "box_area")
    return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])


def box_iou(boxes1, boxes2) -> np.ndarray:
    """Intersection over union of every pair: boxes1 (n, 4), boxes2 (m, 4) -> (n, m) in [0, 1].

    Two empty boxes (area 0) have IoU 0 by convention (the union is 0 too).
    """
    a, b = _check_boxes(boxes1, "boxes1", "box_iou"), _check_boxes(boxes2, "boxes2", "box_iou")
    top_left = np.maximum(a[:, None, :2], b[None, :, :2])  # (n, m, 2): the intersection's (x1, y1)
    bottom_right = np.minimum(a[:, None, 2:], b[None, :, 2:])  # (n, m, 2): its (x2, y2)
    wh = np.clip(bottom_right - top_left, 0.0, None)  # no overlap -> width or height 0
    inter = wh[..., 0] * wh[..., 1]
    union = box_area(a)[:, None] + box_area(b)[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def _check_nms(boxes, scores, iou_threshold):
    b = _check_boxes(boxes, "boxes", "nms")
    s = np.asarray(scores, dtype=np.float64)
    if s.shape != (len(b),):
        raise ValueError(f"The 'scores' argument of nms must have shape ({len(b)},), one score per box. "
                         f"Got shape {s.shape} instead.")
    return b, s, check_real(iou_threshold, "iou_threshold", "nms", low=0.0, high=1.0)


def nms(boxes, scores, iou_threshold: float = 0.5) -> np.ndarray:
    """Greedy non-maximum suppression: indices of the kept boxes, highest score first.

    Repeatedly keep the best remaining box and drop every remaining box whose IoU with it is *greater* than
    ``iou_threshold`` (torchvision's convention). Equal scores keep the lower index first.
    """
    b, s, t = _check_nms(boxes, scores, iou_threshold)  # (n, 4), (n,), float
    order = np.argsort(-s, kind="stable")  # best first; stable = lower index wins ties
    iou = box_iou(b, b)
    keep = []
    while order.size:
        best = order[0]
        keep.append(int(best))
        order = order[1:][iou[best, order[1:]] <= t]  # survivors overlap the kept box little enough
    return np.array(keep, dtype=np.int64)
