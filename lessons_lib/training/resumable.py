"""Long runs that survive an interruption: train in chunks, snapshot after each, continue from there.

The snapshot holds everything the next step depends on (weights, optimizer and schedule state,
torch's random state, the step reached, the run's settings), so a run continued with ``resume``
reaches the same final weights as one that was never interrupted, provided its batches are a
function of the step number. A snapshot is written to a temporary file and then renamed over the
old one, so a run killed while saving still has its previous snapshot.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import sys
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import torch
from torch import nn

from lessons_lib.checks import check_int
from lessons_lib.files import writing_into
from lessons_lib.training.loop import LossFn, train_loop

SNAPSHOT_FILE = "state.pt"


def save_snapshot(path: str | Path, state: dict[str, Any]) -> Path:
    """``torch.save`` to a temporary file beside ``path``, then an atomic rename onto ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with writing_into(path.parent, partial):  # a full disk: one line naming the folder, no partial file left
        torch.save(state, partial)
        os.replace(partial, path)  # readers see the old snapshot or the new one, never half of one
    return path


_SNAPSHOT_KEYS = ("model", "optimizer", "scheduler", "rng", "step", "settings", "elapsed")
_START_AGAIN = "start the run again with --overwrite (the snapshot cannot be continued)"


def load_snapshot(path: str | Path) -> dict[str, Any]:
    """A snapshot written by ``train_resumable``; a damaged one (cut short, zeroed, empty) is refused, naming it."""
    path = Path(path)
    try:
        saved = torch.load(path, weights_only=False)
    except (RuntimeError, EOFError, ValueError, TypeError, AttributeError, KeyError, IndexError,
            OSError, zipfile.BadZipFile, pickle.UnpicklingError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ValueError(f"{path} is damaged ({reason[:120]}); {_START_AGAIN}") from None
    if not isinstance(saved, dict) or any(key not in saved for key in _SNAPSHOT_KEYS):
        raise ValueError(f"{path} is damaged (not a snapshot of a run: it lacks "
                         f"{[k for k in _SNAPSHOT_KEYS if not isinstance(saved, dict) or k not in saved]}); "
                         f"{_START_AGAIN}")
    return saved


def vocabulary_entries(path: str | Path) -> list[str]:
    """A vocabulary file as a list: a ``.json`` file's tokens in id order, another file's lines."""
    text = Path(path).read_text(encoding="utf-8")
    if Path(path).suffix == ".json":
        ids = json.loads(text)
        return sorted(ids, key=ids.__getitem__)
    return text.splitlines()


def _vocabulary_change(folder: Path, saved: dict[str, list[str]], now: dict[str, list[str]]) -> str | None:
    """The first of ``folder``'s vocabulary files that changed since the run started, in words; None if none did."""
    for name, before in saved.items():
        after = now.get(name, [])
        if after == before:
            continue
        differ = [i for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b]
        changes = [f"{len(differ)} of its {len(before)} entries differ, the first at position {differ[0]}: "
                   f"{before[differ[0]]!r} then, {after[differ[0]]!r} now"] if differ else []
        if len(after) != len(before):
            changes.append(f"it has {len(after)} entries, the run started with {len(before)}")
        return f"{folder / name} is not the vocabulary the run started with ({'; '.join(changes)})"
    return None


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
    vocabulary: dict[str, list[str]] | None = None,
    resume: bool = False,
    stop_at: int | None = None,
    started: float | None = None,
    desc: str = "pre-training",
    show_progress: bool = True,
) -> dict[str, Any]:
    """Train ``steps`` steps in chunks of ``save_every``, snapshotting into ``snapshot_dir`` after each.

    ``batches_from(step)`` gives the batches from ``step`` on. With ``resume`` and a snapshot
    present, training continues from it; its ``settings`` must equal this run's, and so must its
    ``vocabulary`` (file name -> entries, see ``vocabulary_entries``) where both have one.
    Returns the step reached, whether the run stopped early (``stop_at``), and the seconds spent, earlier sessions
    of the run included (counted from ``started``, a ``time.perf_counter()`` reading).
    """
    check_int("steps", steps, low=1)
    check_int("save_every", save_every, low=1)
    started = time.perf_counter() if started is None else started
    snapshot = Path(snapshot_dir) / SNAPSHOT_FILE
    step, elapsed_before = 0, 0.0
    if resume and snapshot.is_file():
        saved = load_snapshot(snapshot)
        changed = {k: (v, settings.get(k)) for k, v in saved.get("settings", settings).items() if settings.get(k) != v}
        if changed:  # another schedule or data order would not reach the uninterrupted run's weights
            raise ValueError("--resume needs the options of the interrupted run; changed (was, now): "
                             + ", ".join(f"--{k.replace('_', '-')} {v}" for k, v in changed.items()))
        # Same size, other tokens would load without complaint and train on ids that mean other words.
        change = vocabulary and _vocabulary_change(Path(snapshot_dir).parent, saved.get("vocabulary") or {}, vocabulary)
        if change:
            raise ValueError(f"--resume: {change}; put the run's own vocabulary back or {_START_AGAIN}")
        try:
            model.load_state_dict(saved["model"])
            optimizer.load_state_dict(saved["optimizer"])
            scheduler.load_state_dict(saved["scheduler"])
            torch.set_rng_state(saved["rng"])
        except (RuntimeError, ValueError, KeyError, TypeError) as err:  # e.g. a vocabulary of another size
            detail = " ".join(line.strip() for line in str(err).splitlines())[:200]
            raise ValueError(f"{snapshot} does not fit this run's model ({detail}): the "
                             f"snapshot, or the vocabulary beside it in {Path(snapshot_dir).parent}, is damaged or "
                             f"from another run; {_START_AGAIN}") from None
        step, elapsed_before = saved["step"], saved["elapsed"]
        print(f"resuming at step {step} of {steps}", file=sys.stderr)
    batches = batches_from(step)
    while step < steps:
        chunk = min(save_every, steps - step)
        try:
            train_loop(model, optimizer, batches, loss_fn, steps=chunk, scheduler=scheduler, first_step=step,
                       desc=f"{desc} (steps {step}-{step + chunk} of {steps})", show_progress=show_progress)
        except FloatingPointError as err:  # the snapshot keeps the last good weights, but its schedule diverges
            raise FloatingPointError(f"{err}; start the run again with a lower --lr and --overwrite") from None
        step += chunk
        save_snapshot(snapshot, {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                                 "scheduler": scheduler.state_dict(), "rng": torch.get_rng_state(), "step": step,
                                 "settings": settings, "vocabulary": vocabulary,
                                 "elapsed": elapsed_before + time.perf_counter() - started})
        if stop_at is not None and step >= stop_at:
            return {"step": step, "stopped": True, "elapsed": elapsed_before + time.perf_counter() - started}
    return {"step": step, "stopped": False, "elapsed": elapsed_before + time.perf_counter() - started}


