from pathlib import Path

import pytest

from tests.browser.lab import chromium, jupyter_lab

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="session")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("browser")


@pytest.fixture(scope="session")
def samples(workdir):
    """Small notebooks that prove the harness itself: one good, one raising, one with a dead widget."""
    from tests.browser.samples import write_samples

    folder = workdir / "samples"
    folder.mkdir()
    return write_samples(folder)


@pytest.fixture(scope="session")
def lab(workdir, samples):
    with jupyter_lab([*NOTEBOOKS, *samples.values()], workdir) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def page(workdir):
    sync_api = pytest.importorskip("playwright.sync_api")
    with chromium(workdir) as endpoint, sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.connect_over_cdp(endpoint)
        context = browser.contexts[0] if browser.contexts else browser.new_context()
        page = context.new_page()
        page.set_viewport_size({"width": 1400, "height": 1000})
        try:
            yield page
        finally:
            browser.close()
