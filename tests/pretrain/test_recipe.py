"""lessons_lib.pretrain.recipe: the options every command shares, declared and checked once, with per-command defaults."""

import argparse
from pathlib import Path

import pytest

import lessons_lib.pretrain as pretrain
from lessons_lib.pretrain.recipe import SharedOptions, add_shared_arguments, check_shared_arguments

COMMON = ("seed", "save_every", "out", "resume", "overwrite", "threads", "no_progress", "documents", "eval_documents",
          "stop_at")


def _parsed(shared: SharedOptions, argv: list[str]) -> tuple[argparse.Namespace, argparse.ArgumentParser]:
    parser = argparse.ArgumentParser()
    add_shared_arguments(parser, shared)
    return parser.parse_args(argv), parser


@pytest.mark.parametrize("model, steps, lr, dropout", [("bert", 10000, 1e-3, 0.0), ("elmo", 2000, 2e-3, None),
                                                       ("gpt", 2000, 1e-3, 0.0), ("gpt2", 2000, 1e-3, 0.0),
                                                       ("compare", None, None, None)])
def test_every_command_has_the_shared_options_with_its_own_defaults(model, steps, lr, dropout):
    args, module = pretrain._parse([model])
    assert all(hasattr(args, name) for name in COMMON)
    assert args.steps == steps and getattr(args, "lr", None) == lr and getattr(args, "dropout", None) == dropout
    assert args.out == module.SHARED.out and (model == "compare") != module.SHARED.one_run


def test_an_option_without_a_default_is_not_the_commands(capsys):
    args, _ = _parsed(SharedOptions(out=Path("runs") / "x", steps=4, lr=0.1), [])
    assert (args.steps, args.lr) == (4, 0.1) and not hasattr(args, "dropout") and not hasattr(args, "batch_size")
    with pytest.raises(SystemExit):
        _parsed(SharedOptions(out=Path("runs") / "x"), ["--dropout", "0.1"])
    assert "unrecognized arguments: --dropout" in capsys.readouterr().err


def test_the_help_says_each_commands_defaults():
    parser = argparse.ArgumentParser()
    add_shared_arguments(parser, SharedOptions(out=Path("runs"), steps=7, batch_size=3, batch_of="windows", lr=2e-3,
                                               dropout=0.1))
    text = " ".join(parser.format_help().split())
    for words in ("optimisation steps (default 7)", "windows per step (default 3)", "(default 0.002)",
                  "dropout everywhere (default 0.1)"):
        assert words in text


@pytest.mark.parametrize("bad", [["--steps", "1"], ["--batch-size", "0"], ["--lr", "0"], ["--lr", "inf"],
                                 ["--dropout", "1.0"], ["--dropout", "-0.1"], ["--save-every", "0"],
                                 ["--threads", "0"], ["--documents", "1"], ["--eval-documents", "1"]])
def test_each_bad_value_is_refused_naming_its_option(bad, capsys):
    args, parser = _parsed(SharedOptions(out=Path("runs"), steps=4, batch_size=2, lr=0.1, dropout=0.0), bad)
    with pytest.raises(SystemExit) as refused:
        check_shared_arguments(args, parser)
    assert refused.value.code == 2 and f"error: {bad[0]} must be" in capsys.readouterr().err


def test_good_values_pass():
    args, parser = _parsed(SharedOptions(out=Path("runs"), steps=4, batch_size=2, lr=0.1, dropout=0.0),
                           ["--steps", "2", "--documents", "2", "--dropout", "0.5"])
    check_shared_arguments(args, parser)  # no SystemExit
