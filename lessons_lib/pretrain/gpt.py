"""``python -m lessons_lib.pretrain gpt``: the tiny GPT, pre-trained to predict the next token on the default corpus.

Uses the shipped tiny BERT's WordPiece vocabulary (so perplexities compare across models), cuts
each training document into windows of ``--window`` tokens, trains the left-to-right LM on them,
scores held-out perplexity against the unigram baseline on the validation split, and writes the
checkpoint (weights, config, vocabulary, metadata) into ``--out``.
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import shlex
import shutil
import time
from pathlib import Path

import torch

from lessons_lib.data.corpus import load_corpus
from lessons_lib.models.gpt import GPT, GPTConfig
from lessons_lib.objectives.next_token import make_windows
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer
from lessons_lib.training.checkpoints import SHIPPED_BERT, save_checkpoint
from lessons_lib.training.lm_pretraining import (
    WindowStream,
    heldout_perplexity,
    next_token_loss,
    unigram_perplexity,
)
from lessons_lib.training.loop import seed_everything, warmup_linear_schedule
from lessons_lib.training.memory import count_parameters
from lessons_lib.training.resumable import run_folder, train_resumable

# Options that must not change between an interrupted run and its --resume.
_RESUME_SETTINGS = ("steps", "batch_size", "window", "lr", "dropout", "seed", "documents", "vocab")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """GPT's options (the common ones are added by ``lessons_lib.pretrain``)."""
    parser.add_argument("--steps", type=int, default=2000, help="optimisation steps (default 2000)")
    parser.add_argument("--batch-size", type=int, default=32, help="windows per step (default 32)")
    parser.add_argument("--window", type=int, default=64, help="tokens per training window (default 64)")
    parser.add_argument("--lr", type=float, default=1e-3)
    # A model this small under-fits its budget: dropout would only slow it down.
    parser.add_argument("--dropout", type=float, default=0.0, help="dropout everywhere (default 0)")
    parser.add_argument("--vocab", type=Path, default=SHIPPED_BERT / "vocab.txt",
                        help="WordPiece vocabulary file (default: the shipped tiny BERT's)")
    # Not the shipped checkpoint by default: a trial run must not overwrite what the notebooks load.
    parser.set_defaults(out=Path("runs") / "gpt-tiny")


def check_arguments(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """Refuse GPT options that cannot work, naming the option."""
    if not 0.0 <= args.dropout < 1.0:
        parser.error(f"--dropout must be in [0, 1), got {args.dropout}")
    if not args.lr > 0:
        parser.error(f"--lr must be > 0, got {args.lr}")
    longest = GPTConfig.tiny(vocab_size=8).max_len
    if not 2 <= args.window <= longest:
        parser.error(f"--window must be between 2 and {longest} (the tiny GPT's context)")
    if args.batch_size < 1:
        parser.error(f"--batch-size must be an integer >= 1, got {args.batch_size}")
    if not Path(args.vocab).is_file():
        parser.error(f"--vocab must be a vocabulary file, got {args.vocab}")


def run(args: argparse.Namespace, argv: list[str] | None = None) -> dict:
    """Train the tiny GPT, score held-out perplexity, write the checkpoint."""
    start = time.perf_counter()
    torch.set_num_threads(args.threads)
    out: Path = args.out
    work = run_folder(out, resume=args.resume, overwrite=args.overwrite)  # vocabulary and snapshots
    corpus = load_corpus()
    vocab_file = work / "vocab.txt"
    if not args.resume:
        shutil.copyfile(args.vocab, vocab_file)
    tokenizer = WordPieceTokenizer.from_vocab_file(vocab_file)
    documents = corpus.train[: args.documents] if args.documents else corpus.train
    windows = make_windows(documents, tokenizer, args.window)  # (N, window)
    if len(windows) < args.batch_size:
        raise ValueError(f"--batch-size {args.batch_size} is more than the {len(windows)} training windows")

    seed_everything(args.seed)
    config = dataclasses.replace(GPTConfig.tiny(tokenizer.vocab_size), dropout=args.dropout,
                                 attention_dropout=args.dropout)
    model = GPT(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    scheduler = warmup_linear_schedule(optimizer, max(1, args.steps // 20), args.steps)
    stream = WindowStream(windows, batch_size=args.batch_size, seed=args.seed)

    def loss_fn(model: GPT, ids: torch.Tensor) -> torch.Tensor:
        return next_token_loss(model(ids), ids)

    settings = {name: str(getattr(args, name)) if name == "vocab" else getattr(args, name)
                for name in _RESUME_SETTINGS}
    run = train_resumable(model, optimizer, scheduler, stream.batches, loss_fn, steps=args.steps,
                          save_every=args.save_every, snapshot_dir=work / "resume", settings=settings,
                          resume=args.resume, stop_at=args.stop_at, started=start, desc="pre-training GPT",
                          show_progress=not args.no_progress)
    if run["stopped"]:
        return {"stopped_at": run["step"]}

    heldout = corpus.valid[: args.eval_documents] if args.eval_documents else corpus.valid
    heldout_windows = make_windows(heldout, tokenizer, args.window)
    metadata = {
        "command": "python -m lessons_lib.pretrain " + shlex.join(argv if argv is not None else ["gpt"]),
        "steps": args.steps, "batch_size": args.batch_size, "window": args.window, "lr": args.lr,
        "dropout": args.dropout, "seed": args.seed, "vocab_size": tokenizer.vocab_size,
        "vocabulary": "the shipped tiny BERT's WordPiece vocabulary" if Path(args.vocab).resolve()
        == (SHIPPED_BERT / "vocab.txt").resolve() else str(args.vocab),
        "parameters": count_parameters(model), "train_documents": len(documents),
        "train_windows": len(windows), "train_tokens": windows.numel(),
        "heldout": "validation split of the default corpus (documents never seen in training)",
        "heldout_documents": len(heldout), "heldout_windows": len(heldout_windows),
        "heldout_perplexity": round(heldout_perplexity(model, heldout_windows), 2),
        "unigram_perplexity": round(unigram_perplexity(windows, heldout_windows, tokenizer.vocab_size), 2),
        "wall_time_seconds": round(run["elapsed"], 1),
        "torch": torch.__version__, "python": platform.python_version(), "cpu_threads": torch.get_num_threads(),
    }
    save_checkpoint(out, model, config, metadata, extra_files={"vocab.txt": vocab_file})
    # The snapshot (model + AdamW moments, about three times the checkpoint) has served its purpose.
    shutil.rmtree(work)
    return metadata


SUMMARY = ("heldout_perplexity", "unigram_perplexity", "wall_time_seconds")
