"""What the NumPy and the PyTorch training loops share: the metrics history, the losses, a progress line.

The loops themselves live in :mod:`helpers.numpy_impl.trainer` and :mod:`helpers.torch_impl.trainer`
(same function names and arguments), so a chapter can show each with ``show_source`` and a test can
check that both follow the same loss curve from the same initial weights.

The progress line is off by default (``progress=False``). When on, it rewrites one line on
*stderr* with a carriage return, so nothing accumulates in a notebook's stored outputs; chapters
whose outputs are checked never turn it on.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

# LOSSES (name -> whether accuracy makes sense) and the loops' argument checks live with all the other checks
from ._validation import LOSSES, check_train_args

__all__ = ["History", "LOSSES", "check_train_args", "ProgressLine"]


@dataclass
class History:
    """Per-epoch metrics of a training run (plain Python floats), plus the loss of every update step.

    ``train_loss``/``train_acc`` average over the epoch's minibatches as they were seen (training mode,
    weights changing along the way); ``val_loss``/``val_acc`` evaluate the whole validation set after
    the epoch in evaluation mode. Accuracies stay empty for regression losses.
    """

    epoch: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)

    def summary(self, digits: int = 4) -> str:
        """One line with the last epoch's metrics, rounded (safe to print in checked notebooks)."""
        if not self.epoch:
            return "no epoch trained yet"
        parts = [f"epoch {self.epoch[-1]}"]
        for name in ("train_loss", "train_acc", "val_loss", "val_acc"):
            values = getattr(self, name)
            if values:
                parts.append(f"{name} {values[-1]:.{digits}f}")
        return "  ".join(parts)


class ProgressLine:
    """Rewrite a single status line on stderr (``enabled=False`` makes every call a no-op)."""

    def __init__(self, enabled: bool, stream=None):
        self.enabled = bool(enabled)
        self.stream = stream if stream is not None else sys.stderr

    def update(self, history: History, epochs: int) -> None:
        if self.enabled:
            self.stream.write(f"\r{history.summary()}  ({history.epoch[-1]}/{epochs})")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
