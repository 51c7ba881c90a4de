"""The built book in a real browser (Debian's Chromium via Playwright), with the network off."""

from __future__ import annotations

import pytest

from .conftest import SCREENSHOTS
from .site import SITE, chapter_notebooks, colab_url, pages

SCREENSHOT_PAGES = ["book/preface.html", "book/01_introduction.html", "book/05_optimization.html",
                    "book/09_cnn_intro.html"]


@pytest.mark.parametrize("page", pages())
def test_page_loads_offline_without_errors(recorder, page):
    tab = recorder.open(page)
    tab.wait_for_load_state("networkidle")
    assert not recorder.errors, f"{page}:\n  " + "\n  ".join(recorder.errors)
    if page in SCREENSHOT_PAGES:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SCREENSHOTS / page.replace("/", "_").replace(".html", ".png")), full_page=False)


def pages_containing(marker: str) -> list[str]:
    return [p for p in pages() if p.startswith("book/") and marker in (SITE / p).read_text(encoding="utf-8")]


MATH_PAGES = pages_containing('class="math')
SLIDER_PAGES = pages_containing('"sliders"')


def test_the_book_has_math_and_static_widgets():
    assert "book/01_introduction.html" in MATH_PAGES
    assert SLIDER_PAGES, "no page carries a static (plotly slider) widget"


@pytest.mark.parametrize("page", MATH_PAGES)
def test_math_is_typeset(recorder, page):
    tab = recorder.open(page)
    tab.wait_for_function("document.querySelectorAll('mjx-container').length > 0", timeout=20000)
    leftover = tab.evaluate("""() => {
        const text = document.querySelector('main, article, body').innerText;
        return (text.match(/\\$\\$|\\\\\\(|\\\\\\[/g) || []).length; }""")
    assert leftover == 0, f"{page}: {leftover} raw TeX delimiters left after MathJax ran"


@pytest.mark.parametrize("notebook", chapter_notebooks())
def test_colab_button_points_at_the_notebook(recorder, notebook):
    tab = recorder.open(notebook.replace(".ipynb", ".html"))
    links = tab.eval_on_selector_all("a[href*='colab.research.google.com']", "els => els.map(e => e.href)")
    assert colab_url(notebook) in links, f"Colab links on the page: {links}; expected {colab_url(notebook)}"


def test_search_finds_a_chapter(recorder):
    tab = recorder.open("search.html?q=perceptron")
    tab.wait_for_selector("#search-results li a", timeout=20000)
    hits = tab.eval_on_selector_all("#search-results li a", "els => els.map(e => e.getAttribute('href'))")
    assert any("01_introduction" in h for h in hits), hits


#: the page's plotly figures that have sliders, in page order (a JavaScript expression)
SLIDER_FIGURES = """Array.from(document.querySelectorAll('.js-plotly-plot'))
    .filter(g => g.layout && g.layout.sliders && g.layout.sliders.length)"""


def plotly_slider_figures(tab) -> int:
    return tab.evaluate(f"() => {SLIDER_FIGURES}.length")


@pytest.mark.parametrize("page", SLIDER_PAGES)
def test_static_widget_sliders_change_their_figure(recorder, page):
    tab = recorder.open(page)
    tab.wait_for_load_state("networkidle")
    count = plotly_slider_figures(tab)
    assert count > 0, f"{page} carries slider data but no plotly figure with sliders was drawn"
    for index in range(count):
        snapshot = f"""() => {{
            const gd = {SLIDER_FIGURES}[{index}];
            return JSON.stringify([gd.data.map(t => [t.visible, t.x, t.y, t.z]), gd.layout.title]);
        }}"""
        before = tab.evaluate(snapshot)
        rail = tab.locator(".js-plotly-plot").filter(has=tab.locator(".slider-rail-rect")).nth(index)
        rect = rail.locator(".slider-rail-rect").first
        rect.scroll_into_view_if_needed()
        box = rect.bounding_box()
        # click far from the slider's current step (a slider opening on its last step would not move at 0.9)
        where = tab.evaluate(f"""() => {{
            const s = {SLIDER_FIGURES}[{index}].layout.sliders[0];
            return (s.active || 0) / Math.max(1, s.steps.length - 1);
        }}""")
        fraction = 0.1 if where > 0.5 else 0.9
        tab.mouse.click(box["x"] + fraction * box["width"], box["y"] + box["height"] / 2)
        tab.wait_for_timeout(700)
        after = tab.evaluate(snapshot)
        assert before != after, f"{page}: moving slider figure #{index} did not change the figure"
    assert not recorder.errors, recorder.errors


#: the flagship widgets' static variants (issue 19): every figure with controls on these pages is photographed in
#: its default state, under _build/screenshots/flagship/, for a reader of the closing notes to compare with the prose
FLAGSHIP_PAGES = ["book/05_optimization.html", "book/06_training_recipe.html", "book/09_cnn_intro.html"]


@pytest.mark.parametrize("page", FLAGSHIP_PAGES)
def test_flagship_static_figures_are_drawn_and_photographed(recorder, page):
    tab = recorder.open(page)
    tab.wait_for_load_state("networkidle")
    figures = tab.locator(".js-plotly-plot").filter(has=tab.locator(".slider-rail-rect, .updatemenu-button"))
    count = figures.count()
    assert count > 0, f"{page}: no plotly figure with sliders or menus was drawn"
    folder = SCREENSHOTS / "flagship"
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        figure = figures.nth(index)
        figure.scroll_into_view_if_needed()
        box = figure.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 200, f"{page}: figure #{index} drawn at {box}"
        figure.screenshot(path=str(folder / f"{page.split('/')[-1].replace('.html', '')}_{index}.png"))
    assert not recorder.errors, recorder.errors
