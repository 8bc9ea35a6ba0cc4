"""scripts/binder_session.py: notebooks run one after another in kernels left alive, inside one
memory cap, as a student's Binder session; a kernel killed for memory is caught and reported."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "binder_session.py"


def _notebook(path: Path, source: str) -> Path:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)
    return path


def _session(tmp_path: Path, limit_mb: int, *notebooks: Path, timeout: int = 600, close_each: bool = False) -> tuple:
    out = tmp_path / "session.json"
    done = subprocess.run([sys.executable, str(SCRIPT), "--limit-mb", str(limit_mb), "--json", str(out),
                           *(["--close-each"] if close_each else []), *map(str, notebooks)],
                          capture_output=True, text=True, timeout=timeout)
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


def test_closing_each_kernel_before_the_next_fits_what_kept_kernels_do_not(tmp_path):
    # The notebooks of the test above, which do not fit with every kernel kept, fit when each kernel
    # is shut down after its notebook, as closing its tab does with the collection's settings.
    small = _notebook(tmp_path / "a_small.ipynb", "numbers = list(range(1000))\nprint(len(numbers))")
    big = "blob = b'\\x01' * (300 * 2**20)\nprint(len(blob))"
    first, second = _notebook(tmp_path / "b_big.ipynb", big), _notebook(tmp_path / "c_big.ipynb", big)
    done, result = _session(tmp_path, 600, small, first, second, close_each=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert result["close_each"] and result["oom_kills"] == 0 and result["failures"] == []
    for step in result["steps"]:
        # Only the notebook just run has a kernel, measured after its last cell, then shut down.
        assert list(step["kernels"]) == [step["notebook"]] and step["error"] is None
        assert step["closed"]["process_gone"]
        # Once it is closed the group holds the runner alone, far less than the 300 MiB kernel held.
        assert step["group_after_close"]["now_mb"] < step["group"]["now_mb"]
    big_kernel = result["steps"][1]["kernels"]["b_big.ipynb"]
    assert big_kernel["rss_mb"] > 300 and result["steps"][1]["group"]["peak_mb"] > 300
    assert result["steps"][2]["group_after_close"]["now_mb"] < 200
    assert "| c_big.ipynb |" in done.stdout and "Each kernel shut down before the next notebook" in done.stdout


def test_sigterm_stops_the_session_and_cleans_up_its_kernels_and_cgroup(tmp_path):
    # A notebook that would run for ten minutes; SIGTERM once its kernel is busy with it.
    waiting = _notebook(tmp_path / "a_waits.ipynb", "import time\ntime.sleep(600)")
    session = subprocess.Popen([sys.executable, str(SCRIPT), "--limit-mb", "600", str(waiting)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = session.stderr.readline()  # "... (cgroup vN: PATH)", or why no cgroup can be made
        if "cgroup v" not in first:
            session.wait(timeout=60)
            assert session.returncode == 3, first  # NO_CGROUP
            pytest.skip(f"no memory cgroup can be made here: {first.strip()}")
        group = Path(first.rsplit(": ", 1)[1].rstrip(")\n"))
        deadline, kernels = time.monotonic() + 120, []
        while time.monotonic() < deadline and not kernels:  # the runner, then its kernel, join the group
            pids = [int(p) for p in (group / "cgroup.procs").read_text().split()]
            kernels = [p for p in pids if "ipykernel" in Path(f"/proc/{p}/cmdline").read_text(errors="replace")]
            time.sleep(0.5)
        assert kernels, "no kernel started within 2 minutes"
        time.sleep(2)  # the kernel is now in the long cell
        session.send_signal(signal.SIGTERM)
        # Within the time, and with nothing left holding its output open (a kernel left running would).
        _, err = session.communicate(timeout=90)
    finally:
        if session.poll() is None:
            session.kill()
    assert session.returncode == 128 + signal.SIGTERM, err
    assert "stopped; every kernel shut down, the cgroup removed" in err
    assert not group.exists()
    assert not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
                   for pid in kernels)


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


@pytest.mark.slow
def test_all_eight_notebooks_fit_in_binders_2_gb_when_each_tab_is_closed_before_the_next(tmp_path):
    # The student's path with the shipped settings: each notebook opened, run, closed (its kernel
    # shut down) before the next, all eight within Binder's 2,048 MiB (about 10 minutes).
    notebooks = sorted((SCRIPT.parents[1] / "notebooks").glob("*.ipynb"))
    done, result = _session(tmp_path, 2048, *notebooks, timeout=3600, close_each=True)
    print(done.stdout)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert len(result["steps"]) == 8 and all(step["closed"]["process_gone"] for step in result["steps"])
