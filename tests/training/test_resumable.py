"""lessons_lib.training.resumable: chunked training with snapshots, continued to the same final weights."""

import itertools

import pytest
import torch
from torch import nn

from lessons_lib.training.loop import warmup_linear_schedule
from lessons_lib.training.resumable import SNAPSHOT_FILE, run_folder, save_snapshot, train_resumable

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
    work = run_folder(out, resume=False, overwrite=False)
    assert work == tmp_path / "ck.partial" and work.is_dir() and not out.exists()
    with pytest.raises(ValueError, match="holds an interrupted run: pass --resume"):
        run_folder(out, resume=False, overwrite=False)
    with pytest.raises(ValueError, match="--resume: nothing to resume"):
        run_folder(out, resume=True, overwrite=False)
    save_snapshot(work / "resume" / SNAPSHOT_FILE, {"step": 1})
    assert run_folder(out, resume=True, overwrite=False) == work and (work / "resume" / SNAPSHOT_FILE).is_file()
    assert run_folder(out, resume=False, overwrite=True) == work and not any(work.iterdir())  # started afresh
    out.mkdir()
    (out / "model.safetensors").write_text("a finished checkpoint")
    with pytest.raises(ValueError, match="already holds a checkpoint; pass --overwrite"):
        run_folder(out, resume=False, overwrite=False)
    assert (out / "model.safetensors").is_file()  # refused, untouched
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="is a file"):
        run_folder(tmp_path / "file", resume=False, overwrite=True)
