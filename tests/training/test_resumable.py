"""lessons_lib.training.resumable: chunked training with snapshots, continued to the same final weights."""

import itertools

import pytest
import torch
from torch import nn

from lessons_lib.training.loop import warmup_linear_schedule
from lessons_lib.training.resumable import (
    SNAPSHOT_FILE,
    check_run_folder,
    discard_unstarted_run,
    interrupted_advice,
    load_snapshot,
    run_folder,
    save_snapshot,
    train_resumable,
    vocabulary_entries,
)

STEPS = 6


def _batch(step: int) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(step)  # batches are a function of the step: resumable
    x = torch.randn(8, 3, generator=gen)
    return x, x @ torch.tensor([1.0, -2.0, 0.5])


def _loss(model, batch):
    x, y = batch
    # Dropout draws from torch's global random state, which the snapshot must carry over.
    return nn.functional.mse_loss(nn.functional.dropout(model(x), 0.2).squeeze(-1), y)


def _setup():
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.05)
    return model, optimizer, warmup_linear_schedule(optimizer, 2, STEPS)


def _run(tmp_path, **kwargs):
    model, optimizer, scheduler = _setup()
    kwargs = {"steps": STEPS, "save_every": 2, "snapshot_dir": tmp_path, "settings": {"lr": 0.05},
              "show_progress": False, **kwargs}
    result = train_resumable(model, optimizer, scheduler, lambda start: map(_batch, itertools.count(start)), _loss,
                             **kwargs)
    return model, result


def test_an_interrupted_run_continued_reaches_the_same_weights(tmp_path):
    straight, result = _run(tmp_path / "straight")
    assert result["step"] == STEPS and result["stopped"] is False and result["elapsed"] > 0
    _, stopped = _run(tmp_path / "cut", stop_at=3)
    assert stopped["step"] == 4 and stopped["stopped"] is True  # a chunk is finished before stopping
    saved = torch.load(tmp_path / "cut" / SNAPSHOT_FILE, weights_only=False)
    assert saved["step"] == 4 and saved["settings"] == {"lr": 0.05}
    resumed, result = _run(tmp_path / "cut", resume=True)
    assert result["step"] == STEPS and result["elapsed"] >= stopped["elapsed"]
    for name, tensor in straight.state_dict().items():
        assert torch.equal(resumed.state_dict()[name], tensor), name


def test_without_resume_a_snapshot_is_ignored(tmp_path):
    _run(tmp_path, stop_at=2)
    fresh, _ = _run(tmp_path)  # starts again from step 0
    straight, _ = _run(tmp_path / "other")
    assert all(torch.equal(fresh.state_dict()[k], v) for k, v in straight.state_dict().items())


def test_resume_refuses_changed_settings(tmp_path):
    _run(tmp_path, stop_at=2)
    with pytest.raises(ValueError, match=r"changed \(was, now\): --lr \(0.05, 0.5\)"):
        _run(tmp_path, resume=True, settings={"lr": 0.5})


def test_resume_refuses_a_vocabulary_of_the_same_size_with_other_tokens(tmp_path):
    # Two tokens swapped: the model's tables keep their shapes, so only the entries themselves can tell.
    vocabulary = {"vocab.txt": ["[PAD]", "the", "cat", "sat"]}
    _run(tmp_path / "resume", stop_at=2, vocabulary=vocabulary)
    swapped = {"vocab.txt": ["[PAD]", "cat", "the", "sat"]}
    with pytest.raises(ValueError) as refused:
        _run(tmp_path / "resume", resume=True, vocabulary=swapped)
    message = str(refused.value)
    assert "\n" not in message and message.startswith(f"--resume: {tmp_path / 'vocab.txt'} is not the vocabulary")
    assert "2 of its 4 entries differ, the first at position 1: 'the' then, 'cat' now" in message
    assert message.endswith("start the run again with --overwrite (the snapshot cannot be continued)")
    with pytest.raises(ValueError, match="it has 5 entries, the run started with 4"):
        _run(tmp_path / "resume", resume=True, vocabulary={"vocab.txt": [*vocabulary["vocab.txt"], "mat"]})
    _, result = _run(tmp_path / "resume", resume=True, vocabulary=vocabulary)  # the run's own: continues
    assert result["step"] == STEPS


