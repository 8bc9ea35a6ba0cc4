"""Every notebook, run in JupyterLab in headless Chromium and clicked through as a student would.

Run with `make test-browser`. The sample notebooks prove that the check passes a good notebook and
catches a failing cell, a widget whose output is not wired, and a widget that cannot be displayed.
"""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import pytest

from .budgets import time_scale
from .conftest import NOTEBOOK_DIR, REPO
from .notebook_check import Report, check_notebook

pytestmark = pytest.mark.browser

ARTIFACTS = REPO / "artifacts" / "browser"
NOTEBOOKS = sorted(path.name for path in NOTEBOOK_DIR.glob("*.ipynb"))
# The interactive widgets each notebook builds: one that fails to show up, or has no control left,
# is caught here even though nothing else on the page looks wrong.
INTERACTIVE_WIDGETS = {
    "00_start_here.ipynb": 1,  # the tokenizer widget
    "01_bert.ipynb": 1,  # truncating a long text
    "02_mlm_masking.ipynb": 1,  # the masking widget
    "03_nsp.ipynb": 1,  # pick a sentence A, see P(IsNext) of its candidates
    "04_elmo.ipynb": 1,  # a word's same-sense and other-sense cosines, layer by layer, beside word2vec
    "05_gpt.ipynb": 1,  # the attention-mask widget: padding, look-ahead, both; a trained GPT's attention
    "06_gpt2.ipynb": 1,  # the sampling widget: prompt, strategy, temperature, k, p, seed
    "07_comparison.ipynb": 1,  # notebook 05's attention-mask widget, on the matched trio's GPT
}


# The Chinese edition's first notebook: its code is the English one's, its text Chinese.
CHINESE_NOTEBOOK = "zh/00_start_here.ipynb"
# The notebook a test without a `notebook` parameter runs (conftest orders the tests by its run time).
NOTEBOOK_OF = {"test_a_chinese_notebook_runs_its_checker_speaks_chinese_and_its_text_is_drawn": CHINESE_NOTEBOOK}
# Draws characters on a canvas with the page's sans-serif font: with no font that has Chinese glyphs,
# every character becomes the same empty box, the same as an unassigned code point's.
DRAWN_AS_GLYPHS = """() => {
  const canvas = document.createElement("canvas");
  canvas.width = 48; canvas.height = 48;
  const context = canvas.getContext("2d");
  const draw = (text) => {
    context.clearRect(0, 0, 48, 48);
    context.font = "36px sans-serif";
    context.fillText(text, 4, 40);
    return Array.from(context.getImageData(0, 0, 48, 48).data).join(",");
  };
  const missing = draw("\\u{10FFFD}");
  const shapes = ["语", "模", "型"].map(draw);
  return {distinct: new Set(shapes).size === shapes.length, noneMissing: shapes.every((s) => s !== missing)};
}"""


def _check(page, lab_server, path: str, artifacts: Path, **options) -> Report:
    """Check one notebook; keep its full-page screenshot and its report under ``artifacts``."""
    stem = Path(path).stem
    artifacts.mkdir(parents=True, exist_ok=True)
    report = check_notebook(page, lab_server, path, screenshot=artifacts / f"{stem}.png", **options)
    (artifacts / f"{stem}.json").write_text(json.dumps(report.as_dict(), indent=2) + "\n")
    print(f"\n{path}: {report.seconds:.0f} s (Run All budget {report.run_all_budget_s:.0f} s, time scale "
          f"{report.time_scale}), {report.cells_run}/{report.code_cells} cells ran, "
          f"{report.widgets_rendered} widgets rendered ({report.widgets_closed} closed by the notebook), "
          f"{len(report.interactions)} controls moved")
    for line in report.interactions + report.notes:
        print("  " + line)
    if report.problems:  # the server's log holds the kernels' own messages, e.g. a crash
        print(f"--- end of the JupyterLab log ({lab_server.log}) ---\n{lab_server.log_tail(2000)}")
    return report


# With no notebook in notebooks/ yet, the test still runs, on the good sample.
@pytest.mark.parametrize("notebook", NOTEBOOKS or [None], ids=NOTEBOOKS or ["sample_good"])
def test_notebook_runs_and_its_widgets_respond(lab_server, page, sample_paths, notebook):
    path = notebook or sample_paths["good"]
    report = _check(page, lab_server, path, ARTIFACTS)
    assert not report.problems, f"{path} in the browser:\n  " + "\n  ".join(report.problems)
    if notebook is not None:
        assert notebook in INTERACTIVE_WIDGETS, f"add {notebook} to INTERACTIVE_WIDGETS"
        assert report.interactive_widgets == INTERACTIVE_WIDGETS[notebook]


