"""``python -m lessons_lib.pretrain elmo``: the tiny ELMo, two one-way LSTM LMs on the default corpus.

Reads the corpus as windows of the tiny BERT's WordPiece tokens (the same 6,000-token vocabulary,
so perplexities compare token for token with the other models), each token through its
characters; trains the forward and backward LMs together; scores both directions on the
validation split against a unigram baseline and writes the checkpoint into ``--out``.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import platform
import shlex
import shutil
import time
from functools import partial
from pathlib import Path

import torch

from lessons_lib.data.corpus import load_corpus
from lessons_lib.models.elmo import ElmoBiLM, ElmoConfig
from lessons_lib.objectives.next_token import make_windows, unigram_perplexity
from lessons_lib.threads import use_threads
from lessons_lib.tokenizers.elmo_chars import vocabulary_char_ids
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer
from lessons_lib.training.checkpoints import SHIPPED_BERT, save_checkpoint
from lessons_lib.training.elmo_pretraining import bilm_loss, bilm_perplexities
from lessons_lib.training.lm_pretraining import WindowStream
from lessons_lib.training.loop import seed_everything, warmup_linear_schedule
from lessons_lib.training.memory import count_parameters
from lessons_lib.training.resumable import run_folder, train_resumable

# Options that must not change between an interrupted run and its --resume.
_RESUME_SETTINGS = ("steps", "batch_size", "window", "lr", "seed", "documents", "cell_size", "projection_size")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """ELMo's options (the common ones are added by ``lessons_lib.pretrain``)."""
    parser.add_argument("--steps", type=int, default=2000, help="optimisation steps (default 2000)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--window", type=int, default=32, help="tokens per training window")
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--cell-size", type=int, default=ElmoConfig.tiny(2).cell_size,
                        help="LSTM memory width per direction")
    parser.add_argument("--projection-size", type=int, default=ElmoConfig.tiny(2).projection_size,
                        help="LSTM output and token vector width per direction")
    # Not the shipped checkpoint by default: a trial run must not overwrite what the notebooks load.
    parser.set_defaults(out=Path("runs") / "elmo-tiny")


def check_arguments(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """Refuse ELMo options that cannot work, naming the option."""
    for option, least in (("batch_size", 1), ("window", 2), ("cell_size", 1), ("projection_size", 1)):
        value = getattr(args, option)
        if value < least:
            parser.error(f"--{option.replace('_', '-')} must be an integer >= {least}, got {value}")
    if not (math.isfinite(args.lr) and args.lr > 0):
        parser.error(f"--lr must be a positive number, got {args.lr}")


def run(args: argparse.Namespace, argv: list[str] | None = None) -> dict:
    """Train the tiny ELMo, score both directions on held-out documents, write the checkpoint."""
    start, cpu_start = time.perf_counter(), time.process_time()
    use_threads(args.threads)  # threads that sleep while they wait: see lessons_lib.threads
    out: Path = args.out
    work, resuming = run_folder(out, resume=args.resume, overwrite=args.overwrite)  # vocabulary, snapshots
    corpus = load_corpus()
    vocab_file = work / "vocab.txt"
    if not resuming:
        shutil.copyfile(SHIPPED_BERT / "vocab.txt", vocab_file)
    tokenizer = WordPieceTokenizer.from_vocab_file(vocab_file)
    char_table = vocabulary_char_ids(tokenizer)  # (V, 50): each output token's spelling

    documents = corpus.train[: args.documents] if args.documents else corpus.train
    windows = make_windows(documents, tokenizer, args.window)  # (N, window) WordPiece ids
    if len(windows) < args.batch_size:
        raise ValueError(f"--batch-size {args.batch_size} is more than the {len(windows)} training windows")
    stream = WindowStream(windows, batch_size=args.batch_size, seed=args.seed)

    seed_everything(args.seed)
    config = dataclasses.replace(ElmoConfig.tiny(tokenizer.vocab_size), cell_size=args.cell_size,
                                 projection_size=args.projection_size)
    model = ElmoBiLM(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    scheduler = warmup_linear_schedule(optimizer, max(1, args.steps // 20), args.steps)
    settings = {name: getattr(args, name) for name in _RESUME_SETTINGS}
    run = train_resumable(model, optimizer, scheduler, stream.batches, partial(bilm_loss, char_table=char_table),
                          steps=args.steps, save_every=args.save_every, snapshot_dir=work / "resume",
                          settings=settings, resume=resuming, stop_at=args.stop_at, started=start,
                          desc="pre-training ELMo", show_progress=not args.no_progress)
    if run["stopped"]:
        return {"stopped_at": run["step"]}

    heldout_docs = corpus.valid[: args.eval_documents] if args.eval_documents else corpus.valid
    heldout = make_windows(heldout_docs, tokenizer, args.window)
    perplexity = bilm_perplexities(model, heldout, char_table)
    metadata = {
        "command": "python -m lessons_lib.pretrain " + shlex.join(argv if argv is not None else ["elmo"]),
        "steps": args.steps, "batch_size": args.batch_size, "window": args.window, "lr": args.lr,
        "seed": args.seed, "vocab_size": tokenizer.vocab_size,
        "vocabulary": "the shipped tiny BERT's WordPiece vocabulary",
        "parameters": count_parameters(model), "train_documents": len(documents),
        "train_windows": len(windows), "train_tokens": windows.numel(),
        "heldout": "validation split of the default corpus (documents never seen in training)",
        "heldout_documents": len(heldout_docs), "heldout_windows": len(heldout),
        "heldout_forward_perplexity": round(perplexity["forward"], 2),
        "heldout_backward_perplexity": round(perplexity["backward"], 2),
        "unigram_perplexity": round(unigram_perplexity(windows, heldout, tokenizer.vocab_size), 2),
        "wall_time_seconds": round(run["elapsed"], 1),
        "cpu_time_seconds": round(time.process_time() - cpu_start, 1),
        "torch": torch.__version__, "python": platform.python_version(), "cpu_threads": torch.get_num_threads(),
    }
    save_checkpoint(out, model, config, metadata, extra_files={"vocab.txt": vocab_file})
    # The snapshot (model + AdamW moments, about three times the checkpoint) has served its purpose.
    shutil.rmtree(work)
    return metadata


SUMMARY = ("heldout_forward_perplexity", "heldout_backward_perplexity", "unigram_perplexity",
           "wall_time_seconds", "cpu_time_seconds")