def test_vocabulary_entries_are_a_text_files_lines_or_a_json_files_tokens_by_id(tmp_path):
    (tmp_path / "vocab.txt").write_text("[PAD]\nthe\n##s\n")
    (tmp_path / "vocab.json").write_text('{"b": 1, "a": 0, "<|endoftext|>": 2}')
    assert vocabulary_entries(tmp_path / "vocab.txt") == ["[PAD]", "the", "##s"]
    assert vocabulary_entries(tmp_path / "vocab.json") == ["a", "b", "<|endoftext|>"]


def test_save_snapshot_replaces_the_old_file_whole(tmp_path):
    path = tmp_path / "deep" / "state.pt"
    assert save_snapshot(path, {"step": 1}) == path
    save_snapshot(path, {"step": 2})
    assert torch.load(path, weights_only=False) == {"step": 2}
    assert [p.name for p in path.parent.iterdir()] == ["state.pt"]  # no partial file left behind


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="steps"):
        _run(tmp_path, steps=0)
    with pytest.raises(ValueError, match="save_every"):
        _run(tmp_path, save_every=0)


def test_run_folder_is_out_dot_partial_and_guards_what_is_there(tmp_path):
    out = tmp_path / "ck"
    work, resuming = run_folder(out, resume=False, overwrite=False)
    assert work == tmp_path / "ck.partial" and work.is_dir() and not out.exists() and resuming is False
    save_snapshot(work / "resume" / SNAPSHOT_FILE, {"step": 1})
    with pytest.raises(ValueError, match="holds an interrupted run: pass --resume"):
        run_folder(out, resume=False, overwrite=False)
    assert run_folder(out, resume=True, overwrite=False) == (work, True)
    assert (work / "resume" / SNAPSHOT_FILE).is_file()
    assert run_folder(out, resume=False, overwrite=True) == (work, False) and not any(work.iterdir())  # afresh
    out.mkdir()
    (out / "model.safetensors").write_text("a finished checkpoint")
    with pytest.raises(ValueError, match="already holds a checkpoint; pass --overwrite"):
        run_folder(out, resume=False, overwrite=False)
    assert (out / "model.safetensors").is_file()  # refused, untouched
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="is a file"):
        run_folder(tmp_path / "file", resume=False, overwrite=True)


def test_a_run_stopped_before_its_first_snapshot_simply_starts_again(tmp_path, capsys):
    # It holds only its vocabulary: nothing a --resume could continue, nothing lost by starting again.
    out = tmp_path / "ck"
    work, _ = run_folder(out, resume=False, overwrite=False)
    (work / "vocab.txt").write_text("[PAD]\n")
    for resume in (False, True):  # with or without --resume: no circle between the two messages
        assert run_folder(out, resume=resume, overwrite=False) == (work, False)
        assert not any(work.iterdir())
        assert "stopped before its first snapshot: starting it again" in capsys.readouterr().err
        (work / "vocab.txt").write_text("[PAD]\n")


def test_nothing_to_resume_says_what_to_do(tmp_path):
    out = tmp_path / "ck"
    with pytest.raises(ValueError, match="--resume: nothing to resume.*leave out --resume to start a new run$"):
        run_folder(out, resume=True, overwrite=False)
    out.mkdir()
    (out / "model.safetensors").write_text("a finished checkpoint")
    with pytest.raises(ValueError, match=r"leave out --resume to start a new run \(with --overwrite"):
        run_folder(out, resume=True, overwrite=False)


def test_options_are_checked_before_anything_is_written(tmp_path):
    out = tmp_path / "ck"
    with pytest.raises(ValueError, match="nothing to resume"):
        check_run_folder(out, resume=True, overwrite=False)
    check_run_folder(out, resume=False, overwrite=False)
    assert list(tmp_path.iterdir()) == []  # checking creates nothing


