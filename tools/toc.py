"""Print the notebooks listed in ``_toc.yml``, one per line (the Makefile's list of notebooks)."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def toc_files(toc_path: Path = ROOT / "_toc.yml") -> list[str]:
    """Every ``file:`` entry of the TOC (root included), in reading order, without extension."""
    toc = yaml.safe_load(toc_path.read_text())
    files = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key, []):
                    walk(child)

    walk(toc)
    return files


def toc_notebooks(toc_path: Path = ROOT / "_toc.yml") -> list[Path]:
    """The TOC entries that are notebooks, as paths relative to the repository root."""
    return [Path(f + ".ipynb") for f in toc_files(toc_path) if (toc_path.parent / (f + ".ipynb")).exists()]


if __name__ == "__main__":
    sys.stdout.write("".join(f"{p}\n" for p in toc_notebooks()))
