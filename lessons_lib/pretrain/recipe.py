"""What every pre-training command shares: its common options, checked once, and the run around its model.

A command module gives ``SHARED`` (its defaults for the common options), adds and checks only its
own options, and builds its tokenizer, model and loss; ``PretrainingRun`` does the rest: the run
folder, the corpus, a resumable AdamW run with warm-up, the metadata every checkpoint carries,
and the checkpoint itself.
"""

from __future__ import annotations

import argparse
import math
import platform
import shlex
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from lessons_lib.data.corpus import load_corpus
from lessons_lib.threads import use_threads
from lessons_lib.training.checkpoints import save_checkpoint
from lessons_lib.training.loop import LossFn, seed_everything, warmup_linear_schedule
from lessons_lib.training.resumable import (
    check_run_folder,
    run_folder,
    train_resumable,
    vocabulary_entries,
)


@dataclass(frozen=True)
class SharedOptions:
    """One command's defaults for the common options; an option whose default is None is not the command's."""

    out: Path  # the default --out: a trial run must not overwrite what the notebooks load
    steps: int | None = None  # optimisation steps
    batch_size: int | None = None  # examples per step
    batch_of: str = "examples"  # what one batch holds, for --batch-size's help
    lr: float | None = None  # AdamW's peak learning rate
    # A model this small under-fits its budget: dropout would only slow it down (0 for every command).
    dropout: float | None = None
    one_run: bool = True  # False: --out holds several runs' folders, each checked by its own command


def add_shared_arguments(parser: argparse.ArgumentParser, shared: SharedOptions) -> None:
    """The options every command has, with ``shared``'s defaults (a command adds its own after them)."""
    for option, default, kind, what in (
        ("--steps", shared.steps, int, "optimisation steps"),
        ("--batch-size", shared.batch_size, int, f"{shared.batch_of} per step"),
        ("--lr", shared.lr, float, "peak learning rate of AdamW"),
        ("--dropout", shared.dropout, float, "dropout everywhere"),
    ):
        if default is not None:
            parser.add_argument(option, type=kind, default=default, help=f"{what} (default {default:g})")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save-every", type=int, default=500, help="steps between resumable snapshots")
    parser.add_argument("--out", type=Path, default=shared.out, help="checkpoint directory")
    parser.add_argument("--resume", action="store_true", help="continue an interrupted run from OUT.partial/")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the checkpoint in OUT (when the new run finishes) or an interrupted run")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.add_argument("--documents", type=int, default=None,
                        help="use only the first N training documents (smoke runs)")
    parser.add_argument("--eval-documents", type=int, default=None,
                        help="score on only the first N validation documents (smoke runs)")
    parser.add_argument("--stop-at", type=int, default=None,
                        help="stop after this step, leaving only the resumable snapshot (to test --resume)")


def check_shared_arguments(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """Refuse common options that cannot work, naming the option (``parser.error``: exit code 2)."""
    if getattr(args, "steps", None) is not None and args.steps < 2:
        parser.error(f"--steps must be >= 2, got {args.steps}")
    if hasattr(args, "lr") and not (math.isfinite(args.lr) and args.lr > 0):
        parser.error(f"--lr must be a positive number, got {args.lr}")
    if not 0.0 <= getattr(args, "dropout", 0.0) < 1.0:
        parser.error(f"--dropout must be in [0, 1), got {args.dropout}")
    # NotNext pairs and held-out scores need two documents at least.
    for option, least in (("batch_size", 1), ("save_every", 1), ("threads", 1), ("documents", 2),
                          ("eval_documents", 2)):
        value = getattr(args, option, None)
        if value is not None and value < least:
            parser.error(f"--{option.replace('_', '-')} must be an integer >= {least}, got {value}")


def check_out_folder(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """Refuse, before ``OUT.partial/`` is created, a run folder the run would refuse (a refused run leaves nothing)."""
    try:
        check_run_folder(args.out, resume=args.resume, overwrite=args.overwrite)
    except ValueError as err:
        parser.error(str(err))


# The common options that must not change between an interrupted run and its --resume (those the command has).
RESUME_SETTINGS = ("steps", "batch_size", "lr", "dropout", "seed", "documents")


class PretrainingRun:
    """One run of a command: its folder ``work`` (``OUT.partial``), its documents, its training and checkpoint."""

    def __init__(self, args: argparse.Namespace, argv: list[str] | None, name: str, *,
                 vocab_files: Sequence[str] = ("vocab.txt",)):
        self.started, self.cpu_started = time.perf_counter(), time.process_time()
        self.args, self.name, self.vocab_files = args, name, tuple(vocab_files)
        self.command = "python -m lessons_lib.pretrain " + shlex.join(argv if argv is not None else [name])
        use_threads(args.threads)  # threads that sleep while they wait: see lessons_lib.threads
        self.work, self.resuming = run_folder(args.out, resume=args.resume, overwrite=args.overwrite)
        self.corpus = load_corpus()
        self.documents = self.corpus.train[: args.documents] if args.documents else self.corpus.train
        self.heldout = self.corpus.valid[: args.eval_documents] if args.eval_documents else self.corpus.valid
        self.stopped_at: int | None = None
        self.elapsed = 0.0

    def train(self, make_model: Callable[[], nn.Module], batches_from: Callable[[int], Iterator], loss_fn: LossFn,
              *, settings: dict[str, Any], desc: str) -> nn.Module:
        """Seed, build the model, train it resumably (AdamW, warm-up then linear decay); ``stopped_at`` if stopped.

        ``settings`` (the command's own options that a ``--resume`` must keep) join the common ones;
        a ``--resume`` also finds the vocabulary files unchanged since the run started.
        """
        args = self.args
        seed_everything(args.seed)
        model = make_model()
        optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
        scheduler = warmup_linear_schedule(optimizer, max(1, args.steps // 20), args.steps)
        settings = {**{name: getattr(args, name) for name in RESUME_SETTINGS if hasattr(args, name)}, **settings}
        vocabulary = {name: vocabulary_entries(self.work / name) for name in self.vocab_files}
        run = train_resumable(model, optimizer, scheduler, batches_from, loss_fn, steps=args.steps,
                              save_every=args.save_every, snapshot_dir=self.work / "resume", settings=settings,
                              vocabulary=vocabulary, resume=self.resuming, stop_at=args.stop_at,
                              started=self.started, desc=desc, show_progress=not args.no_progress)
        self.stopped_at = run["step"] if run["stopped"] else None
        self.elapsed = run["elapsed"]
        return model

    def finish(self, model: nn.Module, config: object, fields: dict[str, Any]) -> dict[str, Any]:
        """Write the checkpoint (weights, config, vocabulary files, metadata) into ``--out``; the metadata."""
        metadata = {
            "command": self.command, **fields,
            "wall_time_seconds": round(self.elapsed, 1),
            # CPU time of this process (all threads): on a machine busy with other work, a fairer
            # measure of the run's cost than the wall time (a resumed run counts its last part only).
            "cpu_time_seconds": round(time.process_time() - self.cpu_started, 1),
            "torch": torch.__version__, "python": platform.python_version(), "cpu_threads": torch.get_num_threads(),
        }
        save_checkpoint(self.args.out, model, config, metadata,
                        extra_files={name: self.work / name for name in self.vocab_files})
        # The snapshot (model + AdamW moments, about three times the checkpoint) has served its purpose.
        shutil.rmtree(self.work)
        return metadata
