"""Execute chapter notebooks without Jupyter: errors only, no output comparison (``make test-gpu`` uses it).

A GPU machine may have IPython but no ``nbformat``/``nbclient``/``ipykernel`` (and no internet to install them).
This runner needs only the standard library and IPython: it reads the ``.ipynb`` JSON, and runs the code
cells in order in an ``IPython.core.interactiveshell.InteractiveShell`` (so ``%pip`` lines, ``display`` and
the notebooks' magics work as in a kernel), one fresh Python process per notebook, with the notebook's
folder as the working directory. Cells tagged ``live-widget`` are skipped (they need a front end, as in
``make execute``); a cell tagged ``raises-exception`` may fail. A notebook stops at its first error, and
the report names the notebook, the cell (index among all cells, as in the .ipynb) and its first line.

    python3 tools/run_notebooks.py [--jobs 4] [--timeout 600] [--out DIR] [book/NN_topic.ipynb ...]

Without paths: every notebook of ``_toc.yml``. Each notebook's output goes to ``DIR/<name>.log`` and the
summary to ``DIR/summary.json`` (``DIR``: ``--out``, else ``$OUT/notebooks`` when ``$OUT`` is set, else
``_build/run_notebooks``). The summary also says whether the notebook used CUDA (memory allocated on the
GPU) and on which device ``helpers.device()`` put it. Exit status 0 when every notebook ran through.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP_TAGS = ("live-widget",)
MARK = "@@run_notebooks@@"  # prefix of the lines the child writes for the parent


def toc_notebooks() -> list[Path]:
    """The notebooks listed in ``_toc.yml`` in reading order (PyYAML when present, else the ``file:`` lines)."""
    text = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    try:
        import yaml  # noqa: F401  (tools/toc.py's exact reading when PyYAML is installed)

        sys.path.insert(0, str(ROOT))
        from tools.toc import toc_notebooks as from_yaml

        return [ROOT / p for p in from_yaml()]
    except ImportError:
        files = re.findall(r"^\s*(?:-\s*)?(?:file|root):\s*([^\s#]+)", text, flags=re.M)
        return [ROOT / (f + ".ipynb") for f in files if (ROOT / (f + ".ipynb")).exists()]


def code_cells(path: Path):
    """``(index, source, tags)`` of every code cell, the index counting all cells as in the .ipynb."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for index, cell in enumerate(nb["cells"]):
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            yield index, source, tuple(cell.get("metadata", {}).get("tags", ()))


# ------------------------------------------------------------------------------------------------ one notebook
def _report(**fields) -> None:
    sys.__stdout__.write(f"{MARK}{json.dumps(fields)}\n")
    sys.__stdout__.flush()


def _cuda_facts() -> dict:
    torch = sys.modules.get("torch")
    if torch is None or not torch.cuda.is_available():
        return {"cuda_used": False}
    return {"cuda_used": torch.cuda.max_memory_allocated() > 0,
            "cuda_peak_mib": round(torch.cuda.max_memory_allocated() / 2**20, 1)}


def run_one(path: Path) -> int:
    """Run one notebook in this process (the child side); outputs go to stdout, the verdict to the parent."""
    from IPython.core.interactiveshell import InteractiveShell

    class Shell(InteractiveShell):
        def enable_gui(self, gui=None):  # no GUI event loop here: %matplotlib inline then just draws (Agg)
            pass

    os.chdir(path.parent)
    src = str(ROOT / "src")
    if src not in sys.path:
        sys.path.insert(0, src)
    try:
        shell = Shell.instance(colors="nocolor")  # IPython 9; plain tracebacks in the logs
    except Exception:
        shell = Shell.instance(colors="NoColor")  # IPython 8
    ran = skipped = 0
    for index, source, tags in code_cells(path):
        if any(t in tags for t in SKIP_TAGS) or not source.strip():
            skipped += 1
            continue
        first = next((line for line in source.splitlines() if line.strip()), "")
        print(f"\n----- cell {index}: {first[:100]}", flush=True)
        result = shell.run_cell(source, store_history=True)
        ran += 1
        error = result.error_before_exec or result.error_in_exec
        if error is not None and "raises-exception" not in tags:
            _report(status="error", cell=index, first_line=first[:200], error=f"{type(error).__name__}: {error}"[:2000],
                    ran=ran, skipped=skipped, **_device_facts(shell), **_cuda_facts())
            return 1
    _report(status="ok", ran=ran, skipped=skipped, **_device_facts(shell), **_cuda_facts())
    return 0


