"""One JupyterLab server and one headless Chromium for the whole browser test session."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from .budgets import time_scale
from .lab import chromium, jupyter_lab
from .samples import write_samples

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = REPO / "notebooks"
SAMPLE_DIR = "_samples"  # inside the server's root, next to the copied notebooks
VIEWPORT = {"width": 1400, "height": 1000}


@pytest.fixture(scope="session")
def samples(tmp_path_factory) -> dict[str, Path]:
    """The sample notebooks (good, raises, broken_widgets), written to a temporary folder."""
    return write_samples(tmp_path_factory.mktemp("browser-samples"))


@pytest.fixture(scope="session")
def sample_paths(samples) -> dict[str, str]:
    """Where the server serves each sample notebook, relative to its root."""
    return {name: f"{SAMPLE_DIR}/{path.name}" for name, path in samples.items()}


def _interrupt(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory, samples, sample_paths):
    """JupyterLab on 127.0.0.1 serving a copy of notebooks/ and the samples; stopped by pid at the end."""
    extra = {sample_paths[name]: path for name, path in samples.items()}
    # A SIGTERM (a CI timeout, `kill`) ends the run like Ctrl-C, so the teardown still stops the
    # server and the browser instead of leaving them running.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with jupyter_lab(NOTEBOOK_DIR, extra, tmp_path_factory.mktemp("browser-lab")) as server:
            yield server
    finally:
        signal.signal(signal.SIGTERM, previous)


@pytest.fixture(scope="session")
def browser():
    """Chromium (or Chrome), headless, driven by Playwright; closed (and killed if need be) at the end."""
    with sync_playwright() as playwright, chromium(playwright) as launched:
        yield launched


@pytest.fixture
def page(browser):
    """A fresh browser context and page for one notebook: no state carried over from the last one."""
    context = browser.new_context(viewport=VIEWPORT)
    # A click or key press that cannot happen fails after this long (20 s on the reference machine),
    # with a message naming the control.
    context.set_default_timeout(20_000 * time_scale())
    try:
        yield context.new_page()
    finally:
        context.close()
