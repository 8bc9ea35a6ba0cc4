"""Pictures: loss curves, masks and attention as heat maps, corpus statistics."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from lessons_lib.training.loop import TrainHistory


def _new_axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def _as_array(matrix: torch.Tensor | np.ndarray, name: str) -> np.ndarray:
    if isinstance(matrix, torch.Tensor):
        matrix = matrix.detach().float().cpu().numpy()
    try:
        matrix = np.asarray(matrix, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a 2-D tensor or array of numbers, got {type(matrix).__name__}") from None
    if matrix.ndim != 2:
        raise ValueError(f"{name} must be 2-D (queries x keys), got shape {matrix.shape}")
    return matrix


def plot_losses(
    histories: TrainHistory | Mapping[str, TrainHistory | Sequence[float]],
    *,
    smooth: int = 20,
    ax: Axes | None = None,
    title: str = "Training loss",
) -> Axes:
    """Loss against step for one run or several named runs (raw in pale, running mean on top)."""
    if isinstance(histories, TrainHistory | list | tuple):
        histories = {"loss": histories}
    if not isinstance(histories, Mapping) or not histories:
        raise TypeError("histories must be a TrainHistory, a list of losses, or a non-empty dict of them")
    ax = _new_axes(ax, (6, 3.5))
    for label, run in histories.items():
        run = run if isinstance(run, TrainHistory) else TrainHistory(losses=list(run))
        line = ax.plot(run.losses, alpha=0.25)[0]
        ax.plot(run.smoothed(smooth), color=line.get_color(), label=label)
    ax.set(xlabel="step", ylabel="loss", title=title)
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


def plot_loss_curves(
    runs: Sequence[Mapping],
    *,
    group: str = "variant",
    baseline: float | None = None,
    baseline_label: str = "unigram baseline",
    ax: Axes | None = None,
    title: str = "Training loss",
) -> Axes:
    """Recorded curves (dicts with ``curve_steps``, ``curve_loss`` and a ``group`` key): one colour per group,
    one line per run; a missing point (None: the loss was nan or inf) ends its line with an x."""
    if isinstance(runs, Mapping) or not runs or not all(isinstance(r, Mapping) for r in runs):
        raise TypeError("runs must be a non-empty list of dicts with curve_steps and curve_loss")
    for i, run in enumerate(runs):
        if group not in run or len(run.get("curve_steps", ())) != len(run.get("curve_loss", [None])):
            raise ValueError(f"runs[{i}] must hold {group!r} and curve_steps, curve_loss of the same length")
    ax = _new_axes(ax, (6, 3.5))
    colours: dict[str, str] = {}
    for run in runs:
        name = str(run[group])
        label = None if name in colours else name  # one legend entry per group
        colour = colours.setdefault(name, f"C{len(colours)}")
        points = [(s, v) for s, v in zip(run["curve_steps"], run["curve_loss"], strict=True) if v is not None]
        ax.plot([s for s, _ in points], [v for _, v in points], color=colour, alpha=0.8, label=label)
        if len(points) < len(run["curve_loss"]) and points:  # stopped by a nan/inf loss
            ax.plot(*points[-1], marker="x", color=colour, markersize=9)
    if baseline is not None:
        ax.axhline(baseline, color="grey", linestyle="--", linewidth=1, label=baseline_label)
    ax.set(xlabel="step", ylabel="loss", title=title)
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


def plot_mask(
    mask: torch.Tensor | np.ndarray,
    tokens: Sequence[str] | None = None,
    *,
    key_tokens: Sequence[str] | None = None,
    ax: Axes | None = None,
    title: str = "mask (dark = may attend)",
) -> Axes:
    """A (queries x keys) mask as a grid: row i shows which positions token i may look at."""
    matrix = _as_array(mask, "mask")
    ax = _new_axes(ax, (4, 4))
    ax.imshow(matrix, cmap="Blues", vmin=0, vmax=1)
    _label_axes(ax, matrix, tokens, key_tokens)
    ax.set(title=title, xlabel="key (looked at)", ylabel="query (looking)")
    return ax


def plot_attention(
    weights: torch.Tensor | np.ndarray,
    tokens: Sequence[str] | None = None,
    *,
    key_tokens: Sequence[str] | None = None,
    ax: Axes | None = None,
    title: str = "attention weights",
    annotate: bool = False,
    mask: torch.Tensor | np.ndarray | None = None,
) -> Axes:
    """Attention weights (queries x keys) as a heat map; each row sums to 1. Cells where the boolean
    ``mask`` is False (masked: weight exactly 0) are left empty."""
    matrix = _as_array(weights, "weights")
    if mask is not None:
        allowed = _as_array(mask, "mask") > 0
        if allowed.shape != matrix.shape:
            raise ValueError(f"mask has shape {allowed.shape}, weights {matrix.shape}: they must match")
        matrix = np.where(allowed, matrix, np.nan)  # imshow leaves NaN cells blank
    ax = _new_axes(ax, (4.5, 4))
    image = ax.imshow(matrix, cmap="viridis", vmin=0, vmax=max(np.nanmax(matrix), 1e-9))
    plt.colorbar(image, ax=ax, fraction=0.046)
    _label_axes(ax, matrix, tokens, key_tokens)
    if annotate:
        for (i, j), value in np.ndenumerate(matrix):
            if np.isnan(value):
                continue
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7, color="w")
    ax.set(title=title, xlabel="key", ylabel="query")
    return ax


def plot_scores(
    scores: torch.Tensor | np.ndarray,
    tokens: Sequence[str] | None = None,
    *,
    key_tokens: Sequence[str] | None = None,
    ax: Axes | None = None,
    title: str = "attention scores",
) -> Axes:
    """Raw attention scores (queries x keys, before the softmax) as a heat map: red above 0, blue below,
    one colour scale symmetric about 0. Cells at -inf (masked) are left empty and hatched."""
    matrix = _as_array(scores, "scores")
    masked = np.isneginf(matrix)
    if np.isnan(matrix).any() or np.isposinf(matrix).any():
        raise ValueError("scores must hold finite numbers, or -inf where masked; got nan or +inf")
    if masked.all():
        raise ValueError("scores must hold at least one finite (unmasked) score, got -inf everywhere")
    limit = max(float(np.abs(matrix[~masked]).max()), 1e-9)
    ax = _new_axes(ax, (4.5, 4))
    rows, columns = matrix.shape
    # Behind the image: hatching, seen only through the masked cells (NaN, which imshow leaves empty).
    ax.add_patch(Rectangle((-0.5, -0.5), columns, rows, hatch="///", fill=False, edgecolor="0.75", linewidth=0, zorder=-1))
    image = ax.imshow(np.where(masked, np.nan, matrix), cmap="RdBu_r", vmin=-limit, vmax=limit)
    plt.colorbar(image, ax=ax, fraction=0.046)
    _label_axes(ax, matrix, tokens, key_tokens)
    ax.set(title=title, xlabel="key", ylabel="query")
    return ax


def token_grids(grids: Mapping[str, torch.Tensor], tokens: Sequence[str], *, argument: str, cmap: str,
                vmax: float, xlabel: str, ylabel: str, counted: str = "") -> Figure:
    """(T, T) 0/1 grids side by side, tokens on both axes; each title counts the grid's ones.

    ``argument`` names the caller's argument in errors; ``counted`` ends each title (e.g. "move")."""
    if not grids:
        raise ValueError(f"{argument} must hold at least one (T, T) grid")
    columns = min(len(grids), 3)  # at most three abreast: each keeps its labels readable at a laptop's width
    rows = -(-len(grids) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(min(10.0, 3.4 * columns), 3.7 * rows), squeeze=False)
    axes = axes.ravel()
    for ax in axes[len(grids):]:
        ax.axis("off")  # the empty places of the last row
    for ax, (name, grid) in zip(axes, grids.items(), strict=False):
        grid = np.asarray(torch.as_tensor(grid).float())
        if grid.shape != (len(tokens), len(tokens)):
            raise ValueError(f"{argument}[{name!r}] must be ({len(tokens)}, {len(tokens)}), got {grid.shape}")
        ax.imshow(grid, cmap=cmap, vmin=0, vmax=vmax)
        ax.set_xticks(range(len(tokens)), tokens, rotation=90, fontsize=8)
        ax.set_yticks(range(len(tokens)), tokens, fontsize=8)
        ax.set(title=f"{name}: {int(grid.sum())} of {grid.size} {counted}".rstrip(), xlabel=xlabel, ylabel=ylabel)
    fig.tight_layout()
    return fig


