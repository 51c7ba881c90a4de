"""Showing plotly figures so that they work in Jupyter, on Colab and in the static HTML book."""

from __future__ import annotations

import hashlib
import json


def figure_id(fig) -> str:
    """A div id derived from the figure's content, so stored outputs do not change between runs."""
    digest = hashlib.sha1(json.dumps(fig.to_plotly_json(), sort_keys=True, default=str).encode()).hexdigest()
    return f"plotly-{digest[:12]}"


def show_plotly(fig, *, height: int | None = None) -> None:
    """Display a plotly figure.

    Outside Colab the output carries two representations: plotly's JSON (rendered natively by
    JupyterLab/Notebook 7) and an HTML ``div`` that draws with the page's own plotly.js (the HTML
    book loads one vendored copy per page instead of inlining 4.8 MB per figure). Colab gets its own
    renderer, which brings plotly.js with it.
    """
    from plotly.basedatatypes import BaseFigure

    if not isinstance(fig, BaseFigure):
        raise TypeError(f"show_plotly expects a plotly figure. Got {type(fig).__name__} instead.")
    if height is not None:
        fig.update_layout(height=height)
    from helpers import on_colab

    if on_colab():
        fig.show(renderer="colab")
        return
    from IPython.display import display

    html = fig.to_html(
        full_html=False, include_plotlyjs=False, div_id=figure_id(fig),
        default_height=f"{fig.layout.height or 480}px", default_width="100%",
        config={"responsive": True, "displaylogo": False},
    )
    bundle = {
        "application/vnd.plotly.v1+json": json.loads(fig.to_json()),
        "text/html": html,
        "text/plain": f"<plotly figure: {fig.layout.title.text or 'untitled'}>",
    }
    display(bundle, raw=True)


def in_kernel() -> bool:
    """Whether this code runs in a Jupyter kernel (where an ``Output`` widget can show anything)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def redraw(out, fig, *, owner=None, clear: str = "wait") -> None:
    """Show ``fig`` in the ipywidgets ``Output`` ``out`` instead of what it showed before.

    ``owner`` (usually the explorer's box) keeps the figure as ``owner.last_figure``, for tests and for readers
    who want to inspect it. ``clear="wait"`` clears when the new figure arrives (no flicker); ``clear="assign"``
    empties ``out.outputs`` directly (the explorers driven by ``interactive_output`` do this, since
    ``clear_output(wait=True)`` can stall notebook runners there).
    """
    if owner is not None:
        owner.last_figure = fig
    if clear == "assign":
        out.outputs = ()
    elif clear == "wait":
        out.clear_output(wait=True)
    else:
        raise ValueError(f"The 'clear' argument of redraw must be 'wait' or 'assign'. Got {clear!r} instead.")
    with out:
        show_plotly(fig)


def wire(box, controls, update):
    """Call ``update()`` whenever the value of one of ``controls`` changes, draw once now and return ``box``."""
    for control in controls:
        control.observe(update, names="value")
    update()
    return box
