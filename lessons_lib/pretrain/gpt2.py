"""``python -m lessons_lib.pretrain gpt2``: the tiny GPT-2, with a byte-level BPE learned from the default corpus.

The tokenizer is a byte-level BPE of ``--vocab-size`` tokens (default 6,000) trained on the
training documents, not GPT-2's own 50,257-token one: that table alone, 50,257 x 128 weights, would
hold four times the rest of the tiny model, push the checkpoint past 15 MB, and make the softmax
over 50,257 scores the most expensive part of every step on a CPU. A learned BPE keeps what
matters here (bytes in, so no ``[UNK]``) at the size of the other tiny models' vocabularies.
Each training document is encoded as one text, cut into windows of ``--window`` tokens, and the
left-to-right LM is trained on them; then held-out perplexity is scored against the unigram
baseline on the validation split and the checkpoint (weights, config, ``vocab.json``,
``merges.txt``, metadata) is written into ``--out``.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Sequence
from pathlib import Path

from lessons_lib.models.gpt2 import GPT2, GPT2Config
from lessons_lib.objectives.next_token import document_windows
from lessons_lib.pretrain.language_model import (
    LanguageModelRecipe,
    add_lm_arguments,
    check_lm_arguments,
    run_language_model,
    shared_options,
)
from lessons_lib.tokenizers.bpe import ByteLevelBPE

SHARED = shared_options("gpt2-tiny")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """GPT-2's options (the shared ones are added by ``lessons_lib.pretrain.recipe``)."""
    add_lm_arguments(parser)
    parser.add_argument("--vocab-size", type=int, default=6000,
                        help="tokens of the byte-level BPE learned from the training documents (default 6000)")


def check_arguments(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """Refuse GPT-2 options that cannot work, naming the option."""
    check_lm_arguments(args, parser, context=GPT2Config.tiny(vocab_size=300).max_len)
    if args.vocab_size < 258:  # 256 bytes, <|endoftext|>, and at least one merge
        parser.error(f"--vocab-size must be at least 258, got {args.vocab_size}")


def run(args: argparse.Namespace, argv: list[str] | None = None) -> dict:
    """Learn the BPE, train the tiny GPT-2, score held-out perplexity, write the checkpoint."""

    def make_tokenizer(work: Path, resuming: bool, documents: Sequence[list[str]]) -> ByteLevelBPE:
        if not resuming:
            texts = [" ".join(sentences) for sentences in documents]
            ByteLevelBPE.train(texts, args.vocab_size, show_progress=not args.no_progress).save(work)
        return ByteLevelBPE.from_files(work / "vocab.json", work / "merges.txt")

    def make_model(vocab_size: int, dropout: float) -> GPT2:
        return GPT2(dataclasses.replace(GPT2Config.tiny(vocab_size), dropout=dropout, attention_dropout=dropout))

    recipe = LanguageModelRecipe(
        name="gpt2", make_tokenizer=make_tokenizer, encode_windows=document_windows, make_model=make_model,
        vocab_files=["vocab.json", "merges.txt"], settings=["vocab_size"],
        describe_vocabulary=lambda args: f"a byte-level BPE of {args.vocab_size} tokens learned from the "
                                         "training documents")
    return run_language_model(args, argv, recipe)


SUMMARY = ("heldout_perplexity", "unigram_perplexity", "wall_time_seconds")
