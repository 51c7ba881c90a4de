"""One reader's session: a JupyterLab server, Chromium, the notebooks opened one after the other, and the check
of one explorer (``LiveSession.exercise``) that both the book's test and the broken-explorer proof use."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import driver
from .driver import LiveNotebook, Measurement
from .explorers import PLANS, LiveCell, Step
from .lab import ROOT

SCREENSHOTS = ROOT / "_build" / "screenshots" / "live"
#: the most a redraw may take after a control changes, input event to drawn figure (seconds)
LATENCY_LIMIT = float(os.environ.get("LIVE_LATENCY_LIMIT", "1.5"))
#: the most the cells above an explorer may take to run
RUN_TIMEOUT = 600
#: the most one redraw may take before the test gives up waiting (then reports it)
REDRAW_TIMEOUT = 20
WIDTH, HEIGHT = 1280, 900
# server log lines that report a failure (tracebacks of kernels and handlers, error-level lines)
_SERVER_PROBLEM = re.compile(r"Traceback|^\[E |\bERROR\b|Exception in|Error in", re.M)


@dataclass
class Result:
    cell: LiveCell
    first: Measurement | None = None
    changes: list[Measurement] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def slow(self, limit: float = LATENCY_LIMIT) -> list[Measurement]:
        return [m for m in self.changes if m.latency is not None and m.latency > limit]

    def failures(self, limit: float = LATENCY_LIMIT) -> list[str]:
        out = list(self.problems)
        for m in [self.first, *self.changes]:
            if m is not None:
                out += [f"{m.action}: {p}" for p in m.problems]
        out += [f"{m.action}: redrawn after {m.latency:.2f} s (limit {limit} s)" for m in self.slow(limit)]
        return out


class LiveSession:
    def __init__(self, browser, server):
        self.server = server
        self.context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
        self.context.route("**/*", self._route)
        self.browser_errors: list[str] = []
        self.notebook: LiveNotebook | None = None
        self.last_index = -1
        self.log_offset = 0
        self.results: list[Result] = []

    # -- the browser stays on the local server; its errors are recorded
    def _route(self, route):
        url = route.request.url
        if url.startswith(self.server.url) or url.startswith(("data:", "blob:")) or \
                url.startswith(self.server.url.replace("http", "ws")):
            route.continue_()
        else:
            self.browser_errors.append(f"request leaving the local server blocked: {url}")
            route.abort()

    def _watch_page(self, page) -> None:
        page.on("console", lambda m: m.type == "error" and self.browser_errors.append(f"console error: {m.text}"))
        page.on("pageerror", lambda e: self.browser_errors.append(f"page error: {e}"))
        page.on("response", lambda r: r.status >= 400 and self.browser_errors.append(f"HTTP {r.status}: {r.url}"))

    def take_browser_errors(self) -> list[str]:
        errors, self.browser_errors = self.browser_errors, []
        return errors

    def take_server_problems(self) -> list[str]:
        text = self.server.log_text()
        new, self.log_offset = text[self.log_offset:], len(text)
        return [f"server log: {line.strip()}" for line in new.splitlines() if _SERVER_PROBLEM.search(line)]

    # -- notebooks
    def goto(self, cell: LiveCell) -> list[str]:
        """Open the cell's notebook (closing the previous one and shutting its kernel down) and run the cells
        above the explorer: Run All Above for the first explorer of a notebook, Shift+Enter up to the next one."""
        name = Path(cell.notebook).name
        if self.notebook is None or self.notebook.name != name:
            self.close_notebook()
            page = self.context.new_page()
            self._watch_page(page)
            self.notebook = LiveNotebook(page, self.server.url, name)
            self.notebook.run_all_above(cell.index, timeout=RUN_TIMEOUT)
        else:
            self.notebook.run_between(self.last_index + 1, cell.index, timeout=RUN_TIMEOUT)
        self.last_index = cell.index
        return [f"cells above: {e}" for e in self.notebook.errors(0, cell.index)]

    def close_notebook(self) -> None:
        if self.notebook is not None:
            self.notebook.page.close()
            self.server.shutdown_kernels()
            self.notebook = None

    def close(self) -> None:
        self.close_notebook()
        self.context.close()

    # -- one explorer
    def exercise(self, cell: LiveCell, plan: list[Step] | None = None) -> Result:
        """Run the explorer's cell, then move each of its controls with real input events and check every redraw."""
        result = Result(cell)
        self.results.append(result)
        result.problems += self.goto(cell)
        nb, index = self.notebook, cell.index
        first_message = nb.kernel_message_count()
        result.first = nb.run_explorer(index, timeout=RUN_TIMEOUT)
        if result.first.problems and result.first.latency is None:
            result.problems += self._problems_since(first_message)
            return result
        found = nb.controls(index)
        result.problems += [f"layout at {WIDTH} px: {p}" for p in found["problems"]]
        stem = f"{Path(cell.notebook).stem}_{cell.explorer}"
        nb.screenshot(index, SCREENSHOTS / f"{stem}.png")
        plan = plan if plan is not None else PLANS.get(cell.explorer) or default_plan(found["controls"])
        moved = {(s.kind, s.label) for s in plan}
        result.problems += [f"control not exercised by the plan: {c['kind']} '{c['label']}'"
                            for c in found["controls"] if (c["kind"], c["label"]) not in moved]
        for step in plan:
            try:
                ctl = driver.control(nb, index, step.kind, step.label)
            except AssertionError as err:
                result.problems.append(str(err))
                continue
            action = {"name": ""}

            def do(step=step, ctl=ctl, action=action):
                action["name"], commit = perform(nb, ctl, step)
                return commit

            m = nb.change(index, f"{step.kind} '{step.label}'", do, step.expect, timeout=REDRAW_TIMEOUT)
            m.action += f" ({action['name']})"
            result.changes.append(m)
        nb.screenshot(index, SCREENSHOTS / f"{stem}_after.png")
        result.problems += self._problems_since(first_message)
        return result

    def _problems_since(self, first_message: int) -> list[str]:
        return ([f"kernel sent {m}" for m in self.notebook.kernel_messages(first_message)]
                + self.take_browser_errors() + self.take_server_problems())


def default_plan(controls: list[dict]) -> list[Step]:
    return [Step(c["kind"], c["label"]) for c in controls]


def perform(nb: LiveNotebook, ctl, step: Step):
    """Real input events on ``ctl`` up to the last one; returns (what was done, the last event as a function)."""
    kind, action = step.kind, step.action or ()
    if kind == "slider":
        if action and action[0] == "keys":
            return driver.press_slider(nb, ctl, action[1])
        return driver.drag_slider(nb, ctl, action[1] if action else None)
    if kind == "dropdown":
        return driver.choose(nb, ctl, action[1] if action else None)
    if kind == "multiselect":
        return driver.toggle(nb, ctl, action[1])
    if kind == "text":
        return driver.type_text(nb, ctl, action[1])
    if kind in ("button", "checkbox"):
        return driver.click(nb, ctl)
    raise ValueError(f"no way to move a {kind}")
