"""budgets.py: waits grow with a slow or crowded machine, and Run All with the notebook's own time."""

import nbformat
import pytest

from . import budgets
from .budgets import (
    ENV_VAR,
    MAX_SCALE,
    REFERENCE_PROBE_S,
    RUN_ALL_BASE_S,
    RUN_ALL_PER_STORED_S,
    RUN_ALL_UNKNOWN_S,
    run_all_budget,
    scale_from,
    stored_run_seconds,
    time_scale,
)


def test_scale_follows_the_slower_of_speed_and_crowding_and_stays_within_bounds():
    assert scale_from(REFERENCE_PROBE_S, load=0.5, cpus=2) == 1.0
    assert scale_from(REFERENCE_PROBE_S / 3, load=0.0, cpus=2) == 1.0  # a faster machine keeps the budgets
    assert scale_from(2 * REFERENCE_PROBE_S, load=1.0, cpus=2) == 2.0
    assert scale_from(REFERENCE_PROBE_S, load=7.0, cpus=2) == 3.5  # the load average seen on a busy 2-core machine
    assert scale_from(100 * REFERENCE_PROBE_S, load=90.0, cpus=2) == MAX_SCALE


@pytest.fixture
def fresh_scale():
    time_scale.cache_clear()
    yield
    time_scale.cache_clear()


def test_the_environment_sets_the_scale_outright(monkeypatch, fresh_scale):
    monkeypatch.setenv(ENV_VAR, "4.5")
    assert time_scale() == 4.5
    time_scale.cache_clear()
    monkeypatch.setenv(ENV_VAR, "fast")
    with pytest.raises(ValueError, match=f"{ENV_VAR} must be a positive number, got 'fast'"):
        time_scale()


def test_the_measured_scale_uses_the_probe_and_the_load(monkeypatch, fresh_scale):
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setattr(budgets, "_probe", lambda: 3 * REFERENCE_PROBE_S)
    monkeypatch.setattr(budgets.os, "getloadavg", lambda: (1.0, 1.0, 1.0))
    assert time_scale() == 3.0


def _notebook(path, timings):
    notebook = nbformat.v4.new_notebook()
    for start, end in timings:
        cell = nbformat.v4.new_code_cell("pass")
        if start:
            cell.metadata["execution"] = {"iopub.execute_input": start, "shell.execute_reply": end}
        notebook.cells.append(cell)
    notebook.cells.append(nbformat.v4.new_markdown_cell("text"))
    nbformat.write(notebook, path)
    return path


def test_run_all_budget_grows_with_the_stored_run_time(tmp_path):
    timed = _notebook(tmp_path / "timed.ipynb", [
        ("2026-12-02T03:28:31.365280Z", "2026-12-02T03:28:41.365280Z"),  # 10 s
        ("2026-12-02T03:28:41.400000Z", "2026-12-02T03:29:11.400000Z"),  # 30 s
        (None, None),  # never run: not counted
    ])
    assert stored_run_seconds(timed) == pytest.approx(40.0)
    assert run_all_budget(timed, scale=1.0) == RUN_ALL_BASE_S + RUN_ALL_PER_STORED_S * 40
    assert run_all_budget(timed, scale=2.5) == round(2.5 * (RUN_ALL_BASE_S + RUN_ALL_PER_STORED_S * 40))
    untimed = _notebook(tmp_path / "untimed.ipynb", [(None, None)])
    assert stored_run_seconds(untimed) is None
    assert run_all_budget(untimed, scale=1.0) == RUN_ALL_BASE_S + RUN_ALL_PER_STORED_S * RUN_ALL_UNKNOWN_S
    assert stored_run_seconds(tmp_path / "absent.ipynb") is None
