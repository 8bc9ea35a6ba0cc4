"""Train the tiny masked-LM and left-to-right models of notebook 02 and store what they measure.

    python scripts/mlm_experiments.py                 # the stored results (48 minutes on a 2-core CPU)
    python scripts/mlm_experiments.py --steps 5 --seeds 1 --train-docs 4 --jobs 1 --out /tmp/x.json   # a smoke run

Experiment "mix" (B11): the same tiny model and step budget, trained under several [MASK] / random /
unchanged mixes, over several seeds. Experiment "lm" (B10): a left-to-right LM of the same size on
the same windows and steps, to compare with the 80/10/10 masked LM.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import shlex
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import torch

from lessons_lib.data import load_corpus
from lessons_lib.experiments import RunSettings, record_run, rule_name, settings_dict
from lessons_lib.objectives import MaskingRule, unigram_entropy, windows_from_ids
from lessons_lib.tokenizers import WordPieceTokenizer
from lessons_lib.training import SHIPPED_BERT

MIXES = [MaskingRule(0.15, 1.0, 0.0), MaskingRule(0.15, 0.8, 0.1), MaskingRule(0.15, 0.8, 0.0)]  # 100/0/0, 80/10/10, 80/0/20
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "notebooks" / "results" / "mlm_experiments.json"


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=16000, help="optimiser steps per run")
    parser.add_argument("--lr", type=float, default=1e-3, help="peak learning rate (AdamW)")
    parser.add_argument("--eval-every", type=int, default=250, help="steps between held-out evaluations")
    parser.add_argument("--seeds", type=int, default=2, help="seeds per mix (0, 1, ...)")
    parser.add_argument("--train-docs", type=int, default=None, help="use only the first N training documents")
    parser.add_argument("--heldout-docs", type=int, default=None, help="use only the first N held-out documents")
    parser.add_argument("--eval-windows", type=int, default=256, help="held-out windows scored")
    parser.add_argument("--no-lm", action="store_true", help="skip the left-to-right LM runs")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads per run")
    parser.add_argument("--jobs", type=int, default=2, help="runs trained at the same time, one process each")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the JSON")
    args = parser.parse_args(argv)
    for name in ("steps", "seeds", "eval_every", "threads", "jobs"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    return args


def _report(record: dict, started: float) -> None:
    scores = {k: v for k, v in record.items() if k in ("heldout_loss", "masked_accuracy", "random_accuracy",
                                                       "random_copy_rate", "clean_accuracy")}
    print(f"{record['experiment']:4s} {record['mix']:14s} seed {record['seed']}: "
          + ", ".join(f"{k} {v:.3f}" for k, v in scores.items()) + f" ({time.time() - started:.0f} s in all)",
          flush=True)


def run(args: argparse.Namespace, argv: list[str]) -> dict:
    """Every run of both experiments; the result as a JSON-ready dict."""
    torch.set_num_threads(args.threads)
    settings = RunSettings(steps=args.steps, lr=args.lr, eval_windows=args.eval_windows,
                           eval_every=min(args.eval_every, args.steps), warmup=max(1, args.steps // 20))
    tokenizer = WordPieceTokenizer.from_vocab_file(SHIPPED_BERT / "vocab.txt")
    corpus = load_corpus()
    train_docs = corpus.train[: args.train_docs] if args.train_docs else corpus.train
    encode = lambda docs: [[i for s in d for i in tokenizer.encode(s)] for d in docs]  # noqa: E731
    train = windows_from_ids(encode(train_docs), settings.window)
    heldout_docs = corpus.valid + corpus.test
    heldout = windows_from_ids(encode(heldout_docs[: args.heldout_docs] if args.heldout_docs else heldout_docs),
                               settings.window)
    started = time.time()
    jobs = [(experiment, rule, seed) for experiment, rule in
            [("mix", rule) for rule in MIXES] + ([] if args.no_lm else [("lm", None)])
            for seed in range(args.seeds)]
    runs = []
    if args.jobs == 1:
        for job in jobs:
            runs.append(record_run(train, heldout, tokenizer, settings, *job, threads=args.threads))
            _report(runs[-1], started)
    else:  # one process per run at a time; each run is seeded, so where it runs does not matter
        with ProcessPoolExecutor(max_workers=args.jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = [pool.submit(record_run, train, heldout, tokenizer, settings, *job, threads=args.threads)
                       for job in jobs]
            for future in futures:
                runs.append(future.result())
                _report(runs[-1], started)
    return {
        "command": "python scripts/mlm_experiments.py " + shlex.join(argv),
        "settings": {**settings_dict(settings), "vocab_size": tokenizer.vocab_size, "seeds": args.seeds,
                     "train_windows": len(train), "heldout_windows_scored": min(len(heldout), settings.eval_windows),
                     "mixes": [rule_name(r) for r in MIXES], "mask_prob": 0.15},
        "unigram_entropy_train": unigram_entropy(train, tokenizer.vocab_size),
        "environment": {"python": platform.python_version(), "torch": torch.__version__, "threads": args.threads,
                        "jobs": args.jobs},
        "seconds": round(time.time() - started),
        "runs": runs,
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _parse(argv)
    results = run(args, argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
