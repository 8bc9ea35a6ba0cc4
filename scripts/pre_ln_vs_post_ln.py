"""Train the same GPT-2-shaped model with pre-LN and with post-LN blocks, on several seeds, and store the losses.

    python scripts/pre_ln_vs_post_ln.py              # the stored result (about 10 minutes on one thread)
    python scripts/pre_ln_vs_post_ln.py --seeds 1 --steps 4 --out /tmp/x.json   # smoke run

Both variants start from the same weights (one seed draws both), read the same windows of the
default corpus (the tiny BERT's WordPiece vocabulary) in the same order, with the same AdamW,
warm-up, schedule and gradient clipping; only the place of the LayerNorm differs. The notebook
reads the JSON and labels its numbers "stored".
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import shlex
import sys
import time
from pathlib import Path

import torch

from lessons_lib.data import load_corpus
from lessons_lib.experiments.pre_ln import LayerNormSettings, compare_layer_norms
from lessons_lib.objectives.next_token import make_windows
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer
from lessons_lib.training.checkpoints import SHIPPED_BERT

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "notebooks" / "results" / "pre_ln_vs_post_ln.json"


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3, help="seeds per variant (0, 1, ...)")
    parser.add_argument("--steps", type=int, default=None, help="fewer optimiser steps (smoke runs)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the JSON")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    for name in ("seeds", "threads"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be a positive integer")
    if args.steps is not None and args.steps < 2:
        parser.error("--steps must be at least 2")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _parse(argv)
    torch.set_num_threads(args.threads)
    started, cpu_started = time.time(), time.process_time()
    settings = LayerNormSettings()
    if args.steps is not None:
        settings = dataclasses.replace(settings, steps=args.steps, warmup=min(settings.warmup, args.steps - 1))
    corpus = load_corpus()
    tokenizer = WordPieceTokenizer.from_vocab_file(SHIPPED_BERT / "vocab.txt")
    train = make_windows(corpus.train, tokenizer, settings.window)
    heldout = make_windows(corpus.valid, tokenizer, settings.window)
    result = compare_layer_norms(train, heldout, tokenizer.vocab_size, settings, seeds=tuple(range(args.seeds)),
                                 show_progress=not args.no_progress)
    for run in result["runs"]:
        print(f"{run['variant']:<8} seed {run['seed']}: held-out loss {run['heldout_loss']}, "
              f"diverged {run['diverged']}", flush=True)
    results = {
        "command": shlex.join(["python", "scripts/pre_ln_vs_post_ln.py", *argv]),
        "data": {"vocabulary": "the shipped tiny BERT's WordPiece vocabulary (6,000 tokens)",
                 "train_windows": len(train), "heldout_windows": min(len(heldout), settings.heldout_windows),
                 "heldout_split": "valid"},
        "environment": {"python": platform.python_version(), "torch": torch.__version__, "threads": args.threads},
        "seconds": round(time.time() - started),  # wall clock: grows when other jobs share the CPU
        "cpu_seconds": round(time.process_time() - cpu_started),  # this process's own CPU time
        **result,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1, allow_nan=False) + "\n")
    print(f"wrote {args.out} ({results['seconds']} s, {results['cpu_seconds']} s of CPU)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
