"""Start and stop what the browser test needs: a JupyterLab server and a headless Chromium.

Both are started by the test itself and stopped by their own process ids (SIGTERM, then SIGKILL),
whatever happens in between, so a failing or interrupted run leaves nothing behind.
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
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

from .budgets import time_scale
from .find_browser import HOW_TO_GET_ONE, find_chromium

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# The collection's own JupyterLab settings (closing a notebook's tab shuts its kernel down), as
# `make lab` and Binder install them: the test's server reads them too.
SHIPPED_OVERRIDES = Path(__file__).resolve().parents[2] / "etc" / "jupyterlab" / "overrides.d"
SERVER_START_TIMEOUT_S = 90  # on the reference machine; multiplied by the machine's time scale
STOP_TIMEOUT_S = 5  # then SIGKILL: the server (and the kernels it leaves) hold nothing the test still needs

# JupyterLab settings for a quiet, reproducible session (overrides.json in the app settings dir).
LAB_OVERRIDES = {
    # No news, no update check, no toasts drawn over the notebook (and nothing fetched from the web).
    "@jupyterlab/apputils-extension:notification": {
        "fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True,
    },
    # The extension manager would query PyPI.
    "@jupyterlab/extensionmanager-extension:plugin": {"enabled": False},
    "@jupyterlab/notebook-extension:tracker": {
        # Every cell stays in the DOM, so every output and widget can be found and counted.
        "windowingMode": "none",
        # A notebook without a kernelspec starts the default kernel instead of asking in a dialog.
        "autoStartDefaultKernel": True,
        # No blank space after the last cell in the screenshots.
        "scrollPastEnd": False,
    },
}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(process: psutil.Process, timeout: float = STOP_TIMEOUT_S) -> None:
    """Stop ``process`` and the children it leaves: SIGTERM, then SIGKILL after ``timeout`` s.

    A ``psutil.Process`` rather than a bare pid: psutil refuses to signal a pid reused by another program.
    """
    try:
        # Collected first: once the parent is gone its children can no longer be found from it.
        children = process.children(recursive=True)
        process.send_signal(signal.SIGTERM)
    except psutil.NoSuchProcess:
        return
    _, alive = psutil.wait_procs([process], timeout=timeout)
    # A child that outlives its parent's shutdown (a kernel after a SIGKILLed server) is ours too.
    _, alive = psutil.wait_procs(alive + [c for c in children if c.is_running()], timeout=0.5)
    for leftover in alive:
        try:
            leftover.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=timeout)


@dataclass
class LabServer:
    """A running JupyterLab server: where it listens, what it serves, where it logs."""

    url: str
    root: Path
    log: Path
    pid: int

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the server's log (it includes the kernels' own stderr)."""
        return self.log.read_text(errors="replace")[-chars:]


def _lab_env(home: Path) -> dict[str, str]:
    """The server's environment: every per-user folder inside ``home``, so the run touches nothing else."""
    folders = {
        "HOME": home, "XDG_CACHE_HOME": home / "cache", "MPLCONFIGDIR": home / "matplotlib",
        "JUPYTER_CONFIG_DIR": home / "jupyter" / "config", "JUPYTER_DATA_DIR": home / "jupyter" / "data",
        "JUPYTER_RUNTIME_DIR": home / "jupyter" / "runtime",
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **{k: str(v) for k, v in folders.items()}}
    # Plots drawn inline, as for a student, even if the caller's shell sets MPLBACKEND=Agg.
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONUNBUFFERED="1")
    env.pop("JUPYTER_PATH", None)
    env.pop("JUPYTERLAB_SETTINGS_DIR", None)
    return env


def _wait_until_ready(server: subprocess.Popen, url: str, log: Path) -> None:
    """Poll ``/api/status`` until the server answers; fail at once if it exits, or after the timeout."""
    # Straight to 127.0.0.1, whatever proxy the environment names.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    budget = SERVER_START_TIMEOUT_S * time_scale()
    deadline = time.monotonic() + budget
    while True:
        if server.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"JupyterLab exited with code {server.returncode} while starting:\n{tail}")
        try:
            with opener.open(f"{url}/api/status", timeout=2) as reply:
                if reply.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"JupyterLab did not answer on {url}/api/status "
                               f"within {budget:.0f} s; log: {log}")
        time.sleep(0.2)  # poll interval, not a guess at how long the start takes


@contextmanager
def jupyter_lab(notebook_dir: Path, extra: dict[str, Path], workdir: Path) -> Iterator[LabServer]:
    """A JupyterLab server on 127.0.0.1 serving a copy of ``notebook_dir`` plus ``extra`` notebooks.

    ``extra`` maps a path inside the served folder to a notebook file to copy there. The server is
    stopped by its pid when the block ends, also on error.
    """
    root = workdir / "root"
    # A copy, so that running and autosaving in the browser never changes the repository's notebooks.
    if notebook_dir.is_dir():
        shutil.copytree(notebook_dir, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    else:
        root.mkdir(parents=True)
    for relative, source in extra.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, root / relative)
    settings = workdir / "lab-settings"
    # The shipped defaults (overrides.d), then the test's own on top (overrides.json).
    shutil.copytree(SHIPPED_OVERRIDES, settings / "overrides.d")
    (settings / "overrides.json").write_text(json.dumps(LAB_OVERRIDES, indent=2))
    env = _lab_env(workdir / "home")
    # The venv's own entry point (not `jupyter lab`), so the pid we hold is the server itself.
    lab = Path(sys.executable).with_name("jupyter-lab")
    log = workdir / "lab.log"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("w") as log_file:
        server = subprocess.Popen(
            [str(lab), "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
             f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
             "--IdentityProvider.token=", "--ServerApp.password=", f"--ServerApp.root_dir={root}",
             f"--LabApp.app_settings_dir={settings}",
             # Lists the installed extensions only: never asks PyPI.
             "--LabApp.extension_manager=readonly",
             # The test reaches the running app (its command registry, the notebook model) as window.jupyterapp.
             "--LabApp.expose_app_in_browser=True"],
            env=env, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            # Its own session: a Ctrl-C in the terminal reaches pytest, which then stops the server cleanly.
            start_new_session=True,
        )
        handle = psutil.Process(server.pid)  # exists from here on, if only as a zombie
        try:
            _wait_until_ready(server, url, log)
            yield LabServer(url=url, root=root, log=log, pid=server.pid)
        finally:
            stop_process(handle)
            server.wait(timeout=STOP_TIMEOUT_S)


def _chromium_processes(since: set[int]) -> list[psutil.Process]:
    """Chromium browser processes started below this Python process, not counting ``since``."""
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            name = child.name().lower()
            if (child.pid not in since and "chrom" in name  # chromium, chrome, Google Chrome
                    and "--type=" not in " ".join(child.cmdline())):
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


@contextmanager
def chromium(playwright) -> Iterator[object]:
    """Headless Chromium (find_browser.py says which) launched by Playwright; closed, then killed by
    pid if it survives."""
    path = find_chromium()
    if path is None:
        raise RuntimeError(f"no Chromium or Chrome found (`bash scripts/ensure_browser.sh` looks for one "
                           f"or fetches it).\n{HOW_TO_GET_ONE}")
    before = {c.pid for c in psutil.Process().children(recursive=True)}
    browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
    # Playwright does not hand out the browser's pid; the main process is the one without --type=.
    processes = _chromium_processes(before)
    try:
        yield browser
    finally:
        try:
            browser.close()
        finally:
            for process in processes:
                stop_process(process, timeout=5)
