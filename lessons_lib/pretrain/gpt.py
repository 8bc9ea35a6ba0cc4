"""``python -m lessons_lib.pretrain gpt``: the tiny GPT, pre-trained to predict the next token on the default corpus.

Uses the shipped tiny BERT's WordPiece vocabulary (so perplexities compare across models), cuts
each training document into windows of ``--window`` tokens, trains the left-to-right LM on them,
scores held-out perplexity against the unigram baseline on the validation split, and writes the
checkpoint (weights, config, vocabulary, metadata) into ``--out``.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
from pathlib import Path

from lessons_lib.models.gpt import GPT, GPTConfig
from lessons_lib.objectives.next_token import make_windows
from lessons_lib.pretrain.language_model import (
    LanguageModelRecipe,
    add_lm_arguments,
    check_lm_arguments,
    run_language_model,
    shared_options,
)
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer
from lessons_lib.training.checkpoints import SHIPPED_BERT

SHARED = shared_options("gpt-tiny")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """GPT's options (the shared ones are added by ``lessons_lib.pretrain.recipe``)."""
    add_lm_arguments(parser)
    parser.add_argument("--vocab", type=Path, default=SHIPPED_BERT / "vocab.txt",
                        help="WordPiece vocabulary file (default: the shipped tiny BERT's)")


def check_arguments(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """Refuse GPT options that cannot work, naming the option."""
    check_lm_arguments(args, parser, context=GPTConfig.tiny(vocab_size=8).max_len)
    if not Path(args.vocab).is_file():
        parser.error(f"--vocab must be a vocabulary file, got {args.vocab}")


def run(args: argparse.Namespace, argv: list[str] | None = None) -> dict:
    """Train the tiny GPT, score held-out perplexity, write the checkpoint."""

    def make_tokenizer(work: Path, resuming: bool, documents) -> WordPieceTokenizer:
        if not resuming:
            shutil.copyfile(args.vocab, work / "vocab.txt")
        return WordPieceTokenizer.from_vocab_file(work / "vocab.txt")

    def make_model(vocab_size: int, dropout: float) -> GPT:
        return GPT(dataclasses.replace(GPTConfig.tiny(vocab_size), dropout=dropout, attention_dropout=dropout))

    def describe_vocabulary(args: argparse.Namespace) -> str:
        shipped = Path(args.vocab).resolve() == (SHIPPED_BERT / "vocab.txt").resolve()
        return "the shipped tiny BERT's WordPiece vocabulary" if shipped else str(args.vocab)

    recipe = LanguageModelRecipe(name="gpt", make_tokenizer=make_tokenizer, encode_windows=make_windows,
                                 make_model=make_model, vocab_files=["vocab.txt"],
                                 describe_vocabulary=describe_vocabulary, settings=["vocab"])
    return run_language_model(args, argv, recipe)


SUMMARY = ("heldout_perplexity", "unigram_perplexity", "wall_time_seconds")
