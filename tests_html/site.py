"""Facts about the built site that several HTML tests need."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "_build" / "html"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())


def pages() -> list[str]:
    """Every HTML page of the site, relative to its root (Sphinx's own assets excluded)."""
    return sorted(
        str(p.relative_to(SITE)) for p in SITE.rglob("*.html")
        if not p.relative_to(SITE).parts[0].startswith(("_", "."))
    )


def chapter_notebooks() -> list[str]:
    """The notebooks of the TOC, e.g. 'book/01_introduction.ipynb'."""
    import sys

    sys.path.insert(0, str(ROOT))
    from tools.toc import toc_notebooks

    return [str(p) for p in toc_notebooks(ROOT / "_toc.yml")]


def colab_url(notebook: str) -> str:
    repo = CONFIG["repository"]["url"].removeprefix("https://github.com/").rstrip("/")
    return f"https://colab.research.google.com/github/{repo}/blob/{CONFIG['repository']['branch']}/{notebook}"
