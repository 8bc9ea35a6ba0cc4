"""What the GPT and GPT-2 commands share: windows of the corpus, a resumable next-token run, held-out scores.

A command module says how to build its tokenizer and its model; ``add_lm_arguments`` gives it the
common options and ``run_language_model`` does the rest: it trains on windows of the training
documents, scores held-out perplexity against the unigram baseline on the validation split, and
writes the checkpoint (weights, config, vocabulary files, metadata) into ``--out``.
"""

from __future__ import annotations

import argparse
import math
import platform
import shlex
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from lessons_lib.data.corpus import Corpus, load_corpus
from lessons_lib.objectives.next_token import (
    heldout_perplexity,
    next_token_loss,
    unigram_perplexity,
)
from lessons_lib.threads import use_threads
from lessons_lib.training.checkpoints import save_checkpoint
from lessons_lib.training.lm_pretraining import WindowStream
from lessons_lib.training.loop import seed_everything, warmup_linear_schedule
from lessons_lib.training.memory import count_parameters
from lessons_lib.training.resumable import run_folder, train_resumable

# Options that must not change between an interrupted run and its --resume (plus each model's own).
RESUME_SETTINGS = ("steps", "batch_size", "window", "lr", "dropout", "seed", "documents")


def add_lm_arguments(parser: argparse.ArgumentParser, *, out: str) -> None:
    """The options every language-model command has; ``out`` names the default run folder under ``runs/``."""
    parser.add_argument("--steps", type=int, default=2000, help="optimisation steps (default 2000)")
    parser.add_argument("--batch-size", type=int, default=32, help="windows per step (default 32)")
    parser.add_argument("--window", type=int, default=64, help="tokens per training window (default 64)")
    parser.add_argument("--lr", type=float, default=1e-3)
    # A model this small under-fits its budget: dropout would only slow it down.
    parser.add_argument("--dropout", type=float, default=0.0, help="dropout everywhere (default 0)")
    # Not the shipped checkpoint by default: a trial run must not overwrite what the notebooks load.
    parser.set_defaults(out=Path("runs") / out)


def check_lm_arguments(args: argparse.Namespace, parser: argparse.ArgumentParser, *, context: int) -> None:
    """Refuse options that cannot work, naming the option; ``context`` is the model's longest input."""
    if not 0.0 <= args.dropout < 1.0:
        parser.error(f"--dropout must be in [0, 1), got {args.dropout}")
    if not (math.isfinite(args.lr) and args.lr > 0):
        parser.error(f"--lr must be a positive number, got {args.lr}")
    if not 2 <= args.window <= context:
        parser.error(f"--window must be between 2 and {context} (the tiny model's context)")
    if args.batch_size < 1:
        parser.error(f"--batch-size must be an integer >= 1, got {args.batch_size}")


@dataclass
class LanguageModelRecipe:
    """How one command builds its pieces inside the run folder ``work``."""

    name: str  # the command's name, e.g. "gpt"
    make_tokenizer: Callable[[Path, bool, Corpus], object]  # (work, resuming, corpus) -> tokenizer, files in work
    encode_windows: Callable[[Sequence[list[str]], object, int], torch.Tensor]  # (documents, tokenizer, window) -> (N, window)
    make_model: Callable[[int, float], nn.Module]  # (vocab_size, dropout) -> model whose forward(ids) gives logits
    vocab_files: Sequence[str]  # files of ``work`` that hold the vocabulary, copied into the checkpoint
    describe_vocabulary: Callable[[argparse.Namespace], str]  # one line for the metadata
    settings: Sequence[str] = ()  # the command's own options that a --resume must not change


def run_language_model(args: argparse.Namespace, argv: list[str] | None, recipe: LanguageModelRecipe) -> dict:
    """Train the model, score held-out perplexity, write the checkpoint; returns its metadata."""
    start, cpu_start = time.perf_counter(), time.process_time()
    use_threads(args.threads)  # threads that sleep while they wait: see lessons_lib.threads
    out: Path = args.out
    work, resuming = run_folder(out, resume=args.resume, overwrite=args.overwrite)  # vocabulary, snapshots
    corpus = load_corpus()
    tokenizer = recipe.make_tokenizer(work, resuming, corpus)
    documents = corpus.train[: args.documents] if args.documents else corpus.train
    windows = recipe.encode_windows(documents, tokenizer, args.window)  # (N, window)
    if len(windows) < args.batch_size:
        raise ValueError(f"--batch-size {args.batch_size} is more than the {len(windows)} training windows")

    seed_everything(args.seed)
    model = recipe.make_model(tokenizer.vocab_size, args.dropout)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    scheduler = warmup_linear_schedule(optimizer, max(1, args.steps // 20), args.steps)
    stream = WindowStream(windows, batch_size=args.batch_size, seed=args.seed)

    def loss_fn(model: nn.Module, ids: torch.Tensor) -> torch.Tensor:
        return next_token_loss(model(ids), ids)

    settings = {name: getattr(args, name) for name in RESUME_SETTINGS}
    settings.update({name: str(getattr(args, name)) for name in recipe.settings})
    run = train_resumable(model, optimizer, scheduler, stream.batches, loss_fn, steps=args.steps,
                          save_every=args.save_every, snapshot_dir=work / "resume", settings=settings,
                          resume=resuming, stop_at=args.stop_at, started=start,
                          desc=f"pre-training {recipe.name}", show_progress=not args.no_progress)
    if run["stopped"]:
        return {"stopped_at": run["step"]}

    heldout = corpus.valid[: args.eval_documents] if args.eval_documents else corpus.valid
    heldout_windows = recipe.encode_windows(heldout, tokenizer, args.window)
    metadata = {
        "command": "python -m lessons_lib.pretrain " + shlex.join(argv if argv is not None else [recipe.name]),
        "steps": args.steps, "batch_size": args.batch_size, "window": args.window, "lr": args.lr,
        "dropout": args.dropout, "seed": args.seed, "vocab_size": tokenizer.vocab_size,
        "vocabulary": recipe.describe_vocabulary(args),
        "parameters": count_parameters(model), "train_documents": len(documents),
        "train_windows": len(windows), "train_tokens": windows.numel(),
        "heldout": "validation split of the default corpus (documents never seen in training)",
        "heldout_documents": len(heldout), "heldout_windows": len(heldout_windows),
        "heldout_perplexity": round(heldout_perplexity(model, heldout_windows), 2),
        "unigram_perplexity": round(unigram_perplexity(windows, heldout_windows, tokenizer.vocab_size), 2),
        "wall_time_seconds": round(run["elapsed"], 1),
        # CPU time of this process (all threads): on a machine busy with other work, a fairer
        # measure of the run's cost than the wall time (a resumed run counts its last part only).
        "cpu_time_seconds": round(time.process_time() - cpu_start, 1),
        "torch": torch.__version__, "python": platform.python_version(), "cpu_threads": torch.get_num_threads(),
    }
    save_checkpoint(out, model, model.config, metadata,
                    extra_files={name: work / name for name in recipe.vocab_files})
    # The snapshot (model + AdamW moments, about three times the checkpoint) has served its purpose.
    shutil.rmtree(work)
    return metadata
