"""ELMo's pictures: the two one-way LMs unrolled, which outputs each half sees, senses in 2-D, layer weights."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from lessons_lib.viz.plots import token_grids

_FORWARD, _BACKWARD, _TOKEN = "#c5e0b4", "#bdd7ee", "#ffe699"


def _box(ax: Axes, x: float, y: float, text: str, colour: str, width: float = 0.8, height: float = 0.5) -> None:
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height, boxstyle="round,pad=0.03",
                                facecolor=colour, edgecolor="#555"))
    ax.text(x, y, text, ha="center", va="center", fontsize=8)


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "->", "color": "#444", "lw": 1})


def plot_elmo_architecture(words: Sequence[str] = ("the", "cat", "sat", "down"), *, num_layers: int = 2) -> Figure:
    """ELMo unrolled over a few words: characters -> token layer; a forward and a backward LSTM stack."""
    if len(words) < 2:
        raise ValueError("words must hold at least two words")
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    n = len(words)
    for ax, direction in zip(axes, ("forward", "backward"), strict=True):
        colour = _FORWARD if direction == "forward" else _BACKWARD
        for t, word in enumerate(words):
            ax.text(t, -0.9, f"'{word}'\ncharacters", ha="center", va="center", fontsize=8)
            _arrow(ax, (t, -0.6), (t, -0.25))
            _box(ax, t, 0, "char CNN\n+ highway", _TOKEN)
            for k in range(1, num_layers + 1):
                _box(ax, t, k, f"LSTM {k}", colour)
                _arrow(ax, (t, k - 0.75), (t, k - 0.25))
                # The recurrence: the state flows one way only.
                if direction == "forward" and t < n - 1:
                    _arrow(ax, (t + 0.4, k), (t + 0.6, k))
                if direction == "backward" and t > 0:
                    _arrow(ax, (t - 0.4, k), (t - 0.6, k))
            target = t + 1 if direction == "forward" else t - 1
            guess = f"next: '{words[target]}'" if 0 <= target < n else "(nothing)"
            if direction == "backward" and 0 <= target < n:
                guess = f"previous: '{words[target]}'"
            _arrow(ax, (t, num_layers + 0.25), (t, num_layers + 0.6))
            ax.text(t, num_layers + 0.85, f"softmax\n{guess}", ha="center", va="center", fontsize=7.5)
        reads = "left to right" if direction == "forward" else "right to left"
        ax.set_title(f"{direction} LM: reads {reads}")
        ax.set_xlim(-0.7, n - 0.3)
        ax.set_ylim(-1.3, num_layers + 1.3)
        ax.axis("off")
    fig.suptitle("ELMo: one token layer, two one-way LSTM stacks, one shared softmax; "
                 "a word's vector at level k is [forward k; backward k]", fontsize=10)
    fig.tight_layout()
    return fig


def plot_direction_sensitivity(maps: Mapping[str, torch.Tensor], words: Sequence[str]) -> Figure:
    """One grid per half: cell (i, j) dark when output i moved after word j was changed."""
    return token_grids(maps, words, argument="maps", cmap="Greys", vmax=1.4, xlabel="word changed (j)",
                       ylabel="output (i)", counted="move")


def _project(vectors: torch.Tensor) -> np.ndarray:
    """The 2 principal directions of (N, D) vectors; identical vectors all land on (0, 0)."""
    x = np.asarray(vectors.detach().double())
    x = x - x.mean(0)
    if np.allclose(x, 0):
        return np.zeros((len(x), 2))
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    return x @ vt[:2].T if len(vt) > 1 else np.c_[x @ vt[0], np.zeros(len(x))]


def plot_sense_projection(vectors: Mapping[str, torch.Tensor], senses: Sequence[str], *, word: str = "") -> Figure:
    """The uses of one word, one panel per layer, projected to 2-D (PCA) and coloured by sense."""
    if not vectors:
        raise ValueError("vectors must hold at least one layer's (uses, dim) vectors")
    names = sorted(set(senses))
    fig, axes = plt.subplots(1, len(vectors), figsize=(min(10.0, 3.3 * len(vectors)), 3.2))
    axes = np.atleast_1d(axes)
    for ax, (layer, v) in zip(axes, vectors.items(), strict=True):
        if len(v) != len(senses):
            raise ValueError(f"vectors[{layer!r}] has {len(v)} rows for {len(senses)} sense labels")
        points = _project(v)
        for k, name in enumerate(names):
            mine = [i for i, s in enumerate(senses) if s == name]
            ax.scatter(points[mine, 0], points[mine, 1], label=name, color=f"C{k}", alpha=0.75,
                       marker="o" if k == 0 else "^")
        ax.set(title=layer, xticks=[], yticks=[])
    axes[0].legend(title=f"'{word}' as" if word else "sense", fontsize=8)
    fig.suptitle(f"Each point is one use of '{word}' in a sentence (2-D projection of that layer's vectors)"
                 if word else "Uses of a word, by layer", fontsize=10)
    fig.tight_layout()
    return fig


def plot_layer_shares(shares: torch.Tensor, layer_names: Sequence[str], *, ax: Axes | None = None,
                      title: str = "What the task took from each layer") -> Axes:
    """Bars of the scalar mix's softmax weights: mean over seeds, with the spread (min to max) as a line."""
    shares = torch.as_tensor(shares).detach().double()
    if shares.dim() == 1:
        shares = shares[None]
    if shares.shape[1] != len(layer_names):
        raise ValueError(f"shares has {shares.shape[1]} layers but layer_names names {len(layer_names)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 3))
    mean = shares.mean(0).numpy()
    low, high = mean - shares.min(0).values.numpy(), shares.max(0).values.numpy() - mean
    ax.bar(range(len(mean)), mean, color=[_TOKEN] + [_FORWARD] * (len(mean) - 1), edgecolor="#555",
           yerr=np.vstack([low, high]), capsize=4)
    ax.axhline(1 / len(mean), color="#888", ls="--", lw=1, label="equal shares")
    ax.set_xticks(range(len(mean)), layer_names)
    ax.set(ylabel="softmax weight s_k", title=title, ylim=(0, max(0.6, float(shares.max()) + 0.1)))
    ax.legend(fontsize=8)
    return ax
