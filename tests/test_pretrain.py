"""lessons_lib.pretrain: the command line, ``python -m lessons_lib.pretrain MODEL ...``, and its common options.

Each model's own run and options are tested beside its module (tests/pretrain/test_bert.py).
"""

import subprocess
import sys
from pathlib import Path

import pytest

import lessons_lib.pretrain as pretrain
from lessons_lib.pretrain import bert, main
from lessons_lib.training.resumable import SNAPSHOT_FILE, run_folder, save_snapshot

TINY = ["bert", "--steps", "6", "--documents", "4", "--eval-documents", "2"]


@pytest.fixture(autouse=True)
def _in_a_fresh_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the default --out, runs/bert-tiny, is relative to the current folder


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


def _interrupted_after(snapshot: bool):
    def run(args, argv):
        work, _ = run_folder(args.out, resume=args.resume, overwrite=args.overwrite)
        (work / "vocab.txt").write_text("[PAD]\n")
        if snapshot:
            save_snapshot(work / "resume" / SNAPSHOT_FILE, {"step": 2})
        raise KeyboardInterrupt

    return run


def test_an_interrupted_run_says_how_to_resume(monkeypatch, capsys):
    monkeypatch.setattr(bert, "run", _interrupted_after(snapshot=True))
    assert main([*TINY, "--overwrite"]) == 130
    err = capsys.readouterr().err
    assert "python -m lessons_lib.pretrain " + " ".join(TINY) + " --resume" in err  # --overwrite left out


def test_interrupted_before_the_first_snapshot_says_start_again_and_that_works(monkeypatch, capsys):
    # Ctrl-C before the first snapshot: --resume would have nothing to continue from, so it is not advised,
    # and the same command again (with or without --resume) starts the run again: no circle of advice.
    monkeypatch.setattr(bert, "run", _interrupted_after(snapshot=False))
    assert main(TINY) == 130
    err = capsys.readouterr().err
    assert "--resume" not in err and err.endswith("Start again with:\n  python -m lessons_lib.pretrain "
                                                  + " ".join(TINY) + "\n")
    seen = []
    monkeypatch.setattr(bert, "run", lambda args, argv: seen.append(
        run_folder(args.out, resume=args.resume, overwrite=args.overwrite)) or {"stopped_at": 2})
    for argv in (TINY, [*TINY, "--resume"]):
        assert main(argv) == 0
        Path("runs/bert-tiny.partial").mkdir(exist_ok=True)  # as a run killed before its first snapshot leaves it
    assert [resuming for _, resuming in seen] == [False, False]


def test_options_are_checked_before_the_run_folder_is_created(capsys):
    for bad, message in ((["--resume"], "nothing to resume"), (["--out", "a-file"], "is a file")):
        Path("a-file").write_text("x")
        with pytest.raises(SystemExit):
            main([*TINY, *bad])
        assert message in capsys.readouterr().err
        assert sorted(p.name for p in Path().iterdir()) == ["a-file"]  # no runs/, no OUT.partial/


def test_a_run_refused_late_leaves_no_run_folder(monkeypatch, capsys):
    def refused_after_the_vocabulary(args, argv):
        work, _ = run_folder(args.out, resume=args.resume, overwrite=args.overwrite)
        (work / "vocab.txt").write_text("[PAD]\n")
        raise ValueError("--batch-size 64 is more than the 3 training windows")

    monkeypatch.setattr(bert, "run", refused_after_the_vocabulary)
    assert main(TINY) == 2
    assert "--batch-size 64" in capsys.readouterr().err and not Path("runs/bert-tiny.partial").exists()


@pytest.mark.parametrize("error", [FloatingPointError("loss became nan at step 7: training diverged"),
                                   OSError("cannot write into runs: No space left on device")])
def test_a_diverged_run_or_a_full_disk_is_one_line(monkeypatch, capsys, error):
    def fail(args, argv):
        raise error

    monkeypatch.setattr(bert, "run", fail)
    assert main(TINY) == 2
    assert capsys.readouterr().err == f"python -m lessons_lib.pretrain bert: error: {error}\n"


@pytest.mark.parametrize("model", ["bert", "elmo", "gpt", "gpt2"])
@pytest.mark.parametrize("lr", ["inf", "nan", "-1"])
def test_a_learning_rate_that_is_not_a_positive_number_is_refused(model, lr, capsys):
    with pytest.raises(SystemExit):
        main([model, "--lr", lr])
    assert "--lr must be a positive number" in capsys.readouterr().err


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
