"""What the live test does with each explorer: the `live-widget` cells of the book and, per explorer, the order in
which its controls are moved.

Every control an explorer shows must be moved at least once (the test fails on a control it does not know). An
explorer without an entry in ``PLANS`` gets the default plan: every control in the order shown, each moved once by
its default action (sliders dragged by a quarter of the track, dropdowns to the next option, buttons clicked),
each expected to redraw the figure. A plan lists the exceptions: controls that only matter in some state
(the custom formula only draws on the "custom" surface) come after the control that selects that state.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
LIVE_TAG = "live-widget"


@dataclass(frozen=True)
class Step:
    """Move the ``kind`` control labelled ``label``; ``action`` is ``None`` (the default for the kind),
    ``("drag", fraction)``, ``("keys", n)``, ``("option", text)``, ``("toggle", option)`` or ``("type", text)``;
    ``expect`` is ``"redraw"`` (one new figure, different), ``"animate"`` (several redraws, e.g. training
    progress) or ``"none"`` (the control takes effect later, e.g. on "train")."""

    kind: str
    label: str
    action: tuple | None = None
    expect: str = "redraw"


@dataclass(frozen=True)
class LiveCell:
    notebook: str  # e.g. "book/05_optimization.ipynb"
    index: int  # cell index in the notebook
    explorer: str  # the function the cell calls

    @property
    def id(self) -> str:
        return f"{Path(self.notebook).stem}:c{self.index}:{self.explorer}"


S, D, B = "slider", "dropdown", "button"
PLANS: dict[str, list[Step]] = {
    # momentum_explorer (chapter 5) takes the default plan: its four sliders, then "best α for this β" and
    # "optimal α*, β*", each a redraw.
    # Kappa and angle only shape the quadratic; the formula only draws on "custom", so the surface goes last.
    "optimizer_explorer": [
        Step(S, "κ (quadratic)"), Step(S, "angle (°)"), Step(S, "learning rate α"), Step(S, "β / β₁"),
        Step(S, "β₂", ("drag", -0.4)), Step(S, "start x"), Step(S, "start y"), Step(S, "steps"),
        Step(S, "gradient noise σ"), Step(S, "Newton damping λ"), Step("multiselect", "optimizers", ("toggle", "RMSProp")),
        Step("checkbox", "each optimizer at its tuned α"),  # the α slider waits while it is on: the buttons clear it
        Step(B, "optimal α for GD"), Step(B, "optimal α, β (momentum)"),
        Step(D, "surface", ("option", "custom")), Step("text", "custom f(x, y)", ("type", "x^2 + 3*y^2 + sin(2*x)")),
    ],
    # Batch norm ignores the sample, layer norm the channel, and the group count matters for group norm only.
    "normalization_axes_explorer": [
        Step(D, "norm", ("option", "group")), Step(D, "groups G"), Step(S, "sample n"), Step(S, "channel c"),
        Step(D, "norm", ("option", "batch")),
    ],
    # The layer list is read for the "custom" network only; a new network trains for a few seconds first.
    "receptive_field_lab_explorer": [
        Step(S, "layer"), Step(S, "unit row"), Step(S, "unit col"), Step(D, "network"),
        Step(D, "network", ("option", "custom")), Step("text", "layers", ("type", "conv3s2p1 conv3p2d2 up2 conv3p1")),
    ],
    "receptive_field_explorer": [
        Step(S, "layer"), Step(S, "unit row"), Step(S, "unit col"), Step(D, "network"),
        Step(D, "network", ("option", "custom")), Step("text", "layers", ("type", "conv3p1 pool2 conv3p1 conv3p2d2")),
    ],
    # The lab trains only on "train": every other control takes effect in the next run, but smoothing redraws at
    # once. Small moves keep the run short; the range test trains at both suggestions and draws them, "forget
    # earlier" empties the history.
    "loss_curve_lab": [
        Step(S, "learning rate", ("keys", 1), "none"), Step(D, "schedule", None, "none"),
        Step(D, "optimizer", None, "none"), Step(D, "batch size", None, "none"),
        Step(D, "hidden width", ("option", "16"), "none"), Step(S, "hidden layers", ("keys", 1), "none"),
        Step(D, "weight decay", None, "none"), Step(S, "dropout p", ("keys", 1), "none"),
        Step(S, "label noise", ("keys", 1), "none"), Step(S, "training size", ("keys", -1), "none"),
        Step(S, "epochs", ("keys", -10), "none"), Step(S, "seed", ("keys", 1), "none"),
        # redraws the latest run at once (an EMA); one key press is one state change, so exactly one redraw
        # (ten presses are ten changes: the lab coalesces them, but into more than one redraw)
        Step(S, "smoothing β", ("keys", -1)),
        Step(B, "train", None, "animate"), Step(B, "LR range test → run both"),
        Step(B, "forget earlier", None, "none"), Step(B, "train", None, "animate"),
    ],
}

_CALL = re.compile(r"\b(\w+_explorer|loss_curve_lab)\s*\(")


def live_cells(notebooks=None) -> list[LiveCell]:
    """The `live-widget` cells of ``notebooks`` (default: the book's table of contents), in reading order."""
    if notebooks is None:
        sys.path.insert(0, str(ROOT))
        from tools.toc import toc_notebooks

        notebooks = [str(p) for p in toc_notebooks(ROOT / "_toc.yml")]
    cells = []
    for notebook in notebooks:
        nb = nbformat.read(ROOT / notebook, as_version=4)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and LIVE_TAG in cell.metadata.get("tags", []):
                match = _CALL.search(cell.source)
                cells.append(LiveCell(notebook, i, match.group(1) if match else "unknown"))
    return cells
