"""Notebook 07's trio at two budgets, the matched one and 4.6 times its tokens, measured alike and stored.

    python scripts/trio_budgets.py --train   # trains the larger ELMo and GPT (hours on one core each), then measures
    python scripts/trio_budgets.py           # measures, the larger ELMo and GPT already in runs/budget/
    python scripts/trio_budgets.py --seeds 1 --windows 2 --larger-elmo X --larger-gpt Y --larger-bert Z --out /tmp/x.json  # smoke

The larger ELMo and GPT are trained by the matched recipes with 9,200 steps in place of 2,000
(``python -m lessons_lib.pretrain elmo|gpt ...``, side by side, one thread each; an interrupted run
continues where it stopped when the command is run again); the larger BERT is the shipped tiny
BERT. Every model of both budgets then gets notebook 07's next-word test and its two
understanding tasks, three seeds each. The notebook reads the JSON and labels its numbers "stored".
"""

from __future__ import annotations

import argparse
import json
import platform
import shlex
import subprocess
import sys
import time
from pathlib import Path

import torch

from lessons_lib.data import load_corpus
from lessons_lib.experiments.trio_budgets import (
    LARGER,
    LARGER_COMMANDS,
    MATCHED,
    budget_changes,
    measure_budget,
)
from lessons_lib.files import write_text_atomic
from lessons_lib.threads import use_threads

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "notebooks" / "results" / "trio_budgets.json"


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", action="store_true", help="train the larger ELMo and GPT first (or finish them)")
    parser.add_argument("--larger-elmo", type=Path, default=ROOT / LARGER["ELMo"], help="the larger budget's ELMo")
    parser.add_argument("--larger-gpt", type=Path, default=ROOT / LARGER["GPT"], help="the larger budget's GPT")
    parser.add_argument("--larger-bert", type=Path, default=LARGER["BERT"], help="the larger budget's BERT")
    parser.add_argument("--seeds", type=int, default=3, help="fine-tuning seeds per model and task (0, 1, ...)")
    parser.add_argument("--windows", type=int, default=20, help="held-out windows of 32 tokens for the next word")
    parser.add_argument("--train-examples", type=int, default=200, help="training examples per task, at least one batch of 16 (fewer: smoke runs)")
    parser.add_argument("--test-examples", type=int, default=300, help="test examples per task (fewer: smoke runs)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads while measuring")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the JSON")
    args = parser.parse_args(argv)
    for name, least in (("seeds", 1), ("windows", 1), ("threads", 1), ("train_examples", 16), ("test_examples", 2)):
        if getattr(args, name) < least:
            parser.error(f"--{name.replace('_', '-')} must be at least {least}, got {getattr(args, name)}")
    return args


def _train(directories: dict[str, Path]) -> None:
    """The two larger runs side by side, each resumed if a snapshot of it is there."""
    children = []
    for name, options in LARGER_COMMANDS.items():
        out = directories[name]
        if (out / "metadata.json").is_file():
            print(f"{name}: {out} is trained already")
            continue
        resume = ["--resume"] if Path(f"{out}.partial").is_dir() else []
        command = [sys.executable, "-m", "lessons_lib.pretrain", *options, "--no-progress", "--out", str(out), *resume]
        print("running", shlex.join(command), flush=True)
        children.append((name, subprocess.Popen(command, cwd=ROOT)))
    failed = [name for name, child in children if child.wait() != 0]
    if failed:
        raise SystemExit(f"training failed for {', '.join(failed)}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _parse(argv)
    larger = {"ELMo": args.larger_elmo, "GPT": args.larger_gpt, "BERT": args.larger_bert}
    if args.train:
        _train(larger)
    for name, directory in larger.items():
        if not (Path(directory) / "metadata.json").is_file():
            raise SystemExit(f"--larger-{name.lower()}: no finished checkpoint in {directory} (run with --train)")
    started = time.time()
    use_threads(args.threads)
    corpus = load_corpus()
    seeds = tuple(range(args.seeds))
    budgets = {}
    for budget, directories in (("matched", MATCHED), ("larger", larger)):
        budgets[budget] = measure_budget(directories, corpus, seeds=seeds, windows=args.windows,
                                         train_size=args.train_examples, test_size=args.test_examples)
        for name, row in budgets[budget].items():
            print(f"{budget:<8} {name:<5} {row['trained_tokens']:>11,} tokens  next word {row['next_word']['top1']:.1%}, "
                  f"perplexity {row['next_word']['perplexity']:.0f}  "
                  + "  ".join(f"{task} {sum(v) / len(v):.1%}" for task, v in row["understanding"].items()), flush=True)
    for row in budgets.values():
        for model in row.values():  # paths relative to the project, wherever it was run
            path = Path(model["checkpoint"]).resolve()
            model["checkpoint"] = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
    results = {
        "command": shlex.join(["python", "scripts/trio_budgets.py", *argv]),
        "environment": {"python": platform.python_version(), "torch": torch.__version__, "threads": args.threads},
        "seconds": round(time.time() - started),
        "seeds": list(seeds),
        "budgets": budgets,
        "changes": budget_changes(budgets),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(args.out, json.dumps(results, indent=1) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
