"""The loss-curve lab, layer 1: train a real small network on the bundled digits and record its learning curves.

A torch MLP (``ht.mlp``: 64 pixels → ``depth`` hidden ReLU layers of ``width`` units → 10 classes, float32, CPU or
wherever the data lives) is trained with the package's optimizers (``ht.SGD`` with momentum 0.9, or ``ht.Adam``) on
the training part of scikit-learn's 8×8 digits (1,079 images) and evaluated after every epoch on the validation
part (359 images). The test part is never touched: choosing settings by looking at curves is tuning.

The learning rate follows a schedule of :mod:`helpers.core.schedules`, evaluated at every *update* t = 0 … T−1
(T = epochs × updates per epoch), so warm-up and cosine are smooth; the lecture's per-epoch 1/t decay
α₀/(1 + r·epoch) becomes α₀/(1 + r·t/updates_per_epoch), the same curve.

Failures are data: a run whose loss becomes non-finite, or whose epoch loss exceeds ``DIVERGENCE_FACTOR`` × ln C
(10 × the loss of a uniform guess), stops and reports ``diverged_at`` (the epoch it could not finish); its
histories hold only the finished epochs, so a plot never sees NaN. Everything random (the training subset, label
noise, initial weights, dropout masks, shuffling) derives from ``seed``: the same config gives the same curves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache

import numpy as np

from helpers.core import schedules as _s
from helpers.core._validation import check_choice, check_int, check_real

__all__ = ["SCHEDULES", "OPTIMIZERS", "N_CLASSES", "DIVERGENCE_FACTOR", "REGIMES", "LabConfig", "RunRecord",
           "lab_data", "build_model", "lr_factor", "compute_run", "compute_lr_range_test", "compute_range_test_runs",
           "ema", "classify_regime", "compute_grid", "grid_config", "grid_run"]

SCHEDULES = ("constant", "step", "exponential", "1/t", "cosine", "warmup + cosine")
OPTIMIZERS = ("sgd", "adam")
N_CLASSES = 10
DIVERGENCE_FACTOR = 10.0


@dataclass(frozen=True)
class LabConfig:
    """Every setting of one run. ``train_size=None`` uses the whole training split; ``batch_size`` is capped at it."""

    lr: float = 0.05
    schedule: str = "constant"
    optimizer: str = "sgd"
    batch_size: int = 32
    width: int = 64
    depth: int = 1
    weight_decay: float = 0.0
    dropout: float = 0.0
    label_noise: float = 0.0
    train_size: int | None = None
    epochs: int = 30
    patience: int = 5
    seed: int = 0

    def __post_init__(self):
        f = "LabConfig"
        check_real(self.lr, "lr", f, low=0.0, low_open=True)
        check_choice(self.schedule, "schedule", f, SCHEDULES)
        check_choice(self.optimizer, "optimizer", f, OPTIMIZERS)
        for name in ("batch_size", "width", "depth", "epochs", "patience"):
            check_int(getattr(self, name), name, f, low=1)
        check_real(self.weight_decay, "weight_decay", f, low=0.0)
        check_real(self.dropout, "dropout", f, low=0.0, high=0.95)
        check_real(self.label_noise, "label_noise", f, low=0.0, high=1.0)
        if self.train_size is not None:
            check_int(self.train_size, "train_size", f, low=10)
        check_int(self.seed, "seed", f, low=0)


@dataclass
class RunRecord:
    """Per-epoch histories of one run (plain floats, finished epochs only) and what happened."""

    config: LabConfig
    n_train: int
    n_params: int
    epochs: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)  # mean over the epoch's updates (training mode)
    val_loss: list[float] = field(default_factory=list)  # whole validation set after the epoch (eval mode)
    train_acc: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)  # learning rate of the epoch's last update
    diverged_at: int | None = None
    step_loss: list[float] = field(default_factory=list)  # training loss of every update (finished epochs only)

    @property
    def best_epoch(self) -> int | None:
        """The early-stopping point: the epoch with the lowest validation loss (the weights one would keep)."""
        return self.epochs[int(np.argmin(self.val_loss))] if self.val_loss else None

    @property
    def stop_epoch(self) -> int | None:
        """Where early stopping with ``patience`` would halt: ``patience`` epochs without a new best; None if never."""
        best, best_e = math.inf, 0
        for e, v in zip(self.epochs, self.val_loss):
            if v < best:
                best, best_e = v, e
            elif e - best_e >= self.config.patience:
                return e
        return None

    def status(self) -> str:
        if self.diverged_at is not None:
            return f"diverged at epoch {self.diverged_at}"
        b = self.best_epoch
        i = self.epochs.index(b)
        return f"best val loss {self.val_loss[i]:.3f} (val acc {self.val_acc[i]:.3f}) at epoch {b}"

    def to_dict(self, decimals: int = 4) -> dict:
        """A compact, JSON-ready form (rounded histories; no per-update losses) for the precomputed grid."""
        r = lambda values: [round(float(v), decimals) for v in values]
        return dict(tl=r(self.train_loss), vl=r(self.val_loss), ta=r(self.train_acc), va=r(self.val_acc),
                    lr=[float(f"{v:.4g}") for v in self.lr], d=self.diverged_at, n=self.n_train, p=self.n_params)

    @classmethod
    def from_dict(cls, d: dict, config: LabConfig) -> RunRecord:
        return cls(config, d["n"], d["p"], list(range(1, len(d["tl"]) + 1)), d["tl"], d["vl"], d["ta"], d["va"],
                   d["lr"], d["d"])


@lru_cache(maxsize=2)
def _digits(split_seed: int):
    from helpers.data import load_digits

    d = load_digits(rng=split_seed)  # stratified 60/20/20 split, standardised on the training part
    return d.x_train, d.y_train, d.x_val, d.y_val


def lab_data(config: LabConfig, *, split_seed: int = 0):
    """(x_train, y_train, x_val, y_val) as float32/int64 tensors: the ``train_size`` subset with label noise.

    A fraction ``label_noise`` of the training labels is replaced by a *different* class, chosen at random;
    validation labels stay clean (the noise models annotation errors in the training data only).
    """
    import torch

    x, y, xv, yv = _digits(split_seed)
    rng = np.random.default_rng(config.seed)
    n = len(y) if config.train_size is None else min(config.train_size, len(y))
    keep = rng.permutation(len(y))[:n]
    x, y = x[keep], y[keep].copy()
    wrong = rng.permutation(n)[: int(round(config.label_noise * n))]
    y[wrong] = (y[wrong] + rng.integers(1, N_CLASSES, size=len(wrong))) % N_CLASSES  # a shift of 1..9: never the same
    as_x = lambda a: torch.tensor(a, dtype=torch.float32)
    return as_x(x), torch.tensor(y), as_x(xv), torch.tensor(yv)


def build_model(config: LabConfig, generator):
    """The lab's MLP 64 → width (× depth, ReLU, dropout) → 10, initialised from ``generator``."""
    from helpers.torch_impl.nets import mlp

    return mlp([64] + [config.width] * config.depth + [N_CLASSES], dropout=config.dropout, generator=generator)


