"""conftest.py orders the browser tests so that two workers stay busy (checked on the real collection)."""

import re
import subprocess
import sys

from .budgets import stored_run_seconds
from .conftest import NOTEBOOK_DIR, REPO


def test_the_two_longest_notebooks_first_then_the_tests_without_one_then_the_rest_longest_first():
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-o", "addopts=", "-m", "browser",
                           "--collect-only", "-q", "tests/browser"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    ids = [line for line in done.stdout.splitlines() if "::" in line]
    notebook = [re.search(r"\[(\d\d_\w+\.ipynb)\]$", i) for i in ids]
    runs_one = [m is not None or "chinese_notebook" in i for m, i in zip(notebook, ids, strict=True)]
    # Two notebooks, then every test that runs none, then the rest of the notebooks.
    assert runs_one[:2] == [True, True] and not any(runs_one[2:runs_one.index(True, 2)])
    assert all(runs_one[runs_one.index(True, 2):])
    seconds = [stored_run_seconds(NOTEBOOK_DIR / m.group(1)) if m else stored_run_seconds(
               NOTEBOOK_DIR / "zh" / "00_start_here.ipynb") for m, one in zip(notebook, runs_one, strict=True) if one]
    assert seconds == sorted(seconds, reverse=True), seconds
    assert len(seconds) == len(list(NOTEBOOK_DIR.glob("*.ipynb"))) + 1
