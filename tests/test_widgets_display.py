"""The shared explorer plumbing of ``helpers.widgets.display``: ``redraw``, ``wire`` (``Wiring``) and ``row``.

What these rules prevent was seen in a real front end (``make test-live``): figures piling up in an Output when
several updates arrive together, and a redraw for every value the front end sends back rounded to its slider grid.
"""

from __future__ import annotations

import IPython.display
import ipywidgets as widgets
import plotly.graph_objects as go
import pytest

from helpers.widgets import display


class _FakeOutput:
    """Records what an ipywidgets Output is asked to do, in order."""

    def __init__(self):
        self.events = []

    def __setattr__(self, name, value):
        if name == "outputs":
            raise AssertionError("redraw must not assign Output.outputs (the kernel may skip an equal value)")
        object.__setattr__(self, name, value)

    def __enter__(self):
        self.events.append("enter")

    def __exit__(self, *exc):
        self.events.append("exit")


class _Box:
    pass


@pytest.fixture
def kernel(monkeypatch):
    """Pretend to run in a kernel; record clear_output and show_plotly calls in the output's event list."""
    monkeypatch.setattr(display, "in_kernel", lambda: True)
    state = {"out": None}
    monkeypatch.setattr(IPython.display, "clear_output", lambda wait=False: state["out"].events.append(("clear", wait)))
    monkeypatch.setattr(display, "show_plotly", lambda fig: state["out"].events.append(("show", fig)))
    return state


def test_redraw_clears_and_shows_inside_one_capture_so_the_front_end_gets_them_in_order(kernel):
    out, fig, box = _FakeOutput(), go.Figure(), _Box()
    kernel["out"] = out
    display.redraw(out, fig, owner=box, result={"x": 1})
    assert out.events == ["enter", ("clear", True), ("show", fig), "exit"]
    assert box.figure is fig and box.result == {"x": 1}


def test_redraw_outside_a_kernel_only_keeps_the_figure_and_result():
    out, fig, box = _FakeOutput(), go.Figure(), _Box()
    display.redraw(out, fig, owner=box, result=(1, 2))
    assert out.events == [] and box.figure is fig and box.result == (1, 2)
    display.redraw(out, fig, owner=box)  # no result given: the last one stays
    assert box.result == (1, 2)


def test_wire_draws_once_and_again_on_every_value_change():
    a, b = widgets.IntSlider(value=1), widgets.Dropdown(options=["x", "y"], value="x")
    box, calls = widgets.VBox([a, b]), []
    assert display.wire(box, {"a": a, "b": b}, lambda *_: calls.append((a.value, b.value))) is box
    a.value, b.value = 5, "y"
    a.description = "not a value change"
    assert calls == [(1, "x"), (5, "x"), (5, "y")]


def test_wire_ignores_values_sent_back_rounded_and_draws_once_for_controls_set_together():
    angle = widgets.FloatSlider(value=30.0, min=0, max=90, step=5)
    beta = widgets.FloatSlider(value=0.9, min=0, max=0.99, step=0.01)
    box, calls = widgets.VBox([angle, beta]), []
    display.wire(box, dict(angle=angle, beta=beta), lambda: calls.append((angle.value, beta.value)))
    angle.value, beta.value = 29.999999999999996, 0.9000000000000001  # what the front end sends back
    assert calls == [(30.0, 0.9)]
    with box.wiring.hold():
        angle.value, beta.value = 45.0, 0.5
        assert len(calls) == 1
    assert calls == [(30.0, 0.9), (45.0, 0.5)]
    with box.wiring.hold():
        angle.value = 10.0
        angle.value = 45.0  # back where it was: no change of state, no redraw
    assert len(calls) == 2
    box.wiring.refresh()
    assert len(calls) == 3


def test_wire_gives_the_box_its_controls_and_set_values_redraws_once():
    a, b = widgets.IntSlider(value=1), widgets.IntSlider(value=2)
    box, calls = widgets.VBox([a, b]), []
    display.wire(box, dict(a=a, b=b), lambda: calls.append((a.value, b.value)))
    assert box.controls == {"a": a, "b": b} and box.figure is None and box.result is None
    box.set_values(a=5, b=6)
    assert calls == [(1, 2), (5, 6)]
    with pytest.raises(TypeError, match="unknown control"):
        box.set_values(a=7, c=1)
    assert a.value == 5 and len(calls) == 2  # nothing was set
    with pytest.raises(TypeError, match="dict of named controls"):
        display.wire(widgets.VBox(), (a, b), lambda: None)


def test_wire_watch_redraws_only_for_the_watched_controls():
    a, b = widgets.IntSlider(value=1), widgets.IntSlider(value=2)
    box, calls = widgets.VBox([a, b]), []
    display.wire(box, dict(a=a, b=b), lambda: calls.append((a.value, b.value)), watch=("b",))
    a.value = 3
    assert calls == [(1, 2)]
    box.set_values(a=4, b=5)
    assert list(box.controls) == ["a", "b"] and calls == [(1, 2), (4, 5)]


def test_state_key_rounds_floats_in_nested_values_only():
    assert display.state_key(0.1 + 0.2) == 0.3 and display.state_key((0.30000000000000004, "a", 2)) == (0.3, "a", 2)
    assert display.state_key(0.3001) != display.state_key(0.3)


def test_row_wraps_instead_of_squeezing():
    r = display.row(widgets.IntSlider(), widgets.IntSlider())
    assert isinstance(r, widgets.HBox) and r.layout.flex_flow == "row wrap" and len(r.children) == 2
