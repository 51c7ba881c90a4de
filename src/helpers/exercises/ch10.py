"""Checkers for chapter 10 (CNN architectures). Each compares with a torch module or an independent count and
says what is wrong and why; an untouched stub gets "not attempted yet"."""

from __future__ import annotations

import numpy as np

from ._report import attempt, diagnose, not_attempted, report


def _params(module) -> int:
    return sum(p.numel() for p in module.parameters())


def check_vgg_stack(stack_params, single_params) -> bool | None:
    """Parameters (with biases) of three 3x3 convs 64 -> 64 and of one 7x7 conv 64 -> 64 (same receptive field)."""
    from torch import nn

    name = "3x3 stack vs 7x7"
    if stack_params is None or single_params is None:
        return not_attempted(name, "Set stack_params and single_params to your two counts.")
    stack = _params(nn.Sequential(*[nn.Conv2d(64, 64, 3, padding=1) for _ in range(3)]))
    single = _params(nn.Conv2d(64, 64, 7, padding=3))
    if stack_params == stack and single_params == single:
        return report(True, name)
    if (stack_params, single_params) == (stack - 3 * 64, single - 64):
        return report(False, name, "the weights are right; each conv also has C_out = 64 biases.")
    if stack_params in (3 * 9 * 64 + 3 * 64, 3 * 9 * 64):
        return report(False, name, "each 3x3 layer has a 3x3 kernel per (input, output) channel pair: 64 * 64 * 9 "
                                   "weights, not 64 * 9.")
    return report(False, name, "each conv has C_out * C_in * k * k weights and C_out biases.")


def check_inception_macs(naive, reduced) -> bool | None:
    """Multiply-adds of a 5x5 conv 192 -> 32 on 28x28 (padding 2), directly and after a 1x1 reduction to 16."""
    from helpers.core.conv_arithmetic import conv_multiply_adds

    name = "Inception multiply-adds"
    if naive is None or reduced is None:
        return not_attempted(name, "Set naive and reduced to your two counts.")
    want_naive = conv_multiply_adds(192, 32, 5, 28)
    want_reduced = conv_multiply_adds(192, 16, 1, 28) + conv_multiply_adds(16, 32, 5, 28)
    if naive != want_naive:
        return report(False, name, f"naive = {naive:,} is not right: every one of the 28 * 28 * 32 output values costs "
                                   "C_in * k * k = 192 * 25 multiply-adds.")
    if reduced != want_reduced:
        hint = ("that is only the 5x5 convolution on the reduced input; add the 1x1 reduction's own cost."
                if reduced == conv_multiply_adds(16, 32, 5, 28) else
                "add the two convolutions of the reduced path: 1x1 from 192 to 16, then 5x5 from 16 to 32.")
        return report(False, name, f"reduced = {reduced:,} is not right: {hint}")
    return report(True, name)


class PreActBlock:
    """The layers of a pre-activation residual block (He et al., 2016b) on ``channels`` channels, stride 1:
    ``bn1``, ``conv1`` (3x3), ``bn2``, ``conv2`` (3x3) and ``relu``; its ``forward`` is the exercise."""

    def __init__(self, channels: int, *, seed: int = 0):
        import torch
        from torch import nn

        with torch.random.fork_rng():
            torch.manual_seed(seed)
            self.bn1, self.bn2 = nn.BatchNorm2d(channels), nn.BatchNorm2d(channels)
            self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
            self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
            for bn in (self.bn1, self.bn2):  # non-trivial, fixed statistics (evaluation mode)
                nn.init.uniform_(bn.weight, 0.5, 1.5)
                nn.init.uniform_(bn.bias, -0.5, 0.5)
                bn.running_mean.uniform_(-0.5, 0.5)
                bn.running_var.uniform_(0.5, 1.5)
                bn.eval()
        self.relu = nn.ReLU()


def _preact_reference(block, x):
    return x + block.conv2(block.relu(block.bn2(block.conv1(block.relu(block.bn1(x))))))


def check_preact_forward(forward) -> bool | None:
    """``forward(block, x)`` of a :class:`PreActBlock`: ``x + F(x)`` with F = BN, ReLU, conv, BN, ReLU, conv."""
    import torch

    name = "pre-activation residual block"
    task = "Normalise and activate *before* each convolution, and add x at the very end, with nothing after it."
    gen = torch.Generator().manual_seed(10)
    for channels in (4, 8):
        block = PreActBlock(channels, seed=channels)
        x = torch.randn(2, channels, 6, 6, generator=gen)
        with torch.no_grad():
            state, got = attempt(forward, block, x, name=name, task=task)
            if not state:
                return state
            want = _preact_reference(block, x)
            post = block.relu(block.bn2(block.conv2(block.relu(block.bn1(block.conv1(x))))) + x)
            no_skip = want - x
        if not isinstance(got, torch.Tensor) or got.shape != want.shape:
            return report(False, name, f"return a tensor of the input's shape {tuple(x.shape)}.")
        if torch.allclose(got, want, atol=1e-5):
            continue
        hint = diagnose(got, [
            (post, "that is the original (post-activation) block: conv first, ReLU after the sum. Here BN and ReLU "
                   "come before each convolution and nothing follows the addition."),
            (no_skip, "F(x) is right; the identity shortcut, + x, is missing."),
            (block.relu(want), "no ReLU after the addition: the identity path must stay clean, so that "
                               "dy/dx = I + dF/dx.")],
            otherwise=task, same=lambda a, b: torch.allclose(a, b, atol=1e-5))
        return report(False, name, f"wrong output for {channels} channels: {hint}")
    return report(True, name)


