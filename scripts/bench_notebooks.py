"""Wall time and peak memory of a full run of every notebook (`make bench`).

Each notebook runs in a fresh child process, executed by nbclient in a fresh kernel, with HOME and
the cache folders pointed at a new empty folder: caches are cold, as a first-time student has them
(matplotlib builds its font cache again). The peak resident memory of the kernel is read from
getrusage(RUSAGE_CHILDREN) of that child process.
Each notebook runs twice: on the machine as it is, then beside one busy process at the lowest
priority (`nice -n 19`, a Python loop that keeps one core busy), as a student's laptop or a shared
Binder node has; `--quiet-only` skips the second run.
Targets: each notebook <= 60 s and <= 800 MB on 2 CPU cores, and <= 1.5x that time beside the busy process.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT_SECONDS, LIMIT_MB, LIMIT_BUSY_RATIO = 60, 800, 1.5
BUSY_LOOP = ["nice", "-n", "19", sys.executable, "-c", "while True: pass"]
RESULTS = ROOT / "notebooks" / "results" / "bench_notebooks.json"  # the last full run; each notebook states it
RUN_TIME = re.compile(r"\*\*Run time:\*\*[^\n]*")


def stated(row: dict) -> str:
    """The line a notebook's first cell carries: its measured time (to 5 s) and peak memory (to 10 MiB)."""
    seconds, mib = 5 * round(row["seconds"] / 5), 10 * round(row["peak_mb"] / 10)
    return (f"**Run time:** about {seconds} seconds on a 2-core laptop CPU; peak memory about {mib} MiB "
            "(measured by `make bench`).")


def write_notebooks(rows: list[dict]) -> None:
    """Put each notebook's measured figures into its opening "Run time" line (sources only)."""
    import nbformat

    for row in rows:
        path = ROOT / "notebooks" / row["notebook"]
        notebook = nbformat.read(path, as_version=4)
        first = next((c for c in notebook.cells[:3] if RUN_TIME.search(c.source)), None)
        if first is None:
            raise SystemExit(f"{path.name}: its opening cells have no **Run time:** line to update")
        first.source = RUN_TIME.sub(stated(row), first.source, count=1)
        nbformat.write(notebook, path)


def run_one(path: Path) -> dict:
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    # ru_maxrss is in KiB on Linux: the largest waited-for descendant, i.e. the kernel.
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"notebook": path.name, "seconds": round(seconds, 1), "peak_mb": round(peak_mb)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument("--quiet-only", action="store_true", help="skip the run beside a busy process")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one)))
        return 0
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    rows = []
    for path in paths:
        row = _run_child(path)
        print(f"ran {path.name}: {row['seconds']} s, {row['peak_mb']} MB", file=sys.stderr)
        if not args.quiet_only:
            busy = subprocess.Popen(BUSY_LOOP, stdin=subprocess.DEVNULL)  # stopped by its own pid below
            try:
                row["busy_seconds"] = _run_child(path)["seconds"]
            finally:
                busy.kill()
                busy.wait()
            print(f"ran {path.name} beside a busy process: {row['busy_seconds']} s", file=sys.stderr)
        rows.append(row)
    if not args.notebooks:  # a full run: stored, and each notebook's stated figures follow it
        RESULTS.write_text(json.dumps({"command": "make bench (scripts/bench_notebooks.py)", "rows": rows}, indent=1) + "\n")
        write_notebooks(rows)
    print("| notebook | wall time (s) | beside a busy process (s) | ratio | peak memory (MB) | within targets |")
    print("|---|---:|---:|---:|---:|:---:|")
    for row in rows:
        ok = row["seconds"] <= LIMIT_SECONDS and row["peak_mb"] <= LIMIT_MB
        busy = row.get("busy_seconds")
        ratio = busy / row["seconds"] if busy is not None else None
        ok = ok and (ratio is None or ratio <= LIMIT_BUSY_RATIO)
        print(f"| {row['notebook']} | {row['seconds']} | {busy if busy is not None else '-'} | "
              f"{f'{ratio:.2f}' if ratio is not None else '-'} | {row['peak_mb']} | {'yes' if ok else 'NO'} |")
    return 0


def _run_child(path: Path) -> dict:
    """One run of ``path`` in a fresh child process and kernel, with cold caches."""
    with tempfile.TemporaryDirectory() as home:  # cold caches: a first-time student's
        env = {**os.environ, "HOME": home, "XDG_CACHE_HOME": os.path.join(home, ".cache"),
               "MPLCONFIGDIR": os.path.join(home, ".matplotlib")}
        env.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as make and Binder start kernels (lessons_lib/threads.py)
        done = subprocess.run([sys.executable, __file__, "--one", str(path)], capture_output=True, text=True,
                              env=env)
    if done.returncode:
        print(done.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"{path.name} failed to run")
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    raise SystemExit(main())
