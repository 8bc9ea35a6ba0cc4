"""A student's Binder session, replayed: notebooks opened one after another inside one memory cap
(Binder's 2 GB), either with every kernel left running or with each closed before the next, and a
report of what each kernel holds.

Binder gives a session 2 GB for everything: the Jupyter server and every kernel a student leaves
running. This script runs each notebook top to bottom in a kernel of its own, all inside a Linux
memory cgroup with the cap (cgroup v1 or v2; it needs root, or a cgroup delegated to the user).
Its own process stands in for the Jupyter server. By default each kernel stays alive while the
next notebook runs, as when a student closes tabs without shutting kernels down; with
``--close-each`` each kernel is shut down (gracefully, as JupyterLab does when a tab is closed with
the collection's settings) once its notebook's last cell has run, before the next one starts.
After each notebook it prints the resident memory of every kernel still alive and of the whole
group; it exits with 1 if a kernel died or a notebook failed, with 3 if this machine cannot make a
memory cgroup. Sent SIGTERM (or Ctrl-C), it stops: every kernel it started is shut down, the cgroup
is removed, and it exits with 143 (130 for Ctrl-C).

    python scripts/binder_session.py                   # notebooks 00-03 under 2048 MiB, kept open
    python scripts/binder_session.py --limit-mb 2048 notebooks/*.ipynb
    python scripts/binder_session.py --close-each notebooks/*.ipynb   # the student's path
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BERT_NOTEBOOKS = ["00_start_here.ipynb", "01_bert.ipynb", "02_mlm_masking.ipynb", "03_nsp.ipynb"]
BINDER_LIMIT_MB = 2048
NO_CGROUP = 3  # the exit status when this machine cannot make a memory cgroup
MIB = 2**20
# What binder/start sets for every kernel, and nothing fetched from a model hub.
KERNEL_ENV = {"OMP_NUM_THREADS": "2", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
STOPPED = 128 + signal.SIGTERM  # the exit status after SIGTERM, as a shell reports a process it ended


class Stopped(BaseException):
    """SIGTERM arrived: unwind, so that the kernels and the cgroup are cleaned up on the way out."""


def _stop(signum, frame):
    raise Stopped()


def _stop_on_sigterm() -> None:
    # Python's default for SIGTERM ends the process at once, skipping every `finally`: the kernels
    # would run on in a cgroup nobody removes. Raising instead unwinds through the clean-up code.
    signal.signal(signal.SIGTERM, _stop)


class MemoryGroup:
    """A memory cgroup of our own with a limit, under the cgroup this process is in."""

    def __init__(self, path: Path, version: int):
        self.path, self.version = path, version

    @classmethod
    def create(cls, limit_bytes: int) -> MemoryGroup:
        """Make the group and set its limit; OSError where this machine does not let us."""
        name = f"binder_session_{os.getpid()}"
        v1 = Path("/sys/fs/cgroup/memory")
        if (v1 / "memory.limit_in_bytes").exists():
            own = _own_cgroup("memory")
            path = v1 / own.lstrip("/") / name if own and (v1 / own.lstrip("/")).is_dir() else v1 / name
            path.mkdir()
            group = cls(path, 1)
            group._write("memory.limit_in_bytes", limit_bytes)
            try:  # no swapping past the cap either, where swap is accounted
                group._write("memory.memsw.limit_in_bytes", limit_bytes)
            except OSError:
                pass
            return group
        v2 = Path("/sys/fs/cgroup")
        if "memory" in _read(v2 / "cgroup.controllers").split():
            own = _own_cgroup("")
            parent = v2 / own.lstrip("/") if own else v2
            path = parent / name
            path.mkdir()
            group = cls(path, 2)
            group._write("memory.max", limit_bytes)
            try:
                group._write("memory.swap.max", 0)
            except OSError:
                pass
            return group
        raise OSError("no memory cgroup controller (v1 or v2) is mounted here")

    def _write(self, name: str, value) -> None:
        (self.path / name).write_text(str(value))

    def add_self(self) -> None:
        """Move the calling process (and so every process it starts) into the group."""
        self._write("cgroup.procs", os.getpid())

    def usage(self) -> dict:
        """Memory charged to the group now and at its peak, with its anonymous part, in MiB."""
        stat = dict(line.split() for line in _read(self.path / "memory.stat").splitlines() if line.strip())
        if self.version == 1:
            now, peak = _read(self.path / "memory.usage_in_bytes"), _read(self.path / "memory.max_usage_in_bytes")
            anon = stat.get("total_rss", stat.get("rss", "0"))
        else:
            now, peak, anon = _read(self.path / "memory.current"), _read(self.path / "memory.peak"), stat.get("anon", "0")
        return {"now_mb": _mb(now), "peak_mb": _mb(peak) if peak else None, "anon_mb": _mb(anon)}

    def reset_peak(self) -> bool:
        """Start the group's peak again from what it holds now; False where the cgroup cannot (v2)."""
        if self.version != 1:
            return False  # v2's memory.peak resets only for the file handle that wrote it
        try:
            self._write("memory.max_usage_in_bytes", 0)
        except OSError:
            return False
        return True

    def oom_kills(self) -> int:
        events = self.path / ("memory.oom_control" if self.version == 1 else "memory.events")
        fields = dict(line.split() for line in _read(events).splitlines() if line.strip())
        return int(fields.get("oom_kill", 0))

    def remove(self) -> None:
        """Kill whatever is still in the group (only processes this script started), then remove it."""
        for _ in range(50):
            pids = [int(p) for p in _read(self.path / "cgroup.procs").split()]
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass
            time.sleep(0.1)
        self.path.rmdir()


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def _mb(value) -> float:
    return round(int(value) / MIB, 1)


