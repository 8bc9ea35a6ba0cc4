"""scripts/binder_session.py: notebooks run one after another in kernels left alive, inside one
memory cap, as a student's Binder session; a kernel killed for memory is caught and reported."""

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "binder_session.py"


def _notebook(path: Path, source: str) -> Path:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)
    return path


def _session(tmp_path: Path, limit_mb: int, *notebooks: Path, timeout: int = 600) -> tuple:
    out = tmp_path / "session.json"
    done = subprocess.run([sys.executable, str(SCRIPT), "--limit-mb", str(limit_mb), "--json", str(out),
                           *map(str, notebooks)], capture_output=True, text=True, timeout=timeout)
    if done.returncode == 3:  # NO_CGROUP
        pytest.skip(f"no memory cgroup can be made here: {done.stderr.strip()}")
    return done, (json.loads(out.read_text()) if out.exists() else None)


def test_kernels_stay_alive_and_measured_until_the_cap_kills_one(tmp_path):
    small = _notebook(tmp_path / "a_small.ipynb", "numbers = list(range(1000))\nprint(len(numbers))")
    # 300 MiB of bytes that are all written, so every page is resident; twice is past the cap.
    big = "blob = b'\\x01' * (300 * 2**20)\nprint(len(blob))"
    first, second = _notebook(tmp_path / "b_big.ipynb", big), _notebook(tmp_path / "c_big.ipynb", big)
    done, result = _session(tmp_path, 600, small, first, second)
    assert done.returncode == 1, done.stdout + done.stderr
    # After the first big notebook, both kernels are alive: the small one kept, the big one holding 300 MiB.
    kept = result["steps"][1]["kernels"]
    assert 20 < kept["a_small.ipynb"]["rss_mb"] < 300 and kept["b_big.ipynb"]["rss_mb"] > 300
    assert result["steps"][1]["error"] is None and result["steps"][1]["oom_kills"] == 0
    # The second big one does not fit: the kernel the cap killed is reported, and the session fails.
    dead = [name for name, memory in result["steps"][2]["kernels"].items() if memory is None]
    assert dead and result["oom_kills"] >= 1
    # (The cap's killer takes the largest process, which may be the kernel left running before.)
    failed = [line for line in done.stdout.splitlines() if line.startswith("FAILED: ")]
    assert failed and all(any(name in line for line in failed) for name in dead), done.stdout
    assert "| c_big.ipynb |" in done.stdout and "dead" in done.stdout


def test_bad_arguments_are_refused():
    done = subprocess.run([sys.executable, str(SCRIPT), "--limit-mb", "0"], capture_output=True, text=True)
    assert done.returncode == 2 and "--limit-mb must be a positive number of MiB, got 0" in done.stderr
    done = subprocess.run([sys.executable, str(SCRIPT), "no/such.ipynb"], capture_output=True, text=True)
    assert done.returncode == 2 and "no such notebook" in done.stderr


@pytest.mark.slow
def test_the_bert_notebooks_fit_in_binders_2_gb_with_every_kernel_left_running(tmp_path):
    # Notebooks 00-03 opened in turn, no kernel shut down, all within Binder's 2,048 MiB (minutes).
    done, result = _session(tmp_path, 2048, timeout=3600)
    print(done.stdout)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert all(memory is not None for memory in result["steps"][-1]["kernels"].values())
