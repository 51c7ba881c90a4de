"""Helpers for the device-parametrised tests (the ``device`` argument comes from ``--device``, see conftest)."""

from __future__ import annotations

import numpy as np
import pytest
import torch


def skip_float64_on_mps(device: torch.device) -> None:
    """Apple's MPS has no float64: float64 tests skip there (the float32 ones run)."""
    if device.type == "mps":
        pytest.skip("MPS has no float64")


def to_numpy(t) -> np.ndarray:
    """A tensor on any device (or anything array-like) as a NumPy array."""
    return t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