def _own_cgroup(controller: str) -> str | None:
    """This process's cgroup path for ``controller`` (v1), or its unified path (v2, ``""``)."""
    for line in _read(Path("/proc/self/cgroup")).splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return path
    return None


def _kernel_memory(pid: int) -> dict | None:
    """Resident, private (USS) and peak resident memory of a live kernel, in MiB; None if it is gone."""
    import psutil

    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return None
        full = process.memory_full_info()
        status = dict(line.split(":", 1) for line in _read(Path(f"/proc/{pid}/status")).splitlines() if ":" in line)
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None
    peak_kb = int(status.get("VmHWM", "0 kB").split()[0])
    return {"rss_mb": _mb(full.rss), "uss_mb": _mb(full.uss), "peak_mb": round(peak_kb / 1024, 1)}


def _kernel_pid(client) -> int | None:
    return getattr(getattr(client.km, "provisioner", None), "pid", None) if client.km else None


def _close(client, timeout_s: float = 30) -> dict:
    """Shut a notebook's kernel down as JupyterLab does on closing its tab (a shutdown request, then
    a kill if it does not exit); return how long that took and whether its process is gone."""
    import psutil

    pid = _kernel_pid(client)
    start = time.monotonic()
    try:
        client._cleanup_kernel()
    except Exception:  # a dead kernel's manager may not shut down cleanly; checked below
        pass
    gone = True
    if pid:
        try:
            psutil.Process(pid).wait(timeout=timeout_s)
        except psutil.NoSuchProcess:
            pass
        except psutil.TimeoutExpired:
            gone = False
    return {"seconds": round(time.monotonic() - start, 1), "process_gone": gone}