def _device_facts(shell) -> dict:
    helpers = sys.modules.get("helpers")
    if helpers is None or "torch" not in sys.modules:
        return {}
    try:
        return {"helpers_device": str(helpers.device())}
    except Exception as err:  # reporting must never fail the run
        return {"helpers_device": f"unknown ({type(err).__name__})"}


# ------------------------------------------------------------------------------------------------ the parent
def _child_env() -> dict:
    env = dict(os.environ)
    env.setdefault("MPLBACKEND", "Agg")  # no screen; figures are still drawn (errors in plotting surface)
    env.setdefault("PLOTLY_RENDERER", "json")  # fig.show() renders a JSON bundle instead of opening a browser
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env.setdefault(var, "1")
    return env


def run_in_child(path: Path, out: Path, timeout: float) -> dict:
    log = out / f"{path.stem}.log"
    start = time.perf_counter()
    with open(log, "w", encoding="utf-8") as fh:
        try:
            proc = subprocess.run([sys.executable, __file__, "--child", str(path)], stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, env=_child_env(), timeout=timeout)
            text, code = proc.stdout, proc.returncode
        except subprocess.TimeoutExpired as err:
            text = err.stdout if isinstance(err.stdout, str) else (err.stdout or b"").decode(errors="replace")
            code = None
        fh.write(text)
    seconds = time.perf_counter() - start
    verdicts = [json.loads(line[len(MARK):]) for line in text.splitlines() if line.startswith(MARK)]
    result = {"notebook": path.name, "seconds": round(seconds, 1), "log": str(log)}
    if code is None:
        cells = re.findall(r"^----- cell (\d+): (.*)$", text, flags=re.M)
        where = f" in cell {cells[-1][0]} ({cells[-1][1]})" if cells else ""
        result.update(status="timeout", error=f"stopped after {timeout:.0f} s{where}")
    elif verdicts:
        result.update(verdicts[-1])
    else:  # the process died without a verdict (a crash, an import error before the first cell)
        result.update(status="crashed", error=f"exit status {code}; last lines:\n" + "\n".join(text.splitlines()[-15:]))
    return result


def describe(r: dict) -> str:
    extra = f", {r['helpers_device']}" if r.get("helpers_device") else ""
    extra += ", used CUDA" if r.get("cuda_used") else ""
    if r["status"] == "ok":
        return f"ok      {r['notebook']} ({r['seconds']:.0f} s, {r['ran']} cells run, {r['skipped']} skipped{extra})"
    where = f" cell {r['cell']} `{r['first_line']}`" if "cell" in r else ""
    return f"FAILED  {r['notebook']}{where} ({r['status']}, {r['seconds']:.0f} s{extra}): {r.get('error', '')}"


def default_out() -> Path:
    return Path(os.environ["OUT"]) / "notebooks" if os.environ.get("OUT") else ROOT / "_build" / "run_notebooks"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("paths", nargs="*", type=Path, help="notebooks (default: every notebook of _toc.yml)")
    p.add_argument("--jobs", type=int, default=1, help="notebooks run at the same time (one process each)")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds after which a notebook is stopped")
    p.add_argument("--out", type=Path, default=None, help="folder for the logs and summary.json")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        return run_one(args.paths[0].resolve())
    paths = [q.resolve() for q in args.paths] or toc_notebooks()
    out = (args.out or default_out()).resolve()
    out.mkdir(parents=True, exist_ok=True)
    print(f"running {len(paths)} notebooks, {args.jobs} at a time; logs in {out}", flush=True)
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(run_in_child, q, out, args.timeout) for q in paths]
        results = []
        for future in futures:  # in order, printed as each finishes
            results.append(future.result())
            print(describe(results[-1]), flush=True)
    failed = [r for r in results if r["status"] != "ok"]
    (out / "summary.json").write_text(json.dumps({"python": sys.version.split()[0], "results": results}, indent=1)
                                      + "\n", encoding="utf-8")
    print(f"{len(results) - len(failed)} of {len(results)} notebooks ran without error", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
