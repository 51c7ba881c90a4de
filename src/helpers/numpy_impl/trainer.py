"""A minimal minibatch training loop for the NumPy networks of :mod:`helpers.numpy_impl.nets`.

One update step is written out in full: forward through the net, the loss and its gradient, backward
through the net, then the parameter update (plain SGD, or any optimizer of :mod:`helpers.numpy_impl.optim`).
Its twin :mod:`helpers.torch_impl.trainer` does the same with autograd and ``torch.nn.functional`` losses;
``tests/test_training_parity.py`` checks that both produce the same loss curve.
"""

from __future__ import annotations

import numpy as np

from ..core._validation import check_real, check_train_call
from ..core.training import LOSSES, History, ProgressLine
from .losses import (
    binary_cross_entropy_with_logits_backward,
    binary_cross_entropy_with_logits_forward,
    mse_loss_backward,
    mse_loss_forward,
    softmax_cross_entropy_backward,
    softmax_cross_entropy_forward,
)
from .nets import Module

__all__ = ["sgd_update", "loss_and_accuracy", "evaluate", "train"]

_LOSS_PAIRS = {
    "cross_entropy": (softmax_cross_entropy_forward, softmax_cross_entropy_backward),
    "binary_cross_entropy_with_logits": (binary_cross_entropy_with_logits_forward,
                                         binary_cross_entropy_with_logits_backward),
    "mse": (mse_loss_forward, mse_loss_backward),
}


def sgd_update(net: Module, *, lr: float) -> None:
    """Plain gradient descent, in place on the net's own arrays: ``p <- p - lr * dL/dp``."""
    check_real(lr, "lr", "sgd_update", low=0.0, low_open=True)
    for p, g in zip(net.parameters(), net.gradients(), strict=True):
        p -= lr * g


def _accuracy(out, y, loss: str) -> float:
    if loss == "cross_entropy":
        return float(np.mean(out.argmax(axis=1) == y))
    return float(np.mean((out > 0) == (y > 0.5)))  # a logit > 0 means probability > 1/2


def loss_and_accuracy(out, y, *, loss: str = "cross_entropy"):
    """The mean loss of the outputs ``out`` against targets ``y`` and the accuracy (None for regression)."""
    value, _ = _LOSS_PAIRS[loss][0](out, y)
    return float(value), (_accuracy(out, y, loss) if LOSSES[loss] else None)


def evaluate(net: Module, x, y, *, loss: str = "cross_entropy"):
    """Loss and accuracy of ``net`` on ``(x, y)`` in evaluation mode (dropout off); the mode is restored."""
    mode = net.training
    out = net.eval().forward(x)
    net.train(mode)
    return loss_and_accuracy(out, y, loss=loss)


def train(net: Module, x, y, *, loss: str = "cross_entropy", epochs: int = 10, batch_size: int | None = None,
          lr: float = 0.1, optimizer=None, rng=None, val=None, progress: bool = False) -> History:
    """Train ``net`` on ``(x, y)`` and return the :class:`~helpers.core.training.History` of its metrics.

    ``batch_size=None`` uses the full batch. ``rng`` (a ``np.random.Generator``) reshuffles the examples
    every epoch; ``None`` keeps their order. Without ``optimizer`` the update is plain SGD with ``lr``;
    an optimizer of :mod:`helpers.numpy_impl.optim` built on ``net.parameters()`` is used instead when given.
    ``val=(x_val, y_val)`` adds validation metrics after every epoch.
    """
    n = check_train_call(net, x, y, net_type=Module, shuffle=("rng", rng, np.random.Generator), loss=loss,
                         epochs=epochs, batch_size=batch_size, lr=lr, val=val)
    loss_forward, loss_backward = _LOSS_PAIRS[loss]
    batch_size = n if batch_size is None else batch_size
    history, bar = History(), ProgressLine(progress)
    for epoch in range(1, epochs + 1):
        net.train()
        order = rng.permutation(n) if rng is not None else np.arange(n)
        total_loss = total_correct = 0.0
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            out = net.forward(x[idx])
            value, cache = loss_forward(out, y[idx])
            (dout,) = loss_backward(1.0, cache)  # dL/d(out)
            net.backward(dout)
            if optimizer is None:
                sgd_update(net, lr=lr)
            else:
                for p, new in zip(net.parameters(), optimizer.step(net.gradients()), strict=True):
                    p[...] = new  # the NumPy optimizers return new arrays; the net keeps its own
            history.step_loss.append(float(value))
            total_loss += float(value) * len(idx)
            if LOSSES[loss]:
                total_correct += _accuracy(out, y[idx], loss) * len(idx)
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
