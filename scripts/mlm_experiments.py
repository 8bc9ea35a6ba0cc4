"""Train the tiny masked-LM and left-to-right models of notebook 02 and store what they measure.

    python scripts/mlm_experiments.py                 # the stored results (48 minutes on a 2-core CPU)
    python scripts/mlm_experiments.py --steps 3500 --eval-every 100 --warmup 0.1 --lr 3e-3 --norm-first \
        --init-std 0.125 --clip-norm 1.0 --no-head-transform --out notebooks/results/mlm_mixes_pre_ln.json
                                                      # the pre-LN run: every arm leaves the guess (22 minutes)
    python scripts/mlm_experiments.py --steps 5 --seeds 1 --train-docs 4 --jobs 1 --out /tmp/x.json   # a smoke run

Experiment "mix" (B11): the same tiny model, learning-rate schedule and step budget, trained
under several [MASK] / random / unchanged mixes, over several seeds; each run is scored on the
masked task, on real (unmasked) tokens, and, frozen, on a token-level task it was never trained on
(``capital_word_task``). Experiment "lm" (B10): a left-to-right LM of the same size on the same
windows and steps, to compare with the 80/10/10 masked LM. "untrained": the same task probe on the
untrained model of each seed, the floor every trained model should beat.
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
from lessons_lib.experiments import (
    RunSettings,
    capital_word_task,
    feature_probe_accuracy,
    make_model,
    record_run,
    rule_name,
    settings_dict,
)
from lessons_lib.objectives import MaskingRule, unigram_entropy, windows_from_ids
from lessons_lib.tokenizers import WordPieceTokenizer
from lessons_lib.training import SHIPPED_BERT

MIXES = [MaskingRule(0.15, 1.0, 0.0), MaskingRule(0.15, 0.8, 0.1), MaskingRule(0.15, 0.8, 0.0)]  # 100/0/0, 80/10/10, 80/0/20
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "notebooks" / "results" / "mlm_experiments.json"


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=16000, help="optimiser steps per run")
    parser.add_argument("--lr", type=float, default=1e-3, help="peak learning rate (AdamW)")
    parser.add_argument("--warmup", type=float, default=0.05, help="share of the steps spent warming up")
    parser.add_argument("--eval-every", type=int, default=250, help="steps between held-out evaluations")
    parser.add_argument("--window", type=int, default=32, help="tokens per training window")
    parser.add_argument("--batch-size", type=int, default=32, help="windows per step")
    parser.add_argument("--norm-first", action="store_true", help="pre-LN blocks (default: post-LN, as BERT)")
    parser.add_argument("--init-std", type=float, default=0.02, help="std of the initial weight matrices")
    parser.add_argument("--clip-norm", type=float, default=None, help="clip the gradient norm (default: no clipping)")
    parser.add_argument("--no-head-transform", action="store_true", help="no dense + GELU + LayerNorm before the output")
    parser.add_argument("--seeds", type=int, default=2, help="seeds per mix (0, 1, ...)")
    parser.add_argument("--train-docs", type=int, default=None, help="use only the first N training documents")
    parser.add_argument("--heldout-docs", type=int, default=None, help="use only the first N held-out documents")
    parser.add_argument("--eval-windows", type=int, default=256, help="held-out windows scored")
    parser.add_argument("--no-lm", action="store_true", help="skip the left-to-right LM runs")
    parser.add_argument("--probe-steps", type=int, default=300, help="steps of each frozen task probe")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads per run")
    parser.add_argument("--jobs", type=int, default=2, help="runs trained at the same time, one process each")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the JSON")
    args = parser.parse_args(argv)
    for name in ("steps", "seeds", "eval_every", "probe_steps", "threads", "jobs"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    return args


def _report(record: dict, started: float) -> None:
    scores = {k: v for k, v in record.items() if k in ("heldout_loss", "masked_accuracy", "random_accuracy",
                                                       "random_copy_rate", "clean_accuracy", "capital_accuracy", "cpu_seconds")}
    print(f"{record['experiment']:4s} {record['mix']:14s} seed {record['seed']}: "
          + ", ".join(f"{k} {v:.3f}" for k, v in scores.items()) + f" ({time.time() - started:.0f} s in all)",
          flush=True)


def run(args: argparse.Namespace, argv: list[str]) -> dict:
    """Every run of both experiments; the result as a JSON-ready dict."""
    torch.set_num_threads(args.threads)
    settings = RunSettings(steps=args.steps, lr=args.lr, eval_windows=args.eval_windows,
                           eval_every=min(args.eval_every, args.steps), warmup=max(1, round(args.steps * args.warmup)),
                           window=args.window, batch_size=args.batch_size, norm_first=args.norm_first,
                           init_std=args.init_std, clip_norm=args.clip_norm,
                           head_transform=not args.no_head_transform)
    tokenizer = WordPieceTokenizer.from_vocab_file(SHIPPED_BERT / "vocab.txt")
    corpus = load_corpus()
    train_docs = corpus.train[: args.train_docs] if args.train_docs else corpus.train
    encode = lambda docs: [[i for s in d for i in tokenizer.encode(s)] for d in docs]  # noqa: E731
    train = windows_from_ids(encode(train_docs), settings.window)
    heldout_docs = corpus.valid + corpus.test
    heldout = windows_from_ids(encode(heldout_docs[: args.heldout_docs] if args.heldout_docs else heldout_docs),
                               settings.window)
    # The downstream task: probes train on the validation documents' tokens, are scored on the test documents'.
    limit = args.heldout_docs or None
    task = (capital_word_task(tokenizer, corpus.valid[:limit], max_len=settings.window),
            capital_word_task(tokenizer, corpus.test[:limit], max_len=settings.window))
    started = time.time()
    untrained = []
    for seed in range(args.seeds):  # the floor: the same probe on a model that has learned nothing
        torch.manual_seed(seed)
        untrained.append({"experiment": "untrained", "seed": seed,
                          "capital_accuracy": feature_probe_accuracy(
                              make_model(tokenizer.vocab_size, settings, causal=False), *task, steps=args.probe_steps,
                              seed=seed)})
    jobs = [(experiment, rule, seed) for experiment, rule in
            [("mix", rule) for rule in MIXES] + ([] if args.no_lm else [("lm", None)])
            for seed in range(args.seeds)]
    runs = []
    if args.jobs == 1:
        for job in jobs:
            runs.append(record_run(train, heldout, tokenizer, settings, *job, threads=args.threads, task=task,
                                   probe_steps=args.probe_steps))
            _report(runs[-1], started)
    else:  # one process per run at a time; each run is seeded, so where it runs does not matter
        with ProcessPoolExecutor(max_workers=args.jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = [pool.submit(record_run, train, heldout, tokenizer, settings, *job, threads=args.threads,
                                   task=task, probe_steps=args.probe_steps) for job in jobs]
            for future in futures:
                runs.append(future.result())
                _report(runs[-1], started)
    return {
        "command": "python scripts/mlm_experiments.py " + shlex.join(argv),
        "settings": {**settings_dict(settings), "vocab_size": tokenizer.vocab_size, "seeds": args.seeds,
                     "train_windows": len(train), "heldout_windows_scored": min(len(heldout), settings.eval_windows),
                     "mixes": [rule_name(r) for r in MIXES], "mask_prob": 0.15, "probe_steps": args.probe_steps,
                     "task_tokens": {"train": sum(len(ids) for ids, _ in task[0]),
                                     "test": sum(len(ids) for ids, _ in task[1])},
                     "task_positive_share_test": sum(sum(labels) for _, labels in task[1])
                     / sum(len(labels) for _, labels in task[1])},
        "unigram_entropy_train": unigram_entropy(train, tokenizer.vocab_size),
        "environment": {"python": platform.python_version(), "torch": torch.__version__, "threads": args.threads,
                        "jobs": args.jobs},
        "seconds": round(time.time() - started),
        "runs": runs,
        "untrained": untrained,
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
