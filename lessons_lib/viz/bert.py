"""BERT's pictures: the three modules, the input as three embedding rows, masks side by side, attention heads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from lessons_lib.checks import check_int
from lessons_lib.viz.plots import token_grids

_EMBED, _ENCODER, _HEAD, _TEXT = "#ffe699", "#bdd7ee", "#c5e0b4", "#eeeeee"
_SEGMENT_COLOURS = ("#f8cbad", "#d9d2e9")  # segment A, segment B


def _box(ax: Axes, x: float, y: float, text: str, colour: str, width: float, height: float, size: float = 9) -> None:
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height, boxstyle="round,pad=0.02",
                                facecolor=colour, edgecolor="#555"))
    ax.text(x, y, text, ha="center", va="center", fontsize=size)


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], colour: str = "#444") -> None:
    ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "->", "color": colour, "lw": 1})


def plot_bert_architecture(tokens: Sequence[str] = ("[CLS]", "my", "dog", "[SEP]", "it", "barks", "[SEP]"),
                           *, num_layers: int = 12) -> Figure:
    """BERT's three modules, bottom to top: embeddings, the bidirectional encoder, a task head on [CLS]."""
    if len(tokens) < 2:
        raise ValueError("tokens must hold at least two tokens")
    n = len(tokens)
    fig, ax = plt.subplots(figsize=(min(10.0, 1.15 * n + 3.2), 5.2))
    for i, token in enumerate(tokens):
        ax.text(i, -0.55, token, ha="center", va="center", fontsize=9, family="monospace")
        _arrow(ax, (i, -0.35), (i, -0.05))
        _arrow(ax, (i, 0.55), (i, 0.95))
        _arrow(ax, (i, 2.65), (i, 3.0))
    _box(ax, (n - 1) / 2, 0.25, "1. embeddings: token + segment + position, then LayerNorm", _EMBED, n - 0.3, 0.55)
    _box(ax, (n - 1) / 2, 1.8, f"2. bidirectional Transformer encoder\n{num_layers} blocks of self-attention + "
         "feed-forward\n(padding mask only: every token sees every token)", _ENCODER, n - 0.3, 1.6)
    for i in range(n):  # one final vector per token
        ax.text(i, 3.2, f"h{i}", ha="center", va="center", fontsize=8)
    _arrow(ax, (0, 3.4), (0, 3.85))
    _box(ax, 0.9, 4.2, "3. task head on [CLS]:\none linear layer + softmax", _HEAD, 2.4, 0.6, size=8.5)
    if n > 4:
        _arrow(ax, ((n - 1) * 0.75, 3.4), ((n - 1) * 0.75, 3.85))
        _box(ax, (n - 1) * 0.75, 4.2, "or a head per token\n(masked-LM, tagging)", _HEAD, 2.4, 0.6, size=8.5)
    ax.text(n - 0.2, 1.8, "no decoder", ha="left", va="center", fontsize=9, color="#a00")
    ax.set_xlim(-0.8, n + 1.2)
    ax.set_ylim(-0.9, 4.7)
    ax.axis("off")
    ax.set_title("BERT's three modules: embeddings (bottom), encoder (middle), task head (top)")
    fig.tight_layout()
    return fig