def test_check_passes_a_good_notebook_and_moves_every_control(lab_server, page, sample_paths):
    report = _check(page, lab_server, sample_paths["good"], ARTIFACTS / "samples")
    assert report.problems == []
    assert report.cells_run == report.code_cells == 6
    # Five widgets stay on screen; the sixth is closed by the notebook itself.
    assert (report.widgets_displayed, report.widgets_rendered, report.widgets_closed) == (6, 5, 1)
    assert report.interactive_widgets == 4  # the fifth rendered widget has no control
    moved = [line.split(":")[0] for line in report.interactions]
    assert moved == [
        "widget in cell #2, slider 'count'",
        "widget in cell #3, slider 'n'",
        "widget in cell #3, dropdown 'word'",
        "widget in cell #4, toggle buttons 'style'",
        "widget in cell #4, text box 'text'",
        "widget in cell #4, check box 'upper case'",
        "widget in cell #5, slider 'width'",
    ]
    assert report.notes == []


def test_check_catches_a_cell_that_raises(lab_server, page, sample_paths):
    report = _check(page, lab_server, sample_paths["raises"], ARTIFACTS / "samples")
    assert report.problems == [
        "only 2 of 3 code cells ran",
        "cell #2 shows an error at `raise RuntimeError('this cell fails on purpose')`: "
        "RuntimeError: this cell fails on purpose",
    ]


def test_check_catches_broken_widgets(lab_server, page, sample_paths):
    # The samples' callbacks are instant: a short wait is enough to call an output unchanged.
    report = _check(page, lab_server, sample_paths["broken_widgets"], ARTIFACTS / "samples", change_timeout_s=5)
    problems = "\n".join(report.problems)
    assert "widget in cell #2, dropdown 'unwired': picked option 'two', but its output did not change" in problems
    assert "widget in cell #3, slider 'k'" in problems and "KeyError: 'fails when moved'" in problems
    assert "cell #4: a widget is not rendered (it shows 'Error displaying widget')" in problems
    assert "widget in cell #5: none of its 1 controls was seen to change its output" in problems
    assert len(report.problems) == 4, problems


def test_check_says_how_far_a_notebook_got_when_run_all_runs_out_of_time(lab_server, page, sample_paths):
    report = _check(page, lab_server, sample_paths["slow"], ARTIFACTS / "samples", run_all_budget_s=10)
    assert len(report.problems) == 1, report.problems
    assert report.problems[0].startswith("Run All did not finish within 10 s"), report.problems
    assert "1 of 3 code cells had run, cell #2 still running, kernel busy" in report.problems[0]
    assert (report.cells_run, report.code_cells) == (1, 3)


def test_a_chinese_notebook_runs_its_checker_speaks_chinese_and_its_text_is_drawn(lab_server, page):
    report = _check(page, lab_server, CHINESE_NOTEBOOK, ARTIFACTS / "zh")
    assert not report.problems, f"{CHINESE_NOTEBOOK} in the browser:\n  " + "\n  ".join(report.problems)
    assert report.interactive_widgets == INTERACTIVE_WIDGETS["00_start_here.ipynb"]
    # The first cell after Run All chose Chinese: an unanswered exercise says so in Chinese.
    assert page.get_by_text("还没有作答").count() > 0, "no exercise verdict in Chinese on the page"
    drawn = page.evaluate(DRAWN_AS_GLYPHS)
    assert drawn == {"distinct": True, "noneMissing": True}, (
        f"Chinese characters are not drawn as glyphs ({drawn}): install a CJK font (bash scripts/ensure_cjk_font.sh)")


def test_the_start_page_opens_rendered_and_offers_both_editions(lab_server, page):
    # `make lab` opens here (--ServerApp.default_url); the shipped settings open Markdown as a preview.
    page.goto(f"{lab_server.url}/lab/tree/index.md?reset", wait_until="domcontentloaded")
    rendered = page.locator(".jp-RenderedMarkdown")
    rendered.get_by_role("link", name="下一句预测").wait_for(timeout=60_000 * time_scale())
    links = rendered.get_by_role("link").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    # JupyterLab writes each relative link out as the file's URL (and opens it in a tab when clicked).
    paths = [urllib.parse.unquote(urllib.parse.urlsplit(href or "").path) for href in links]
    assert len(paths) == 2 * len(NOTEBOOKS), paths
    for name in NOTEBOOKS:
        assert sum(p.endswith(f"/{name}") and "/zh/" not in p for p in paths) == 1, (name, paths)
        assert sum(p.endswith(f"/zh/{name}") for p in paths) == 1, (name, paths)
    rendered.get_by_role("link", name="下一句预测").click()
    page.locator(".lm-TabBar-tabLabel", has_text="03_nsp.ipynb").first.wait_for(timeout=60_000 * time_scale())
