"""What a reader meets: no internal labels, a bibliography every chapter cites, exercise solutions collapsed."""

from __future__ import annotations

import html
import re

import pytest

from .site import SITE, chapter_notebooks

# Labels of the project's sources that mean nothing to a reader: "seed 000", "S0:L345", a line number "L1203",
# a test file path.
INTERNAL = re.compile(r"seed 00|S[0-4]:L|\bL[0-9]{3,4}\b|tests/test_")
CHAPTER_PAGES = [nb.replace(".ipynb", ".html") for nb in chapter_notebooks()]


def visible_text(page: str) -> str:
    """The page's text as a reader sees it: no scripts, styles or tags (widget state and plotly JSON excluded)."""
    raw = (SITE / page).read_text(encoding="utf-8")
    raw = re.sub(r"<(script|style)\b.*?</\1>", " ", raw, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", " ", raw))


@pytest.mark.parametrize("page", [p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html")
                                  if not p.relative_to(SITE).parts[0].startswith(("_", "."))])
def test_no_internal_labels_reach_the_reader(page):
    found = sorted({m.group(0) for m in INTERNAL.finditer(visible_text(page))})
    assert not found, f"{page} shows internal labels {found}: cite the notes from the bibliography instead"


def test_the_bibliography_lists_the_references():
    text = visible_text("book/bibliography.html")
    assert "Robbins" in text and "Kingma" in text and "Deep Learning" in text
    entries = (SITE / "book/bibliography.html").read_text(encoding="utf-8").count('class="citation')
    assert entries >= 40, f"the bibliography page shows only {entries} entries"


@pytest.mark.parametrize("page", CHAPTER_PAGES)
def test_every_chapter_cites_the_bibliography(page):
    raw = (SITE / page).read_text(encoding="utf-8")
    assert re.search(r'href="bibliography\.html#id\d+', raw) or 'href="bibliography.html#' in raw, (
        f"{page} cites nothing from the bibliography: cite the notes or a paper with {{cite}}`key`")


def exercise_pages() -> list[str]:
    return [p for p in CHAPTER_PAGES if "Exercise" in visible_text(p)]


@pytest.mark.parametrize("page", exercise_pages())
def test_exercise_solutions_are_collapsed_and_open_on_click(recorder, page):
    tab = recorder.open(page)
    solutions = tab.locator("details.sd-dropdown", has_text="Solution")
    assert solutions.count() > 0, f"{page} has exercises but no collapsed solution (a MyST dropdown 'Solution')"
    first = solutions.first
    assert first.get_attribute("open") is None, f"{page}: the first solution is open before the reader asks for it"
    code = first.locator("pre").first
    assert not code.is_visible(), f"{page}: the solution's code is visible while collapsed"
    first.locator("summary").click()
    code.wait_for(state="visible", timeout=5000)
    assert first.get_attribute("open") is not None
