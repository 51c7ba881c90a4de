"""Where a training helper runs: the ``device=`` argument that every trainer of the package takes.

``device=None`` means "where the things I was given live": the device of the model (its first parameter or
buffer) or of the data, the CPU when the helper builds both itself. Models are built and randomness is drawn
on the CPU (seeded ``torch.Generator``s are CPU generators), then moved: the same seed gives the same
initial weights and batches on every device, and on the CPU nothing moves at all.
"""

from __future__ import annotations

import torch

__all__ = ["resolve_device"]


def resolve_device(device=None, *like) -> torch.device:
    """``device`` as a ``torch.device``; ``None``: the device of the first tensor or module in ``like``."""
    if device is not None:
        return torch.device(device)
    for obj in like:
        if isinstance(obj, torch.Tensor):
            return obj.device
        if isinstance(obj, torch.nn.Module):
            for t in (*obj.parameters(), *obj.buffers()):
                return t.device
    return torch.device("cpu")
