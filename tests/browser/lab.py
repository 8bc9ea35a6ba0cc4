"""Drive JupyterLab in headless Chromium: open a notebook, run it, and inspect what a student sees."""

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
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
# JupyterLab settings for a quiet, reproducible session: no news or update checks, no restored tabs.
OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/application-extension:context-menu": {"disabled": False},
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
}
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(process: subprocess.Popen, timeout: float = 15) -> None:
    """Stop a process group started by us: SIGTERM, then SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=timeout)


@contextmanager
def jupyter_lab(notebooks: list[Path], workdir: Path):
    """A JupyterLab server on loopback serving copies of ``notebooks``; stopped by its pid on exit."""
    root = workdir / "root"
    root.mkdir()
    for path in notebooks:
        shutil.copy(path, root / path.name)
    settings = workdir / "settings"
    settings.mkdir()
    (settings / "overrides.json").write_text(json.dumps(OVERRIDES))
    home = workdir / "home"
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"),
           "MPLCONFIGDIR": str(home / "mpl"), "JUPYTER_CONFIG_DIR": str(home / "jupyter-config"),
           "JUPYTER_RUNTIME_DIR": str(home / "jupyter-runtime"), "MPLBACKEND": "module://matplotlib_inline.backend_inline",
           "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    port = _free_port()
    lab = Path(sys.executable).with_name("jupyter-lab")
    log = (workdir / "lab.log").open("w")
    server = subprocess.Popen(
        [str(lab), "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         "--ServerApp.port_retries=0", "--IdentityProvider.token=", "--ServerApp.password=",
         "--ServerApp.disable_check_xsrf=True", f"--ServerApp.root_dir={root}",
         f"--LabApp.app_settings_dir={settings}", "--LabApp.expose_app_in_browser=True",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:  # poll the API until it answers: a deterministic wait, no fixed sleep
            if server.poll() is not None:
                raise RuntimeError(f"JupyterLab exited early:\n{(workdir / 'lab.log').read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{base}/api/status", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("JupyterLab did not answer within 90 s") from None
                time.sleep(0.2)
        yield base
    finally:
        _stop(server)
        log.close()


@dataclass
class Report:
    """What the browser saw in one notebook."""

    notebook: str
    problems: list[str] = field(default_factory=list)
    widgets_expected: int = 0
    widgets_rendered: int = 0
    interactions: list[str] = field(default_factory=list)
    seconds: float = 0.0


# JavaScript run in the page. `window.jupyterapp` is exposed by --LabApp.expose_app_in_browser.
_RUN_ALL = """async () => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  await panel.context.ready;
  await panel.sessionContext.ready;
  await app.commands.execute('notebook:run-all-cells');
  return true;
}"""
_MODEL_SUMMARY = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cells = panel.content.model.cells;
  const out = {code: 0, executed: 0, errors: [], widgets: 0};
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type !== 'code') continue;
    out.code += 1;
    if (cell.executionCount) out.executed += 1;
    for (let j = 0; j < cell.outputs.length; j++) {
      const o = cell.outputs.get(j).toJSON();
      if (o.output_type === 'error') out.errors.push(`cell ${i}: ${o.ename}: ${o.evalue}`);
      if (o.data && o.data['application/vnd.jupyter.widget-view+json']) out.widgets += 1;
    }
  }
  return out;
}"""
_KERNEL_BUSY = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const queued = [...document.querySelectorAll('.jp-InputArea-prompt')].some(p => p.textContent.includes('*'));
  return !kernel || kernel.status !== 'idle' || queued;
}"""


def _wait_until(predicate, timeout: float, what: str, interval: float = 0.25) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def _outputs_text(area) -> str:
    return " | ".join(h.inner_text() for h in area.query_selector_all(".widget-html-content"))


def _move_one_control(area) -> str | None:
    """Change one control of an interactive widget; return what was done (None: no control)."""
    select = area.query_selector("select")
    if select is not None:
        options = select.eval_on_selector_all("option", "os => os.map(o => o.value)")
        current = select.evaluate("s => s.value")
        other = next((o for o in options if o != current), None)
        if other is not None:
            select.select_option(other)
            return f"dropdown -> {other!r}"
    toggles = area.query_selector_all(".widget-toggle-button:not(.mod-active)")
    if toggles:
        label = toggles[0].inner_text()
        toggles[0].click()
        return f"toggle button {label!r}"
    handle = area.query_selector(".noUi-handle")
    if handle is not None:
        handle.focus()
        for _ in range(3):
            handle.press("ArrowLeft")
        return "slider moved 3 steps left"
    box = area.query_selector("textarea, input[type=text]")
    if box is not None:
        box.fill("a new sentence typed by the test")
        box.press("Enter")
        return "text typed"
    return None


def check_notebook(page, base_url: str, name: str, run_timeout: float = 300) -> Report:
    """Open ``name`` in JupyterLab, run all cells, and report errors, widgets and interactions."""
    report = Report(name)
    start = time.monotonic()
    page.goto(f"{base_url}/lab/tree/{name}?reset", wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget && "
                           "window.jupyterapp.shell.currentWidget.sessionContext", timeout=90_000)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    page.evaluate(_RUN_ALL)
    _wait_until(lambda: not page.evaluate(_KERNEL_BUSY), run_timeout, f"{name} to finish running")
    summary = page.evaluate(_MODEL_SUMMARY)
    if summary["executed"] < summary["code"]:
        report.problems.append(f"only {summary['executed']} of {summary['code']} code cells ran")
    report.problems += [f"error output in {e}" for e in summary["errors"]]
    report.widgets_expected = summary["widgets"]
    # Every widget the kernel displayed must be rendered by the widget manager, without error.
    # A rendered widget view is an output whose child is a widget-manager view (.jupyter-widgets).
    areas = page.query_selector_all(".jp-OutputArea-output:has(> .jupyter-widgets)")
    report.widgets_rendered = len(areas)
    if "Error displaying widget" in page.inner_text("body"):
        report.problems.append("'Error displaying widget' shown")
    if report.widgets_rendered != report.widgets_expected:
        report.problems.append(f"{report.widgets_expected} widget views in the notebook, "
                               f"{report.widgets_rendered} rendered")
    for index, area in enumerate(areas):
        before = _outputs_text(area)
        action = _move_one_control(area)
        if action is None:
            continue  # a display-only widget, e.g. a progress bar
        try:
            _wait_until(lambda a=area, b=before: _outputs_text(a) != b, 30, "the output to change")
            report.interactions.append(f"widget {index}: {action}: output changed")
        except TimeoutError:
            report.problems.append(f"widget {index}: {action}, but its output did not change")
    report.seconds = time.monotonic() - start
    return report


@contextmanager
def chromium(workdir: Path):
    """Headless Chromium started by us (so we hold its pid), reached by Playwright over CDP."""
    port = _free_port()
    profile = workdir / "chromium-profile"
    log = (workdir / "chromium.log").open("w")
    process = subprocess.Popen(
        [CHROMIUM, "--headless=new", f"--remote-debugging-port={port}", "--remote-debugging-address=127.0.0.1",
         f"--user-data-dir={profile}", *CHROMIUM_ARGS, "about:blank"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"Chromium exited early:\n{(workdir / 'chromium.log').read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/version", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("Chromium did not open its debugging port within 60 s") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(process)
        log.close()
