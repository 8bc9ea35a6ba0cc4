"""GPT-2's pictures: where the LayerNorm sits in a block, and what the KV cache buys per new token."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

_NORM, _SUBLAYER, _ADD = "#ffe699", "#bdd7ee", "#e2efda"


def _box(ax: Axes, y: float, text: str, colour: str) -> None:
    ax.add_patch(FancyBboxPatch((-0.9, y - 0.22), 1.8, 0.44, boxstyle="round,pad=0.03", facecolor=colour,
                                edgecolor="#555"))
    ax.text(0, y, text, ha="center", va="center", fontsize=8.5)


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], **style) -> None:
    ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "->", "color": "#444", "lw": 1, **style})


def _draw_block(ax: Axes, steps: Sequence[tuple[str, str]], skips: Sequence[tuple[int, int]], title: str) -> None:
    """``steps`` bottom to top (text, colour); each skip (i, j) is a residual from below step i into step j."""
    for i, (text, colour) in enumerate(steps):
        _box(ax, i, text, colour)
        if i:
            _arrow(ax, (0, i - 0.75), (0, i - 0.25))
    for start, end in skips:  # the residual path, drawn on the right
        y0 = start - 0.5
        ax.plot([0, 1.3, 1.3], [y0, y0, end], color="#c00000", lw=1)
        _arrow(ax, (1.3, end), (0.92, end), color="#c00000")
    ax.text(0, -0.8, "x (from the block below)", ha="center", fontsize=8)
    _arrow(ax, (0, -0.65), (0, -0.25))
    _arrow(ax, (0, len(steps) - 0.75), (0, len(steps) - 0.35))
    ax.text(0, len(steps) - 0.2, "to the next block", ha="center", fontsize=8)
    ax.set_xlim(-1.6, 1.9)
    ax.set_ylim(-1.1, len(steps) + 0.1)
    ax.set_title(title, fontsize=10)
    ax.axis("off")


def plot_block_orders() -> Figure:
    """One decoder block twice: post-LN (GPT, BERT) beside pre-LN (GPT-2), residual paths in red."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 5.2))
    post = [("masked self-attention", _SUBLAYER), ("add", _ADD), ("LayerNorm", _NORM),
            ("MLP", _SUBLAYER), ("add", _ADD), ("LayerNorm", _NORM)]
    _draw_block(axes[0], post, [(0, 1), (3, 4)], "post-LN (GPT): normalise after each sum")
    pre = [("LayerNorm", _NORM), ("masked self-attention", _SUBLAYER), ("add", _ADD),
           ("LayerNorm", _NORM), ("MLP", _SUBLAYER), ("add", _ADD)]
    _draw_block(axes[1], pre, [(0, 2), (3, 5)], "pre-LN (GPT-2): normalise each sub-block's input")
    fig.suptitle("Pre-LN keeps the red residual path free of LayerNorms from the embeddings to the top;\n"
                 "GPT-2 adds one final LayerNorm after the last block", fontsize=9.5)
    fig.tight_layout()
    return fig


def plot_cache_speed(rates: Mapping[str, Mapping[int, float]], ax: Axes | None = None) -> Axes:
    """New tokens per second against the number of new tokens, one line per way of generating."""
    if not rates:
        raise ValueError("rates must hold at least one series, e.g. {'with cache': {50: 900.0}}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.6))
    for name, series in rates.items():
        if not series:
            raise ValueError(f"rates[{name!r}] is empty")
        lengths = sorted(series)
        ax.plot(lengths, [series[n] for n in lengths], marker="o", label=name)
    ax.set(xlabel="new tokens generated", ylabel="new tokens per second", ylim=(0, None),
           title="Generation speed with and without the KV cache")
    ax.legend()
    ax.grid(alpha=0.3)
    return ax