def test_discard_unstarted_run_keeps_a_run_with_a_snapshot(tmp_path):
    out = tmp_path / "ck"
    work, _ = run_folder(out, resume=False, overwrite=False)
    assert discard_unstarted_run(out) is True and not work.exists()
    work, _ = run_folder(out, resume=False, overwrite=False)
    save_snapshot(work / "resume" / SNAPSHOT_FILE, {"step": 1})
    assert discard_unstarted_run(out) is False and work.exists()


def test_interrupted_advice_names_resume_only_when_a_snapshot_exists(tmp_path):
    out = tmp_path / "ck"
    argv = ["bert", "--steps", "6", "--out", str(out), "--overwrite"]
    work, _ = run_folder(out, resume=False, overwrite=False)
    advice = interrupted_advice(out, [*argv, "--resume"])
    assert "--resume" not in advice and "nothing to continue from" in advice
    assert advice.endswith("python -m lessons_lib.pretrain " + " ".join(argv))
    assert not work.exists()  # nothing there that a later run could trip over
    work, _ = run_folder(out, resume=False, overwrite=False)
    save_snapshot(work / "resume" / SNAPSHOT_FILE, {"step": 1})
    advice = interrupted_advice(out, argv)
    assert advice.endswith("python -m lessons_lib.pretrain " + " ".join(argv[:-1]) + " --resume")


@pytest.mark.parametrize("damage", ["truncated", "zeroed", "empty", "not a snapshot"])
def test_a_damaged_snapshot_is_refused_naming_the_file(tmp_path, damage):
    _run(tmp_path, stop_at=2)
    snapshot = tmp_path / SNAPSHOT_FILE
    data = snapshot.read_bytes()
    snapshot.write_bytes({"truncated": data[: len(data) // 2], "zeroed": bytes(len(data)), "empty": b"",
                          "not a snapshot": data}[damage])
    if damage == "not a snapshot":
        torch.save({"weights": 1}, snapshot)
    with pytest.raises(ValueError, match=rf"^{snapshot} is damaged \(.*\); start the run again with --overwrite"):
        _run(tmp_path, resume=True)
    with pytest.raises(ValueError, match="is damaged"):
        load_snapshot(snapshot)


def test_a_snapshot_of_another_model_is_refused(tmp_path):
    # As when the vocabulary beside it is not the run's: the weights' shapes differ.
    _run(tmp_path, stop_at=2)
    model = nn.Linear(4, 1)
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.05)
    with pytest.raises(ValueError, match=r"does not fit this run's model \(.*size mismatch.*is damaged or from "
                                         r"another run; start the run again with --overwrite"):
        train_resumable(model, optimizer, warmup_linear_schedule(optimizer, 2, STEPS), lambda s: iter([]), _loss,
                        steps=STEPS, save_every=2, snapshot_dir=tmp_path, settings={"lr": 0.05}, resume=True,
                        show_progress=False)


def test_a_diverged_run_names_the_step_counted_from_the_start(tmp_path):
    def nan_from_step_3(model, batch):
        step, (x, y) = batch
        loss = _loss(model, (x, y))
        return loss * float("nan") if step >= 3 else loss

    model, optimizer, scheduler = _setup()
    with pytest.raises(FloatingPointError, match=r"loss became nan at step 3: training diverged, and the model's "
                                                 r"weights are now spoiled; start the run again with a lower --lr"):
        train_resumable(model, optimizer, scheduler, lambda start: ((s, _batch(s)) for s in itertools.count(start)),
                        nan_from_step_3, steps=STEPS, save_every=2, snapshot_dir=tmp_path, settings={},
                        show_progress=False)


def _fail_write(error):
    def save(state, path):
        with open(path, "wb") as out:
            out.write(b"half a snapshot")
        raise error

    return save


