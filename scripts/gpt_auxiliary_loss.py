"""Fine-tune the shipped tiny GPT on notebook 05's two tasks, with and without the auxiliary LM loss, and store the scores.

    python scripts/gpt_auxiliary_loss.py             # the stored results (a few minutes on a 2-core CPU)
    python scripts/gpt_auxiliary_loss.py --seeds 1 --train-examples 8 --test-examples 8 --out /tmp/x.json   # smoke run

Each task (source classification, next-sentence multiple choice) is fine-tuned with the loss
task + 0.5 x LM and with the task loss alone, under the same budget, once per seed. The
notebook reads the JSON and labels its numbers "stored".
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
from lessons_lib.experiments import NEXT_SENTENCE, SOURCE, record_runs
from lessons_lib.training import SHIPPED_GPT, load_pretrained_gpt

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "notebooks" / "results" / "gpt_auxiliary_loss.json"
WEIGHTS = (0.5, 0.0)


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5, help="seeds per task and LM weight (0, 1, ...)")
    parser.add_argument("--train-examples", type=int, default=None, help="fewer training examples (smoke runs)")
    parser.add_argument("--test-examples", type=int, default=None, help="fewer test examples (smoke runs)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the JSON")
    args = parser.parse_args(argv)
    for name in ("seeds", "threads"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be a positive integer")
    for name in ("train_examples", "test_examples"):
        if getattr(args, name) is not None and getattr(args, name) < 2:
            parser.error(f"--{name.replace('_', '-')} must be at least 2")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _parse(argv)
    started = time.time()
    corpus = load_corpus()
    _, tokenizer, gpt_info = load_pretrained_gpt()
    tasks = {}
    for settings in (SOURCE, NEXT_SENTENCE):
        smaller = {k: v for k, v in (("train_examples", args.train_examples), ("test_examples", args.test_examples))
                   if v is not None}
        settings = dataclasses.replace(settings, **smaller)
        tasks[settings.task] = record_runs(settings, corpus, tokenizer, weights=WEIGHTS, seeds=tuple(range(args.seeds)),
                                           threads=args.threads)
        for run in tasks[settings.task]["runs"]:
            print(f"{settings.task:<14} LM weight {run['lm_weight']}, seed {run['seed']}: {run['accuracy']:.3f} "
                  f"({time.time() - started:.0f} s in all)", flush=True)
    results = {
        "command": shlex.join(["python", "scripts/gpt_auxiliary_loss.py", *argv]),
        "checkpoint": {"directory": str(SHIPPED_GPT.relative_to(SHIPPED_GPT.parents[2])),
                       "sha256": gpt_info.get("sha256", {}).get("model.safetensors")},
        "environment": {"python": platform.python_version(), "torch": torch.__version__, "threads": args.threads},
        "seconds": round(time.time() - started),
        "tasks": tasks,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
