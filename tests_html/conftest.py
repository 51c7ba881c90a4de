"""Browser tests of the built HTML book (run by `make test-html` after `make book`).

A local HTTP server serves _build/html; Chromium (Debian's, driven by Playwright) may reach nothing else:
every request to another host is aborted and counted as a failure, which proves the site works offline.
"""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest

from tools.chromium import chromium

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"


def pytest_collection_modifyitems(config, items):
    if not (SITE / "index.html").exists():
        raise pytest.UsageError("_build/html is missing: run `make book` before the HTML tests (make test-html does).")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def site_url():
    handler = functools.partial(QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    with chromium("test-html") as b:
        yield b


class PageRecorder:
    """Opens pages offline and records console errors and failed or external requests."""

    def __init__(self, browser, site_url):
        self.site_url = site_url
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.route("**/*", self._route)
        self.errors: list[str] = []

    def _route(self, route):
        if route.request.url.startswith(self.site_url) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            self.errors.append(f"external request blocked: {route.request.url}")
            route.abort()

    def open(self, path: str):
        page = self.context.new_page()
        page.on("console", lambda m: m.type == "error" and self.errors.append(f"console error: {m.text}"))
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url} ({r.failure})"))
        page.on("response", lambda r: r.status >= 400 and self.errors.append(f"HTTP {r.status}: {r.url}"))
        page.goto(f"{self.site_url}/{path}", wait_until="load")
        return page


@pytest.fixture
def recorder(browser, site_url):
    rec = PageRecorder(browser, site_url)
    yield rec
    rec.context.close()
