"""Interactive figures of the book.

Every widget family follows four layers (see CONVENTIONS): ``compute_*`` (pure NumPy/torch,
deterministic, reports failure such as divergence in its result), ``plot_*`` (arrays in, figure
out, never displays), ``*_explorer`` (thin ipywidgets wrapper; core widgets only, so it works with
ipywidgets 7.7 on Colab and 8.x locally) and ``static_*`` (a plotly figure with precomputed slider
states that stays interactive in the HTML book, where no kernel runs).

Every explorer (and the loss-curve lab) returns its ipywidgets box with the same attributes, given by
:func:`~helpers.widgets.display.wire` and :func:`~helpers.widgets.display.redraw`:

``box.controls``
    dict, name -> control widget (the names are the explorer's keywords, e.g. ``"lr"``, ``"kappa"``).
``box.set_values(**values)``
    set several controls by name with one redraw (an unknown name raises ``TypeError``).
``box.wiring``
    the :class:`~helpers.widgets.display.Wiring` that redraws once per change of the controls' state
    (``box.wiring.hold()``, ``box.wiring.refresh()``).
``box.figure``
    the last figure drawn (recorded outside a kernel too, where nothing is shown); ``None`` before the first.
``box.result``
    what that figure was computed from: the ``compute_*`` result, or a tuple of the ``plot_*`` arguments when
    there are several; ``None`` for the explorers that only show precomputed data (GAN and diffusion histories).
    An explorer that rejects its input (a receptive-field layer list it cannot parse) records the result with
    the error and keeps the last figure.

Some have more: ``.buttons`` (optimizer, momentum, loss-curve lab) and the lab's ``.run()``, ``.find_lr()``,
``.records`` and ``.range_test``.
"""

from .display import show_plotly

__all__ = ["show_plotly"]
