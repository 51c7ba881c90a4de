"""``make test-gpu``: the PyTorch half of the book on a GPU machine, with that machine's own Python.

Needs only ``python3`` with torch (CUDA build), numpy, pytest, hypothesis, scikit-learn, scipy and matplotlib
(pytest-xdist is used when present). No venv, no registry: the packages the chapters need beyond those (IPython,
plotly, ipywidgets and their dependencies) come as wheels in ``.whl/`` (made by ``tools/gpu_wheels.sh`` on a
machine with internet); the missing ones are unpacked into ``_build/gpu/site``, which goes on ``PYTHONPATH``
with ``src``. Three phases, each with its log; the first two run at the same time:

1. the device-parametrised unit tests (parity harness, optimizers, training parity, the training helpers) with
   ``pytest --device=cuda``; a test file whose imports are missing on this machine is left out and listed;
2. every chapter of ``_toc.yml`` executed by ``tools/run_notebooks.py`` (errors only, no output comparison;
   ``helpers.device()`` is CUDA there, so the chapters run on the GPU wherever they use it);
3. the benchmark suite ``python -m bench.run --quick`` with its CUDA rows (alone, so the timings are clean).

Results go to ``$OUT`` when it is set (else ``_build/gpu``): ``environment.json``, ``pytest.log``,
``pytest.xml``, ``notebooks/`` (a log per chapter, ``summary.json``), ``bench/`` (``latest.md``, JSON, plots),
``summary.md``. Exit status 0 when every phase passed. ``--archive FILE`` also packs the results folder (without the
unpacked wheels) into one ``.tar.gz``: for a machine that sends back only a few files (the book's device tool
returns at most 8), run with ``--out _build/gpu --archive $OUT/gpu_results.tar.gz``.

    python3 tools/gpu_check.py [--device cuda|cpu] [--jobs 8] [--notebooks 01_introduction,09_cnn_intro]
                               [--skip tests,notebooks,bench] [--out DIR] [--archive FILE.tar.gz]

``--device cpu`` is a dry run of the same machinery on a machine without a GPU.
"""

from __future__ import annotations

import argparse
import ast
import importlib.metadata
import importlib.util
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEVICE_TESTS = ("tests/test_parity.py", "tests/test_optim.py", "tests/test_training_parity.py",
                "tests/test_training_devices.py")
BENCH_SUITES = "linear,conv,pool,batchnorm,lstm,attention,optim,training,scaling"  # not widgets: CPU-only
LOCAL = {"tests", "helpers", "tools", "bench", "__future__"}


def out_dir(arg: Path | None) -> Path:
    if arg is not None:
        return arg
    return Path(os.environ["OUT"]) if os.environ.get("OUT") else ROOT / "_build" / "gpu"