def run_session(notebooks: list[Path], group: MemoryGroup | None, timeout_s: int, close_each: bool = False) -> dict:
    """Run every notebook in a kernel of its own; return what was seen.

    Each kernel is left alive, or, with ``close_each``, shut down after its notebook's last cell has
    run and been measured, before the next notebook starts.
    """
    import zmq
    from nbclient import NotebookClient
    from traitlets.config import Config

    os.environ.update(KERNEL_ENV)
    config = Config()
    if zmq.has("curve"):  # as JupyterLab with etc/jupyter/jupyter_config.json: encrypted kernel sockets
        config.KernelManager.transport_encryption = "auto"
    clients, steps, failures = [], [], []
    try:
        _run_notebooks(notebooks, group, close_each, clients, steps, failures,
                       lambda notebook, path: NotebookClient(
                           notebook, kernel_name="python3", timeout=timeout_s, config=config,
                           resources={"metadata": {"path": str(path.parent)}}))
    finally:  # also on SIGTERM: no kernel outlives the session
        for _, client in clients:
            try:
                client._cleanup_kernel()
            except Exception:  # a dead kernel's manager may not shut down cleanly; it is gone anyway
                pass
    # Kept kernels must all be alive at the end; closed ones must have been alive until they were closed.
    last = [step["kernels"] for step in steps] if close_each else [steps[-1]["kernels"]] if steps else []
    dead = [name for kernels in last for name, memory in kernels.items() if memory is None]
    failures += [f"the kernel of {name} is no longer alive" for name in dead
                 if not any(f.startswith(f"{name}:") for f in failures)]
    return {"steps": steps, "failures": failures}


def _run_notebooks(notebooks, group, close_each, clients, steps, failures, new_client) -> None:
    """run_session's loop: each notebook run, measured and (with ``close_each``) closed; every
    client is in ``clients`` from before its kernel starts until it is closed."""
    import nbformat
    from nbclient.exceptions import CellExecutionError, DeadKernelError

    for path in notebooks:
        if close_each and group is not None:
            group.reset_peak()  # where it can, the group's peak below is this notebook's alone
        notebook = nbformat.read(path, as_version=4)
        client = new_client(notebook, path)
        clients.append((path.name, client))
        start = time.monotonic()
        error = None
        try:
            client.execute(cleanup_kc=False)
        except DeadKernelError as died:
            error = f"its kernel died: {died}"
        except CellExecutionError as failed:
            error = f"a cell failed: {str(failed).strip().splitlines()[-1]}"
        except Exception as other:  # a timeout, a kernel that never started: reported, not raised
            error = f"{type(other).__name__}: {other}"
        kernels = {}
        for name, other in clients:
            pid = _kernel_pid(other)
            kernels[name] = _kernel_memory(pid) if pid else None
        step = {"notebook": path.name, "seconds": round(time.monotonic() - start, 1), "error": error,
                "kernels": kernels, "runner_mb": _kernel_memory(os.getpid())}
        if group is not None:
            step["group"] = group.usage()
            step["oom_kills"] = group.oom_kills()
        if close_each:
            step["closed"] = _close(client)
            clients.clear()
            if group is not None:
                step["group_after_close"] = group.usage()
            if not step["closed"]["process_gone"] and not error:
                error = "its kernel was still running after the shutdown"
                step["error"] = error
        steps.append(step)
        print(_step_line(step), file=sys.stderr, flush=True)
        if error:
            failures.append(f"{path.name}: {error}")


def _step_line(step: dict) -> str:
    alive = ", ".join(f"{name.split('_')[0]}: {m['rss_mb']:.0f} MiB" if m else f"{name.split('_')[0]}: DEAD"
                      for name, m in step["kernels"].items())
    group = step.get("group")
    where = f"; group {group['now_mb']:.0f} MiB now, {group['peak_mb']:.0f} MiB at peak" if group else ""
    status = f" FAILED ({step['error']})" if step["error"] else ""
    line = f"ran {step['notebook']} in {step['seconds']} s{status}; kernels alive: {alive}{where}"
    if "closed" in step:
        after = step.get("group_after_close")
        line += f"; kernel shut down in {step['closed']['seconds']} s" + (
            f", group {after['now_mb']:.0f} MiB after" if after else "")
    return line