def plot_input_representation(tokens: Sequence[str], segments: Sequence[int], *, per_row: int = 10) -> Figure:
    """A sentence pair as three rows of embeddings (token, segment, position) summed into BERT's input.

    A long input is drawn in bands of ``per_row`` positions, one under the other, so the figure keeps
    a laptop's width and its labels their size."""
    if len(tokens) != len(segments) or not tokens:
        raise ValueError(f"tokens and segments must be non-empty and equally long, got {len(tokens)} and {len(segments)}")
    if any(s not in (0, 1) for s in segments):
        raise ValueError("segments must hold only 0 (segment A) and 1 (segment B)")
    per_row = check_int("per_row", per_row, low=2)
    n = len(tokens)
    bands = -(-n // per_row)  # ceil
    wide = min(n, per_row)
    fig, ax = plt.subplots(figsize=(max(6.0, 0.8 * wide + 1.8), 3.0 * bands))
    for band in range(bands):
        top = -3.3 * band  # each band: token, segment and position rows, then their sum
        chunk = range(band * per_row, min(n, (band + 1) * per_row))
        rows = (("token", [tokens[i] for i in chunk], [_TEXT] * len(chunk)),
                ("segment", [f"E{'AB'[segments[i]]}" for i in chunk], [_SEGMENT_COLOURS[segments[i]] for i in chunk]),
                ("position", [f"E{i}" for i in chunk], ["#fff2cc"] * len(chunk)))
        for r, (name, labels, colours) in enumerate(rows):
            y = top + 2.2 - r * 0.8
            ax.text(-0.7, y, name, ha="right", va="center", fontsize=9)
            for x, (label, colour) in enumerate(zip(labels, colours, strict=True)):
                _box(ax, x, y, label, colour, 0.86, 0.5, size=7.5)
            if r < 2:
                for x in range(len(chunk)):
                    ax.text(x, y - 0.4, "+", ha="center", va="center", fontsize=9)
        ax.text(-0.7, top - 0.3, "= input", ha="right", va="center", fontsize=9)
        for x in range(len(chunk)):
            _box(ax, x, top - 0.3, "", "#dddddd", 0.86, 0.4)
    ax.set_xlim(-2.3, wide - 0.3)
    ax.set_ylim(-3.3 * (bands - 1) - 0.7, 2.6)
    ax.axis("off")
    ax.set_title("BERT's input: one token, one segment and one position vector per position, summed"
                 + (f"\n({n} positions, {wide} per band)" if bands > 1 else ""))
    fig.tight_layout()
    return fig


def plot_embedding_parts(parts: Mapping[str, torch.Tensor], tokens: Sequence[str], *, dims: int = 32) -> Figure:
    """(T, H) heat maps side by side, the first ``dims`` dimensions, each on its own colour scale and colour bar.

    The parts differ in size by an order of magnitude (LayerNorm's output is about 1 per dimension, a
    learned table's entries a few hundredths), so one shared scale would leave the small ones blank."""
    if not parts:
        raise ValueError("parts must hold at least one (T, H) tensor")
    arrays = {}
    for name, value in parts.items():
        array = np.asarray(torch.as_tensor(value).detach().float())
        if array.ndim != 2 or array.shape[0] != len(tokens):
            raise ValueError(f"parts[{name!r}] must be ({len(tokens)}, H), got {array.shape}")
        arrays[name] = array[:, :dims]
    fig, axes = plt.subplots(1, len(arrays), figsize=(min(10.0, 2.4 * len(arrays) + 1), 0.2 * len(tokens) + 2.2),
                             sharey=True)
    axes = np.atleast_1d(axes)
    for ax, (name, array) in zip(axes, arrays.items(), strict=True):
        limit = max(float(np.abs(array).max()), 1e-12)  # its own scale, symmetric about 0 (white)
        image = ax.imshow(array, cmap="RdBu", vmin=-limit, vmax=limit, aspect="auto")
        ax.set(title=name, xlabel=f"dimension (first {array.shape[1]})")
        fig.colorbar(image, ax=ax, orientation="horizontal", fraction=0.05, pad=0.12 + 0.3 / len(tokens),
                     label=f"value (up to ±{limit:.2g})")
    axes[0].set_yticks(range(len(tokens)), tokens, fontsize=8)
    return fig


def plot_masks(masks: Mapping[str, torch.Tensor], tokens: Sequence[str]) -> Figure:
    """Boolean (T, T) masks side by side: row = query, column = key, dark = may attend."""
    return token_grids(masks, tokens, argument="masks", cmap="Blues", vmax=1, xlabel="key (looked at)",
                       ylabel="query (looking)")


def plot_attention_heads(weights: torch.Tensor, tokens: Sequence[str], heads: Sequence[int], *,
                         layer_name: str = "") -> Figure:
    """Attention weights (num_heads, T, T) of one layer: one heat map per head in ``heads``, one colour scale."""
    grid = np.asarray(torch.as_tensor(weights).detach().float())
    if grid.ndim != 3 or grid.shape[1:] != (len(tokens), len(tokens)):
        raise ValueError(f"weights must be (num_heads, {len(tokens)}, {len(tokens)}), got {grid.shape}")
    if not heads or any(not 0 <= h < grid.shape[0] for h in heads):
        raise ValueError(f"heads must be a non-empty list of head numbers in 0..{grid.shape[0] - 1}, got {list(heads)}")
    fig, axes = plt.subplots(1, len(heads), figsize=(min(10.0, 3.9 * len(heads) + 0.8), 4.3), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, head in zip(axes, heads, strict=True):
        image = ax.imshow(grid[head], cmap="viridis", vmin=0, vmax=1)
        ax.set_xticks(range(len(tokens)), tokens, rotation=90, fontsize=7)
        ax.set(title=f"{layer_name} head {head}".strip(), xlabel="key")
    axes[0].set_yticks(range(len(tokens)), tokens, fontsize=7)
    axes[0].set_ylabel("query")
    fig.colorbar(image, ax=list(axes), fraction=0.02, label="attention weight (rows sum to 1)")
    return fig
