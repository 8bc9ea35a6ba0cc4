"""``python -m lessons_lib.pretrain bert``: the tiny BERT, pre-trained with MLM + NSP on the default corpus.

Trains a WordPiece vocabulary on the training split, then the model; scores it on the validation
split and writes the checkpoint (weights, config, vocabulary, metadata) into ``--out``.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
from pathlib import Path

from lessons_lib.models.bert import BertConfig, BertForPreTraining
from lessons_lib.pretrain.recipe import PretrainingRun, SharedOptions
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer
from lessons_lib.training.bert_pretraining import (
    PretrainingStream,
    evaluate_pretraining,
    pretraining_loss,
)
from lessons_lib.training.checkpoints import load_pretrained_bert
from lessons_lib.training.memory import count_parameters

SHARED = SharedOptions(out=Path("runs") / "bert-tiny", steps=10000, batch_size=32, batch_of="sentence pairs",
                       lr=1e-3, dropout=0.0)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """BERT's own options (the shared ones are added by ``lessons_lib.pretrain.recipe``)."""
    parser.add_argument("--max-len", type=int, default=64, help="tokens per sentence pair, with [CLS] and [SEP]s")
    parser.add_argument("--vocab-size", type=int, default=6000)
    parser.add_argument("--span", type=int, default=1,
                        help="sentences in each of A and B (default 1; BERT's segments are spans of text)")
    parser.add_argument("--init", type=str, default=None,
                        help="continue pre-training from this checkpoint directory (its weights and vocabulary)")


def check_arguments(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """Refuse BERT options that cannot work, naming the option."""
    longest = BertConfig.tiny(vocab_size=8).max_position_embeddings
    if not 8 <= args.max_len <= longest:
        parser.error(f"--max-len must be between 8 and {longest} (the tiny BERT's positions)")
    if args.init is not None and not (Path(args.init) / "config.json").is_file():
        parser.error(f"--init must be a checkpoint directory holding config.json, got {args.init}")
    for option in ("vocab_size", "span"):
        if getattr(args, option) < 1:
            parser.error(f"--{option.replace('_', '-')} must be an integer >= 1, got {getattr(args, option)}")


def run(args: argparse.Namespace, argv: list[str] | None = None) -> dict:
    """Train the tokenizer and the tiny BERT, evaluate on held-out documents, write the checkpoint."""
    run = PretrainingRun(args, argv, "bert")
    vocab_file = run.work / "vocab.txt"
    if args.init is not None:  # continue from a checkpoint: its vocabulary goes with its weights
        initial, tokenizer, _ = load_pretrained_bert(args.init)
        shutil.copyfile(Path(args.init) / "vocab.txt", vocab_file)
    elif run.resuming:
        tokenizer = WordPieceTokenizer.from_vocab_file(vocab_file)
    else:
        texts = [s for doc in run.documents for s in doc]
        tokenizer = WordPieceTokenizer.train(texts, args.vocab_size, show_progress=not args.no_progress)
        tokenizer.save_vocab(vocab_file)
    start_config = initial.config if args.init is not None else BertConfig.tiny(tokenizer.vocab_size)
    config = dataclasses.replace(start_config, dropout=args.dropout, attention_dropout=args.dropout)

    def make_model() -> BertForPreTraining:
        model = BertForPreTraining(config)
        if args.init is not None:
            model.load_state_dict(initial.state_dict())
        return model

    try:
        stream = PretrainingStream(run.documents, tokenizer, batch_size=args.batch_size, max_len=args.max_len,
                                   seed=args.seed, span=args.span)
    except ValueError as err:  # e.g. fewer sentence pairs than one batch
        raise ValueError(f"--batch-size {args.batch_size} / --documents {args.documents}: {err}") from None
    # Besides the shared ones, the options that must not change between an interrupted run and its --resume.
    settings = {name: getattr(args, name) for name in ("max_len", "vocab_size", "span", "init")}
    model = run.train(make_model, stream.batches, pretraining_loss, settings=settings, desc="pre-training BERT")
    if run.stopped_at is not None:
        return {"stopped_at": run.stopped_at}

    scores = evaluate_pretraining(model, run.heldout, tokenizer, max_len=args.max_len, span=args.span)
    return run.finish(model, config, {
        "steps": args.steps, "batch_size": args.batch_size, "max_len": args.max_len, "lr": args.lr,
        "dropout": args.dropout, "span": args.span, "init": args.init,
        "seed": args.seed, "vocab_size": tokenizer.vocab_size, "parameters": count_parameters(model),
        "train_documents": len(run.documents), "train_pairs_per_epoch": stream.steps_per_epoch * args.batch_size,
        "heldout": "validation split of the default corpus (documents never seen in training)",
        "heldout_documents": len(run.heldout),
        "heldout_mlm_accuracy": round(scores["mlm_accuracy"], 4),
        "heldout_mask_accuracy": round(scores["mask_accuracy"], 4),
        "heldout_nsp_accuracy": round(scores["nsp_accuracy"], 4),
    })


SUMMARY = ("heldout_mlm_accuracy", "heldout_mask_accuracy", "heldout_nsp_accuracy", "wall_time_seconds",
           "cpu_time_seconds")
