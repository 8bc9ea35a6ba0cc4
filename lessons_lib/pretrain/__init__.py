"""Pre-train the shipped checkpoints: ``python -m lessons_lib.pretrain MODEL [--steps N] [--out DIR] [--resume]``.

Each model has a module here (``bert``, ``elmo``, ``gpt``, ``gpt2``; the last two share ``language_model``) with its own options and its run;
``compare`` trains the ELMo and BERT that notebook 07 matches to the shipped GPT. Every run is
deterministic (seeded data order, masks and dropout) and resumable: every ``--save-every`` steps it
writes its full state under ``OUT.partial/resume/``, and ``--resume`` continues from there to the
same final weights as an uninterrupted run. The finished checkpoint replaces ``OUT`` in one step.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from types import ModuleType

from lessons_lib.pretrain import bert, compare, elmo, gpt, gpt2
from lessons_lib.training.resumable import (
    check_run_folder,
    discard_unstarted_run,
    interrupted_advice,
)

MODELS: dict[str, ModuleType] = {"bert": bert, "elmo": elmo, "gpt": gpt, "gpt2": gpt2, "compare": compare}


def _parse(argv: list[str]) -> tuple[argparse.Namespace, ModuleType]:
    parser = argparse.ArgumentParser(prog="python -m lessons_lib.pretrain", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="model", required=True, metavar="MODEL",
                                     help="which model to pre-train: " + ", ".join(MODELS))
    for name, module in MODELS.items():
        sub = commands.add_parser(name, help=module.__doc__.splitlines()[0], description=module.__doc__)
        module.add_arguments(sub)
        sub.add_argument("--seed", type=int, default=0)
        sub.add_argument("--save-every", type=int, default=500, help="steps between resumable snapshots")
        sub.add_argument("--out", type=Path, help="checkpoint directory")
        sub.add_argument("--resume", action="store_true", help="continue an interrupted run from OUT.partial/")
        sub.add_argument("--overwrite", action="store_true",
                         help="replace the checkpoint in OUT (when the new run finishes) or an interrupted run")
        sub.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
        sub.add_argument("--no-progress", action="store_true", help="hide the progress bar")
        sub.add_argument("--documents", type=int, default=None,
                         help="use only the first N training documents (smoke runs)")
        sub.add_argument("--eval-documents", type=int, default=None,
                         help="score on only the first N validation documents (smoke runs)")
        sub.add_argument("--stop-at", type=int, default=None,
                         help="stop after this step, leaving only the resumable snapshot (to test --resume)")
        sub.set_defaults(_parser=sub)
    args = parser.parse_args(argv)
    sub = args._parser
    del args._parser
    if (args.steps is not None and args.steps < 2) or args.save_every < 1:
        sub.error("--steps must be >= 2 and --save-every >= 1")
    # NotNext pairs and held-out scores need two documents at least.
    for option, least in (("threads", 1), ("documents", 2), ("eval_documents", 2)):
        value = getattr(args, option)
        if value is not None and value < least:
            sub.error(f"--{option.replace('_', '-')} must be an integer >= {least}, got {value}")
    module = MODELS[args.model]
    module.check_arguments(args, sub)
    if module is not compare:  # compare's --out holds its two runs' folders, each checked by its own command
        try:  # before OUT.partial/ is created: a refused run leaves nothing behind
            check_run_folder(args.out, resume=args.resume, overwrite=args.overwrite)
        except ValueError as err:
            sub.error(str(err))
    return args, module


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    argv = sys.argv[1:] if argv is None else argv
    args, module = _parse(argv)
    try:
        metadata = module.run(args, argv)
    except KeyboardInterrupt:
        print("\n" + (interrupted_advice(args.out, argv) if module is not compare
                      else "interrupted; each of the two runs above has said how to continue it"), file=sys.stderr)
        return 130
    # A bad option or file, a full disk, a run that diverged: one line, no traceback.
    except (ValueError, OSError, FloatingPointError) as err:
        if module is not compare:
            discard_unstarted_run(args.out)  # a run refused before its first snapshot leaves nothing behind
        print(f"python -m lessons_lib.pretrain {args.model}: error: {err}", file=sys.stderr)
        return 2
    if "stopped_at" in metadata:
        print(f"stopped at step {metadata['stopped_at']}; continue with --resume")
        return 0
    for key in module.SUMMARY:
        print(f"{key}: {metadata[key]}")
    return 0
