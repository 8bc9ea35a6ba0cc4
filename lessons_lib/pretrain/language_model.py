"""What the GPT and GPT-2 commands share: windows of the corpus, a resumable next-token run, held-out scores.

A command module says how to build its tokenizer and its model; ``add_lm_arguments`` gives it the
window option and ``run_language_model`` does the rest: it trains on windows of the training
documents, scores held-out perplexity against the unigram baseline on the validation split, and
writes the checkpoint (weights, config, vocabulary files, metadata) into ``--out``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from lessons_lib.objectives.next_token import (
    heldout_perplexity,
    next_token_loss,
    unigram_perplexity,
)
from lessons_lib.pretrain.recipe import PretrainingRun, SharedOptions
from lessons_lib.training.lm_pretraining import WindowStream
from lessons_lib.training.memory import count_parameters


def shared_options(out: str) -> SharedOptions:
    """The shared options' defaults of a language-model command; ``out`` names its run folder under ``runs/``."""
    return SharedOptions(out=Path("runs") / out, steps=2000, batch_size=32, batch_of="windows", lr=1e-3, dropout=0.0)


def add_lm_arguments(parser: argparse.ArgumentParser) -> None:
    """The option every language-model command adds to the shared ones: the window length."""
    parser.add_argument("--window", type=int, default=64, help="tokens per training window (default 64)")


def check_lm_arguments(args: argparse.Namespace, parser: argparse.ArgumentParser, *, context: int) -> None:
    """Refuse a window the model cannot read, naming the option; ``context`` is the model's longest input."""
    if not 2 <= args.window <= context:
        parser.error(f"--window must be between 2 and {context} (the tiny model's context)")


@dataclass
class LanguageModelRecipe:
    """How one command builds its pieces inside the run folder ``work``."""

    name: str  # the command's name, e.g. "gpt"
    # (work, resuming, training documents) -> tokenizer, its files written into work unless resuming
    make_tokenizer: Callable[[Path, bool, Sequence[list[str]]], object]
    encode_windows: Callable[[Sequence[list[str]], object, int], torch.Tensor]  # (documents, tokenizer, window) -> (N, window)
    make_model: Callable[[int, float], nn.Module]  # (vocab_size, dropout) -> model whose forward(ids) gives logits
    vocab_files: Sequence[str]  # files of ``work`` that hold the vocabulary, copied into the checkpoint
    describe_vocabulary: Callable[[argparse.Namespace], str]  # one line for the metadata
    settings: Sequence[str] = ()  # the command's own options that a --resume must not change


def run_language_model(args: argparse.Namespace, argv: list[str] | None, recipe: LanguageModelRecipe) -> dict:
    """Train the model, score held-out perplexity, write the checkpoint; returns its metadata."""
    run = PretrainingRun(args, argv, recipe.name, vocab_files=recipe.vocab_files)
    tokenizer = recipe.make_tokenizer(run.work, run.resuming, run.documents)
    windows = recipe.encode_windows(run.documents, tokenizer, args.window)  # (N, window)
    if len(windows) < args.batch_size:
        raise ValueError(f"--batch-size {args.batch_size} is more than the {len(windows)} training windows")
    stream = WindowStream(windows, batch_size=args.batch_size, seed=args.seed)

    def loss_fn(model: nn.Module, ids: torch.Tensor) -> torch.Tensor:
        return next_token_loss(model(ids), ids)

    settings = {"window": args.window, **{name: str(getattr(args, name)) for name in recipe.settings}}
    model = run.train(lambda: recipe.make_model(tokenizer.vocab_size, args.dropout), stream.batches, loss_fn,
                      settings=settings, desc=f"pre-training {recipe.name}")
    if run.stopped_at is not None:
        return {"stopped_at": run.stopped_at}

    heldout_windows = recipe.encode_windows(run.heldout, tokenizer, args.window)
    return run.finish(model, model.config, {
        "steps": args.steps, "batch_size": args.batch_size, "window": args.window, "lr": args.lr,
        "dropout": args.dropout, "seed": args.seed, "vocab_size": tokenizer.vocab_size,
        "vocabulary": recipe.describe_vocabulary(args),
        "parameters": count_parameters(model), "train_documents": len(run.documents),
        "train_windows": len(windows), "train_tokens": windows.numel(),
        "heldout": "validation split of the default corpus (documents never seen in training)",
        "heldout_documents": len(run.heldout), "heldout_windows": len(heldout_windows),
        "heldout_perplexity": round(heldout_perplexity(model, heldout_windows), 2),
        "unigram_perplexity": round(unigram_perplexity(windows, heldout_windows, tokenizer.vocab_size), 2),
    })
