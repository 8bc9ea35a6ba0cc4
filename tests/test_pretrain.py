"""lessons_lib.pretrain: the command line, ``python -m lessons_lib.pretrain MODEL ...``, and its common options.

Each model's own run and options are tested beside its module (tests/pretrain/test_bert.py).
"""

import subprocess
import sys

import pytest

import lessons_lib.pretrain as pretrain
from lessons_lib.pretrain import bert, main

TINY = ["bert", "--steps", "6", "--documents", "4", "--eval-documents", "2"]


def test_every_model_has_a_module_with_its_options_and_its_run():
    assert pretrain.MODELS["bert"] is bert
    for name, module in pretrain.MODELS.items():
        assert module.__name__ == f"lessons_lib.pretrain.{name}"
        assert callable(module.add_arguments) and callable(module.check_arguments) and callable(module.run)
        assert module.SUMMARY and module.__doc__


def test_main_runs_the_chosen_model_and_prints_its_summary(monkeypatch, capsys):
    seen = {}

    def fake_run(args, argv):
        seen.update(model=args.model, steps=args.steps, seed=args.seed, argv=argv)
        return {key: i for i, key in enumerate(bert.SUMMARY)}

    monkeypatch.setattr(bert, "run", fake_run)
    assert main([*TINY, "--seed", "3"]) == 0
    assert seen == {"model": "bert", "steps": 6, "seed": 3, "argv": [*TINY, "--seed", "3"]}
    assert capsys.readouterr().out.splitlines() == [f"{key}: {i}" for i, key in enumerate(bert.SUMMARY)]


def test_a_stopped_run_says_how_to_continue(monkeypatch, capsys):
    monkeypatch.setattr(bert, "run", lambda args, argv: {"stopped_at": 4})
    assert main([*TINY, "--stop-at", "4"]) == 0
    assert capsys.readouterr().out == "stopped at step 4; continue with --resume\n"


def test_an_error_of_the_run_is_one_line_and_exit_code_2(monkeypatch, capsys):
    def refuse(args, argv):
        raise ValueError("--documents 4: too few")

    monkeypatch.setattr(bert, "run", refuse)
    assert main(TINY) == 2
    assert capsys.readouterr().err == "python -m lessons_lib.pretrain bert: error: --documents 4: too few\n"


def test_an_interrupted_run_says_how_to_resume(monkeypatch, capsys):
    def interrupted(args, argv):
        raise KeyboardInterrupt

    monkeypatch.setattr(bert, "run", interrupted)
    assert main([*TINY, "--overwrite"]) == 130
    err = capsys.readouterr().err
    assert "python -m lessons_lib.pretrain " + " ".join(TINY) + " --resume" in err  # --overwrite left out


def test_common_options_and_their_defaults(monkeypatch):
    captured = []

    def fake_run(args, argv):
        captured.append(args)
        return {"stopped_at": 0}

    monkeypatch.setattr(bert, "run", fake_run)
    main(["bert"])
    [args] = captured
    assert (args.seed, args.save_every, args.threads, args.resume, args.overwrite, args.no_progress) == (
        0, 500, 2, False, False, False)
    assert args.documents is None and args.eval_documents is None and args.stop_at is None
    assert str(args.out) == "runs/bert-tiny"  # a trial run never overwrites the shipped checkpoint


@pytest.mark.parametrize("bad", [["--steps", "1"], ["--save-every", "0"], ["--threads", "0"], ["--documents", "1"],
                                 ["--eval-documents", "1"]])
def test_bad_common_options_are_refused(bad, capsys):
    with pytest.raises(SystemExit):
        main([*TINY, *bad])
    assert bad[0] in capsys.readouterr().err


def test_a_model_must_be_named(capsys):
    for argv in ([], ["no-such-model"]):
        with pytest.raises(SystemExit):
            main(argv)
        assert "MODEL" in capsys.readouterr().err


def test_python_dash_m_lists_the_models():
    done = subprocess.run([sys.executable, "-m", "lessons_lib.pretrain", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "bert" in done.stdout and "python -m lessons_lib.pretrain" in done.stdout
    done = subprocess.run([sys.executable, "-m", "lessons_lib.pretrain", "bert", "--steps", "1"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "--steps must be >= 2" in done.stderr
