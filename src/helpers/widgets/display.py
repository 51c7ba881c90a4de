"""Showing plotly figures so that they work in Jupyter, on Colab and in the static HTML book."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from contextlib import contextmanager


def figure_id(fig) -> str:
    """A div id derived from the figure's content, so stored outputs do not change between runs."""
    figure = fig if isinstance(fig, dict) else fig.to_plotly_json()
    digest = hashlib.sha1(json.dumps(figure, sort_keys=True, default=str).encode()).hexdigest()
    return f"plotly-{digest[:12]}"


#: significant digits kept in a stored figure: plenty for a plot, and far above the last-bit noise of float kernels
FIGURE_DIGITS = 4
#: ``layout.meta`` key that marks a figure of machine-dependent (trained, sampled) data; see :func:`show_plotly`
MEASURED_META = "dlbook_measured"


def round_figure(figure: dict, digits: int = FIGURE_DIGITS) -> dict:
    """A copy of a plotly figure dict with every float rounded to ``digits`` significant digits.

    Works on plotly's JSON form, including its typed arrays (``{"dtype": "f8", "bdata": ...}``). Rounding goes
    through decimal formatting, which is exact and identical on every machine. The theme (``layout.template``)
    is left alone.
    """
    import numpy as np

    def round_float(x: float) -> float:
        return float(format(x, f".{digits}g"))

    def walk(node, key=None):
        if key == "template":
            return node
        if isinstance(node, float):
            return round_float(node)
        if isinstance(node, list):
            return [walk(v) for v in node]
        if isinstance(node, dict):
            if "bdata" in node and str(node.get("dtype", "")).startswith("f"):
                arr = np.frombuffer(base64.b64decode(node["bdata"]), dtype=node["dtype"]).astype(np.float64)
                rounded = np.array([round_float(v) for v in arr.tolist()], dtype=np.float64)
                out = dict(node, dtype="f8", bdata=base64.b64encode(rounded.tobytes()).decode("ascii"))
                return out
            return {k: walk(v, k) for k, v in node.items()}
        return node

    return walk(figure)


def show_plotly(fig, *, height: int | None = None, measured: bool = False) -> None:
    """Display a plotly figure.

    Outside Colab the output carries two representations: plotly's JSON (rendered natively by
    JupyterLab/Notebook 7) and an HTML ``div`` that draws with the page's own plotly.js (the HTML
    book loads one vendored copy per page instead of inlining 4.8 MB per figure). Colab gets its own
    renderer, which brings plotly.js with it.

    Stored figures are portable: floats are rounded to :data:`FIGURE_DIGITS` significant digits. A figure of
    trained or sampled data (``measured=True``) differs between machines in more than its last digits; it
    is marked in ``layout.meta`` and the notebook tests compare only its structure (traces, names, sizes),
    so the cell that shows it must assert the numbers it plots with :func:`helpers.expect`.
    """
    from plotly.basedatatypes import BaseFigure

    if not isinstance(fig, BaseFigure):
        raise TypeError(f"show_plotly expects a plotly figure. Got {type(fig).__name__} instead.")
    if height is not None:
        fig.update_layout(height=height)
    if measured:
        fig.update_layout(meta={MEASURED_META: True})
    from helpers import on_colab

    if on_colab():
        fig.show(renderer="colab")
        return
    import plotly.io as pio
    from IPython.display import display

    figure = round_figure(json.loads(fig.to_json()))
    html = pio.to_html(
        figure, validate=False,
        full_html=False, include_plotlyjs=False, div_id=figure_id(figure),
        default_height=f"{fig.layout.height or 480}px", default_width="100%",
        config={"responsive": True, "displaylogo": False},
    )
    bundle = {
        "application/vnd.plotly.v1+json": figure,
        "text/html": html,
        "text/plain": f"<plotly figure: {fig.layout.title.text or 'untitled'}>",
    }
    display(bundle, raw=True)


def fill_subplots(fig, placed, title: str):
    """Add each ``(trace, row, col)`` of ``placed`` to that subplot of ``fig``, set ``title``; return ``fig``. The
    body of the ``plot_*`` functions whose traces and title come from a widget's ``_traces`` and ``_title``."""
    for trace, row, col in placed:
        fig.add_trace(trace, row=row, col=col)
    fig.update_layout(title={"text": title})
    return fig


