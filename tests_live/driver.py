"""Driving a notebook in JupyterLab like a reader: menu and keyboard to run cells, mouse and keyboard on the controls.

Only what a reader does changes anything: cells run through the Run menu and Shift/Ctrl+Enter, controls move
through mouse drags, clicks and key presses. JavaScript is used only to *observe*: the kernel's status and the
cells' outputs (``window.jupyterapp``, exposed by the server's ``expose_app_in_browser``) and the DOM of the
explorer (figures, geometry of the controls).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from playwright.sync_api import TimeoutError as PlaywrightTimeout

# ---------------------------------------------------------------------------------------------- observers (JS)
_PANEL = "(window.jupyterapp && window.jupyterapp.shell.currentWidget)"

KERNEL_STATUS = f"""() => {{
    const w = {_PANEL};
    const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
    return k ? k.status : 'none';
}}"""

# code cells above `index` that have not run yet (no execution count) or are queued/running ('*' prompt)
PENDING_ABOVE = f"""(index) => {{
    const nb = {_PANEL}.content;
    const pending = [];
    for (let i = 0; i < index; i++) {{
        const cell = nb.widgets[i];
        if (cell.model.type !== 'code') continue;
        const prompt = cell.node.querySelector('.jp-InputPrompt').innerText;
        if (cell.model.executionCount === null || prompt.includes('*')) pending.push(i);
    }}
    return pending;
}}"""

# error outputs of cells in [start, stop): the cells' own outputs as the notebook model holds them
CELL_ERRORS = f"""([start, stop]) => {{
    const nb = {_PANEL}.content, found = [];
    for (let i = start; i < Math.min(stop, nb.widgets.length); i++) {{
        const cell = nb.widgets[i];
        if (cell.model.type !== 'code') continue;
        for (const out of cell.model.outputs.toJSON()) {{
            if (out.output_type === 'error') found.push(`cell ${{i}}: ${{out.ename}}: ${{out.evalue}}`);
        }}
    }}
    return found;
}}"""

ACTIVE_CELL = f"() => {_PANEL}.content.activeCellIndex"

# NEW_FIGURE as a wait condition: the probe once a new figure is drawn, or once the kernel, idle again, has sent an
# error or stderr (message count above `messages`); false (keep waiting) otherwise.
WAIT_DRAWN = f"""([index, messages]) => {{
    const probe = (__NEW_FIGURE__)(index);
    if (probe.drawn) return probe;
    const w = {_PANEL}, k = w.sessionContext.session && w.sessionContext.session.kernel;
    if (probe.problem || (window.__liveIopub.length > messages && k && k.status === 'idle')) return probe;
    return false;
}}"""

# Record every error and stderr message the kernel sends, whatever the front end does with it (a widget callback
# that raises outside an Output widget goes to JupyterLab's log console, which a reader rarely opens).
LISTEN_IOPUB = f"""() => {{
    window.__liveIopub = [];
    {_PANEL}.sessionContext.iopubMessage.connect((_, msg) => {{
        const c = msg.content, t = msg.header.msg_type;
        if ((t === 'display_data' || t === 'update_display_data') && c.data && c.data['application/vnd.plotly.v1+json'])
            window.__liveDisplayAt = window.__liveDisplayAt || performance.now();
        if (t === 'error') window.__liveIopub.push(`${{c.ename}}: ${{c.evalue}}`);
        else if (t === 'stream' && c.name === 'stderr') window.__liveIopub.push(`stderr: ${{c.text.slice(0, 2000)}}`);
    }});
}}"""
IOPUB_SINCE = "(n) => window.__liveIopub.slice(n)"
IOPUB_COUNT = "() => window.__liveIopub.length"

# Start counting figures added to the output of cell `index` (a redraw adds one rendered plotly figure).
WATCH = """(index) => {
    const cell = document.querySelectorAll('.jp-Notebook .jp-Cell')[index];
    const area = cell.querySelector('.jp-Cell-outputWrapper') || cell;
    if (window.__liveWatch) window.__liveWatch.observer.disconnect();
    const watch = {added: 0, last: performance.now(), observer: null};
    watch.observer = new MutationObserver(records => {
        watch.last = performance.now();
        for (const r of records) for (const n of r.addedNodes) {
            if (n.nodeType !== 1) continue;
            if (n.matches('.jp-RenderedPlotly')) watch.added += 1;
            watch.added += n.querySelectorAll('.jp-RenderedPlotly').length;
        }
    });
    watch.observer.observe(area, {childList: true, subtree: true});
    for (const gd of cell.querySelectorAll('.jp-RenderedPlotly')) gd.__liveOld = true;
    window.__liveWatch = watch;
    window.__liveDisplayAt = null;
    return performance.now();
}"""

# Cheap enough to poll while the browser draws: is there a figure, not there at WATCH time, that plotly finished?
NEW_FIGURE = """(index) => {
    const cell = document.querySelectorAll('.jp-Notebook .jp-Cell')[index];
    const done = gd => gd._fullLayout && gd.querySelector('.main-svg .infolayer') && !(gd._promises && gd._promises.length);
    const fresh = Array.from(cell.querySelectorAll('.jp-OutputArea-output .jp-RenderedPlotly')).filter(gd => !gd.__liveOld);
    const stderr = cell.querySelector('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]');
    return {drawn: fresh.length > 0 && fresh.every(done), now: performance.now(), displayAt: window.__liveDisplayAt,
            problem: !!stderr};
}"""
WAIT_DRAWN = WAIT_DRAWN.replace("__NEW_FIGURE__", NEW_FIGURE)

# The explorer's state as the reader sees it: figures in the cell output, whether they are drawn, a signature of
# what they show, stderr/error text in the output, and how many figures were added since WATCH.
PROBE = """(index) => {
    const cell = document.querySelectorAll('.jp-Notebook .jp-Cell')[index];
    const figs = Array.from(cell.querySelectorAll('.jp-OutputArea-output .jp-RenderedPlotly'));
    let h = 2166136261;
    const hash = s => { for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 16777619); } };
    for (const gd of figs) {
        try { hash(JSON.stringify([gd.data, gd.layout && gd.layout.title, gd.layout && gd.layout.annotations])); }
        catch (e) { hash(String(e)); }
    }
    const problems = Array.from(cell.querySelectorAll(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"], .jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]'))
        .map(e => e.innerText.slice(0, 2000));
    const text = cell.querySelector('.jp-Cell-outputWrapper') ? cell.querySelector('.jp-Cell-outputWrapper').innerText : '';
    if (/Traceback \\(most recent call last\\)/.test(text) && !problems.length) problems.push(text.slice(0, 2000));
    const w = window.__liveWatch;
    return {figures: figs.length, drawn: figs.filter(g => g._fullLayout && g.querySelector('.main-svg')).length,
            signature: (h >>> 0).toString(16) + ':' + figs.length, problems: problems,
            added: w ? w.added : 0, quietMs: w ? performance.now() - w.last : 1e9,
            widget: !!cell.querySelector('.jp-OutputArea-output .jupyter-widgets')};
}"""

# Every control of the explorer in cell `index`, in DOM order: kind, label, and geometry problems at this width.
CONTROLS = """(index) => {
    const cell = document.querySelectorAll('.jp-Notebook .jp-Cell')[index];
    const root = cell.querySelector('.jp-OutputArea-output .jupyter-widgets');
    if (!root) return {controls: [], problems: ['no widget in the output']};
    const area = cell.querySelector('.jp-OutputArea-output');
    const kinds = [['widget-slider', 'slider'], ['widget-dropdown', 'dropdown'], ['widget-select-multiple', 'multiselect'],
                   ['widget-text', 'text'], ['widget-textarea', 'text'], ['widget-checkbox', 'checkbox'],
                   ['widget-toggle-buttons', 'toggle'], ['widget-button', 'button'], ['widget-radio', 'radio']];
    const controls = [], problems = [];
    const visible = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
                           return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
    const clippers = e => { const out = []; for (let a = e.parentElement; a && a !== area.parentElement; a = a.parentElement) {
        const s = getComputedStyle(a); if (s.overflowX !== 'visible' || s.overflowY !== 'visible') out.push(a); } return out; };
    const inside = (r, b) => r.left >= b.left - 1 && r.right <= b.right + 1 && r.top >= b.top - 1 && r.bottom <= b.bottom + 1;
    for (const el of root.querySelectorAll('.widget-inline-hbox, .widget-button, .widget-select-multiple')) {
        const kind = (kinds.find(([c]) => el.classList.contains(c)) || [null, null])[1];
        if (!kind || (kind === 'button' && el.closest('.widget-toggle-buttons'))) continue;
        el.scrollIntoView({block: 'center', inline: 'nearest'});  // hit tests need it on screen
        const labelEl = kind === 'button' ? el  // a checkbox's description is beside the box, its label is empty
            : kind === 'checkbox' ? el.querySelector('.widget-label-basic > span') : el.querySelector(':scope > .widget-label');
        const label = (labelEl ? (labelEl.innerText || labelEl.textContent) : '').trim();
        const name = `${kind} '${label}'`;
        const parts = [['label', labelEl], ['readout', el.querySelector('.widget-readout')],
                       ['handle', el.querySelector('.noUi-handle, .ui-slider-handle')],
                       ['track', el.querySelector('.noUi-base, .slider-container')],
                       ['input', el.querySelector('select, input, textarea')]];
        for (const [part, p] of parts) {
            if (!p || !visible(p)) {
                if (p && part !== 'label') problems.push(`${name}: ${part} not visible`);
                continue;
            }
            const r = p.getBoundingClientRect();
            for (const c of clippers(p)) if (!inside(r, c.getBoundingClientRect())) {
                problems.push(`${name}: ${part} clipped by its container (${Math.round(r.left)}..${Math.round(r.right)} px outside ${Math.round(c.getBoundingClientRect().left)}..${Math.round(c.getBoundingClientRect().right)} px)`);
                break;
            }
            if (!inside(r, area.getBoundingClientRect())) problems.push(`${name}: ${part} outside the cell output`);
            if ((part === 'label' || part === 'readout') && p.scrollWidth > p.clientWidth + 1 && label)
                problems.push(`${name}: ${part} text cut off (${p.scrollWidth} px of text in ${p.clientWidth} px)`);
            if (part === 'track' && r.width < 60) problems.push(`${name}: slider track only ${Math.round(r.width)} px wide`);
            if (part === 'handle' || part === 'input' || (part === 'label' && kind === 'button')) {
                const x = (r.left + r.right) / 2, y = (r.top + r.bottom) / 2;
                if (y >= 0 && y < window.innerHeight && x >= 0 && x < window.innerWidth) {
                    const hit = document.elementFromPoint(x, y);
                    if (hit && !p.contains(hit) && !hit.contains(p))
                        problems.push(`${name}: ${part} covered by ${hit.tagName.toLowerCase()}.${String(hit.className).split(' ')[0]}`);
                }
            }
        }
        controls.push({kind, label});
    }
    return {controls, problems};
}"""


@dataclass
class Measurement:
    """One control change: what was done, how long until the figure showed it, what went wrong."""

    action: str
    latency: float | None = None  # input event → new figure drawn (s)
    kernel: float | None = None  # input event → the figure's display message reached the browser (s)
    redraws: int = 0
    problems: list[str] = field(default_factory=list)


class LiveNotebook:
    """One notebook open in JupyterLab, driven through its UI."""

    def __init__(self, page, url: str, name: str):
        self.page, self.name = page, name
        page.goto(f"{url}/lab/tree/{name}?reset", wait_until="domcontentloaded")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
        self.wait_kernel_idle(timeout=120)
        page.evaluate(LISTEN_IOPUB)

    def kernel_messages(self, since: int = 0) -> list[str]:
        """Errors and stderr text the kernel sent since message number ``since``."""
        return self.page.evaluate(IOPUB_SINCE, since)

    def kernel_message_count(self) -> int:
        return self.page.evaluate(IOPUB_COUNT)

    # -- kernel and cells
    def kernel_status(self) -> str:
        return self.page.evaluate(KERNEL_STATUS)

    def wait_kernel_idle(self, timeout: float, quiet: float = 0.3) -> None:
        """Wait until the kernel has been idle for ``quiet`` seconds."""
        deadline, since = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            if self.kernel_status() == "idle":
                since = since or time.monotonic()
                if time.monotonic() - since >= quiet:
                    return
            else:
                since = None
            time.sleep(0.1)
        raise TimeoutError(f"{self.name}: the kernel is still '{self.kernel_status()}' after {timeout:.0f} s")

    def cell(self, index: int):
        return self.page.locator(".jp-Notebook .jp-Cell").nth(index)

    def select(self, index: int) -> None:
        """Make cell ``index`` the active cell in command mode (a click on its prompt, as a reader would)."""
        cell = self.cell(index)
        cell.scroll_into_view_if_needed()
        cell.locator(".jp-InputPrompt").first.click()
        self.page.keyboard.press("Escape")
        assert self.page.evaluate(ACTIVE_CELL) == index, f"{self.name}: could not select cell {index}"

    def run_all_above(self, index: int, timeout: float) -> None:
        """Run menu → Run All Above Selected Cell, then wait for every code cell above to finish."""
        self.select(index)
        self.page.get_by_role("menuitem", name="Run", exact=True).click()
        self.page.get_by_role("menuitem", name="Run All Above Selected Cell").click()
        self._wait_cells_above(index, timeout)

    def run_between(self, start: int, stop: int, timeout: float) -> None:
        """Shift+Enter from cell ``start`` until cell ``stop`` is the active one (runs start .. stop-1)."""
        if start >= stop:
            return
        self.select(start)
        while self.page.evaluate(ACTIVE_CELL) < stop:
            self.page.keyboard.press("Shift+Enter")
        self._wait_cells_above(stop, timeout)

    def _wait_cells_above(self, index: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while (pending := self.page.evaluate(PENDING_ABOVE, index)) and time.monotonic() < deadline:
            time.sleep(0.25)
        if pending:
            raise TimeoutError(f"{self.name}: cells {pending} above cell {index} did not finish in {timeout:.0f} s")
        self.wait_kernel_idle(timeout=max(deadline - time.monotonic(), 5))

    def errors(self, start: int = 0, stop: int = 10**6) -> list[str]:
        return self.page.evaluate(CELL_ERRORS, [start, stop])

    # -- the explorer in one cell
    def probe(self, index: int) -> dict:
        return self.page.evaluate(PROBE, index)

    def watch(self, index: int) -> float:
        """Start counting redraws of cell ``index``; returns the browser's clock (ms)."""
        return self.page.evaluate(WATCH, index)

    def controls(self, index: int) -> dict:
        return self.page.evaluate(CONTROLS, index)

    def run_explorer(self, index: int, timeout: float) -> Measurement:
        """Ctrl+Enter on the explorer's cell; the latency is until its first figure is drawn."""
        self.select(index)
        m = Measurement("run the cell (Ctrl+Enter)")
        start = self.watch(index)
        self.page.keyboard.press("Control+Enter")
        self._wait(index, timeout, m, start)
        return self._settle(index, m, timeout)

    def change(self, index: int, action: str, do, expect: str, timeout: float) -> Measurement:
        """``do()`` performs real input events up to the last one, which it returns as a function: the latency is
        measured from that event (a release, Enter, a click) to the new figure drawn. Then wait for what ``expect``
        says should follow:
        ``"redraw"`` (exactly one new figure that differs from the last), ``"animate"`` (one or more, the last one
        differs) or ``"none"`` (nothing is redrawn)."""
        before = self.probe(index)
        m = Measurement(action)
        commit = do()  # everything before the last input event (the drag before the release, the typing before Enter)
        start = self.watch(index)  # the clock starts at the last input event
        commit()
        if expect == "none":
            time.sleep(0.5)
            self.wait_kernel_idle(timeout)
            return self._settle(index, m, timeout, expect_redraws=0)
        self._wait(index, timeout, m, start)
        return self._settle(index, m, timeout, expect_redraws=1 if expect == "redraw" else None,
                            unchanged=before["signature"])

    def _wait(self, index, timeout, m: Measurement, start: float) -> None:
        """Wait, inside the browser (checked every animation frame, no round trips that would compete with the
        drawing), until a new figure is drawn or the kernel reports an error; latencies from ``start`` (ms)."""
        messages = self.kernel_message_count()
        try:
            handle = self.page.wait_for_function(WAIT_DRAWN, arg=[index, messages], polling="raf",
                                                 timeout=timeout * 1000)
        except PlaywrightTimeout:
            m.problems.append(f"no redraw within {timeout:.0f} s")
            return
        probe = handle.json_value()
        if not probe["drawn"]:
            m.problems.append("no redraw: the kernel reported an error instead (see below)")
            return
        m.latency = (probe["now"] - start) / 1000
        m.kernel = (probe["displayAt"] - start) / 1000 if probe["displayAt"] else None

    def _settle(self, index: int, m: Measurement, timeout: float, expect_redraws: int | None = 1,
                unchanged: str | None = None) -> Measurement:
        """Wait until the kernel is idle and the output quiet, then check the output."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.kernel_status() == "idle" and self.probe(index)["quietMs"] > 600:
                break
            time.sleep(0.1)
        time.sleep(0.2)
        probe = self.probe(index)
        m.redraws = probe["added"]
        m.problems += probe["problems"]
        if probe["figures"] != 1:
            m.problems.append(f"{probe['figures']} figures in the output (expected exactly one)")
        elif probe["drawn"] != 1:
            m.problems.append("the figure is not drawn")
        if expect_redraws is not None and probe["added"] != expect_redraws:
            m.problems.append(f"{probe['added']} redraws (expected {expect_redraws})")
        if unchanged is not None and probe["signature"] == unchanged and not m.problems:
            m.problems.append("the figure did not change")
        return m

    def screenshot(self, index: int, path) -> None:
        """The whole cell (input, controls, figure): the window is made tall enough for it, at the same width."""
        cell, size = self.cell(index), self.page.viewport_size
        height = cell.evaluate("e => e.getBoundingClientRect().height")
        self.page.set_viewport_size({"width": size["width"], "height": int(min(max(size["height"], height + 150), 4000))})
        try:
            self.page.wait_for_timeout(300)  # let the layout settle
            cell.scroll_into_view_if_needed()
            path.parent.mkdir(parents=True, exist_ok=True)
            cell.screenshot(path=str(path))
        finally:
            self.page.set_viewport_size(size)
            self.page.wait_for_timeout(200)


# ---------------------------------------------------------------------------------------------- real input
_KIND_CSS = {"slider": ".widget-slider", "dropdown": ".widget-dropdown", "multiselect": ".widget-select-multiple",
             "text": ".widget-text, .widget-textarea", "checkbox": ".widget-checkbox"}


def control(nb: LiveNotebook, index: int, kind: str, label: str):
    """The control of ``kind`` whose description (a button: its text) is ``label``, in cell ``index``."""
    cell = nb.cell(index)
    if kind == "button":
        found = cell.get_by_role("button", name=label, exact=True)
    else:
        found = cell.locator(_KIND_CSS[kind]).filter(
            has=nb.page.locator(f"xpath=./label[normalize-space(.)={_xpath_literal(label)}]"))
    assert found.count() == 1, f"{kind} '{label}': {found.count()} controls found in cell {index}"
    return found.first


def _xpath_literal(text: str) -> str:
    if "'" not in text:
        return f"'{text}'"
    return "concat(" + ", \"'\", ".join(f"'{part}'" for part in text.split("'")) + ")"


def drag_slider(nb: LiveNotebook, ctl, fraction: float | None = None):
    """Press the mouse on the handle and move it by ``fraction`` of the track (default: a quarter, towards the side
    with more room); the release is the last event."""
    ctl.scroll_into_view_if_needed()
    handle, track = ctl.locator(".noUi-handle").bounding_box(), ctl.locator(".noUi-base").bounding_box()
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    if fraction is None:
        fraction = 0.25 if x < track["x"] + track["width"] / 2 else -0.25
    target = min(max(x + fraction * track["width"], track["x"] + 1), track["x"] + track["width"] - 1)
    nb.page.mouse.move(x, y)
    nb.page.mouse.down()
    nb.page.mouse.move(target, y, steps=6)
    return f"drag by {fraction:+.2f} of the track", nb.page.mouse.up


def press_slider(nb: LiveNotebook, ctl, presses: int):
    """Focus the handle and press an arrow key ``presses`` times (one step each)."""
    ctl.scroll_into_view_if_needed()
    ctl.locator(".noUi-handle").focus()
    key = "ArrowRight" if presses > 0 else "ArrowLeft"
    for _ in range(abs(presses) - 1):
        nb.page.keyboard.press(key)
    return f"{abs(presses)}× {'→' if presses > 0 else '←'}", lambda: nb.page.keyboard.press(key)


def choose(nb: LiveNotebook, ctl, option: str | None = None):
    """Pick an option of a dropdown: click it open, arrow keys to ``option`` (or the next one), Enter."""
    select = ctl.locator("select")
    select.scroll_into_view_if_needed()
    options = select.evaluate("s => Array.from(s.options).map(o => o.textContent.trim())")
    current = select.evaluate("s => s.selectedIndex")
    target = (current + 1 if current + 1 < len(options) else current - 1) if option is None else options.index(option)
    select.click()  # opens the list
    for _ in range(abs(target - current)):
        nb.page.keyboard.press("ArrowDown" if target > current else "ArrowUp")
    return f"choose '{options[target]}'", lambda: nb.page.keyboard.press("Enter")


def toggle(nb: LiveNotebook, ctl, option: str):
    """Ctrl+click an option of a multiple selection."""
    item = ctl.locator("option").filter(has_text=option).first
    item.scroll_into_view_if_needed()
    return f"ctrl+click '{option}'", lambda: item.click(modifiers=["Control"])


def type_text(nb: LiveNotebook, ctl, text: str):
    """Select the text field's content, type ``text``; Enter is the last event."""
    box = ctl.locator("input, textarea").first
    box.click(click_count=3)
    nb.page.keyboard.press("Control+a")
    nb.page.keyboard.type(text)
    return f"type '{text}' + Enter", lambda: nb.page.keyboard.press("Enter")


def click(nb: LiveNotebook, ctl):
    ctl.scroll_into_view_if_needed()
    return "click", ctl.click