def _label_axes(ax: Axes, matrix: np.ndarray, tokens, key_tokens) -> None:
    key_tokens = key_tokens if key_tokens is not None else tokens
    for name, labels, size, setter in (
        ("tokens", tokens, matrix.shape[0], ax.set_yticks),
        ("key_tokens", key_tokens, matrix.shape[1], ax.set_xticks),
    ):
        if labels is None:
            continue
        if len(labels) != size:
            raise ValueError(f"{name} has {len(labels)} labels for {size} rows/columns")
        setter(range(size), labels)
    if key_tokens is not None:
        plt.setp(ax.get_xticklabels(), rotation=90)


def plot_corpus_statistics(stats: Mapping[str, Mapping], *, axes: Sequence[Axes] | None = None) -> Sequence[Axes]:
    """Bar chart of documents/sentences/words per split, and the histogram of sentence lengths."""
    if not stats or any("sentence_lengths" not in s for s in stats.values()):
        raise ValueError("stats must be the dict returned by corpus_statistics")
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    splits = list(stats)
    counts = ["documents", "sentences", "words"]
    x = np.arange(len(splits))
    for i, name in enumerate(counts):
        axes[0].bar(x + (i - 1) * 0.27, [stats[s][name] for s in splits], width=0.27, label=name)
    axes[0].set(xticks=x, xticklabels=splits, yscale="log", title="size of each split (log scale)")
    axes[0].legend()
    lengths = stats[splits[0]]["sentence_lengths"]
    axes[1].hist(lengths, bins=60, color="tab:gray")
    axes[1].axvline(np.median(lengths), color="tab:red", label=f"median {np.median(lengths):.0f}")
    axes[1].set(title=f"sentence length in {splits[0]} (words)", xlabel="words", ylabel="sentences")
    axes[1].legend()
    return axes