def in_kernel() -> bool:
    """Whether this code runs in a Jupyter kernel (where an ``Output`` widget can show anything)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def redraw(out, fig, *, owner=None, result=None) -> None:
    """Show ``fig`` in the ipywidgets ``Output`` ``out`` instead of what it showed before.

    The clear and the new figure both go through the output capture (``with out``), so the front end receives them
    in order and shows exactly one figure however many updates arrive together. (Emptying ``out.outputs`` from the
    kernel instead is a trait change the kernel skips when its copy is already empty while the front end still
    shows a figure: figures then pile up.) ``owner`` (the explorer's box) keeps the figure as ``owner.figure`` and,
    when given, ``result`` (what the figure was computed from) as ``owner.result``, for tests and for readers who
    want to inspect them. Outside a kernel (tests, scripts) nothing is drawn, but ``owner`` still records both.
    """
    if owner is not None:
        owner.figure = fig
        if result is not None:
            owner.result = result
    if not in_kernel():
        return
    from IPython.display import clear_output

    with out:
        clear_output(wait=True)  # takes effect when the new figure arrives: no flicker
        show_plotly(fig)


def state_key(value):
    """A control's value as the explorer compares it: floats to 12 significant digits, so that a value the front
    end sends back after rounding it to its slider grid (30 → 29.999999999999996) is the same state."""
    if isinstance(value, float):
        return float(f"{value:.12g}")
    if isinstance(value, (tuple, list)):
        return tuple(state_key(v) for v in value)
    return value


class Wiring:
    """Calls ``update()`` once per change of the controls' *state*: not for echoes (a value sent back unchanged or
    rounded), and once for several controls set together inside ``with wiring.hold():``."""

    def __init__(self, controls, update):
        self.controls, self.update = tuple(controls), update
        self.drawn, self.held = None, 0

    def state(self) -> tuple:
        return tuple(state_key(c.value) for c in self.controls)

    def changed(self, _change=None) -> None:
        if self.held:
            return
        state = self.state()
        if state == self.drawn:
            return
        self.drawn = state
        self.update()

    def refresh(self) -> None:
        """Draw again now, even if no control changed (e.g. after something outside the controls changed)."""
        self.drawn = self.state()
        self.update()

    @contextmanager
    def hold(self):
        """Change several controls; draw once at the end (if the state changed)."""
        self.held += 1
        try:
            yield self
        finally:
            self.held -= 1
            if not self.held:
                self.changed()


    @contextmanager
    def quiet(self):
        """Change controls from inside ``update()`` (e.g. a slider's range, which may move its value) without
        starting another update: the state after the block counts as drawn."""
        self.held += 1
        try:
            yield self
        finally:
            self.held -= 1
            self.drawn = self.state()


def wire(box, controls, update, *, watch=None):
    """Give the explorer ``box`` its common attributes, call ``update()`` whenever the state of the controls changes
    (see :class:`Wiring`), draw once now and return ``box``.

    ``controls`` is a dict, name -> control widget. ``box`` gets ``box.controls`` (that dict), ``box.wiring``,
    ``box.set_values(**values)`` (set several controls by name, with one redraw), and ``box.figure`` and
    ``box.result`` (``None`` until :func:`redraw` records the first). ``watch`` names the controls whose changes
    call ``update()`` (default: all); the others are only read when the explorer acts (e.g. on a button).
    """
    if not isinstance(controls, Mapping):
        raise TypeError(f"wire expects a dict of named controls. Got {type(controls).__name__} instead.")
    controls = dict(controls)
    watched = controls if watch is None else {name: controls[name] for name in watch}
    wiring = Wiring(watched.values(), update)
    for control in wiring.controls:
        control.observe(wiring.changed, names="value")
    box.controls, box.wiring, box.figure, box.result = controls, wiring, None, None
    box.set_values = _value_setter(box)
    wiring.refresh()
    return box


def _value_setter(box):
    def set_values(**values) -> None:
        """Set several controls by name (``box.controls``), with one redraw at the end."""
        unknown = sorted(set(values) - set(box.controls))
        if unknown:
            raise TypeError(f"set_values got unknown control(s) {unknown}. The controls are {list(box.controls)}.")
        with box.wiring.hold():
            for name, value in values.items():
                box.controls[name].value = value

    return set_values


def row(*children, **layout):
    """An ``HBox`` of controls that wraps onto the next line when the output is too narrow, instead of squeezing
    (and clipping) them."""
    import ipywidgets as widgets

    return widgets.HBox(list(children), layout=widgets.Layout(flex_flow="row wrap", **layout))
