import json

import pytest
import torch
from torch import nn

from lessons_lib.training import (
    TrainHistory,
    evaluate,
    load_checkpoint,
    masked_accuracy,
    save_checkpoint,
    seed_everything,
    train_loop,
    warmup_linear_schedule,
)


def _regression_problem():
    gen = seed_everything(0)
    x = torch.randn(256, 4, generator=gen)
    y = x @ torch.tensor([1.0, -2.0, 0.5, 3.0]) + 0.1
    return [(x[i : i + 32], y[i : i + 32]) for i in range(0, 256, 32)]


def _mse(model, batch):
    x, y = batch
    loss = nn.functional.mse_loss(model(x).squeeze(-1), y)
    return loss, {"abs_error": (model(x).squeeze(-1) - y).abs().mean().item()}


def test_train_loop_learns_and_records_history():
    batches = _regression_problem()
    model = nn.Linear(4, 1)
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.05)
    history = train_loop(model, optimizer, batches, _mse, steps=300, show_progress=False)
    assert len(history.losses) == 300 == len(history.metrics["abs_error"]) == len(history.learning_rates)
    assert history.losses[-1] < 0.01 * history.losses[0]
    assert not model.training


def test_train_loop_is_deterministic():
    def run():
        seed_everything(3)
        model = nn.Linear(4, 1)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        return train_loop(model, optimizer, _regression_problem(), _mse, steps=20, show_progress=False).losses
    assert run() == run()


def test_train_loop_errors():
    model = nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="steps"):
        train_loop(model, optimizer, [], _mse, steps=0)
    with pytest.raises(ValueError, match="batches ran out"):
        train_loop(model, optimizer, iter(_regression_problem()), _mse, steps=9, show_progress=False)
    with pytest.raises(ValueError, match="clip_grad"):
        train_loop(model, optimizer, [], _mse, steps=1, clip_grad=0)
    blow_up = torch.optim.SGD(model.parameters(), lr=1e30)
    with pytest.raises(FloatingPointError, match="loss became"):
        train_loop(model, blow_up, _regression_problem(), _mse, steps=50, show_progress=False, clip_grad=None)


def test_evaluate_weights_by_count():
    batches = [torch.tensor([1.0, 1.0, 1.0]), torch.tensor([0.0])]
    result = evaluate(nn.Identity(), batches, lambda m, b: {"mean": (b.sum(), len(b))})
    assert result == {"mean": 0.75}
    with pytest.raises(ValueError, match="empty"):
        evaluate(nn.Identity(), [], lambda m, b: {})


def test_masked_accuracy_ignores_unlabelled_positions():
    logits = torch.tensor([[[0.0, 1.0], [1.0, 0.0], [1.0, 0.0]]])
    labels = torch.tensor([[1, 1, -100]])
    assert masked_accuracy(logits, labels) == (1, 2)
    with pytest.raises(ValueError, match="logits shape"):
        masked_accuracy(logits, labels[:, :2])


def test_warmup_linear_schedule():
    param = nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=1.0)
    schedule = warmup_linear_schedule(optimizer, 4, 12)
    rates = []
    for _ in range(12):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        schedule.step()
    assert rates[:5] == pytest.approx([0.25, 0.5, 0.75, 1.0, 1.0])
    assert rates[-1] == pytest.approx(1 / 8)
    with pytest.raises(ValueError, match="warmup_steps"):
        warmup_linear_schedule(optimizer, 12, 12)


def test_checkpoint_round_trip_with_tied_weights(tmp_path):
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(10, 4)
            self.out = nn.Linear(4, 10, bias=False)
            self.out.weight = self.embed.weight

    model = Tied()
    save_checkpoint(tmp_path / "ck", model, {"vocab": 10}, {"accuracy": 0.5})
    state, config, metadata = load_checkpoint(tmp_path / "ck")
    fresh = Tied()
    fresh.load_state_dict(state)
    torch.testing.assert_close(fresh.embed.weight, model.embed.weight)
    assert fresh.out.weight is fresh.embed.weight
    assert config == {"vocab": 10} and metadata == {"accuracy": 0.5}
    assert json.loads((tmp_path / "ck" / "config.json").read_text()) == {"vocab": 10}


def test_checkpoint_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="directory"):
        load_checkpoint(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="model.safetensors"):
        load_checkpoint(tmp_path / "empty")
    with pytest.raises(TypeError, match="config"):
        save_checkpoint(tmp_path / "x", nn.Linear(1, 1), "not a config")
    with pytest.raises(TypeError, match="model"):
        save_checkpoint(tmp_path / "x", "not a model", {})


def test_seed_and_history_errors():
    with pytest.raises(ValueError, match="seed"):
        seed_everything(-1)
    with pytest.raises(ValueError, match="window"):
        TrainHistory(losses=[1.0]).smoothed(0)
    assert TrainHistory(losses=[1.0, 3.0, 5.0]).smoothed(2) == [1.0, 2.0, 4.0]


def test_release_memory_returns_freed_memory_to_the_system():
    from lessons_lib.training import release_memory, resident_memory_mb

    before = release_memory()
    blocks = [torch.ones(100, 100) for _ in range(6000)]  # 240 MB in 40 kB blocks, below the mmap size
    del blocks
    after = release_memory()
    assert before is not None and after is not None  # Linux: /proc is there
    assert resident_memory_mb() == pytest.approx(after, abs=50)
    assert after < before + 100  # the 240 MB went back, not kept by the allocator