def _make_optimizer(config: LabConfig, params, lr: float):
    from helpers.torch_impl.optim import SGD, Adam

    if config.optimizer == "adam":
        return Adam(params, lr=lr, weight_decay=config.weight_decay)
    return SGD(params, lr=lr, momentum=0.9, weight_decay=config.weight_decay)


def lr_factor(schedule: str, t: int, total: int, per_epoch: int) -> float:
    """The multiplier of the base learning rate at update ``t`` of ``total`` (``per_epoch`` updates per epoch)."""
    if schedule == "constant" or total < 2:
        return 1.0
    if schedule == "step":  # ×0.2 after each third of the run
        return _s.step_factor(t, step_size=max(1, math.ceil(total / 3)), gamma=0.2)
    if schedule == "exponential":  # down to 1 % of the base rate at the end
        return _s.exponential_factor(t, gamma=0.01 ** (1 / (total - 1)))
    if schedule == "1/t":  # the lecture's α₀/(1 + r·epoch) with r = 0.5
        return _s.inverse_time_factor(t, decay_rate=0.5 / per_epoch)
    if schedule == "cosine":
        return _s.cosine_factor(t, t_max=total)
    warm = max(1, total // 10)  # "warmup + cosine": a linear warm-up over the first 10 % of the updates
    return _s.warmup_cosine_factor(t, warmup_steps=warm, t_max=max(total, warm + 1))


def compute_run(config: LabConfig | None = None, *, callback=None, **overrides) -> RunRecord:
    """Train one network with ``config`` (fields may be overridden by keyword) and return its :class:`RunRecord`.

    ``callback(record)`` is called after every finished epoch (the live widget redraws from it).
    """
    import torch
    import torch.nn.functional as F

    from helpers.torch_impl.trainer import evaluate

    config = replace(config or LabConfig(), **overrides)
    x, y, xv, yv = lab_data(config)
    g = torch.Generator().manual_seed(config.seed)
    net = build_model(config, g)
    n, m = len(y), min(config.batch_size, len(y))
    per_epoch = math.ceil(n / m)
    total = per_epoch * config.epochs
    opt = _make_optimizer(config, net.parameters(), config.lr)
    record = RunRecord(config, n, sum(p.numel() for p in net.parameters()))
    limit, t = DIVERGENCE_FACTOR * math.log(N_CLASSES), 0
    for epoch in range(1, config.epochs + 1):
        net.train()
        order = torch.randperm(n, generator=g)
        loss_sum = correct = 0.0
        steps = []
        for start in range(0, n, m):
            idx = order[start:start + m]
            lr = config.lr * lr_factor(config.schedule, t, total, per_epoch)
            for group in opt.param_groups:
                group["lr"] = lr
            out = net(x[idx])
            loss = F.cross_entropy(out, y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            value = loss.item()
            if not math.isfinite(value):
                break
            loss_sum += value * len(idx)
            steps.append(value)
            correct += (out.argmax(dim=1) == y[idx]).sum().item()
            t += 1
        val_loss, val_acc = evaluate(net, xv, yv)
        train_loss = loss_sum / n
        if not (math.isfinite(value) and math.isfinite(val_loss)) or max(train_loss, val_loss) > limit:
            record.diverged_at = epoch
            break
        for name, v in (("epochs", epoch), ("train_loss", train_loss), ("val_loss", val_loss),
                        ("train_acc", correct / n), ("val_acc", val_acc), ("lr", lr)):
            getattr(record, name).append(v)
        record.step_loss.extend(steps)
        if callback is not None:
            callback(record)
    return record


def compute_lr_range_test(config: LabConfig | None = None, *, steps: int = 100, lr_min: float = 1e-4,
                          lr_max: float = 10.0, **overrides):
    """The learning-rate range test (:func:`helpers.labs.lr_finder.lr_range_test`) for the lab's model and data."""
    import torch

    from helpers.labs.lr_finder import lr_range_test

    config = replace(config or LabConfig(), **overrides)
    x, y, _, _ = lab_data(config)
    g = torch.Generator().manual_seed(config.seed)
    net = build_model(config, g)
    return lr_range_test(net, x, y, make_optimizer=lambda p, lr: _make_optimizer(config, p, lr), lr_min=lr_min,
                         lr_max=lr_max, steps=steps, batch_size=min(config.batch_size, len(y)), generator=g)


def ema(values, smoothing: float) -> list[float]:
    """Exponential moving average with bias correction (as in the range test and Adam):
    s_t = β·s_{t−1} + (1 − β)·x_t, s_{−1} = 0, returned as s_t / (1 − β^{t+1}); ``smoothing`` β = 0 returns the
    values. Non-finite values are kept out of the average (the curve carries the last smoothed value over them)."""
    check_real(smoothing, "smoothing", "ema", low=0.0, high=1.0, high_open=True)
    out, acc, weight = [], 0.0, 0.0
    for v in values:
        v = float(v)
        if math.isfinite(v):
            acc, weight = smoothing * acc + (1 - smoothing) * v, smoothing * weight + (1 - smoothing)
        out.append(acc / weight if weight > 0 else v)
    return out


#: the regimes a run is labelled with, from its own curves (:func:`classify_regime`)
REGIMES = ("diverged", "under-fitting", "over-fitting", "good fit")
UNDERFIT_LOSS = 0.15 * math.log(N_CLASSES)  # ≈ 0.35: a training loss still above this at the end is not fitted
OVERFIT_GAP = 0.25  # validation minus training loss at the end
OVERFIT_TURN = 0.8  # and the lowest validation loss came before the last fifth of the run: it has turned up


def classify_regime(record: RunRecord) -> tuple[str, str]:
    """(regime, reason) read off the curves alone, in this order:

    * **diverged** — the run stopped with a non-finite or exploding loss;
    * **under-fitting** — the final training loss is still ≥ 0.15·ln C (≈ 0.35 for 10 classes): the model does
      not fit even the data it sees (too small, too low a rate, too strong a regulariser, or too few epochs);
    * **over-fitting** — the validation loss ends ≥ 0.25 above the training loss *and* its minimum came before
      the last fifth of the epochs run: the training loss keeps falling while the validation loss has turned up;
    * **good fit** — otherwise.
    """
    if record.diverged_at is not None:
        return "diverged", f"the loss blew up in epoch {record.diverged_at}"
    if not record.epochs:
        return "diverged", "no epoch finished"
    train, val = record.train_loss[-1], record.val_loss[-1]
    if train >= UNDERFIT_LOSS:
        return "under-fitting", f"final training loss {train:.2f} ≥ {UNDERFIT_LOSS:.2f}"
    n, best = len(record.epochs), record.epochs.index(record.best_epoch) + 1
    if val - train >= OVERFIT_GAP and best <= OVERFIT_TURN * n:
        return "over-fitting", (f"validation loss {val:.2f} ends {val - train:.2f} above training, "
                                f"lowest at epoch {record.best_epoch}")
    return "good fit", f"final losses: training {train:.2f}, validation {val:.2f}"


def compute_range_test_runs(config: LabConfig | None = None, *, steps: int = 100, **overrides):
    """The range test for ``config``, then a full run at each of its two suggestions (steepest slope, minimum/10).

    Returns ``(result, {"steepest": RunRecord, "min_over_10": RunRecord})``; a suggestion that is not finite
    (the sweep found no slope) gets no run.
    """
    config = replace(config or LabConfig(), **overrides)
    result = compute_lr_range_test(config, steps=steps)
    runs = {key: compute_run(config, lr=float(lr)) for key, lr in result.suggestions.items()
            if math.isfinite(lr) and lr > 0}
    return result, runs


def compute_grid(axes, base: LabConfig | None = None) -> dict:
    """Runs for every combination of ``axes`` (the static lab's data), as a compact JSON-ready dict.

    ``axes``: a list of ``(axis name, options)``, each option a dict with a ``name`` (its label) and the LabConfig
    overrides it sets; ``runs`` nests one list level per axis, e.g. ``runs[a][b][c]`` for three axes, and each
    leaf is ``RunRecord.to_dict()``.
    """
    import itertools

    base = base or LabConfig()
    shape = [len(options) for _, options in axes]
    flat = {}
    for index in itertools.product(*(range(n) for n in shape)):
        overrides = {}
        for (_, options), i in zip(axes, index):
            overrides.update({k: v for k, v in options[i].items() if k != "name"})
        flat[index] = compute_run(base, **overrides).to_dict()

    def nest(prefix):
        if len(prefix) == len(shape):
            return flat[prefix]
        return [nest(prefix + (i,)) for i in range(shape[len(prefix)])]

    base_dict = {f.name: getattr(base, f.name) for f in fields(base)}
    return dict(version=2, base=base_dict, axes=[[name, [dict(o) for o in options]] for name, options in axes],
                runs=nest(()))


def grid_config(grid: dict, *index: int) -> LabConfig:
    """The LabConfig of the grid point with one option ``index`` per axis."""
    overrides = {}
    for (_, options), i in zip(grid["axes"], index):
        overrides.update({k: v for k, v in options[i].items() if k != "name"})
    return replace(LabConfig(**grid["base"]), **overrides)


def grid_run(grid: dict, *index: int) -> RunRecord:
    """The stored run of the grid point ``index`` (one option per axis)."""
    d = grid["runs"]
    for i in index:
        d = d[i]
    return RunRecord.from_dict(d, grid_config(grid, *index))
