"""Sanity checks before training and deliberately broken training runs (the debugging checklist of chapter 6).

* :func:`expected_initial_loss` / :func:`initial_loss`: a fresh classifier guesses about uniformly, so its
  cross-entropy should be close to ln C (C classes); much more means a broken initialisation or loss input.
* :func:`overfit_one_batch`: a working model and training step drive the loss on one small batch to ~0.
* Three training steps that differ by one line — :func:`train_step` (correct), :func:`train_step_forgot_zero_grad`
  and :func:`train_step_softmax_before_loss` — and :data:`BUGS`, a menu of broken runs (those two, a learning rate
  10× too high, shuffled labels, validation in training mode) run by :func:`debug_run` on the digits.
* :func:`softmax_cross_entropy_backward_forgot_mean`: a hand-written backward with a classic bug, for the
  gradient check (``helpers.core.testing.gradient_check``) to catch.

References: A. Karpathy, "A recipe for training neural networks" (2019), the source of the "most common
mistakes" list that the lecture notes quote; the CS231n notes on sanity checks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from ..core._validation import check_int

__all__ = ["expected_initial_loss", "initial_loss", "train_step", "train_step_forgot_zero_grad",
           "train_step_softmax_before_loss", "overfit_one_batch", "BUGS", "DebugRun", "debug_run",
           "plot_debug_runs", "softmax_cross_entropy_backward_forgot_mean"]


def expected_initial_loss(num_classes: int) -> float:
    """ln C: the cross-entropy of the uniform prediction 1/C, what a freshly initialised classifier should score."""
    return math.log(check_int(num_classes, "num_classes", "expected_initial_loss", low=2))


def initial_loss(model, x, y, *, device=None) -> float:
    """The mean cross-entropy of ``model`` on ``(x, y)`` in evaluation mode, without training, on ``device``
    (default: the model's)."""
    import torch
    import torch.nn.functional as F

    from ..core._device import resolve_device

    dev = resolve_device(device, model)
    model, x, y = model.to(dev), x.to(dev), y.to(dev)
    mode = model.training
    model.eval()
    with torch.no_grad():
        value = F.cross_entropy(model(x), y).item()
    model.train(mode)
    return value


def train_step(model, opt, x, y) -> float:
    """One correct update: reset the gradients, loss on raw scores (logits), backward, step."""
    import torch.nn.functional as F

    opt.zero_grad()
    loss = F.cross_entropy(model(x), y)  # cross_entropy applies log-softmax itself: pass logits
    loss.backward()
    opt.step()
    return loss.item()


def train_step_forgot_zero_grad(model, opt, x, y) -> float:
    """BUG: no ``zero_grad()`` — ``backward`` *adds* to ``.grad``, so each step uses the sum of all past gradients."""
    import torch.nn.functional as F

    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return loss.item()


def train_step_softmax_before_loss(model, opt, x, y) -> float:
    """BUG: softmax before ``cross_entropy``, which applies log-softmax again: the loss cannot go below ≈ 1.46."""
    import torch
    import torch.nn.functional as F

    opt.zero_grad()
    loss = F.cross_entropy(torch.softmax(model(x), dim=1), y)
    loss.backward()
    opt.step()
    return loss.item()


def overfit_one_batch(model, x, y, *, steps: int = 100, lr: float = 0.05, step=train_step,
                      device=None) -> list[float]:
    """Train ``model`` on the single batch ``(x, y)`` for ``steps`` updates (SGD, momentum 0.9) on ``device``
    (default: the model's); the losses."""
    from helpers.torch_impl.optim import SGD

    from ..core._device import resolve_device

    dev = resolve_device(device, model)
    model, x, y = model.to(dev), x.to(dev), y.to(dev)
    opt = SGD(model.parameters(), lr=lr, momentum=0.9)
    model.train()
    return [step(model, opt, x, y) for _ in range(check_int(steps, "steps", "overfit_one_batch", low=1))]


# Each broken run changes ONE thing of the working recipe.
BUGS: dict[str, dict] = {
    "no bug": {},
    "forgot zero_grad()": {"step": train_step_forgot_zero_grad},
    "softmax before cross_entropy": {"step": train_step_softmax_before_loss},
    "learning rate 10× too high": {"lr_factor": 10.0},
    "labels shuffled": {"shuffle_labels": True},
    "validation in train mode (dropout on)": {"eval_mode": False},
}


@dataclass
class DebugRun:
    """Per-epoch losses and validation accuracy of a (possibly broken) run; ``diverged_at`` if the loss blew up."""

    name: str
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    diverged_at: int | None = None


@lru_cache(maxsize=1)
def _digits():
    import torch

    from helpers.data import load_digits

    d = load_digits(rng=0)
    f = lambda a: torch.tensor(a, dtype=torch.float32)
    return f(d.x_train), torch.tensor(d.y_train), f(d.x_val), torch.tensor(d.y_val)


def debug_run(bug: str = "no bug", *, epochs: int = 12, lr: float = 0.05, batch_size: int = 64,
              dropout: float = 0.3, seed: int = 0, device=None) -> DebugRun:
    """Train the digits MLP 64-64-10 (dropout ``dropout``, SGD momentum 0.9) with one bug from :data:`BUGS`, on
    ``device`` (default: the CPU; weights, label shuffles and batches are drawn on the CPU)."""
    import torch
    import torch.nn.functional as F

    from helpers.torch_impl.nets import mlp
    from helpers.torch_impl.optim import SGD

    from ..core._device import resolve_device

    if bug not in BUGS:
        raise ValueError(f"The 'bug' argument of debug_run must be one of {', '.join(map(repr, BUGS))}. "
                         f"Got {bug!r} instead.")
    how = BUGS[bug]
    x, y, xv, yv = _digits()
    g = torch.Generator().manual_seed(seed)
    if how.get("shuffle_labels"):
        y = y[torch.randperm(len(y), generator=g)]  # every image keeps *some* label, now unrelated to it
    model = mlp([64, 64, 10], dropout=dropout, generator=g)
    dev = resolve_device(device)
    model, x, y, xv, yv = model.to(dev), x.to(dev), y.to(dev), xv.to(dev), yv.to(dev)
    opt = SGD(model.parameters(), lr=lr * how.get("lr_factor", 1.0), momentum=0.9)
    step, run = how.get("step", train_step), DebugRun(bug)
    for epoch in range(1, epochs + 1):
        model.train()
        order, losses = torch.randperm(len(y), generator=g), []
        for start in range(0, len(y), batch_size):
            idx = order[start:start + batch_size].to(dev)
            losses.append(step(model, opt, x[idx], y[idx]))
        model.train(not how.get("eval_mode", True))  # the bug: dropout stays on while validating
        with torch.no_grad():
            out = model(xv)
        val_loss = F.cross_entropy(out, yv).item()
        if not (np.all(np.isfinite(losses)) and math.isfinite(val_loss)) or np.mean(losses) > 10 * math.log(10):
            run.diverged_at = epoch
            break
        run.train_loss.append(float(np.mean(losses)))
        run.val_loss.append(val_loss)
        run.val_acc.append((out.argmax(dim=1) == yv).double().mean().item())
    return run


def plot_debug_runs(runs, *, ncols: int = 3):
    """Small multiples (matplotlib): training and validation loss of each run, its final validation accuracy."""
    import matplotlib.pyplot as plt

    runs = list(runs)
    nrows = math.ceil(len(runs) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 2.6 * nrows), sharey=True, squeeze=False)
    for ax, r in zip(axes.flat, runs):
        e = np.arange(1, len(r.train_loss) + 1)
        ax.plot(e, r.train_loss, label="train")
        ax.plot(e, r.val_loss, "--", label="validation")
        ax.axhline(math.log(10), color="grey", lw=0.8, ls=":")
        note = f"diverged at epoch {r.diverged_at}" if r.diverged_at else f"val acc {r.val_acc[-1]:.2f}"
        ax.set_title(f"{r.name}\n{note}", fontsize=9)
        ax.set_xlabel("epoch")
        ax.set_ylim(0, 3.0)
    for ax in list(axes.flat)[len(runs):]:
        ax.axis("off")
    axes[0, 0].set_ylabel("cross-entropy")
    axes[0, 0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def softmax_cross_entropy_backward_forgot_mean(dout, cache):
    """BUG: the backward of the *mean* cross-entropy without the 1/N (pairs with ``hn.softmax_cross_entropy_forward``)."""
    log_probs, y, _ = cache
    dscores = np.exp(log_probs)  # softmax, (N, C)
    dscores[np.arange(len(y)), y] -= 1.0
    return (dscores * dout,)  # should be dscores * dout / N
