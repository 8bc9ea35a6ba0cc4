"""Every notebook, run in JupyterLab in a real (headless) browser, as a student would."""

from pathlib import Path

import pytest

from tests.browser.conftest import NOTEBOOKS
from tests.browser.lab import check_notebook

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser"


def _screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{Path(name).stem}.png"), full_page=True)


@pytest.mark.parametrize("notebook", [p.name for p in NOTEBOOKS])
def test_notebook_runs_and_its_widgets_respond(lab, page, notebook):
    report = check_notebook(page, lab, notebook)
    _screenshot(page, notebook)
    print(f"{notebook}: {report.seconds:.0f} s, {report.widgets_rendered}/{report.widgets_expected} widgets "
          f"rendered; " + "; ".join(report.interactions))
    assert not report.problems, report.problems


def test_harness_passes_a_good_sample(lab, page, samples):
    report = check_notebook(page, lab, samples["good"].name, run_timeout=60)
    assert not report.problems, report.problems
    assert report.widgets_rendered == report.widgets_expected == 1
    assert report.interactions and "output changed" in report.interactions[0]


def test_harness_catches_an_error(lab, page, samples):
    report = check_notebook(page, lab, samples["raises"].name, run_timeout=60)
    assert any("RuntimeError" in p for p in report.problems), report.problems


def test_harness_catches_a_widget_that_is_not_wired(lab, page, samples):
    report = check_notebook(page, lab, samples["dead_widget"].name, run_timeout=60)
    assert any("did not change" in p for p in report.problems), report.problems
