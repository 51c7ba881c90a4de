"""Simulate Colab for every chapter: run its setup cell with a fake ``google.colab`` module (so the
Colab branch with its ``%pip install`` runs, pointed at this local clone instead of the repository URL),
then run every import the chapter makes.

Run by ``make test-colab`` inside ``.venv-colab`` (ipywidgets 7.7.1, plotly 5.x, numpy 2.1), which then
also runs the widget unit tests there, to catch code that only works with ipywidgets 8 or plotly 6+.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tempfile
import types
from pathlib import Path

import nbformat
import yaml
from IPython.core.interactiveshell import InteractiveShell

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tools.toc import toc_notebooks  # noqa: E402


def local_install_target() -> str:
    """``git+file://`` URL of this clone at HEAD: what Colab's ``git+https://`` install would fetch."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)
    return f"git+file://localhost{ROOT}@{head.stdout.strip()}"


def import_lines(nb) -> list[str]:
    lines = []
    shell = InteractiveShell.instance()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        source = shell.transform_cell(cell.source)
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        lines += [ast.unparse(node) for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]
    return list(dict.fromkeys(lines))


def check(notebook: Path, install_target: str, repo_url: str) -> list[str]:
    nb = nbformat.read(ROOT / notebook, as_version=4)
    setup = next(c.source for c in nb.cells if c.cell_type == "code")
    assert repo_url in setup, f"{notebook}: the setup cell does not install from {repo_url}"
    setup = setup.replace(f"git+{repo_url}@main", install_target)
    shell = InteractiveShell.instance()
    problems = []
    for code in (setup, *import_lines(nb)):
        result = shell.run_cell(code, silent=True)
        if not result.success:
            problems.append(f"{notebook}: `{code.splitlines()[-1]}` failed: {result.error_in_exec or result.error_before_exec!r}")
    return problems


def main() -> int:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repo_url = config["repository"]["url"]
    sys.modules["google"] = types.ModuleType("google")
    sys.modules["google.colab"] = types.ModuleType("google.colab")  # what the setup cell's guard looks for
    target = local_install_target()
    problems = []
    with tempfile.TemporaryDirectory():
        for notebook in toc_notebooks(ROOT / "_toc.yml"):
            found = check(notebook, target, repo_url)
            print(f"{'ok  ' if not found else 'FAIL'} {notebook}")
            problems += found
    import ipywidgets
    import plotly

    print(f"checked with ipywidgets {ipywidgets.__version__}, plotly {plotly.__version__}")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