class RunFolder(NamedTuple):
    """Where a run works, and whether it continues an interrupted one."""

    work: Path  # OUT.partial: the run's vocabulary and snapshots until the checkpoint replaces OUT
    resuming: bool  # a snapshot is there and --resume asked to continue from it


def _partial(out: Path) -> Path:
    return out.with_name(out.name + ".partial")


def _snapshot_of(out: Path) -> Path:
    return _partial(out) / "resume" / SNAPSHOT_FILE


def check_run_folder(out: str | Path, *, resume: bool, overwrite: bool) -> None:
    """Refuse, before anything is written, a run that ``run_folder`` would refuse (``ValueError`` naming the option)."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file; name a folder for the checkpoint")
    finished = out.is_dir() and any(out.iterdir())
    if resume and not _snapshot_of(out).is_file():
        if _partial(out).is_dir() and (overwrite or not finished):
            return  # an interrupted run with no snapshot yet: nothing to lose, it simply starts again
        raise ValueError(f"--resume: nothing to resume, {_snapshot_of(out)} does not exist (no interrupted run "
                         f"wrote a snapshot there); leave out --resume to start a new run"
                         + (" (with --overwrite: --out already holds a finished checkpoint)" if finished else ""))
    if finished and not overwrite and not resume:
        raise ValueError(f"--out {out} already holds a checkpoint; pass --overwrite to replace it "
                         "(it is replaced only when the new run finishes) or choose another --out")
    if _snapshot_of(out).is_file() and not (resume or overwrite):
        raise ValueError(f"{_partial(out)} holds an interrupted run: pass --resume to continue it, "
                         "or --overwrite to start again from scratch")


def run_folder(out: str | Path, *, resume: bool, overwrite: bool) -> RunFolder:
    """The working folder of a run that will write its checkpoint into ``out``: ``OUT.partial``.

    A run keeps its vocabulary and snapshots there, so an interrupted run never leaves ``out``
    half old, half new; the finished checkpoint replaces ``out`` in one step. Refuses what
    ``check_run_folder`` refuses. A run interrupted before its first snapshot has nothing to
    continue from: its folder is emptied and the run starts again, with or without ``resume``.
    """
    check_run_folder(out, resume=resume, overwrite=overwrite)
    out = Path(out)
    work = _partial(out)
    if resume and _snapshot_of(out).is_file():
        return RunFolder(work, True)
    if work.exists():
        if not _snapshot_of(out).is_file() and not overwrite:
            print(f"{work} holds a run stopped before its first snapshot: starting it again", file=sys.stderr)
        shutil.rmtree(work)
    with writing_into(work.parent):  # a read-only folder: one line naming it
        work.mkdir(parents=True)
    return RunFolder(work, False)


def discard_unstarted_run(out: str | Path) -> bool:
    """Remove ``OUT.partial`` if it holds no snapshot (nothing a ``--resume`` could use); whether it did."""
    work = _partial(Path(out))
    if work.is_dir() and not _snapshot_of(Path(out)).is_file():
        shutil.rmtree(work, ignore_errors=True)
        return True
    return False


def interrupted_advice(out: str | Path, argv: Sequence[str]) -> str:
    """What to tell after Ctrl-C: ``--resume`` when a snapshot exists, else the same command again."""
    command = "python -m lessons_lib.pretrain"
    if _snapshot_of(Path(out)).is_file():
        again = [a for a in argv if a not in ("--resume", "--overwrite")]
        return ("interrupted; the last snapshot (every --save-every steps) is kept. Continue with:\n  "
                + " ".join([command, *again, "--resume"]))
    discard_unstarted_run(out)
    return ("interrupted before the first snapshot (every --save-every steps): there is nothing to continue "
            "from. Start again with:\n  " + " ".join([command, *[a for a in argv if a != "--resume"]]))