def check_iou(iou) -> bool | None:
    """``iou(a, b)`` of two boxes ``(x1, y1, x2, y2)``, compared with :func:`helpers.labs.detection.box_iou`."""
    from helpers.labs.detection import box_iou

    name = "IoU"
    rng = np.random.default_rng(0)
    cases = [((0, 0, 2, 2), (1, 1, 3, 3)), ((0, 0, 1, 1), (2, 2, 3, 3)), ((0, 0, 4, 4), (1, 1, 2, 2)),
             ((0, 0, 2, 1), (2, 0, 3, 1))]
    for _ in range(20):
        p = np.sort(rng.uniform(0, 10, size=(2, 2, 2)), axis=1)  # sorted corners: a valid box each
        cases.append(tuple((float(q[0, 0]), float(q[0, 1]), float(q[1, 0]), float(q[1, 1])) for q in p))
    for a, b in cases:
        want = float(box_iou(np.array([a]), np.array([b]))[0, 0])
        state, got = attempt(iou, a, b, name=name, convert=float, task="Compute the intersection, then the union.")
        if not state:
            return state
        if np.isclose(got, want, atol=1e-9):
            continue
        if not 0.0 <= got <= 1.0 or (want == 0.0 and got != 0.0):
            hint = ("boxes that do not overlap have a negative intersection width or height; two negatives multiply "
                    "to a positive 'area'. Clip each side at 0 before multiplying.")
        else:
            hint = "union = area(a) + area(b) - intersection (the overlap must not be counted twice)."
        return report(False, name, f"iou({tuple(round(v, 2) for v in a)}, {tuple(round(v, 2) for v in b)}) = {got:.4f}, "
                                   f"expected {want:.4f}: {hint}")
    return report(True, name)


def check_se_parameters(count) -> bool | None:
    """Parameters of an SE block on 64 channels with reduction 16 (two dense layers with biases)."""
    from helpers.labs.architectures import SEBlock

    name = "SE parameters"
    if count is None:
        return not_attempted(name, "Set se_params to your count.")
    want = _params(SEBlock(64, 16))
    hint = ("the biases are missing: 4 for the first dense layer, 64 for the second." if count == 2 * 64 * 4 else
            "squeeze to C / r = 4 numbers with a dense 64 -> 4 layer, excite with a dense 4 -> 64 layer, both with biases.")
    return report(count == want, name, hint)


def _ap_variant(scores, tp, n_true, *, sort=True, envelope=True, per_detection=False):
    """AP computed right (the defaults) or with one typical mistake, to name the reader's."""
    scores, hits = np.asarray(scores, float), np.asarray(tp, float)
    if sort:
        order = np.argsort(-scores, kind="stable")
        hits = hits[order]
    cum = np.cumsum(hits)
    recall = np.concatenate([[0.0], cum / (len(hits) if per_detection else n_true)])
    precision = cum / np.arange(1, len(hits) + 1)
    if envelope:
        precision = np.maximum.accumulate(precision[::-1])[::-1]
    return float(np.sum(np.diff(recall) * precision))


def check_average_precision(average_precision) -> bool | None:
    """``average_precision(scores, tp, n_true)`` of one class: detections with ``scores`` (m,) and true-positive flags
    ``tp`` (m,) against ``n_true`` objects; the area under the precision-recall curve with precision made monotone
    from the right (PASCAL VOC, all points). Compared with :func:`helpers.labs.detection_lab.average_precision`."""
    from helpers.labs.detection_lab import average_precision as reference

    name = "average precision"
    task = ("Sort by score, accumulate true and false positives, take precision and recall at every rank, make "
            "precision monotone from the right, and sum precision times the recall steps.")
    rng = np.random.default_rng(0)
    cases = [([0.9, 0.8, 0.7, 0.6, 0.5], [1, 0, 1, 1, 0], 4),  # one object never detected
             ([0.3, 0.9, 0.6, 0.8, 0.2], [1, 1, 0, 0, 1], 3),  # not sorted by score
             ([0.95, 0.9, 0.85, 0.4], [0, 1, 1, 1], 3)]
    for _ in range(10):
        m = int(rng.integers(3, 12))
        cases.append((rng.permutation(m) / m + 0.05, rng.random(m) < 0.6, m - int(rng.integers(0, 3))))
    for scores, tp, n_true in cases:
        scores, tp = np.asarray(scores, float), np.asarray(tp, bool)
        want = reference(scores, tp, n_true)
        state, got = attempt(average_precision, scores.copy(), tp.copy(), n_true, name=name, convert=float, task=task)
        if not state:
            return state
        if np.isclose(got, want, atol=1e-9):
            continue
        hint = diagnose(got, [
            (_ap_variant(scores, tp, n_true, sort=False),
             "the detections are not sorted: rank them by descending score before accumulating."),
            (_ap_variant(scores, tp, n_true, envelope=False),
             "that is the area under the raw, zig-zagging precision; VOC first replaces the precision at each "
             "recall by the best precision at that or any higher recall (a running maximum from the right)."),
            (_ap_variant(scores, tp, n_true, per_detection=True),
             "recall divides by the number of true objects n_true (missed ones included), not by the number of "
             "detections.")],
            otherwise=task, same=np.isclose)
        return report(False, name, f"scores {np.round(scores, 2).tolist()}, tp {tp.astype(int).tolist()}, n_true "
                                   f"{n_true}: got {got:.4f}, expected {want:.4f}. {hint}")
    return report(True, name)