def closed_table(result: dict, limit_mb: int | None) -> str:
    """A Markdown table for a session whose kernels were closed one by one: per notebook, its kernel
    after the last cell and at its peak, and the group's memory while it ran and once it was closed."""
    lines = ["| notebook | seconds | kernel after its last cell, RSS / USS (MiB) | kernel peak (MiB) "
             "| group peak while it ran (MiB) | group after closing it (MiB) | OOM kills |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for step in result["steps"]:
        memory = step["kernels"].get(step["notebook"])
        held = f"{memory['rss_mb']:.0f} / {memory['uss_mb']:.0f}" if memory else "dead"
        peak = f"{memory['peak_mb']:.0f}" if memory else "dead"
        group, after = step.get("group"), step.get("group_after_close")
        lines.append(f"| {step['notebook']} | {step['seconds']} | {held} | {peak} "
                     f"| {group['peak_mb']:.0f} | {after['now_mb']:.0f} | {step.get('oom_kills', 'n/a')} |"
                     if group and after else
                     f"| {step['notebook']} | {step['seconds']} | {held} | {peak} | n/a | n/a | n/a |")
    alive = [s["kernels"][s["notebook"]] for s in result["steps"] if s["kernels"].get(s["notebook"])]
    peaks = [s["group"]["peak_mb"] for s in result["steps"] if s.get("group") and s["group"]["peak_mb"]]
    runner = max((s["runner_mb"] or {}).get("rss_mb", 0) for s in result["steps"])
    lines.append("")
    summary = (f"Each kernel shut down before the next notebook: the largest kernel peak {max(m['peak_mb'] for m in alive):.0f} MiB"
               if alive else "No kernel was measured")
    if peaks:
        summary += f"; the group's peak {max(peaks):.0f} MiB"
    lines.append(summary + f"; this runner, standing in for the Jupyter server: {runner:.0f} MiB"
                 + (f"; cap {limit_mb} MiB." if limit_mb else "; no cap."))
    return "\n".join(lines)


def table(result: dict, limit_mb: int | None) -> str:
    """A Markdown table: after each notebook, each kernel's memory and the group's."""
    names = [step["notebook"] for step in result["steps"]]
    short = [name.split("_")[0] for name in names]
    lines = ["| after | " + " | ".join(f"kernel {s} RSS / USS (MiB)" for s in short)
             + " | group now / peak (MiB) | OOM kills |",
             "|---|" + "---:|" * (len(names) + 2)]
    for step in result["steps"]:
        cells = []
        for name in names:
            if name not in step["kernels"]:
                cells.append("")
            elif (m := step["kernels"][name]) is None:
                cells.append("dead")
            else:
                cells.append(f"{m['rss_mb']:.0f} / {m['uss_mb']:.0f}")
        group = step.get("group")
        total = f"{group['now_mb']:.0f} / {group['peak_mb']:.0f}" if group else "n/a"
        lines.append(f"| {step['notebook']} | " + " | ".join(cells) + f" | {total} | {step.get('oom_kills', 'n/a')} |")
    peaks = {}
    for name in names:
        seen = [s["kernels"][name]["peak_mb"] for s in result["steps"] if s["kernels"].get(name)]
        died = any(name in s["kernels"] and s["kernels"][name] is None for s in result["steps"])
        peaks[name] = f"{max(seen):.0f}" + (" (then died)" if died else "") if seen else "died"
    runner = max((s["runner_mb"] or {}).get("rss_mb", 0) for s in result["steps"])
    shared = max((m["rss_mb"] - m["uss_mb"] for s in result["steps"] for m in s["kernels"].values() if m), default=0)
    lines.append("")
    lines.append("Peak resident memory of each kernel (MiB): "
                 + ", ".join(f"{name.split('_')[0]} {peak}" for name, peak in peaks.items())
                 + f"; this runner, standing in for the Jupyter server: {runner:.0f} MiB"
                 + (f"; cap {limit_mb} MiB." if limit_mb else "; no cap."))
    # Page cache is charged to the group that first reads a page: libraries that other processes on
    # this machine had already loaded (PyTorch's, mostly) count against them, not against this group.
    lines.append(f"Pages a kernel shares with other processes (RSS - USS, mostly libraries): up to {shared:.0f} MiB; "
                 "those another process loaded first are not charged to this group, so on Binder, where "
                 "nothing else runs, the group's total is higher by up to that much.")
    return "\n".join(lines)


def _stop_child(child: subprocess.Popen, timeout_s: float = 60) -> None:
    """Ask the session to stop (it shuts its kernels down), and kill it if it has not within the time."""
    if child.poll() is None:
        child.send_signal(signal.SIGTERM)
    try:
        child.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks in the order a student opens them (default: the BERT notebooks 00-03)")
    parser.add_argument("--limit-mb", type=int, default=BINDER_LIMIT_MB, help="the cap in MiB (default: Binder's 2048)")
    parser.add_argument("--timeout", type=int, default=900, help="seconds one cell may take (default: 900)")
    parser.add_argument("--close-each", action="store_true",
                        help="shut each kernel down after its notebook's last cell, before the next notebook "
                             "(as closing its tab does with the collection's JupyterLab settings)")
    parser.add_argument("--json", type=Path, help="also write the measurements to this file")
    parser.add_argument("--inside", type=Path, help=argparse.SUPPRESS)  # the child, already in the group
    args = parser.parse_args(argv)
    if args.limit_mb <= 0:
        parser.error(f"--limit-mb must be a positive number of MiB, got {args.limit_mb}")
    notebooks = [p.resolve() for p in args.notebooks] or [ROOT / "notebooks" / n for n in BERT_NOTEBOOKS]
    missing = [str(p) for p in notebooks if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")

    _stop_on_sigterm()
    if args.inside:  # the child: run the session inside the group, hand the result back as JSON
        version = 1 if (args.inside / "memory.limit_in_bytes").exists() else 2
        try:
            result = run_session(notebooks, MemoryGroup(args.inside, version), args.timeout, args.close_each)
        except (Stopped, KeyboardInterrupt):  # its kernels are shut down by now
            return STOPPED
        print(json.dumps(result))
        return 0

    try:
        group = MemoryGroup.create(args.limit_mb * MIB)
    except OSError as error:
        print(f"binder_session: cannot make a memory cgroup with a {args.limit_mb} MiB cap here ({error}); "
              "run as root on Linux, or in a cgroup delegated to you", file=sys.stderr)
        return NO_CGROUP
    try:
        command = [sys.executable, __file__, "--inside", str(group.path), "--timeout", str(args.timeout),
                   *(["--close-each"] if args.close_each else []), *map(str, notebooks)]
        kept = "each kernel shut down before the next" if args.close_each else "kernels kept alive"
        print(f"binder_session: {len(notebooks)} notebooks, {kept}, cap {args.limit_mb} MiB "
              f"(cgroup v{group.version}: {group.path})", file=sys.stderr, flush=True)
        child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, preexec_fn=group.add_self)
        try:
            stdout, _ = child.communicate()
        except (Stopped, KeyboardInterrupt) as stop:
            _stop_child(child)
            print("binder_session: stopped; every kernel shut down, the cgroup removed", file=sys.stderr)
            return STOPPED if isinstance(stop, Stopped) else 128 + signal.SIGINT
        oom_kills = group.oom_kills()
    finally:
        group.remove()  # kills whatever is left in it: a kernel that would not shut down
    lines = stdout.strip().splitlines()
    if child.returncode or not lines:
        print(f"binder_session: the session itself ended with status {child.returncode} "
              f"({oom_kills} processes killed for memory)", file=sys.stderr)
        return 1
    result = json.loads(lines[-1])
    result.update(limit_mb=args.limit_mb, oom_kills=oom_kills, close_each=args.close_each)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(closed_table(result, args.limit_mb) if args.close_each else table(result, args.limit_mb))
    if oom_kills and not result["failures"]:
        result["failures"].append(f"{oom_kills} processes were killed for memory")
    for failure in result["failures"]:
        print(f"FAILED: {failure}")
    return 1 if result["failures"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
