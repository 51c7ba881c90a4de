"""The one Chromium launch shared by the browser tests of the built HTML (tests_html) and of the live explorers
(tests_live): Debian's Chromium driven by Playwright, with every background request of the browser itself off, so
that a request leaving the machine can only come from the page under test."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextmanager
def chromium(make_target: str):
    """Yield a launched Playwright browser; fail with the make target that installs Chromium when it is missing."""
    import pytest
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make {make_target}` installs Debian's chromium package.")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()
