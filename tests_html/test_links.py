"""Every internal link and anchor of the built site resolves; external links are listed for review."""

from __future__ import annotations

from urllib.parse import unquote, urldefrag, urlparse

import pytest
from bs4 import BeautifulSoup

from .site import SITE, pages

EXTERNAL_LIST = SITE.parent / "external_links.txt"


def parse(page: str) -> BeautifulSoup:
    return BeautifulSoup((SITE / page).read_text(encoding="utf-8"), "html.parser")


def anchors_of(page: str) -> set[str]:
    soup = parse(page)
    return {tag["id"] for tag in soup.find_all(id=True)} | {tag["name"] for tag in soup.find_all("a", attrs={"name": True})}


def test_site_has_pages():
    assert "book/01_introduction.html" in pages()


def test_internal_links_and_anchors_resolve():
    broken, external = [], set()
    anchor_cache: dict[str, set[str]] = {}
    for page in pages():
        soup = parse(page)
        for tag in soup.find_all(["a", "link", "script", "img"]):
            url = tag.get("href") or tag.get("src")
            if not url or url.startswith(("mailto:", "javascript:", "data:")):
                continue
            if urlparse(url).scheme in ("http", "https"):
                external.add(url)
                continue
            target, fragment = urldefrag(url)
            path = (SITE / page).parent / unquote(target.split("?")[0]) if target else SITE / page
            path = path.resolve()
            if path.is_dir():
                path = path / "index.html"
            if not path.exists():
                broken.append(f"{page}: {url} (no such file)")
                continue
            if fragment and path.suffix == ".html":
                rel = str(path.relative_to(SITE.resolve()))
                anchors = anchor_cache.setdefault(rel, anchors_of(rel))
                if unquote(fragment) not in anchors:
                    broken.append(f"{page}: {url} (no anchor #{fragment})")
    EXTERNAL_LIST.write_text("".join(f"{u}\n" for u in sorted(external)))
    assert not broken, "broken internal links:\n  " + "\n  ".join(broken)


@pytest.mark.parametrize("page", [p for p in pages() if p.startswith("book/")])
def test_images_have_alt_text(page):
    missing = [img.get("src") for img in parse(page).find_all("img") if not (img.get("alt") or "").strip()]
    assert not missing, f"{page}: images without alt text: {missing}"
