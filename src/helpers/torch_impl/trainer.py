"""The PyTorch twin of :mod:`helpers.numpy_impl.trainer`: the same loop written the idiomatic way.

Forward, ``torch.nn.functional`` loss, ``zero_grad`` + ``backward`` (autograd), then an update (plain SGD, or
any ``torch.optim`` optimizer). Same function names and arguments as the NumPy loop, with a
``torch.Generator`` (``generator``) in place of the NumPy ``rng`` for the shuffling. Runs on the device
and in the dtype of the model and data.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..core._validation import check_real, check_train_call
from ..core.training import LOSSES, History, ProgressLine

__all__ = ["sgd_update", "loss_and_accuracy", "evaluate", "train"]

_LOSS_FNS = {
    "cross_entropy": F.cross_entropy,
    "binary_cross_entropy_with_logits": F.binary_cross_entropy_with_logits,
    "mse": F.mse_loss,
}


@torch.no_grad()
def sgd_update(net: torch.nn.Module, *, lr: float) -> None:
    """Plain gradient descent, in place: ``p <- p - lr * p.grad`` (``torch.optim.SGD`` without options)."""
    check_real(lr, "lr", "sgd_update", low=0.0, low_open=True)
    for p in net.parameters():
        if p.grad is not None:
            p -= lr * p.grad


def _accuracy(out, y, loss: str) -> float:
    if loss == "cross_entropy":
        return (out.argmax(dim=1) == y).double().mean().item()
    return ((out > 0) == (y > 0.5)).double().mean().item()  # a logit > 0 means probability > 1/2


@torch.no_grad()
def loss_and_accuracy(out, y, *, loss: str = "cross_entropy"):
    """The mean loss of the outputs ``out`` against targets ``y`` and the accuracy (None for regression)."""
    return _LOSS_FNS[loss](out, y).item(), (_accuracy(out, y, loss) if LOSSES[loss] else None)


def evaluate(net: torch.nn.Module, x, y, *, loss: str = "cross_entropy"):
    """Loss and accuracy of ``net`` on ``(x, y)`` in evaluation mode (dropout off); the mode is restored."""
    mode = net.training
    net.eval()
    with torch.no_grad():
        out = net(x)
    net.train(mode)
    return loss_and_accuracy(out, y, loss=loss)


def train(net: torch.nn.Module, x, y, *, loss: str = "cross_entropy", epochs: int = 10,
          batch_size: int | None = None, lr: float = 0.1, optimizer=None, generator=None, val=None,
          progress: bool = False) -> History:
    """Train ``net`` on ``(x, y)`` and return the :class:`~helpers.core.training.History` of its metrics.

    ``batch_size=None`` uses the full batch. ``generator`` (a ``torch.Generator``) reshuffles the examples
    every epoch; ``None`` keeps their order. Without ``optimizer`` the update is plain SGD with ``lr``.
    ``val=(x_val, y_val)`` adds validation metrics after every epoch.
    """
    n = check_train_call(net, x, y, net_type=torch.nn.Module, shuffle=("generator", generator, torch.Generator),
                         loss=loss, epochs=epochs, batch_size=batch_size, lr=lr, val=val)
    loss_fn = _LOSS_FNS[loss]
    batch_size = n if batch_size is None else batch_size
    history, bar = History(), ProgressLine(progress)
    for epoch in range(1, epochs + 1):
        net.train()
        order = torch.randperm(n, generator=generator) if generator is not None else torch.arange(n)
        order = order.to(x.device)
        total_loss = total_correct = 0.0
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            out = net(x[idx])
            value = loss_fn(out, y[idx])
            net.zero_grad()
            value.backward()
            if optimizer is None:
                sgd_update(net, lr=lr)
            else:
                optimizer.step()
            history.step_loss.append(value.item())
            total_loss += value.item() * len(idx)
            if LOSSES[loss]:
                total_correct += _accuracy(out.detach(), y[idx], loss) * len(idx)
        history.epoch.append(epoch)
        history.train_loss.append(total_loss / n)
        if LOSSES[loss]:
            history.train_acc.append(total_correct / n)
        if val is not None:
            val_loss, val_acc = evaluate(net, *val, loss=loss)
            history.val_loss.append(val_loss)
            if val_acc is not None:
                history.val_acc.append(val_acc)
        bar.update(history, epochs)
    bar.close()
    return history
