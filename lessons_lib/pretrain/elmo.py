"""``python -m lessons_lib.pretrain elmo``: the tiny ELMo, two one-way LSTM LMs on the default corpus.

Reads the corpus as windows of the tiny BERT's WordPiece tokens (the same 6,000-token vocabulary,
so perplexities compare token for token with the other models), each token through its
characters; trains the forward and backward LMs together; scores both directions on the
validation split against a unigram baseline and writes the checkpoint into ``--out``.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
from functools import partial
from pathlib import Path

from lessons_lib.models.elmo import ElmoBiLM, ElmoConfig
from lessons_lib.objectives.next_token import make_windows, unigram_perplexity
from lessons_lib.pretrain.recipe import PretrainingRun, SharedOptions
from lessons_lib.tokenizers.elmo_chars import vocabulary_char_ids
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer
from lessons_lib.training.checkpoints import SHIPPED_BERT
from lessons_lib.training.elmo_pretraining import bilm_loss, bilm_perplexities
from lessons_lib.training.lm_pretraining import WindowStream
from lessons_lib.training.memory import count_parameters

SHARED = SharedOptions(out=Path("runs") / "elmo-tiny", steps=2000, batch_size=32, batch_of="windows", lr=2e-3)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """ELMo's own options (the shared ones are added by ``lessons_lib.pretrain.recipe``)."""
    parser.add_argument("--window", type=int, default=32, help="tokens per training window")
    parser.add_argument("--cell-size", type=int, default=ElmoConfig.tiny(2).cell_size,
                        help="LSTM memory width per direction")
    parser.add_argument("--projection-size", type=int, default=ElmoConfig.tiny(2).projection_size,
                        help="LSTM output and token vector width per direction")


def check_arguments(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """Refuse ELMo options that cannot work, naming the option."""
    for option, least in (("window", 2), ("cell_size", 1), ("projection_size", 1)):
        value = getattr(args, option)
        if value < least:
            parser.error(f"--{option.replace('_', '-')} must be an integer >= {least}, got {value}")


def run(args: argparse.Namespace, argv: list[str] | None = None) -> dict:
    """Train the tiny ELMo, score both directions on held-out documents, write the checkpoint."""
    run = PretrainingRun(args, argv, "elmo")
    vocab_file = run.work / "vocab.txt"
    if not run.resuming:
        shutil.copyfile(SHIPPED_BERT / "vocab.txt", vocab_file)
    tokenizer = WordPieceTokenizer.from_vocab_file(vocab_file)
    char_table = vocabulary_char_ids(tokenizer)  # (V, 50): each output token's spelling

    windows = make_windows(run.documents, tokenizer, args.window)  # (N, window) WordPiece ids
    if len(windows) < args.batch_size:
        raise ValueError(f"--batch-size {args.batch_size} is more than the {len(windows)} training windows")
    stream = WindowStream(windows, batch_size=args.batch_size, seed=args.seed)
    config = dataclasses.replace(ElmoConfig.tiny(tokenizer.vocab_size), cell_size=args.cell_size,
                                 projection_size=args.projection_size)
    # Besides the shared ones, the options that must not change between an interrupted run and its --resume.
    settings = {name: getattr(args, name) for name in ("window", "cell_size", "projection_size")}
    model = run.train(lambda: ElmoBiLM(config), stream.batches, partial(bilm_loss, char_table=char_table),
                      settings=settings, desc="pre-training ELMo")
    if run.stopped_at is not None:
        return {"stopped_at": run.stopped_at}

    heldout = make_windows(run.heldout, tokenizer, args.window)
    perplexity = bilm_perplexities(model, heldout, char_table)
    return run.finish(model, config, {
        "steps": args.steps, "batch_size": args.batch_size, "window": args.window, "lr": args.lr,
        "seed": args.seed, "vocab_size": tokenizer.vocab_size,
        "vocabulary": "the shipped tiny BERT's WordPiece vocabulary",
        "parameters": count_parameters(model), "train_documents": len(run.documents),
        "train_windows": len(windows), "train_tokens": windows.numel(),
        "heldout": "validation split of the default corpus (documents never seen in training)",
        "heldout_documents": len(run.heldout), "heldout_windows": len(heldout),
        "heldout_forward_perplexity": round(perplexity["forward"], 2),
        "heldout_backward_perplexity": round(perplexity["backward"], 2),
        "unigram_perplexity": round(unigram_perplexity(windows, heldout, tokenizer.vocab_size), 2),
    })


SUMMARY = ("heldout_forward_perplexity", "heldout_backward_perplexity", "unigram_perplexity",
           "wall_time_seconds", "cpu_time_seconds")
