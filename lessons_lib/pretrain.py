"""Pre-train the shipped checkpoints: ``python -m lessons_lib.pretrain bert [--steps N] [--out DIR] [--resume]``.

The run is deterministic (seeded data order, masks and dropout) and resumable: every
``--save-every`` steps it writes its full state under ``DIR/resume/``, and ``--resume`` continues
from there to the same final weights as an uninterrupted run.
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import shlex
import shutil
import sys
import time
from importlib.resources import files
from pathlib import Path

import torch

from lessons_lib.bert import BertConfig, BertForPreTraining
from lessons_lib.corpus import load_corpus
from lessons_lib.pretraining import PretrainingStream, evaluate_pretraining, pretraining_loss
from lessons_lib.tokenizer import WordPieceTokenizer
from lessons_lib.training import (
    count_parameters,
    load_checkpoint,
    save_checkpoint,
    seed_everything,
    train_loop,
    warmup_linear_schedule,
)

SHIPPED_BERT = Path(str(files("lessons_lib"))) / "checkpoints" / "bert-tiny"


def load_pretrained_bert(directory: str | Path = SHIPPED_BERT) -> tuple[BertForPreTraining, WordPieceTokenizer, dict]:
    """The shipped tiny BERT (or another checkpoint directory): model, its tokenizer, its metadata."""
    state, config, metadata = load_checkpoint(directory)
    model = BertForPreTraining(BertConfig(**config))
    model.load_state_dict(state)
    tokenizer = WordPieceTokenizer.from_vocab_file(Path(directory) / "vocab.txt")
    return model.eval(), tokenizer, metadata


# Options that must not change between an interrupted run and its --resume.
_RESUME_SETTINGS = ("steps", "batch_size", "max_len", "vocab_size", "lr", "dropout", "seed", "documents", "span",
                    "init")


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m lessons_lib.pretrain", description=__doc__.splitlines()[0])
    parser.add_argument("model", choices=["bert"], help="which model to pre-train")
    parser.add_argument("--steps", type=int, default=10000, help="optimisation steps (default 10000)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-len", type=int, default=64, help="tokens per sentence pair, with [CLS] and [SEP]s")
    parser.add_argument("--vocab-size", type=int, default=6000)
    parser.add_argument("--lr", type=float, default=1e-3)
    # A model this small under-fits its budget: dropout would only slow it down.
    parser.add_argument("--dropout", type=float, default=0.0, help="dropout everywhere (default 0)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--span", type=int, default=1,
                        help="sentences in each of A and B (default 1; BERT's segments are spans of text)")
    parser.add_argument("--init", type=str, default=None,
                        help="continue pre-training from this checkpoint directory (its weights and vocabulary)")
    parser.add_argument("--save-every", type=int, default=500, help="steps between resumable snapshots")
    # Not the shipped checkpoint by default: a trial run must not overwrite what the notebooks load.
    parser.add_argument("--out", type=Path, default=Path("runs") / "bert-tiny",
                        help="checkpoint directory (default runs/bert-tiny)")
    parser.add_argument("--resume", action="store_true", help="continue from OUT/resume/ if it exists")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.add_argument("--documents", type=int, default=None, help="use only the first N training documents (smoke runs)")
    parser.add_argument("--eval-documents", type=int, default=None,
                        help="score on only the first N validation documents (smoke runs)")
    parser.add_argument("--stop-at", type=int, default=None,
                        help="stop after this step, leaving only the resumable snapshot (to test --resume)")
    args = parser.parse_args(argv)
    if args.steps < 2 or args.save_every < 1:
        parser.error("--steps must be >= 2 and --save-every >= 1")
    if not 0.0 <= args.dropout < 1.0:
        parser.error(f"--dropout must be in [0, 1), got {args.dropout}")
    longest = BertConfig.tiny(vocab_size=8).max_position_embeddings
    if not 8 <= args.max_len <= longest:
        parser.error(f"--max-len must be between 8 and {longest} (the tiny BERT's positions)")
    # NotNext pairs draw sentence B from another document, so a split needs two documents at least.
    if args.init is not None and not (Path(args.init) / "config.json").is_file():
        parser.error(f"--init must be a checkpoint directory holding config.json, got {args.init}")
    for option, least in (("batch_size", 1), ("vocab_size", 1), ("threads", 1), ("documents", 2), ("eval_documents", 2),
                          ("span", 1)):
        value = getattr(args, option)
        if value is not None and value < least:
            parser.error(f"--{option.replace('_', '-')} must be an integer >= {least}, got {value}")
    return args


def pretrain_bert(args: argparse.Namespace, argv: list[str] | None = None) -> dict:
    """Train the tokenizer and the tiny BERT, evaluate on held-out documents, write the checkpoint."""
    start = time.perf_counter()
    # Two threads: the size of machine the collection targets. On a machine that other programs
    # keep busy, one thread can be many times faster (each parallel step waits for both threads).
    torch.set_num_threads(args.threads)
    corpus = load_corpus()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    resume_file = out / "resume" / "state.pt"

    vocab_file = out / "vocab.txt"
    if args.init is not None:  # continue from a checkpoint: its vocabulary goes with its weights
        initial, tokenizer, _ = load_pretrained_bert(args.init)
        if Path(args.init).resolve() != out.resolve():
            shutil.copyfile(Path(args.init) / "vocab.txt", vocab_file)
    elif args.resume and vocab_file.is_file():
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
    stream = PretrainingStream(documents, tokenizer, batch_size=args.batch_size, max_len=args.max_len,
                               seed=args.seed, span=args.span)
    step, elapsed_before = 0, 0.0
    settings = {name: getattr(args, name) for name in _RESUME_SETTINGS}
    if args.resume and resume_file.is_file():
        saved = torch.load(resume_file, weights_only=False)
        changed = {k: (v, settings[k]) for k, v in saved.get("settings", settings).items() if settings[k] != v}
        if changed:  # another schedule or data order would not reach the uninterrupted run's weights
            raise ValueError("--resume needs the options of the interrupted run; changed (was, now): "
                             + ", ".join(f"--{k.replace('_', '-')} {v}" for k, v in changed.items()))
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        torch.set_rng_state(saved["rng"])
        step, elapsed_before = saved["step"], saved["elapsed"]
        print(f"resuming at step {step} of {args.steps}", file=sys.stderr)

    batches = stream.batches(step)
    while step < args.steps:
        chunk = min(args.save_every, args.steps - step)
        train_loop(model, optimizer, batches, pretraining_loss, steps=chunk, scheduler=scheduler,
                   desc=f"pre-training BERT (steps {step}-{step + chunk} of {args.steps})",
                   show_progress=not args.no_progress)
        step += chunk
        resume_file.parent.mkdir(exist_ok=True)
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict(), "rng": torch.get_rng_state(), "step": step, "settings": settings,
                    "elapsed": elapsed_before + time.perf_counter() - start}, resume_file)
        if args.stop_at is not None and step >= args.stop_at:
            return {"stopped_at": step}

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
        "wall_time_seconds": round(elapsed_before + time.perf_counter() - start, 1),
        "torch": torch.__version__, "python": platform.python_version(), "cpu_threads": torch.get_num_threads(),
    }
    save_checkpoint(out, model, config, metadata)
    # The snapshot (model + AdamW moments, about three times the checkpoint) has served its purpose.
    shutil.rmtree(resume_file.parent, ignore_errors=True)
    return metadata


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    argv = sys.argv[1:] if argv is None else argv
    metadata = pretrain_bert(_parse(argv), argv)
    if "stopped_at" in metadata:
        print(f"stopped at step {metadata['stopped_at']}; continue with --resume")
        return 0
    for key in ("heldout_mlm_accuracy", "heldout_mask_accuracy", "heldout_nsp_accuracy", "wall_time_seconds"):
        print(f"{key}: {metadata[key]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
