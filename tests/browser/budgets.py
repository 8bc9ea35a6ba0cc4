"""How long the browser check waits, in proportion to the machine it runs on.

Every wait has a budget fixed for the reference machine (two idle x86-64 cores), multiplied by
`time_scale()`: how much slower this machine is right now, from a short timing of a fixed piece of
Python and from the load average (processes wanting a core, per core). A loaded two-core machine
then waits longer instead of failing a notebook that is merely slow. Run All also gets a budget
from the notebook's own run time, stored in its cells' execution metadata when it was executed.
BROWSER_TEST_TIME_SCALE in the environment sets the factor outright.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from datetime import datetime
from functools import cache
from pathlib import Path

ENV_VAR = "BROWSER_TEST_TIME_SCALE"
# The probe's time on one idle core of the reference machine (best of 200 runs).
REFERENCE_PROBE_S = 0.03
MAX_SCALE = 10.0
# Run All: kernel start, imports and drawing in the browser, plus the notebook's own time a few times over.
RUN_ALL_BASE_S = 120
RUN_ALL_PER_STORED_S = 3
RUN_ALL_UNKNOWN_S = 60  # a notebook without stored timings counts as one that runs in a minute


def _probe() -> float:
    """Seconds for a fixed piece of pure Python (about 0.03 s on the reference machine)."""
    start = time.perf_counter()
    total = 0
    for i in range(300_000):
        total += i * i % 7
    return time.perf_counter() - start


def scale_from(probe_s: float, load: float, cpus: int) -> float:
    """The factor for a probe time and a 1-minute load average on ``cpus`` cores: 1 at best."""
    slower = probe_s / REFERENCE_PROBE_S
    crowded = load / max(cpus, 1)
    return round(min(max(1.0, slower, crowded), MAX_SCALE), 2)


@cache
def time_scale() -> float:
    """How much slower than the reference machine this one runs now (measured once per session)."""
    chosen = os.environ.get(ENV_VAR, "").strip()
    if chosen:
        try:
            value = float(chosen)
        except ValueError:
            value = 0.0
        if value <= 0:
            raise ValueError(f"{ENV_VAR} must be a positive number, got {chosen!r}")
        return value
    probe_s = statistics.median(_probe() for _ in range(7))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return scale_from(probe_s, load, os.cpu_count() or 1)


def stored_run_seconds(notebook: Path) -> float | None:
    """How long the notebook's code cells took when it was last executed, from their metadata."""
    try:
        cells = json.loads(notebook.read_text())["cells"]
    except (OSError, ValueError, KeyError):
        return None
    total, timed = 0.0, 0
    for cell in cells:
        stamps = cell.get("metadata", {}).get("execution", {})
        start, end = stamps.get("iopub.execute_input"), stamps.get("shell.execute_reply")
        if cell.get("cell_type") == "code" and start and end:
            try:
                total += (_time(end) - _time(start)).total_seconds()
            except ValueError:
                continue
            timed += 1
    return total if timed else None


def _time(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def run_all_budget(notebook: Path, scale: float) -> float:
    """Seconds that Run All may take for ``notebook`` on this machine."""
    stored = stored_run_seconds(notebook)
    own = RUN_ALL_UNKNOWN_S if stored is None else stored
    return round((RUN_ALL_BASE_S + RUN_ALL_PER_STORED_S * own) * scale)
