"""The live explorers in a real front end (``make test-live``): JupyterLab on loopback, driven from Chromium.

One server and one browser serve the whole run; the notebooks are opened one after the other in reading order
(the tests must run in file order, without xdist). The latencies of every control change are printed at the end
of the run and written to ``_build/live/latencies.txt``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.chromium import chromium

from .explorers import live_cells
from .lab import WORK, LabServer, prepare
from .session import LATENCY_LIMIT, LiveSession

FIXTURE = Path(__file__).parent / "fixtures" / "broken_explorers.ipynb"


@pytest.fixture(scope="session")
def server():
    notebooks = sorted({c.notebook for c in live_cells()})
    lab = LabServer(prepare(notebooks, extra={FIXTURE.name: FIXTURE}))
    yield lab
    lab.stop()


@pytest.fixture(scope="session")
def browser():
    with chromium("test-live") as b:
        yield b


_SESSIONS: list[LiveSession] = []


@pytest.fixture(scope="session")
def live(browser, server):
    session = LiveSession(browser, server)
    _SESSIONS.append(session)
    yield session
    session.close()


def pytest_terminal_summary(terminalreporter):
    lines = []
    for session in _SESSIONS:
        for r in session.results:
            if r.first is None:
                continue
            changes = [m for m in r.changes if m.latency is not None]
            worst = max(changes, key=lambda m: m.latency, default=None)
            first = f"{r.first.latency:6.2f}" if r.first.latency is not None else "     —"
            lines.append(f"{r.cell.id:<62} {first} s  {len(changes):3d}  "
                         + (f"{worst.latency:5.2f} s  {worst.action}" if worst else "—"))
            lines += [f"    {m.latency:5.2f} s  (kernel {m.kernel:5.2f} s)  {m.redraws} redraw(s)  {m.action}"
                      if m.kernel is not None else f"    {m.latency:5.2f} s  {m.redraws} redraw(s)  {m.action}"
                      for m in changes]
    if not lines:
        return
    header = (f"{'explorer':<62} {'cell run':>8}  {'n':>3}  slowest control change (limit {LATENCY_LIMIT} s)\n"
              "    per change: input event → figure drawn (kernel: → the figure's message reached the browser)")
    text = "\n".join([header, *lines])
    terminalreporter.write_sep("-", "input → redraw latency per explorer")
    terminalreporter.write_line(text)
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "latencies.txt").write_text(text + "\n")
