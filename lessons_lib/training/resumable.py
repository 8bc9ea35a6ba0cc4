"""Long runs that survive an interruption: train in chunks, snapshot after each, continue from there.

The snapshot holds everything the next step depends on (weights, optimizer and schedule state,
torch's random state, the step reached, the run's settings), so a run continued with ``resume``
reaches the same final weights as one that was never interrupted, provided its batches are a
function of the step number. A snapshot is written to a temporary file and then renamed over the
old one, so a run killed while saving still has its previous snapshot.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import torch
from torch import nn

from lessons_lib.checks import check_int
from lessons_lib.training.loop import LossFn, train_loop

SNAPSHOT_FILE = "state.pt"


def save_snapshot(path: str | Path, state: dict[str, Any]) -> Path:
    """``torch.save`` to a temporary file beside ``path``, then an atomic rename onto ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    torch.save(state, partial)
    os.replace(partial, path)  # readers see the old snapshot or the new one, never half of one
    return path


def train_resumable(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    batches_from: Callable[[int], Iterator],
    loss_fn: LossFn,
    *,
    steps: int,
    save_every: int,
    snapshot_dir: str | Path,
    settings: dict[str, Any],
    resume: bool = False,
    stop_at: int | None = None,
    started: float | None = None,
    desc: str = "pre-training",
    show_progress: bool = True,
) -> dict[str, Any]:
    """Train ``steps`` steps in chunks of ``save_every``, snapshotting into ``snapshot_dir`` after each.

    ``batches_from(step)`` gives the batches from ``step`` on. With ``resume`` and a snapshot
    present, training continues from it; its ``settings`` must equal this run's. Returns the step
    reached, whether the run stopped early (``stop_at``), and the seconds spent, earlier sessions
    of the run included (counted from ``started``, a ``time.perf_counter()`` reading).
    """
    check_int("steps", steps, low=1)
    check_int("save_every", save_every, low=1)
    started = time.perf_counter() if started is None else started
    snapshot = Path(snapshot_dir) / SNAPSHOT_FILE
    step, elapsed_before = 0, 0.0
    if resume and snapshot.is_file():
        saved = torch.load(snapshot, weights_only=False)
        changed = {k: (v, settings.get(k)) for k, v in saved.get("settings", settings).items() if settings.get(k) != v}
        if changed:  # another schedule or data order would not reach the uninterrupted run's weights
            raise ValueError("--resume needs the options of the interrupted run; changed (was, now): "
                             + ", ".join(f"--{k.replace('_', '-')} {v}" for k, v in changed.items()))
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        torch.set_rng_state(saved["rng"])
        step, elapsed_before = saved["step"], saved["elapsed"]
        print(f"resuming at step {step} of {steps}", file=sys.stderr)
    batches = batches_from(step)
    while step < steps:
        chunk = min(save_every, steps - step)
        train_loop(model, optimizer, batches, loss_fn, steps=chunk, scheduler=scheduler,
                   desc=f"{desc} (steps {step}-{step + chunk} of {steps})", show_progress=show_progress)
        step += chunk
        save_snapshot(snapshot, {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                                 "scheduler": scheduler.state_dict(), "rng": torch.get_rng_state(), "step": step,
                                 "settings": settings, "elapsed": elapsed_before + time.perf_counter() - started})
        if stop_at is not None and step >= stop_at:
            return {"step": step, "stopped": True, "elapsed": elapsed_before + time.perf_counter() - started}
    return {"step": step, "stopped": False, "elapsed": elapsed_before + time.perf_counter() - started}


def run_folder(out: str | Path, *, resume: bool, overwrite: bool) -> Path:
    """The working folder of a run that will write its checkpoint into ``out``: ``OUT.partial``.

    A run keeps its vocabulary and snapshots there, so an interrupted run never leaves ``out``
    half old, half new; the finished checkpoint replaces ``out`` in one step. Refuses to start
    over a finished checkpoint (unless ``overwrite``) or an interrupted run (unless ``resume`` to
    continue it or ``overwrite`` to start again), and to resume when there is nothing to resume.
    """
    out = Path(out)
    work = out.with_name(out.name + ".partial")
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file; name a folder for the checkpoint")
    snapshot = work / "resume" / SNAPSHOT_FILE
    if resume:
        if not snapshot.is_file():
            raise ValueError(f"--resume: nothing to resume, {snapshot} does not exist (no interrupted run "
                             f"wrote a snapshot there); leave out --resume to start a new run")
        return work
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise ValueError(f"--out {out} already holds a checkpoint; pass --overwrite to replace it "
                         "(it is replaced only when the new run finishes) or choose another --out")
    if work.exists():
        if not overwrite:
            raise ValueError(f"{work} holds an interrupted run: pass --resume to continue it, "
                             "or --overwrite to start again from scratch")
        shutil.rmtree(work)
    work.mkdir(parents=True)
    return work
