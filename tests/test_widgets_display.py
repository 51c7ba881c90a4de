"""The shared explorer plumbing of ``helpers.widgets.display``: ``redraw`` and ``wire``."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from helpers.widgets import display


class _FakeOutput:
    """Records what an ipywidgets Output is asked to do, in order."""

    def __init__(self):
        self.outputs = ("old figure",)  # set before ``events`` exists: not recorded
        self.events = []

    def clear_output(self, *, wait=False):
        self.events.append(("clear", wait))

    def __setattr__(self, name, value):
        if name == "outputs" and hasattr(self, "events"):
            self.events.append(("assign", value))
        object.__setattr__(self, name, value)

    def __enter__(self):
        self.events.append("enter")

    def __exit__(self, *exc):
        self.events.append("exit")


@pytest.fixture
def shown(monkeypatch):
    figures = []
    monkeypatch.setattr(display, "show_plotly", figures.append)
    return figures


def test_redraw_clears_then_shows_inside_the_output_and_keeps_the_figure(shown):
    out, fig = _FakeOutput(), go.Figure()

    class Box:
        pass

    box = Box()
    display.redraw(out, fig, owner=box)
    assert out.events == [("clear", True), "enter", "exit"] and shown == [fig] and box.last_figure is fig
    out = _FakeOutput()
    display.redraw(out, fig, clear="assign")
    assert out.events == [("assign", ()), "enter", "exit"] and shown == [fig, fig]
    with pytest.raises(ValueError, match="The 'clear' argument of redraw must be 'wait' or 'assign'. Got 'no'"):
        display.redraw(out, fig, clear="no")


def test_wire_draws_once_and_again_on_every_value_change():
    import ipywidgets as widgets

    a, b = widgets.IntSlider(value=1), widgets.Dropdown(options=["x", "y"], value="x")
    box, calls = widgets.VBox([a, b]), []
    assert display.wire(box, (a, b), lambda *_: calls.append((a.value, b.value))) is box
    a.value, b.value = 5, "y"
    a.description = "not a value change"
    assert calls == [(1, "x"), (5, "x"), (5, "y")]
