"""Vendor the HTML book's front-end files into ``_vendor/`` so the built site works offline.

MathJax, require.js and the ipywidgets embed manager come from the npm registry (``npm pack``),
pinned and checked against ``tools/vendor.lock.json``; plotly.js is copied from the installed
Python ``plotly`` package, so the page always runs the plotly.js that made the figures.
``_vendor/`` is served as a Sphinx static path (not ``_static/``: Jupyter Book would inject
every file of that folder into every page).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "tools" / "vendor.lock.json"
DEST = ROOT / "_vendor"
EXTRA = ROOT / "_vendor_extra"  # html_extra_path: copied to the root of the site
STAMP = DEST / ".vendored.json"


def npm_pack(spec: str, integrity: str, workdir: Path) -> Path:
    """Download one npm package tarball and return the folder it unpacks to."""
    if shutil.which("npm") is None:
        sys.exit("vendor: npm is needed to fetch MathJax and the widget manager (apt-get install npm).")
    out = subprocess.run(
        ["npm", "pack", spec, "--json", "--pack-destination", str(workdir)],
        capture_output=True, text=True, check=False,
    )
    if out.returncode != 0:
        sys.exit(f"vendor: 'npm pack {spec}' failed:\n{out.stderr}")
    info = json.loads(out.stdout)[0]
    if info["integrity"] != integrity:
        sys.exit(f"vendor: {spec} has integrity {info['integrity']}, the lock says {integrity}.")
    unpacked = workdir / spec.replace("/", "_").replace("@", "_")
    with tarfile.open(workdir / info["filename"]) as tar:
        tar.extractall(unpacked, filter="data")
    return unpacked / "package"


def copy(src: Path, dst: Path) -> None:
    if src.is_dir():
        shutil.copytree(src, dst, dirs_exist_ok=True)
    else:
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)


def main() -> None:
    lock = json.loads(LOCK.read_text())
    wanted = json.dumps(lock, sort_keys=True) + _plotly_version()
    if STAMP.exists() and STAMP.read_text() == wanted:
        print("vendor: _vendor/ is up to date")
        return
    shutil.rmtree(DEST, ignore_errors=True)
    shutil.rmtree(EXTRA, ignore_errors=True)
    DEST.mkdir()
    EXTRA.mkdir()
    with tempfile.TemporaryDirectory() as tmp:
        for spec, entry in lock["npm"].items():
            package = npm_pack(spec, entry["integrity"], Path(tmp))
            for src, dst in entry["copy"].items():
                copy(package / src, DEST / dst)
            for pattern, dst in entry.get("extra", {}).items():
                for src in sorted(package.glob(pattern)):
                    copy(src, EXTRA / dst / src.name)
            print(f"vendor: {spec}")
    plotly_dir = Path(importlib.util.find_spec("plotly").origin).parent
    for src, dst in lock["python"]["plotly"]["copy"].items():
        copy(plotly_dir / src, DEST / dst)
    print(f"vendor: plotly.js of plotly {_plotly_version()}")
    STAMP.write_text(wanted)


def _plotly_version() -> str:
    from importlib.metadata import version

    return version("plotly")


if __name__ == "__main__":
    main()
