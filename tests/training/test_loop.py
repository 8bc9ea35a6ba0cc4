"""lessons_lib.training.loop: seeding, the training loop, evaluation, masked accuracy, the learning-rate schedule."""

import math
import random

import numpy as np
import pytest
import torch
from torch import nn

from lessons_lib.training.loop import (
    TrainHistory,
    evaluate,
    fit_full_batch,
    masked_accuracy,
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


def test_seed_and_history_errors():
    with pytest.raises(ValueError, match="seed"):
        seed_everything(-1)
    with pytest.raises(ValueError, match="window"):
        TrainHistory(losses=[1.0]).smoothed(0)
    assert TrainHistory(losses=[1.0, 3.0, 5.0]).smoothed(2) == [1.0, 2.0, 4.0]


def test_seed_everything_seeds_python_numpy_and_torch():
    generator = seed_everything(7)
    draws = (random.random(), np.random.rand(), torch.rand(1).item(), torch.rand(1, generator=generator).item())
    seed_everything(7)
    again = (random.random(), np.random.rand(), torch.rand(1).item())
    assert draws[:3] == again
    assert draws[3] == torch.rand(1, generator=torch.Generator().manual_seed(7)).item()


def test_train_loop_records_the_learning_rate_before_each_step_and_continues_a_history():
    model = nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    schedule = warmup_linear_schedule(optimizer, 2, 6)
    history = train_loop(model, optimizer, _regression_problem(), _mse, steps=3, scheduler=schedule,
                         show_progress=False)
    history = train_loop(model, optimizer, _regression_problem(), _mse, steps=3, scheduler=schedule,
                         show_progress=False, history=history)
    assert history.learning_rates == pytest.approx([0.5, 1.0, 1.0, 0.75, 0.5, 0.25])
    assert len(history.losses) == 6


def test_train_loop_clips_the_gradient_norm():
    model = nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        model.weight.fill_(0.0)
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    batch = (torch.tensor([[1.0]]), torch.tensor([100.0]))  # gradient -200: clipped to norm 0.5
    train_loop(model, optimizer, [batch], _mse, steps=1, clip_grad=0.5, show_progress=False)
    assert model.weight.item() == pytest.approx(0.5)


def test_evaluate_gives_nan_for_a_metric_that_counted_nothing_and_restores_the_mode():
    model = nn.Dropout(0.5).train()
    result = evaluate(model, [1, 2], lambda m, b: {"none": (0, 0), "all": (b, 1)})
    assert math.isnan(result["none"]) and result["all"] == 1.5
    assert model.training


def _separable(n: int = 64):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 4, generator=g)
    return x, (x[:, 0] - x[:, 1] > 0).long()  # a linear rule: a probe can learn it exactly


@pytest.mark.parametrize("make_optimizer, steps", [
    (lambda params: torch.optim.Adam(params, lr=0.1), 100),
    (lambda params: torch.optim.LBFGS(params, max_iter=50, line_search_fn="strong_wolfe"), 1),
])
def test_fit_full_batch_learns_a_linear_rule_with_a_stepwise_or_an_lbfgs_optimizer(make_optimizer, steps):
    x, y = _separable()
    torch.manual_seed(0)
    probe = nn.Linear(4, 2)
    before = nn.functional.cross_entropy(probe(x), y).item()
    fit_full_batch(probe, x, y, make_optimizer(probe.parameters()), steps=steps)
    with torch.no_grad():
        assert nn.functional.cross_entropy(probe(x), y).item() < before / 3
        assert (probe(x).argmax(-1) == y).float().mean() >= 0.95


def test_fit_full_batch_adds_the_penalty_and_weighs_the_classes():
    x, _ = _separable()
    # Noisy, rare label 1: no line separates it, so the class weights decide where the boundary goes.
    y = (x[:, 0] + torch.randn(len(x), generator=torch.Generator().manual_seed(1)) > 1.0).long()
    fits = {}
    for name in ("plain", "penalised", "weighted"):
        torch.manual_seed(0)
        probe = nn.Linear(4, 2)
        kwargs = {"penalised": {"penalty": lambda probe=probe: 1.0 * probe.weight.pow(2).sum()},
                  "weighted": {"weight": torch.tensor([1.0, 9.0])}}.get(name, {})
        fit_full_batch(probe, x, y, torch.optim.Adam(probe.parameters(), lr=0.1), steps=100, **kwargs)
        fits[name] = probe
    assert fits["penalised"].weight.norm() < fits["plain"].weight.norm() / 2  # the L2 pull keeps weights small
    with torch.no_grad():  # class 1 weighs 9 times as much: more examples are called 1
        assert (fits["weighted"](x).argmax(-1) == 1).sum() > (fits["plain"](x).argmax(-1) == 1).sum()
    with pytest.raises(ValueError, match="steps must be an int >= 1"):
        fit_full_batch(fits["plain"], x, y, torch.optim.Adam(fits["plain"].parameters()), steps=0)
