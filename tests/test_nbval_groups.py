"""tests/nbval_groups.py: unit tests and notebooks in one xdist session, each notebook's cells on one worker."""

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def session_files(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("together")
    for name in ("first", "second"):
        # Each cell needs the one before it, in the same kernel.
        cells = ["import os\ncount = 1", "count += 1", "count += 1", "assert count == 3\nprint(os.getpid())"]
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(notebook, folder / f"{name}.ipynb")
    (folder / "test_quick.py").write_text(
        "import pytest\n\n@pytest.mark.parametrize('n', range(12))\ndef test_quick(n):\n    assert n >= 0\n")
    return folder


def _run(folder: Path, *options: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-o", "addopts=", "-n", "2",
                           "-v", *options, "--nbval-lax", "--rootdir", str(folder), str(folder)],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=300)


def test_each_notebook_runs_in_order_on_one_worker_and_the_tests_fill_in(session_files):
    done = _run(session_files, "-p", "tests.nbval_groups")
    assert done.returncode == 0, done.stdout[-3000:]
    # A cell's id is "first.ipynb::Cell 0" (pytest 9 with xdist prints it as "first::ipynb::Cell 0").
    ran = re.findall(r"\[(gw\d)\] .*?PASSED (\S+?)(?:[.:]+ipynb)?::(Cell \d+|test_quick\[\d+\])", done.stdout)
    workers = {}
    for worker, where, test in ran:
        workers.setdefault(where.rsplit("/", 1)[-1], []).append((worker, test))
    for name in ("first", "second"):
        assert [test for _, test in workers[name]] == [f"Cell {i}" for i in range(4)], workers[name]
        assert len({worker for worker, _ in workers[name]}) == 1, workers[name]  # xdist's default splits them
    assert len(workers["test_quick.py"]) == 12
