"""Closing a notebook's tab in JupyterLab shuts its kernel down, with the collection's settings.

A student on Binder opens the notebooks one after another in 2 GB; a kernel left running after its
tab is closed holds hundreds of MiB. The test opens a short notebook, runs it, closes its tab as a
student does (the tab's close icon; "Save" when JupyterLab asks), and expects the kernel gone from
the server's kernel list and its process ended; the next notebook then gets a kernel of its own.
The control turns the setting off for the user (as Settings would) and expects the kernel to stay:
so the first test passes because of the shipped setting, not because closing a tab always does it.
"""

from __future__ import annotations

import json
import time
import urllib.request

import nbformat
import psutil
import pytest

from .budgets import time_scale
from .notebook_check import Report, _open, _run_all

pytestmark = pytest.mark.browser

FOLDER = "_closing"  # inside the server's root
SETTING = "@jupyterlab/notebook-extension:tracker"
SHUTDOWN_TIMEOUT_S = 30  # a kernel's graceful shutdown, on the reference machine
STAYS_S = 5  # how long a kernel that should stay is watched after its tab closed

_CURRENT_ID = "() => window.jupyterapp.shell.currentWidget.id"

_TAB_GONE_OR_DIALOG = """(id) => {
  if (document.querySelector('.jp-Dialog')) return 'dialog';
  return !document.querySelector(`#jp-main-dock-panel .lm-TabBar-tab[data-id="${id}"]`) && 'closed';
}"""


def _notebook(lab_server, name: str) -> str:
    """A two-cell notebook in the server's folder that prints its kernel's pid; its path there."""
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import os\nprint(os.getpid())"),
        nbformat.v4.new_code_cell("numbers = list(range(100_000))\nsum(numbers)"),
    ])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    (lab_server.root / FOLDER).mkdir(exist_ok=True)
    nbformat.write(notebook, lab_server.root / FOLDER / f"{name}.ipynb")
    return f"{FOLDER}/{name}.ipynb"


def _kernel_ids(lab_server) -> set[str]:
    """The ids of the kernels the server runs (GET /api/kernels; the test's server has no token)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{lab_server.url}/api/kernels", timeout=10) as reply:
        return {kernel["id"] for kernel in json.load(reply)}


def _open_and_run(page, lab_server, path: str) -> tuple[str, int]:
    """Open ``path``, run all its cells; return its kernel's id (from the page) and pid (printed)."""
    scale = time_scale()
    report = Report(path, time_scale=scale, run_all_budget_s=60 * scale)
    _open(page, lab_server, path, scale)
    assert _run_all(page, report), report.problems
    kernel_id = page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.id")
    pid = int(page.locator(".jp-OutputArea-output").first.inner_text().strip())
    assert kernel_id in _kernel_ids(lab_server) and psutil.pid_exists(pid)
    return kernel_id, pid


def _close_tab(page) -> None:
    """Close the current notebook's tab with its close icon, saving when JupyterLab asks."""
    tab_id = page.evaluate(_CURRENT_ID)
    page.locator(f'#jp-main-dock-panel .lm-TabBar-tab[data-id="{tab_id}"] .lm-TabBar-tabCloseIcon').click()
    timeout = 20_000 * time_scale()
    state = page.wait_for_function(_TAB_GONE_OR_DIALOG, arg=tab_id, timeout=timeout).json_value()
    if state == "dialog":  # "Save your work": the run changed the notebook's outputs
        page.locator(".jp-Dialog").get_by_role("button", name="Save", exact=True).click()
        page.wait_for_function(_TAB_GONE_OR_DIALOG, arg=tab_id, timeout=timeout)


def _gone(lab_server, kernel_id: str, pid: int, within_s: float) -> bool:
    """True once the kernel is off the server's list and its process has ended, within ``within_s``."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if kernel_id not in _kernel_ids(lab_server) and not _alive(pid):
            return True
        time.sleep(0.25)  # poll interval
    return False


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_closing_a_notebooks_tab_shuts_its_kernel_down_and_the_next_gets_its_own(lab_server, page):
    first, second = _notebook(lab_server, "first"), _notebook(lab_server, "next")
    kernel, pid = _open_and_run(page, lab_server, first)
    _close_tab(page)
    assert _gone(lab_server, kernel, pid, SHUTDOWN_TIMEOUT_S * time_scale()), (
        f"the kernel of {first} still runs after its tab was closed (in the server's list: "
        f"{kernel in _kernel_ids(lab_server)}, its process alive: {_alive(pid)})")
    next_kernel, next_pid = _open_and_run(page, lab_server, second)
    assert next_kernel != kernel and next_pid != pid
    _close_tab(page)
    assert _gone(lab_server, next_kernel, next_pid, SHUTDOWN_TIMEOUT_S * time_scale())


def test_control_with_the_setting_off_a_closed_tab_leaves_its_kernel_running(lab_server, page):
    path = _notebook(lab_server, "kept")
    scale = time_scale()
    page.goto(f"{lab_server.url}/lab?reset", wait_until="domcontentloaded", timeout=90_000 * scale)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.serviceManager.isReady",
                           timeout=90_000 * scale)
    save = "([id, raw]) => window.jupyterapp.serviceManager.settings.save(id, raw)"
    page.evaluate(save, [SETTING, json.dumps({"kernelShutdown": False})])
    kernel = None
    try:
        kernel, pid = _open_and_run(page, lab_server, path)  # reopened: the page reads the user setting
        _close_tab(page)
        assert not _gone(lab_server, kernel, pid, STAYS_S), "the kernel was shut down with the setting off"
        assert kernel in _kernel_ids(lab_server) and _alive(pid)
    finally:
        page.evaluate(save, [SETTING, "{}"])
        if kernel is not None:
            page.evaluate("(id) => window.jupyterapp.serviceManager.kernels.shutdown(id)", kernel)