@pytest.mark.parametrize("error", [
    RuntimeError("[enforce fail at inline_container.cc:664] . PytorchStreamWriter failed writing file data/3: "
                 "file write failed"),
    PermissionError(13, "Permission denied"),
])
def test_a_snapshot_that_cannot_be_written_is_one_line_and_leaves_no_partial_file(tmp_path, monkeypatch, error):
    monkeypatch.setattr(torch, "save", _fail_write(error))
    with pytest.raises(OSError, match=rf"^cannot write into {tmp_path}: .*free some disk space") as caught:
        save_snapshot(tmp_path / SNAPSHOT_FILE, {"step": 1})
    assert "\n" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_other_errors_of_torch_save_are_not_called_a_full_disk(tmp_path, monkeypatch):
    monkeypatch.setattr(torch, "save", _fail_write(RuntimeError("cannot pickle 'generator' object")))
    with pytest.raises(RuntimeError, match="cannot pickle"):
        save_snapshot(tmp_path / SNAPSHOT_FILE, {"step": 1})


# A real full disk, as a file-size limit: writes past 64 KiB fail with EFBIG, as they would with ENOSPC.
_FULL_DISK = r'''
import resource, signal, sys
import torch
from lessons_lib.training.resumable import save_snapshot
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a killed process
resource.setrlimit(resource.RLIMIT_FSIZE, (65536, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
try:
    save_snapshot(sys.argv[1], {"weights": torch.zeros(100_000)})
except OSError as err:
    print(err)
'''


def test_a_snapshot_on_a_full_disk(tmp_path):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _FULL_DISK, str(tmp_path / SNAPSHOT_FILE)], capture_output=True,
                          text=True, check=True)
    assert done.stdout.startswith(f"cannot write into {tmp_path}: ") and done.stdout.count("\n") == 1, done
    assert list(tmp_path.iterdir()) == []  # the partial file is removed


# A child process runs the same small training and is killed (SIGKILL) while it writes its second
# snapshot, after `cut` bytes of it (-1: never killed). Then --resume-style continuation must still
# reach the weights of an uninterrupted run.
_CHILD = r'''
import io, itertools, os, signal, sys
import torch
from torch import nn
sys.path.insert(0, sys.argv[4])
from test_resumable import STEPS, _batch, _loss, _setup
from lessons_lib.training.resumable import train_resumable

folder, cut, resume = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
real_save, saves = torch.save, []

def dying_save(state, path):
    saves.append(path)
    if cut >= 0 and len(saves) == 2:  # the second snapshot; the first one is complete on disk
        buffer = io.BytesIO()
        real_save(state, buffer)
        data = buffer.getvalue()
        with open(path, "wb") as out:
            out.write(data[: min(cut, len(data))])
            out.flush()
            os.fsync(out.fileno())
        os.kill(os.getpid(), signal.SIGKILL)
    real_save(state, path)

torch.save = dying_save
model, optimizer, scheduler = _setup()
train_resumable(model, optimizer, scheduler, lambda start: map(_batch, itertools.count(start)), _loss,
                steps=STEPS, save_every=2, snapshot_dir=folder, settings={"lr": 0.05}, resume=resume,
                show_progress=False)
real_save(model.state_dict(), os.path.join(folder, "final.pt"))
'''


def _child(folder, cut: int, resume: bool, check: bool = True):
    import subprocess
    import sys
    from pathlib import Path

    return subprocess.run([sys.executable, "-c", _CHILD, str(folder), str(cut), "1" if resume else "0",
                           str(Path(__file__).parent)], check=check)


@pytest.fixture(scope="module")
def straight_weights(tmp_path_factory):
    folder = tmp_path_factory.mktemp("straight")
    _child(folder, -1, resume=False)
    return torch.load(folder / "final.pt")


@pytest.mark.parametrize("cut", [0, 2000, 10**9])  # 10**9: the whole file written, killed before the rename
def test_killed_while_saving_a_snapshot_then_resumed_reaches_the_same_weights(tmp_path, cut, straight_weights):
    died = _child(tmp_path, cut, resume=False, check=False)
    assert died.returncode == -9  # SIGKILL
    # The snapshot of step 2 survived whole: the half-written one went to a temporary name.
    assert torch.load(tmp_path / SNAPSHOT_FILE, weights_only=False)["step"] == 2
    _child(tmp_path, -1, resume=True)
    got = torch.load(tmp_path / "final.pt")
    for name, expected in straight_weights.items():
        torch.testing.assert_close(got[name], expected, rtol=0, atol=0)
