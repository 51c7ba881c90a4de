"""A JupyterLab server for the live tests: loopback, no token, a free port, its own process group, quiet.

The server runs on a copy of ``book/`` (outputs stripped) in ``_build/live/``, so the reader-like session can
neither autosave into the repository nor load the stored figures. Settings, workspaces and runtime files live in
that folder too; nothing under the user's home is read or written. ``stop()`` ends the kernels and the server by
their process ids.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "_build" / "live"

# JupyterLab user settings for the session: no autosave (the copy stays as copied), no news or update checks
# (nothing leaves the machine), no "would you like to receive news" pop-up, no windowed notebook (every cell is
# in the DOM, so cells can be found by index), no kernel-name dialog.
SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                         "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def strip_outputs(src: Path, dst: Path) -> None:
    import nbformat

    nb = nbformat.read(src, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, dst)


def prepare(notebooks=None, extra: dict[str, Path] | None = None) -> Path:
    """Copy ``book/`` into ``_build/live/book`` (notebooks without outputs) plus ``extra`` {name: notebook}."""
    book = WORK / "book"
    shutil.rmtree(WORK, ignore_errors=True)
    shutil.copytree(ROOT / "book", book, ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
    for path in sorted((ROOT / "book").glob("*.ipynb")) if notebooks is None else notebooks:
        strip_outputs(ROOT / path, book / Path(path).name)
    for name, path in (extra or {}).items():
        strip_outputs(path, book / name)
    for name, value in SETTINGS.items():
        target = WORK / "settings" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(value))
    return book


class LabServer:
    """``jupyter lab`` as a subprocess in its own process group; its log goes to ``_build/live/server.log``."""

    def __init__(self, root: Path):
        self.root, self.port = root, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = WORK / "server.log"
        env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(WORK / "settings"),
               "JUPYTERLAB_WORKSPACES_DIR": str(WORK / "workspaces"), "JUPYTER_RUNTIME_DIR": str(WORK / "runtime"),
               "JUPYTER_CONFIG_DIR": str(WORK / "config"), "JUPYTER_DATA_DIR": str(WORK / "data"),
               "JUPYTER_PLATFORM_DIRS": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
               "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            env[var] = "1"
        env.setdefault("PYTHONHASHSEED", "0")
        args = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
                "--port-retries=0", f"--ServerApp.root_dir={root}", "--IdentityProvider.token=",
                "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
                "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                "--LabApp.expose_app_in_browser=True", "--ServerApp.open_browser=False",
                "--LabApp.extension_manager=readonly", "--LanguageServerManager.autodetect=False"]
        if os.geteuid() == 0:  # CI runs as root
            args.append("--allow-root")
        self.log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(args, cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited ({self.process.returncode}):\n{self.log_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"jupyter lab did not answer within {timeout} s:\n{self.log_text()[-3000:]}")

    def api(self, path: str, method: str = "GET"):
        req = urllib.request.Request(f"{self.url}/api/{path}", method=method)
        with urllib.request.urlopen(req, timeout=30) as r:
            body = r.read()
        return json.loads(body) if body else None

    def log_text(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text(errors="replace")

    def kernel_pids(self) -> list[int]:
        """Process ids of the kernels (the server's child processes)."""
        import psutil

        try:
            return [p.pid for p in psutil.Process(self.process.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def shutdown_kernels(self) -> None:
        """Shut every kernel down through the REST API (what the UI's "Shut Down All Kernels" does)."""
        for kernel in self.api("kernels"):
            self.api(f"kernels/{kernel['id']}", method="DELETE")

    def stop(self) -> None:
        """Stop the kernels and the server by their process ids (TERM, then KILL after a grace period)."""
        pids = self.kernel_pids()
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 10
        for pid in [self.process.pid, *pids]:
            while time.monotonic() < deadline and _alive(pid):
                time.sleep(0.1)
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.log.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie child of ours counts as gone
        import psutil

        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except Exception:  # noqa: BLE001
        return True
