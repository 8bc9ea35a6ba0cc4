"""Pre-train the shipped checkpoints: ``python -m lessons_lib.pretrain MODEL [--steps N] [--out DIR] [--resume]``.

Each model has a module here (``bert``, ``elmo``, ``gpt``, ``gpt2``; the last two share
``language_model``) with only its own options, model and loss; ``recipe`` declares and checks the
options they share and does what every run does around its model. ``compare`` trains the ELMo and BERT that notebook 07 matches to the shipped GPT. Every run is
deterministic (seeded data order, masks and dropout) and resumable: every ``--save-every`` steps it
writes its full state under ``OUT.partial/resume/``, and ``--resume`` continues from there to the
same final weights as an uninterrupted run. The finished checkpoint replaces ``OUT`` in one step.
"""

from __future__ import annotations

import argparse
import sys
from types import ModuleType

from lessons_lib.pretrain import bert, compare, elmo, gpt, gpt2
from lessons_lib.pretrain.recipe import (
    add_shared_arguments,
    check_out_folder,
    check_shared_arguments,
)
from lessons_lib.training.resumable import discard_unstarted_run, interrupted_advice

MODELS: dict[str, ModuleType] = {"bert": bert, "elmo": elmo, "gpt": gpt, "gpt2": gpt2, "compare": compare}


def _parse(argv: list[str]) -> tuple[argparse.Namespace, ModuleType]:
    parser = argparse.ArgumentParser(prog="python -m lessons_lib.pretrain", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="model", required=True, metavar="MODEL",
                                     help="which model to pre-train: " + ", ".join(MODELS))
    for name, module in MODELS.items():
        sub = commands.add_parser(name, help=module.__doc__.splitlines()[0], description=module.__doc__)
        add_shared_arguments(sub, module.SHARED)
        module.add_arguments(sub)
        sub.set_defaults(_parser=sub)
    args = parser.parse_args(argv)
    sub = args._parser
    del args._parser
    module = MODELS[args.model]
    check_shared_arguments(args, sub)
    module.check_arguments(args, sub)
    if module.SHARED.one_run:  # compare's --out holds its two runs' folders, each checked by its own command
        check_out_folder(args, sub)
    return args, module


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    argv = sys.argv[1:] if argv is None else argv
    args, module = _parse(argv)
    try:
        metadata = module.run(args, argv)
    except KeyboardInterrupt:
        print("\n" + (interrupted_advice(args.out, argv) if module.SHARED.one_run
                      else "interrupted; each of the two runs above has said how to continue it"), file=sys.stderr)
        return 130
    # A bad option or file, a full disk, a run that diverged: one line, no traceback.
    except (ValueError, OSError, FloatingPointError) as err:
        if module.SHARED.one_run:
            discard_unstarted_run(args.out)  # a run refused before its first snapshot leaves nothing behind
        print(f"python -m lessons_lib.pretrain {args.model}: error: {err}", file=sys.stderr)
        return 2
    if "stopped_at" in metadata:
        print(f"stopped at step {metadata['stopped_at']}; continue with --resume")
        return 0
    for key in module.SUMMARY:
        print(f"{key}: {metadata[key]}")
    return 0
