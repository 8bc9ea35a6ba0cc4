"""How many CPU threads torch uses, and how they wait for one another.

torch splits an operation's work over OpenMP threads (GNU libgomp). By default a thread that has
finished its share spins, holding its core, while it waits for the others. Beside another busy
program the thread it waits for is often off the CPU, so each of the thousands of small operations
in a generation or training loop waits for the scheduler instead of a few microseconds: notebook
06's key-value-cache cell took 8 s on a quiet 2-core machine and 369 s beside one `nice -n 19`
busy loop. With ``OMP_WAIT_POLICY=PASSIVE`` a waiting thread sleeps at once and gives its core up.

libgomp reads that setting once, when torch is first imported. Importing lessons_lib sets it, unless
it is set already or torch came first; then ``use_threads`` keeps torch to one thread, which has
nobody to wait for. This module imports torch only inside its functions, for that reason.
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

WAIT_POLICY_VAR = "OMP_WAIT_POLICY"
# The collection is sized for 2 cores; more threads were never measured to help its tiny models.
MAX_DEFAULT_THREADS = 2


def _policy_at_torch_import() -> str | None:
    """Set PASSIVE if torch is not loaded yet; return the policy libgomp reads (or has read)."""
    if "torch" not in sys.modules:
        os.environ.setdefault(WAIT_POLICY_VAR, "PASSIVE")  # inherited by kernels and commands started from here
    return os.environ.get(WAIT_POLICY_VAR)


_POLICY = _policy_at_torch_import()


def threads_wait_passively() -> bool:
    """Whether torch's threads sleep (not spin) while they wait: ``OMP_WAIT_POLICY`` was PASSIVE when torch loaded."""
    return (_POLICY or "").strip().upper() == "PASSIVE"


def usable_cpus() -> int:
    """CPUs this process may use: its affinity mask, and a container's CPU quota (cgroup v1 or v2)."""
    count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    quota = _cgroup_cpu_quota()
    return max(1, min(count, math.ceil(quota)) if quota else count)


def _cgroup_cpu_quota(root: Path = Path("/sys/fs/cgroup")) -> float | None:
    """CPUs' worth of time the container may use (quota / period), or None where it is not limited."""
    try:
        limit, period = (root / "cpu.max").read_text().split()  # v2: "max 100000" or "200000 100000"
        return None if limit == "max" else int(limit) / int(period)
    except (OSError, ValueError):
        pass
    try:
        quota = int((root / "cpu" / "cpu.cfs_quota_us").read_text())  # v1: -1 when not limited
        period = int((root / "cpu" / "cpu.cfs_period_us").read_text())
        return quota / period if quota > 0 and period > 0 else None
    except (OSError, ValueError):
        return None


def default_threads() -> int:
    """The thread count for this machine: ``OMP_NUM_THREADS`` if set, else up to 2, never more than the usable CPUs."""
    chosen = os.environ.get("OMP_NUM_THREADS", "").strip()
    wanted = int(chosen) if chosen.isdigit() and int(chosen) > 0 else MAX_DEFAULT_THREADS
    return min(wanted, usable_cpus())


def use_threads(count: int | None = None) -> int:
    """Have torch use ``count`` threads (default: ``default_threads()``), at most the usable CPUs; return the count.

    Where torch's threads spin while they wait (torch was imported before lessons_lib, without
    ``OMP_WAIT_POLICY=PASSIVE``), one thread: more would stall beside any other busy program.
    """
    import torch

    from lessons_lib.checks import check_int

    wanted = default_threads() if count is None else min(check_int("count", count, low=1), usable_cpus())
    threads = wanted if threads_wait_passively() else 1
    torch.set_num_threads(threads)
    return threads
