"""Each notebook states the run time and peak memory that `make bench` measured (notebooks/results/bench_notebooks.json)."""

import importlib.util
import json
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_notebooks", ROOT / "scripts" / "bench_notebooks.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)
ROWS = json.loads(bench.RESULTS.read_text())["rows"]


def test_every_notebook_has_a_measurement():
    assert sorted(r["notebook"] for r in ROWS) == sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r["notebook"])
def test_the_stated_figures_are_the_measured_ones(row):
    first = "".join(c.source for c in nbformat.read(ROOT / "notebooks" / row["notebook"], as_version=4).cells[:3])
    assert bench.stated(row) in first, f"{row['notebook']}: run `make bench` (it rewrites the line) or fix it by hand"


def test_the_stated_line_rounds_the_measurement():
    assert bench.stated({"seconds": 66.0, "peak_mb": 743}) == (
        "**Run time:** about 65 seconds on a 2-core laptop CPU; peak memory about 740 MiB (measured by `make bench`).")


def test_the_start_notebook_maps_every_other_notebook():
    source = "".join(c.source for c in nbformat.read(ROOT / "notebooks" / "00_start_here.ipynb", as_version=4).cells)
    for path in sorted((ROOT / "notebooks").glob("0[1-9]_*.ipynb")):
        assert f"\n| {path.name[:2]} " in source, f"00's map leaves out {path.name}"
