"""Training: seeding, a training loop with a progress bar, a full-batch fit for probes, evaluation, a learning-rate schedule."""

from __future__ import annotations

import itertools
import math
import os
import random
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn
from tqdm.auto import tqdm

from lessons_lib.checks import check_int


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch; return a torch.Generator seeded the same way."""
    seed = check_int("seed", seed, low=0)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    return torch.Generator().manual_seed(seed)


@dataclass
class TrainHistory:
    """What a training run recorded, one entry per step."""

    losses: list[float] = field(default_factory=list)  # training loss at each step
    metrics: dict[str, list[float]] = field(default_factory=dict)  # other numbers per step
    learning_rates: list[float] = field(default_factory=list)  # learning rate used at each step

    def smoothed(self, window: int = 20) -> list[float]:
        """Running mean of the loss over the last ``window`` steps (for a readable curve)."""
        if window < 1:
            raise ValueError(f"window must be >= 1, got {window}")
        out, total = [], 0.0
        for i, loss in enumerate(self.losses):
            total += loss
            if i >= window:
                total -= self.losses[i - window]
            out.append(total / min(i + 1, window))
        return out


LossFn = Callable[[nn.Module, Any], "Tensor | tuple[Tensor, dict[str, float]]"]


def train_loop(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    batches: Iterable,
    loss_fn: LossFn,
    *,
    steps: int,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    clip_grad: float | None = 1.0,
    desc: str = "training",
    show_progress: bool = True,
    history: TrainHistory | None = None,
    first_step: int = 0,
) -> TrainHistory:
    """Run ``steps`` optimisation steps over ``batches`` (cycled), with a tqdm progress bar.

    ``first_step`` numbers the steps in messages (a run continued from step 500 says "step 503").
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:  # a ValueError for steps=True too
        raise ValueError(f"steps must be a positive int, got {steps!r}")
    if clip_grad is not None and clip_grad <= 0:
        raise ValueError(f"clip_grad must be positive or None, got {clip_grad}")
    first_step = check_int("first_step", first_step, low=0)
    history = history if history is not None else TrainHistory()
    done = len(history.losses)
    # A list or a DataLoader can be cycled; a one-shot generator is simply consumed.
    stream = itertools.cycle(batches) if hasattr(batches, "__len__") else iter(batches)
    model.train()
    bar = tqdm(range(steps), desc=desc, disable=not show_progress, leave=True)
    for _ in bar:
        try:
            batch = next(stream)
        except StopIteration as err:
            raise ValueError(f"batches ran out after {len(history.losses)} steps") from err
        result = loss_fn(model, batch)
        loss, metrics = result if isinstance(result, tuple) else (result, {})
        if not torch.isfinite(loss):
            raise FloatingPointError(f"loss became {loss.item()} at step {first_step + len(history.losses) - done}: "
                                     "training diverged, and the model's weights are now spoiled")
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if clip_grad is not None:
            nn.utils.clip_grad_norm_(model.parameters(), clip_grad)
        history.learning_rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        history.losses.append(loss.item())
        for name, value in metrics.items():
            history.metrics.setdefault(name, []).append(float(value))
        # The mean of the last 20 losses, as smoothed() ends; refresh=False: the bar redraws at its own
        # pace (tqdm's mininterval), not at every step, which in JupyterLab is a widget update each.
        recent = history.losses[-20:]
        bar.set_postfix(loss=f"{sum(recent) / len(recent):.3f}", refresh=False)
    model.eval()
    return history


def fit_full_batch(model: Callable[[Tensor], Tensor], x: Tensor, y: Tensor, optimizer: torch.optim.Optimizer, *,
                   steps: int = 1, weight: Tensor | None = None, penalty: Callable[[], Tensor] | None = None) -> None:
    """Fit a small classifier (a linear probe) on cross-entropy over the whole training set ``(x, y)`` at every step.

    ``steps`` calls of ``optimizer.step`` (an LBFGS iterates ``max_iter`` times inside one);
    ``weight``: per-class loss weights; ``penalty()``: a term added to the loss (e.g. L2).
    """
    check_int("steps", steps, low=1)

    def closure() -> Tensor:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y, weight=weight)
        if penalty is not None:
            loss = loss + penalty()
        loss.backward()
        return loss

    for _ in range(steps):
        optimizer.step(closure)


@contextmanager
def reload_advice(what: str, how: str, lr: float) -> Iterator[None]:
    """A run that diverges inside the block says that ``what``'s weights are spoiled and ``how`` to get good ones."""
    try:
        yield
    except FloatingPointError as err:
        raise FloatingPointError(f"{err}: do not use {what} as it is; {how}, then try a learning rate "
                                 f"below lr={lr}") from None


@torch.no_grad()
def evaluate(model: nn.Module, batches: Iterable, metric_fn: Callable[[nn.Module, Any], dict]) -> dict[str, float]:
    """Average each number ``metric_fn(model, batch)`` returns over ``batches``, weighted by its count.

    ``metric_fn`` returns a dict of ``name -> (sum, count)`` pairs (e.g. correct predictions and
    predictions made), so that batches of different sizes are weighted correctly.
    """
    was_training = model.training
    model.eval()
    sums: dict[str, float] = {}
    counts: dict[str, float] = {}
    for batch in batches:
        for name, (total, count) in metric_fn(model, batch).items():
            sums[name] = sums.get(name, 0.0) + float(total)
            counts[name] = counts.get(name, 0.0) + float(count)
    model.train(was_training)
    if not sums:
        raise ValueError("batches was empty: nothing to evaluate")
    return {name: sums[name] / counts[name] if counts[name] else math.nan for name in sums}


def masked_accuracy(logits: Tensor, labels: Tensor, ignore_index: int = -100) -> tuple[int, int]:
    """(correct, counted) predictions over positions whose label is not ``ignore_index``."""
    for name, value in (("logits", logits), ("labels", labels)):
        if not isinstance(value, Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if logits.shape[:-1] != labels.shape:
        raise ValueError(
            f"logits shape {tuple(logits.shape)} must be labels shape {tuple(labels.shape)} plus a class axis"
        )
    keep = labels != ignore_index
    correct = (logits.argmax(-1) == labels) & keep
    return int(correct.sum()), int(keep.sum())


def warmup_linear_schedule(
    optimizer: torch.optim.Optimizer, warmup_steps: int, total_steps: int
) -> torch.optim.lr_scheduler.LambdaLR:
    """Learning rate rising linearly for ``warmup_steps``, then falling linearly to 0 at ``total_steps``."""
    if not 0 <= warmup_steps < total_steps:
        raise ValueError(
            f"warmup_steps must be in [0, total_steps), got warmup_steps={warmup_steps}, total_steps={total_steps}"
        )

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        return max(0.0, (total_steps - step) / (total_steps - warmup_steps))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
