"""Weight initialisation in PyTorch: the twin of :mod:`helpers.numpy_impl.init`.

``fan_in_and_fan_out`` and ``init_std`` are plain arithmetic on shapes and are the NumPy module's own functions;
``init_weight`` draws with an explicit ``torch.Generator``. With the same generator state it returns exactly what
``torch.nn.init.kaiming_normal_`` ("he"), ``xavier_normal_`` ("glorot") or ``normal_`` ("gaussian") would write
into an empty tensor, which the tests check.
"""

from __future__ import annotations

import torch

from ..numpy_impl.init import INIT_SCHEMES, fan_in_and_fan_out, init_std

__all__ = ["INIT_SCHEMES", "fan_in_and_fan_out", "init_std", "init_weight"]


def init_weight(shape, *, scheme="he", std=0.01, mode="fan_in", generator, dtype=None, device=None):
    """A weight of ``shape`` drawn from N(0, init_std(shape, ...)^2) with ``generator`` (on its device by default).

    ``dtype`` defaults to torch's default dtype (float32 unless changed).
    """
    sigma = init_std(shape, scheme=scheme, std=std, mode=mode)
    if not isinstance(generator, torch.Generator):
        raise TypeError("The 'generator' argument of init_weight must be a torch.Generator (no hidden randomness). "
                        f"Got {generator!r} instead.")
    device = generator.device if device is None else device
    w = torch.empty(tuple(shape), dtype=dtype, device=device)
    with torch.no_grad():
        return w.normal_(0.0, sigma, generator=generator)
