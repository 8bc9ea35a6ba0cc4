"""One JupyterLab server and one headless Chromium for the whole browser test session."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from .budgets import RUN_ALL_UNKNOWN_S, stored_run_seconds, time_scale
from .lab import chromium, jupyter_lab
from .samples import write_samples

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = REPO / "notebooks"
SAMPLE_DIR = "_samples"  # inside the server's root, next to the copied notebooks
VIEWPORT = {"width": 1400, "height": 1000}


def _expected_seconds(item: pytest.Item) -> float:
    """How long a test runs a notebook for (its stored run time); 0 for a test that runs none of them."""
    params = getattr(item, "callspec", None) and item.callspec.params
    notebook = (params or {}).get("notebook") or getattr(item.module, "NOTEBOOK_OF", {}).get(item.originalname)
    if not notebook:
        return 0.0
    stored = stored_run_seconds(NOTEBOOK_DIR / notebook)
    return RUN_ALL_UNKNOWN_S if stored is None else stored


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The browser tests in an order that keeps two workers busy. xdist hands out the first four,
    two to each worker, then one at a time as they finish. The two longest notebooks go first, to
    the first worker; the tests that run no notebook of the collection (the samples mostly wait,
    on purpose, for what must not happen) next, to the other, beside them; then the rest of the
    notebooks, longest first, so that the last ones to finish are short."""
    here = Path(__file__).parent
    browser = [item for item in items if here in item.path.parents]
    if browser:
        notebooks = sorted((item for item in browser if _expected_seconds(item) > 0), key=_expected_seconds,
                           reverse=True)
        others = [item for item in browser if _expected_seconds(item) == 0]
        rest = iter(notebooks[:2] + others + notebooks[2:])
        items[:] = [next(rest) if here in item.path.parents else item for item in items]


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