# ------------------------------------------------------------------------------------------------ environment
def environment(device: str) -> dict:
    import numpy
    import torch

    info = {"date": time.strftime("%Y-%m-%d %H:%M:%S %z"), "python": sys.version.split()[0],
            "executable": sys.executable, "platform": platform.platform(), "cpus": os.cpu_count(),
            "numpy": numpy.__version__, "torch": torch.__version__, "torch_cuda": torch.version.cuda,
            "cuda_available": torch.cuda.is_available(), "device": device}
    if torch.cuda.is_available():
        info["gpus"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        info["cudnn"] = torch.backends.cudnn.version()
    try:
        info["commit"] = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                        timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        info["commit"] = None
    return info


def _dist_name(wheel: Path) -> str:
    return wheel.name.split("-")[0]


def _installed(dist: str) -> bool:
    try:
        importlib.metadata.version(dist)
        return True
    except importlib.metadata.PackageNotFoundError:
        return False


def unpack_missing_wheels(site: Path, log) -> list[str]:
    """Unpack each wheel of .whl/ whose distribution this Python lacks into ``site`` (a wheel is a zip file:
    unpacking it is what installing a pure-Python wheel amounts to). Returns the wheels unpacked."""
    wheels = sorted((ROOT / ".whl").glob("*.whl"))
    if not wheels:
        log("no .whl/ folder: using only this machine's packages (run tools/gpu_wheels.sh where there is internet)")
        return []
    shutil.rmtree(site, ignore_errors=True)  # rebuilt every run: what is missing depends on the interpreter
    site.mkdir(parents=True)
    unpacked = []
    for wheel in wheels:
        if _installed(_dist_name(wheel)):
            continue  # the machine's own version wins; nothing of ours shadows it
        with zipfile.ZipFile(wheel) as zf:
            zf.extractall(site)
        unpacked.append(wheel.name)
    log(f"packages from .whl/ (unpacked into {site.relative_to(ROOT)}): "
        f"{', '.join(w.split('-')[0] for w in unpacked) or 'none needed (all present)'}")
    return unpacked


def child_env(site: Path) -> dict:
    env = dict(os.environ)
    paths = [str(ROOT / "src"), str(ROOT)] + ([str(site)] if site.exists() else [])
    env["PYTHONPATH"] = os.pathsep.join(paths + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env.setdefault("MPLBACKEND", "Agg")
    env.setdefault("PLOTLY_RENDERER", "json")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env.setdefault(var, "1")
    return env


# ------------------------------------------------------------------------------------------------ phases
def _top_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names - LOCAL


def runnable_tests(site: Path) -> tuple[list[str], dict]:
    """The device test files whose third-party imports exist here (``site`` included), and the others."""
    if site.exists() and str(site) not in sys.path:
        sys.path.append(str(site))
    keep, left_out = [], {}
    for name in DEVICE_TESTS:
        missing = sorted(m for m in _top_imports(ROOT / name) if importlib.util.find_spec(m) is None)
        if missing:
            left_out[name] = missing
        else:
            keep.append(name)
    return keep, left_out


def archive(out: Path, target: Path) -> Path:
    """Pack the results folder ``out`` into the gzipped tarball ``target`` (members under ``gpu/``), leaving out
    the unpacked wheels (``site/``) and the tarball itself."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(target, "w:gz") as tar:
        for path in sorted(out.iterdir()):
            if path.name != "site" and path.resolve() != target:
                tar.add(path, arcname=f"gpu/{path.name}")
    return target


def write_summary(out: Path, lines: list[str], archive_to: Path | None, *, ok: bool) -> int:
    """Write ``summary.md``, pack the results if asked, and return the exit status."""
    (out / "summary.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if archive_to is not None:
        print(f"results packed into {archive(out, archive_to)}", flush=True)
    return 0 if ok else 1


def start(cmd: list[str], log_path: Path, env: dict) -> tuple[subprocess.Popen, object]:
    fh = open(log_path, "w", encoding="utf-8")
    fh.write("$ " + " ".join(cmd) + "\n\n")
    fh.flush()
    # its own process group, so that a phase over its time limit is stopped with all its workers
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True), fh


def finish(proc: subprocess.Popen, fh, timeout: float) -> int | None:
    """Wait for ``proc``; on timeout kill it (and its children) and return None."""
    try:
        return proc.wait(timeout=max(1.0, timeout))
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        fh.write(f"\n*** stopped after the phase's time limit ({timeout:.0f} s)\n")
        return None
    finally:
        fh.close()


def _tail(path: Path, n: int = 3) -> str:
    lines = [line for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    return "\n".join(lines[-n:])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", default="cuda", choices=("cuda", "cpu"), help="cpu: a dry run without a GPU")
    p.add_argument("--jobs", type=int, default=None, help="pytest workers and parallel notebooks (default: CPUs/2)")
    p.add_argument("--notebooks", default="", help="comma-separated notebook stems (default: every TOC chapter)")
    p.add_argument("--skip", default="", help="phases to skip: tests, notebooks, bench")
    p.add_argument("--out", type=Path, default=None, help="results folder (default: $OUT, else _build/gpu)")
    p.add_argument("--archive", type=Path, default=None, help="also pack the results into this .tar.gz file")
    p.add_argument("--budget", type=float, default=330.0, help="seconds for tests + notebooks (bench: 180 more)")
    args = p.parse_args(argv)
    out = out_dir(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    jobs = args.jobs or max(1, min(8, (os.cpu_count() or 2) // 2))
    lines: list[str] = []

    def log(msg: str) -> None:
        print(msg, flush=True)
        lines.append(msg)

    t0 = time.perf_counter()
    env_info = environment(args.device)
    (out / "environment.json").write_text(json.dumps(env_info, indent=1) + "\n", encoding="utf-8")
    log(f"# make test-gpu, {env_info['date']}\n\nPython {env_info['python']}, torch {env_info['torch']} "
        f"(CUDA {env_info['torch_cuda']}), numpy {env_info['numpy']}, {env_info['cpus']} CPUs; "
        f"GPU: {', '.join(env_info.get('gpus', [])) or 'none'}; commit {env_info['commit'] or 'unknown'}\n")
    if args.device == "cuda" and not env_info["cuda_available"]:
        log("FAILED: torch sees no CUDA device here (torch.cuda.is_available() is False); "
            "use --device cpu for a dry run")
        return write_summary(out, lines, args.archive, ok=False)
    site = ROOT / "_build" / "gpu" / "site"
    unpack_missing_wheels(site, log)
    env = child_env(site)
    py = sys.executable
    status: dict[str, str] = {}
    running = []
    if "tests" not in skip:
        files, left_out = runnable_tests(site)
        for name, missing in left_out.items():
            log(f"left out {name}: this machine lacks {', '.join(missing)}")
        xdist = ["-n", str(jobs)] if importlib.util.find_spec("xdist") else []
        cmd = [py, "-m", "pytest", *files, f"--device={args.device}", "-q", "-p", "no:cacheprovider",
               f"--junitxml={out / 'pytest.xml'}", *xdist]
        running.append(("tests", *start(cmd, out / "pytest.log", env)))
    if "notebooks" not in skip:
        names = [f"book/{n.strip().removesuffix('.ipynb')}.ipynb" for n in args.notebooks.split(",") if n.strip()]
        cmd = [py, "tools/run_notebooks.py", "--jobs", str(jobs), "--timeout", str(args.budget - 30),
               "--out", str(out / "notebooks"), *names]
        running.append(("notebooks", *start(cmd, out / "notebooks.log", env)))
    for phase, proc, fh in running:
        code = finish(proc, fh, args.budget - (time.perf_counter() - t0))
        log_file = out / ("pytest.log" if phase == "tests" else "notebooks.log")
        status[phase] = "passed" if code == 0 else ("timed out" if code is None else f"FAILED (exit {code})")
        log(f"## {phase}: {status[phase]} ({time.perf_counter() - t0:.0f} s since the start)\n\n"
            f"```\n{_tail(log_file, 25 if phase == 'notebooks' else 4)}\n```\n")
    if "bench" not in skip:
        cmd = [py, "-m", "bench.run", "--quick", "--only", BENCH_SUITES, "--out", str(out / "bench")]
        proc, fh = start(cmd, out / "bench.log", env)
        code = finish(proc, fh, 180.0)
        status["bench"] = "passed" if code == 0 else ("timed out" if code is None else f"FAILED (exit {code})")
        log(f"## bench: {status['bench']}; tables in bench/latest.md\n\n```\n{_tail(out / 'bench.log', 2)}\n```\n")
    ok = all(s == "passed" for s in status.values())
    log(f"{'PASSED' if ok else 'FAILED'}: " + ", ".join(f"{k} {v}" for k, v in status.items())
        + f" in {time.perf_counter() - t0:.0f} s; results in {out}")
    return write_summary(out, lines, args.archive, ok=ok)


if __name__ == "__main__":
    sys.exit(main())
