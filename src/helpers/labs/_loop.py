"""The mini-batch loop that the torch-only experiments of chapters 9, 10 and 11 share.

Each experiment supplies only what differs: how one batch's loss is computed from the batch's indices.
"""

from __future__ import annotations

import torch


def minibatch_epochs(model, opt, n: int, batch_loss, *, epochs: int, batch_size: int, generator, device,
                     scheduler=None) -> list[float]:
    """``epochs`` passes over ``n`` examples in batches of ``batch_size``, reshuffled each epoch by ``generator``
    (a CPU generator: the same order on every device); returns the mean training loss of each epoch.

    ``batch_loss(idx)`` gets the batch's indices (on ``device``) and returns its mean loss; ``scheduler``, when
    given, steps after every batch.
    """
    losses = []
    for _ in range(epochs):
        model.train()
        total = 0.0
        for idx in torch.randperm(n, generator=generator).split(batch_size):
            idx = idx.to(device)
            loss = batch_loss(idx)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if scheduler is not None:
                scheduler.step()
            total += float(loss.detach()) * len(idx)
        losses.append(total / n)
    return losses
