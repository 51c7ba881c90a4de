"""Interactive figures of the book.

Every widget family follows four layers (see CONVENTIONS): ``compute_*`` (pure NumPy/torch,
deterministic, reports failure such as divergence in its result), ``plot_*`` (arrays in, figure
out, never displays), ``*_explorer`` (thin ipywidgets wrapper; core widgets only, so it works with
ipywidgets 7.7 on Colab and 8.x locally) and ``static_*`` (a plotly figure with precomputed slider
states that stays interactive in the HTML book, where no kernel runs).
"""

from .display import show_plotly

__all__ = ["show_plotly"]
