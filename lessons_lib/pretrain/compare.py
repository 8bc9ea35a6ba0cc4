"""``python -m lessons_lib.pretrain compare``: ELMo and BERT matched to the shipped GPT, for notebook 07.

The shipped tiny GPT has 793,088 parameters outside its word and position tables and read
2,000 x 32 x 64 = 4,096,000 training tokens. This command trains the two others to match, on the
same training documents and the same 6,000-token WordPiece vocabulary:

* **ELMo**: LSTM memory 312 wide (809,376 parameters outside its softmax), windows of 64
  tokens, 2,000 steps of 32 windows: the same 4,096,000 tokens;
* **BERT**: the tiny BERT (826,882 outside its tables), 2,174 steps of 32 sentence pairs of at
  most 64 tokens. The pairs average 1,884 real tokens a step, so 2,174 steps read 4.1 million
  tokens (the exact count is recorded); no dropout, as GPT's run.

The two runs go side by side, one thread each, as child processes (``python -m
lessons_lib.pretrain elmo|bert ...``), so each checkpoint's metadata holds the command that made
it. Then each gets its held-out loss on its own objective and its training-token count.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from lessons_lib.checks import check_type
from lessons_lib.data.corpus import load_corpus
from lessons_lib.files import write_text_atomic
from lessons_lib.objectives.masking import IGNORE_INDEX, MaskingRule
from lessons_lib.pretrain.recipe import SharedOptions
from lessons_lib.tasks.comparison import CHECKPOINTS, trio_rows, trio_table
from lessons_lib.training.bert_pretraining import (
    bert_training_tokens,
    encode_documents,
    make_batch,
)
from lessons_lib.training.checkpoints import load_pretrained_bert

# Each child's options beside the defaults it shares with the shipped GPT (batch 32, seed 0, lr per model).
CHILDREN = {"ELMo": ("elmo", "--window", "64", "--cell-size", "312", "--steps", "2000"),
            "BERT": ("bert", "--steps", "2174", "--batch-size", "32", "--dropout", "0.0")}


# --out holds the two runs' folders; the learning rates and dropout are each run's own defaults.
SHARED = SharedOptions(out=Path("runs"), one_run=False)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The trio's options (the shared ones are added by ``lessons_lib.pretrain.recipe``)."""
    # The matched sizes are fixed (see above); these two only shrink a smoke run (checked with the shared ones).
    parser.add_argument("--steps", type=int, default=None, help="both runs this many steps (smoke runs only)")
    parser.add_argument("--batch-size", type=int, default=None, help="both runs this batch size (smoke runs only)")


def check_arguments(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """The matched sizes are fixed: only where to write, threads and the smoke options may change."""
    if args.resume:
        parser.error("--resume: rerun the two child commands (in each checkpoint's metadata) with --resume")
    if args.seed != 0 or args.stop_at is not None:
        parser.error("--seed and --stop-at do not apply: the trio matches the shipped GPT's seed 0 run")


def _child(name: str, args: argparse.Namespace) -> list[str]:
    command = [sys.executable, "-m", "lessons_lib.pretrain", *CHILDREN[name], "--threads", "1",
               "--save-every", str(args.save_every), "--out", str(args.out / CHECKPOINTS[name])]
    for flag, value in (("--steps", args.steps), ("--batch-size", args.batch_size), ("--documents", args.documents),
                        ("--eval-documents", args.eval_documents)):
        if value is not None:
            command += [flag, str(value)]
    if args.overwrite:
        command.append("--overwrite")
    if args.no_progress:
        command.append("--no-progress")
    return command


@torch.no_grad()
def bert_heldout_loss(directory: str | Path, *, documents: int | None = None, seed: int = 1234) -> float:
    """BERT's own objective on the validation documents: MLM cross-entropy (nats) at the selected positions."""
    model, tokenizer, _ = load_pretrained_bert(directory)
    corpus = load_corpus()
    examples = encode_documents(corpus.valid[:documents] if documents else corpus.valid, tokenizer, max_len=64,
                                seed=seed)
    generator = torch.Generator().manual_seed(seed)
    total, count = 0.0, 0
    model.eval()
    for start in range(0, len(examples), 128):
        batch = make_batch(examples[start : start + 128], tokenizer, MaskingRule(), generator)
        selected = batch["mlm_labels"] != IGNORE_INDEX
        logits = model(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"],
                       mlm_positions=selected).mlm_logits
        total += float(F.cross_entropy(logits, batch["mlm_labels"][selected], reduction="sum"))
        count += int(selected.sum())
    return total / count


def finish_trio(out: str | Path, reproduce_with: str, *, documents: int | None = None,
                eval_documents: int | None = None) -> list[dict]:
    """Add to the metadata of ``out``'s ELMo and BERT the tokens they trained on (and BERT's held-out MLM
    loss, which its own run does not compute) and the command that makes the trio; the trio's rows."""
    check_type("reproduce_with", reproduce_with, str)
    for name, directory in CHECKPOINTS.items():
        path = Path(out) / directory / "metadata.json"
        metadata = json.loads(path.read_text())
        if name == "BERT":
            metadata["heldout_mlm_loss"] = round(bert_heldout_loss(path.parent, documents=eval_documents), 4)
            metadata["trained_tokens"] = bert_training_tokens(path.parent, documents=documents)
        else:
            metadata["trained_tokens"] = metadata["steps"] * metadata["batch_size"] * metadata["window"]
        metadata["reproduce_with"] = reproduce_with
        write_text_atomic(path, json.dumps(metadata, indent=2) + "\n")  # whole or not at all
    return trio_rows(out)


def run(args: argparse.Namespace, argv: list[str] | None = None) -> dict:
    """Train ELMo and BERT side by side, then complete their metadata; the trio's rows."""
    start = time.perf_counter()
    args.out.mkdir(parents=True, exist_ok=True)
    commands = [_child(name, args) for name in CHILDREN]
    children = [subprocess.Popen(command) for command in commands]
    for command, child in zip(commands, children, strict=True):
        if child.wait() != 0:
            raise ValueError(f"{shlex.join(command[1:])} failed with exit status {child.returncode}")
    rows = finish_trio(args.out, "python -m lessons_lib.pretrain " + shlex.join(argv if argv is not None else ["compare"]),
                       documents=args.documents, eval_documents=args.eval_documents)
    return {"table": trio_table(rows), "wall_time_seconds": round(time.perf_counter() - start, 1)}


SUMMARY = ("table", "wall_time_seconds")
