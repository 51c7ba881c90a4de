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


def assert_explorer_shape(box, names, *, result=True) -> None:
    """``box`` has the attributes every explorer has (see ``helpers.widgets``): ``.controls`` (the control widgets
    by ``names``, in order), ``.wiring``, ``.set_values``, ``.figure`` (drawn once already) and ``.result`` (not
    ``None`` when the explorer computes one)."""
    import ipywidgets

    from helpers.widgets.display import Wiring

    assert list(box.controls) == list(names)
    assert all(isinstance(c, ipywidgets.ValueWidget) for c in box.controls.values())
    assert isinstance(box.wiring, Wiring) and callable(box.set_values)
    assert box.figure is not None and (box.result is not None) == result
    for old in ("last_figure", "last_result", "last_state"):
        assert not hasattr(box, old), old
