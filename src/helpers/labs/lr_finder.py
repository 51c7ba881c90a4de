"""The learning-rate range test: sweep the learning rate exponentially over one short run and watch the loss.

Start at a tiny learning rate and multiply it by a constant factor after every minibatch update, up to ``lr_max``.
At first nothing happens (the steps are too small), then the loss falls, and finally it blows up. The test stops
once the smoothed loss exceeds ``diverge_factor`` × its best value (or stops being finite). Two common
suggestions read off the curve:

* **steepest slope**: where the smoothed loss falls fastest per decade of learning rate (searched only on the
  descending part, before the minimum, so the cliff at the end cannot be picked);
* **minimum / 10**: one tenth of the learning rate at which the smoothed loss is lowest (just before it blows up,
  so a safer value lies about a decade lower).

The loss is smoothed by an exponential moving average with Adam-style bias correction ``avg / (1 − βᵏ)``, so the
first values are not pulled towards zero. The model is deep-copied: the caller's weights are left alone.

References: L. N. Smith, "Cyclical learning rates for training neural networks" (WACV 2017); the fast.ai
``lr_find`` (Howard & Gugger, 2020) popularised both suggestions.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np

from ..core._validation import check_int, check_real

__all__ = ["exponential_lrs", "smooth_losses", "suggest_lrs", "LRFinderResult", "lr_range_test"]


def exponential_lrs(lr_min: float, lr_max: float, steps: int) -> np.ndarray:
    """``steps`` learning rates from ``lr_min`` to ``lr_max``, a constant factor apart (a geometric sequence)."""
    check_real(lr_min, "lr_min", "exponential_lrs", low=0.0, low_open=True)
    check_real(lr_max, "lr_max", "exponential_lrs", low=lr_min, low_open=True)
    check_int(steps, "steps", "exponential_lrs", low=2)
    return lr_min * (lr_max / lr_min) ** (np.arange(steps) / (steps - 1))


def smooth_losses(losses, *, beta: float = 0.98) -> np.ndarray:
    """Exponential moving average of ``losses`` with bias correction: ``avg_k / (1 − β^k)`` (k = 1, 2, ...)."""
    check_real(beta, "beta", "smooth_losses", low=0.0, high=1.0, high_open=True)
    out, avg = np.empty(len(losses)), 0.0
    for k, value in enumerate(losses, start=1):
        avg = beta * avg + (1 - beta) * float(value)
        out[k - 1] = avg / (1 - beta**k)
    return out


def suggest_lrs(lrs, smoothed) -> dict[str, float]:
    """The two suggestions from a (smoothed) loss-vs-learning-rate curve: ``steepest`` and ``min_over_10``.

    The slope is d(loss)/d(log10 lr) by centred differences (``np.gradient``), searched from the start up to the
    minimum of the curve. Returns NaN for both when the curve has fewer than 3 points.
    """
    lrs, smoothed = np.asarray(lrs, dtype=np.float64), np.asarray(smoothed, dtype=np.float64)
    if lrs.shape != smoothed.shape or lrs.ndim != 1:
        raise ValueError(f"The 'lrs' and 'smoothed' arguments of suggest_lrs must be 1-D of the same length. "
                         f"Got shapes {lrs.shape} and {smoothed.shape} instead.")
    if len(lrs) < 3:
        return {"steepest": math.nan, "min_over_10": math.nan}
    i_min = int(np.argmin(smoothed))
    slope = np.gradient(smoothed, np.log10(lrs))
    i_steep = int(np.argmin(slope[: max(i_min, 1) + 1]))
    return {"steepest": float(lrs[i_steep]), "min_over_10": float(lrs[i_min] / 10)}


@dataclass
class LRFinderResult:
    """Learning rates tried, raw and smoothed losses (same length), and where the sweep stopped."""

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    stopped_at: float | None  # the learning rate at which the loss blew up; None if the sweep reached lr_max

    @property
    def suggestions(self) -> dict[str, float]:
        return suggest_lrs(self.lrs, self.smoothed)

    def summary(self) -> str:
        s = self.suggestions
        stop = f"diverged at lr ≈ {self.stopped_at:.3g}" if self.stopped_at is not None else "reached lr_max"
        return f"{len(self.lrs)} steps, {stop}; steepest slope at {s['steepest']:.3g}, minimum/10 = {s['min_over_10']:.3g}"


def _sgd_momentum(params, lr):
    from helpers.torch_impl.optim import SGD

    return SGD(params, lr=lr, momentum=0.9)


def lr_range_test(model, x, y, *, loss_fn=None, make_optimizer=None, lr_min: float = 1e-5, lr_max: float = 10.0,
                  steps: int = 100, batch_size: int | None = 32, beta: float = 0.98, diverge_factor: float = 4.0,
                  generator=None, device=None) -> LRFinderResult:
    """Run the learning-rate range test on a copy of ``model`` with training data ``(x, y)`` (torch tensors).

    ``loss_fn(out, y)`` defaults to cross-entropy; ``make_optimizer(params, lr)`` to SGD with momentum 0.9 (the
    package's ``ht.SGD``). One minibatch update per learning rate, drawn from a fresh shuffle (``generator``)
    whenever the data is used up; ``batch_size=None`` uses full-batch gradient descent (no shuffling needed).
    The copy and the data go to ``device`` (default: the model's device).
    """
    import torch
    import torch.nn.functional as F

    from ..core._device import resolve_device

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"The 'model' argument of lr_range_test must be a torch.nn.Module. Got {type(model).__name__}.")
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"The 'generator' argument of lr_range_test must be a torch.Generator. Got {generator!r}.")
    check_real(diverge_factor, "diverge_factor", "lr_range_test", low=1.0, low_open=True)
    n = int(x.shape[0])
    if n == 0 or int(y.shape[0]) != n:
        raise ValueError(f"The 'x' and 'y' arguments of lr_range_test must hold the same number (>= 1) of examples. "
                         f"Got shapes {tuple(x.shape)} and {tuple(y.shape)} instead.")
    m = n if batch_size is None else check_int(batch_size, "batch_size", "lr_range_test", low=1)
    lrs = exponential_lrs(lr_min, lr_max, steps)
    loss_fn = F.cross_entropy if loss_fn is None else loss_fn
    dev = resolve_device(device, model)
    x, y = x.to(dev), y.to(dev)
    net = copy.deepcopy(model).to(dev).train()
    opt = (make_optimizer or _sgd_momentum)(net.parameters(), float(lrs[0]))
    order, pos, losses, best, avg, stopped = None, n, [], math.inf, 0.0, None
    for k, lr in enumerate(lrs, start=1):
        if pos + m > n or order is None:  # start a new pass over the data
            order = torch.randperm(n, generator=generator) if (generator is not None and m < n) else torch.arange(n)
            pos = 0
        idx = order[pos:pos + m].to(x.device)
        pos += m
        for group in opt.param_groups:
            group["lr"] = float(lr)
        opt.zero_grad()
        value = loss_fn(net(x[idx]), y[idx])
        value.backward()
        opt.step()
        raw = value.item()
        avg = beta * avg + (1 - beta) * raw
        smooth = avg / (1 - beta**k)
        if not math.isfinite(smooth) or smooth > diverge_factor * best:
            stopped = float(lr)
            break
        losses.append(raw)
        best = min(best, smooth)
    kept = len(losses)
    return LRFinderResult(lrs[:kept], np.array(losses), smooth_losses(losses, beta=beta), stopped)
