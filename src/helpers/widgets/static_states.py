"""Several controls over precomputed states in one plotly figure: interactive in the HTML book without a kernel.

A static widget shows one *state* (one value per control) out of a precomputed set. The figure holds a fixed set
of traces; every state is a ``render(state)`` that says what those traces show (their ``x``, ``y``, ``name`` ...)
and what the layout says (title, annotations). Each menu button and slider step carries its state's data and
writes it into the traces (plotly's ``update`` method), so the page holds no hidden copy per state and stays fast.

Plotly's controls cannot read each other: a button only knows what it was built with. The controls are therefore
*ordered*: choosing a value keeps the controls before it (they built the button) and resets the controls after it
to their defaults (the button rewrites their options, which depend on what was chosen). Put the coarse choice
first (the surface, the data set) and the fine one last (the learning-rate slider). The options of a control may
depend on the values before it (the quadratic has a κ, Rosenbrock has none); a menu with a single option is hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Control", "states_figure", "rounded", "ControlState"]

ControlState = tuple  # one option index per control


@dataclass(frozen=True)
class Control:
    """A menu (``kind="menu"``, a dropdown) or a slider (``kind="slider"``) of a static widget.

    ``options(prefix)`` gives the option labels once the controls before this one have the values ``prefix``
    (a tuple of indices); a plain sequence means the same options everywhere. ``default(prefix)`` (or an int)
    is the option shown after an earlier control changed. ``style`` is merged into plotly's menu/slider dict
    (position, ``currentvalue`` prefix, ...).
    """

    name: str
    options: Sequence[str] | Callable[[tuple], Sequence[str]]
    default: int | Callable[[tuple], int] = 0
    kind: str = "menu"
    style: dict = field(default_factory=dict)

    def labels(self, prefix: tuple) -> list[str]:
        return list(self.options(prefix) if callable(self.options) else self.options)

    def default_for(self, prefix: tuple) -> int:
        return int(self.default(prefix) if callable(self.default) else self.default)


def rounded(values, digits: int = 4) -> list:
    """A plain list of floats rounded to ``digits`` significant digits (small JSON; portable figures)."""
    return [float(f"{v:.{digits}g}") for v in np.asarray(values, dtype=np.float64).ravel().tolist()]


def states_figure(fig, controls: Sequence[Control], render: Callable, *, default: tuple | None = None,
                  levels: Sequence[int] | None = None):
    """Make ``fig`` switch between the states of ``controls``; returns ``fig``.

    ``render(state)`` returns ``(traces, layout)``: ``traces`` a list with one dict of attributes per trace of
    ``fig`` (``None`` for an attribute a trace lacks), ``layout`` a dict of layout updates (``"title.text"`` ...).
    ``levels[i]`` is the last control whose value changes trace i (default: the last control, i.e. every control
    changes it); a control only rewrites the traces that depend on it, so data that only the first menu changes
    (a contour, a rate plane) is stored once per option of that menu. ``default`` is the opening state (default:
    every control's default).
    """
    controls = list(controls)
    n_traces = len(fig.data)
    levels = [len(controls) - 1] * n_traces if levels is None else list(levels)
    if len(levels) != n_traces:
        raise ValueError(f"states_figure: 'levels' needs one entry per trace ({n_traces}). Got {len(levels)}.")
    cache: dict[tuple, tuple] = {}

    def complete(prefix: tuple) -> tuple:
        state = tuple(prefix)
        while len(state) < len(controls):
            state += (controls[len(state)].default_for(state),)
        return state

    def rendered(state):
        if state not in cache:
            traces, layout = render(state)
            if len(traces) != n_traces:
                raise ValueError(f"render{state} returned {len(traces)} traces; the figure has {n_traces}.")
            cache[state] = (traces, dict(layout))
        return cache[state]

    def path(j):
        c = controls[j]
        index = sum(1 for k in controls[:j] if k.kind == c.kind)
        return f"{'updatemenus' if c.kind == 'menu' else 'sliders'}[{index}]"

    def entries(level: int, prefix: tuple) -> list[dict]:
        """The buttons (or steps) of control ``level`` when the controls before it have the values ``prefix``."""
        out = []
        for v, label in enumerate(controls[level].labels(prefix)):
            state = complete(prefix + (v,))
            traces, layout = rendered(state)
            idx = [i for i in range(n_traces) if level <= levels[i]]
            keys = sorted({k for i in idx for k in traces[i]})
            data = {k: [traces[i].get(k) for i in idx] for k in keys}
            layout = dict(layout)
            for j in range(level + 1, len(controls)):
                layout.update(menu_layout(j, state))
            item = dict(label=label, method="update", args=[data, layout, idx])
            out.append(item)
        return out

    def menu_layout(j: int, state: tuple) -> dict:
        p, c = path(j), controls[j]
        items = entries(j, state[:j])
        out = {f"{p}.{'buttons' if c.kind == 'menu' else 'steps'}": items, f"{p}.active": state[j]}
        if c.kind == "menu":
            out[f"{p}.visible"] = len(items) > 1
        return out

    state = complete(()) if default is None else tuple(default)
    traces, layout = rendered(state)
    for trace, attrs in zip(fig.data, traces):
        trace.update({k: v for k, v in attrs.items() if v is not None})
    menus, sliders = [], []
    for j, c in enumerate(controls):
        items = entries(j, state[:j])
        if c.kind == "menu":
            menus.append(dict(buttons=items, active=state[j], direction="down", showactive=True,
                              visible=len(items) > 1, **c.style))
        else:
            sliders.append(dict(steps=items, active=state[j], **c.style))
    fig.update_layout(updatemenus=menus, sliders=sliders)
    fig.update_layout({k: v for k, v in layout.items()})
    fig._dlbook_states = len(cache)  # how many states were precomputed (for the tests and the page-weight note)
    return fig
