"""Helpers shared by the widget tests (``tests/test_widgets_*.py``): what a fuzzed explorer must never draw."""

from __future__ import annotations

import numpy as np


def assert_finite_figure(fig) -> None:
    """Every numeric array drawn by the figure is finite (no NaN/inf is ever plotted); categorical axes are
    skipped."""
    for trace in fig.data:
        for attr in ("x", "y", "z"):
            values = getattr(trace, attr, None)
            if values is not None and len(values) and not isinstance(values[0], str):
                arr = np.asarray(values, dtype=float)
                assert np.isfinite(arr).all(), f"{trace.name}.{attr} has non-finite values"
