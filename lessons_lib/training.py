"""Training: seeding, a training loop with a progress bar, evaluation, and checkpoints.

Checkpoints are a directory holding ``model.safetensors`` (the weights), ``config.json`` (the
model's configuration, enough to rebuild it) and ``metadata.json`` (how it was made and what it
scored), so that a student can read everything but the weights in a text editor.
"""

from __future__ import annotations

import ctypes
import dataclasses
import gc
import itertools
import json
import math
import os
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import Tensor, nn
from tqdm.auto import tqdm

WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
METADATA_FILE = "metadata.json"


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch; return a torch.Generator seeded the same way."""
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
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
) -> TrainHistory:
    """Run ``steps`` optimisation steps over ``batches`` (cycled), with a tqdm progress bar."""
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}")
    if clip_grad is not None and clip_grad <= 0:
        raise ValueError(f"clip_grad must be positive or None, got {clip_grad}")
    history = history if history is not None else TrainHistory()
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
            raise FloatingPointError(f"loss became {loss.item()} at step {len(history.losses)}")
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
        bar.set_postfix(loss=f"{history.smoothed()[-1]:.3f}")
    model.eval()
    return history


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


def _config_dict(config: Any) -> dict:
    if dataclasses.is_dataclass(config):
        return dataclasses.asdict(config)
    if isinstance(config, dict):
        return dict(config)
    raise TypeError(f"config must be a dataclass instance or a dict, got {type(config).__name__}")


def save_checkpoint(directory: str | Path, model: nn.Module, config: Any, metadata: dict | None = None) -> Path:
    """Write ``model``'s weights (safetensors), its ``config`` and ``metadata`` (JSON) into ``directory``."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    # Tied weights (e.g. BERT's MLM decoder and token embeddings) share storage; safetensors
    # refuses shared tensors, so each is stored as its own contiguous copy and re-tied on load.
    state = {name: t.detach().contiguous().clone() for name, t in model.state_dict().items()}
    save_file(state, str(directory / WEIGHTS_FILE))
    (directory / CONFIG_FILE).write_text(json.dumps(_config_dict(config), indent=2) + "\n")
    if metadata is not None:
        (directory / METADATA_FILE).write_text(json.dumps(metadata, indent=2, default=str) + "\n")
    return directory


def load_checkpoint(directory: str | Path) -> tuple[dict[str, Tensor], dict, dict]:
    """Read a checkpoint directory: (state_dict, config dict, metadata dict or {})."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"directory {str(directory)!r} does not exist")
    for name in (WEIGHTS_FILE, CONFIG_FILE):
        if not (directory / name).is_file():
            raise FileNotFoundError(f"directory {str(directory)!r} has no {name}")
    state = load_file(str(directory / WEIGHTS_FILE))
    config = json.loads((directory / CONFIG_FILE).read_text())
    meta_path = directory / METADATA_FILE
    metadata = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    return state, config, metadata


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameters (shared ones, such as tied embeddings, counted once)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def resident_memory_mb() -> float | None:
    """This process's resident memory in MB (Linux); None where /proc is not available."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def release_memory() -> float | None:
    """Collect garbage and hand memory that Python has freed back to the operating system.

    The C allocator keeps freed blocks for later reuse, so a process's memory only grows; after a
    big step (fine-tuning, a large model) this returns the unused part (glibc, i.e. Linux and
    Binder; elsewhere it only collects garbage). Returns the resident memory afterwards in MB.
    """
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: macOS, Windows, musl
        pass
    return resident_memory_mb()
