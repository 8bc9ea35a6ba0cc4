"""``python -m lessons_lib.pretrain bert``: the tiny BERT, pre-trained with MLM + NSP on the default corpus.

Trains a WordPiece vocabulary on the training split, then the model; scores it on the validation
split and writes the checkpoint (weights, config, vocabulary, metadata) into ``--out``.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import platform
import shlex
import shutil
import time
from pathlib import Path

import torch

from lessons_lib.data.corpus import load_corpus
from lessons_lib.models.bert import BertConfig, BertForPreTraining
from lessons_lib.threads import use_threads
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer
from lessons_lib.training.bert_pretraining import (
    PretrainingStream,
    evaluate_pretraining,
    pretraining_loss,
)
from lessons_lib.training.checkpoints import load_pretrained_bert, save_checkpoint
from lessons_lib.training.loop import seed_everything, warmup_linear_schedule
from lessons_lib.training.memory import count_parameters
from lessons_lib.training.resumable import run_folder, train_resumable

# Options that must not change between an interrupted run and its --resume.
_RESUME_SETTINGS = ("steps", "batch_size", "max_len", "vocab_size", "lr", "dropout", "seed", "documents", "span",
                    "init")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """BERT's options (the common ones are added by ``lessons_lib.pretrain``)."""
    parser.add_argument("--steps", type=int, default=10000, help="optimisation steps (default 10000)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-len", type=int, default=64, help="tokens per sentence pair, with [CLS] and [SEP]s")
    parser.add_argument("--vocab-size", type=int, default=6000)
    parser.add_argument("--lr", type=float, default=1e-3)
    # A model this small under-fits its budget: dropout would only slow it down.
    parser.add_argument("--dropout", type=float, default=0.0, help="dropout everywhere (default 0)")
    parser.add_argument("--span", type=int, default=1,
                        help="sentences in each of A and B (default 1; BERT's segments are spans of text)")
    parser.add_argument("--init", type=str, default=None,
                        help="continue pre-training from this checkpoint directory (its weights and vocabulary)")
    # Not the shipped checkpoint by default: a trial run must not overwrite what the notebooks load.
    parser.set_defaults(out=Path("runs") / "bert-tiny")


def check_arguments(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """Refuse BERT options that cannot work, naming the option."""
    if not 0.0 <= args.dropout < 1.0:
        parser.error(f"--dropout must be in [0, 1), got {args.dropout}")
    longest = BertConfig.tiny(vocab_size=8).max_position_embeddings
    if not 8 <= args.max_len <= longest:
        parser.error(f"--max-len must be between 8 and {longest} (the tiny BERT's positions)")
    if args.init is not None and not (Path(args.init) / "config.json").is_file():
        parser.error(f"--init must be a checkpoint directory holding config.json, got {args.init}")
    if not (math.isfinite(args.lr) and args.lr > 0):
        parser.error(f"--lr must be a positive number, got {args.lr}")
    for option, least in (("batch_size", 1), ("vocab_size", 1), ("span", 1)):
        value = getattr(args, option)
        if value < least:
            parser.error(f"--{option.replace('_', '-')} must be an integer >= {least}, got {value}")


def run(args: argparse.Namespace, argv: list[str] | None = None) -> dict:
    """Train the tokenizer and the tiny BERT, evaluate on held-out documents, write the checkpoint."""
    start, cpu_start = time.perf_counter(), time.process_time()
    use_threads(args.threads)  # threads that sleep while they wait: see lessons_lib.threads
    out: Path = args.out
    work, resuming = run_folder(out, resume=args.resume, overwrite=args.overwrite)  # vocabulary, snapshots
    corpus = load_corpus()
    vocab_file = work / "vocab.txt"
    if args.init is not None:  # continue from a checkpoint: its vocabulary goes with its weights
        initial, tokenizer, _ = load_pretrained_bert(args.init)
        shutil.copyfile(Path(args.init) / "vocab.txt", vocab_file)
    elif resuming:
        tokenizer = WordPieceTokenizer.from_vocab_file(vocab_file)
    else:
        texts = [s for doc in (corpus.train[: args.documents] if args.documents else corpus.train) for s in doc]
        tokenizer = WordPieceTokenizer.train(texts, args.vocab_size,
                                             show_progress=not args.no_progress)
        tokenizer.save_vocab(vocab_file)

    seed_everything(args.seed)
    start_config = initial.config if args.init is not None else BertConfig.tiny(tokenizer.vocab_size)
    config = dataclasses.replace(start_config, dropout=args.dropout,
                                 attention_dropout=args.dropout)
    model = BertForPreTraining(config)
    if args.init is not None:
        model.load_state_dict(initial.state_dict())
        del initial
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    scheduler = warmup_linear_schedule(optimizer, max(1, args.steps // 20), args.steps)
    documents = corpus.train[: args.documents] if args.documents else corpus.train
    try:
        stream = PretrainingStream(documents, tokenizer, batch_size=args.batch_size, max_len=args.max_len,
                                   seed=args.seed, span=args.span)
    except ValueError as err:  # e.g. fewer sentence pairs than one batch
        raise ValueError(f"--batch-size {args.batch_size} / --documents {args.documents}: {err}") from None
    settings = {name: getattr(args, name) for name in _RESUME_SETTINGS}
    run = train_resumable(model, optimizer, scheduler, stream.batches, pretraining_loss, steps=args.steps,
                          save_every=args.save_every, snapshot_dir=work / "resume", settings=settings,
                          resume=resuming, stop_at=args.stop_at, started=start, desc="pre-training BERT",
                          show_progress=not args.no_progress)
    if run["stopped"]:
        return {"stopped_at": run["step"]}

    heldout = corpus.valid[: args.eval_documents] if args.eval_documents else corpus.valid
    scores = evaluate_pretraining(model, heldout, tokenizer, max_len=args.max_len, span=args.span)
    metadata = {
        "command": "python -m lessons_lib.pretrain " + shlex.join(argv if argv is not None else ["bert"]),
        "steps": args.steps, "batch_size": args.batch_size, "max_len": args.max_len, "lr": args.lr,
        "dropout": args.dropout, "span": args.span, "init": args.init,
        "seed": args.seed, "vocab_size": tokenizer.vocab_size, "parameters": count_parameters(model),
        "train_documents": len(documents), "train_pairs_per_epoch": stream.steps_per_epoch * args.batch_size,
        "heldout": "validation split of the default corpus (documents never seen in training)",
        "heldout_documents": len(heldout),
        "heldout_mlm_accuracy": round(scores["mlm_accuracy"], 4),
        "heldout_mask_accuracy": round(scores["mask_accuracy"], 4),
        "heldout_nsp_accuracy": round(scores["nsp_accuracy"], 4),
        "wall_time_seconds": round(run["elapsed"], 1),
        "cpu_time_seconds": round(time.process_time() - cpu_start, 1),
        "torch": torch.__version__, "python": platform.python_version(), "cpu_threads": torch.get_num_threads(),
    }
    save_checkpoint(out, model, config, metadata, extra_files={"vocab.txt": vocab_file})
    # The snapshot (model + AdamW moments, about three times the checkpoint) has served its purpose.
    shutil.rmtree(work)
    return metadata


SUMMARY = ("heldout_mlm_accuracy", "heldout_mask_accuracy", "heldout_nsp_accuracy", "wall_time_seconds",
           "cpu_time_seconds")
