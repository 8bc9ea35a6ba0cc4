"""Notebook 07's picture: what one output of ELMo, GPT and BERT is computed from."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from lessons_lib.checks import check_int, check_strings

_READ, _UNREAD = "#2f5597", "#d9d9d9"
_FORWARD, _BACKWARD = "#548235", "#2e75b6"


def _tokens(ax: Axes, words: Sequence[str], y: float, read: Sequence[bool]) -> None:
    for j, word in enumerate(words):
        ax.text(j, y, word, ha="center", va="center", fontsize=8,
                bbox={"boxstyle": "round,pad=0.3", "facecolor": "#fff2cc" if read[j] else "#f2f2f2",
                      "edgecolor": _READ if read[j] else "#bfbfbf"})


def _link(ax: Axes, start: tuple[float, float], end: tuple[float, float], colour: str, rad: float = 0.0) -> None:
    ax.annotate("", xy=end, xytext=start,
                arrowprops={"arrowstyle": "->", "color": colour, "lw": 1.2, "connectionstyle": f"arc3,rad={rad}"})


def plot_three_readers(words: Sequence[str] = ("the", "king", "sent", "his", "army"), position: int = 2) -> Figure:
    """Three panels: which input words output ``position`` is computed from in ELMo, GPT and BERT.

    ELMo: a forward LSTM chain brings the words on the left, a backward chain those on the right,
    and the two halves are only put side by side at the end. GPT: attention to the words up to
    ``position``. BERT: attention to every word.
    """
    words = check_strings("words", words)
    n = len(words)
    check_int("position", position, low=0, high=n - 1)
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.4))
    for ax, name in zip(axes, ("ELMo", "GPT", "BERT"), strict=True):
        read = [name != "GPT" or j <= position for j in range(n)]
        _tokens(ax, words, 0.0, read)
        ax.text(position, 2.0, f"output {position}", ha="center", va="center", fontsize=9,
                bbox={"boxstyle": "round,pad=0.3", "facecolor": "#dae3f3", "edgecolor": _READ})
        if name == "ELMo":
            for j in range(n - 1):  # the forward chain (lower row) and the backward chain (upper row)
                if j < position:
                    _link(ax, (j + 0.15, 0.8), (j + 0.85, 0.8), _FORWARD)
                if j >= position:
                    _link(ax, (j + 0.85, 1.25), (j + 0.15, 1.25), _BACKWARD)
            for j in range(n):  # each word into the chain(s) that carry it to the output
                if j <= position:
                    _link(ax, (j, 0.25), (j - 0.05 * (j == position), 0.65), _FORWARD)
                if j >= position:
                    _link(ax, (j + 0.05 * (j == position), 0.25), (j + 0.05 * (j == position), 1.1), _BACKWARD)
            _link(ax, (position, 0.9), (position - 0.1, 1.75), _FORWARD)
            _link(ax, (position, 1.35), (position + 0.1, 1.75), _BACKWARD)
            ax.set_title("ELMo: [forward half ; backward half]\ntwo one-way chains, joined at the end", fontsize=9)
        else:
            for j in range(n):
                if read[j]:
                    _link(ax, (j, 0.25), (position, 1.75), _READ, rad=0.0)
            title = ("GPT: attention to itself and the past\n(look-ahead mask)" if name == "GPT"
                     else "BERT: attention to every word\n(padding mask only)")
            ax.set_title(title, fontsize=9)
        ax.set_xlim(-0.6, n - 0.4)
        ax.set_ylim(-0.5, 2.4)
        ax.axis("off")
    fig.suptitle(f"What output {position} ('{words[position]}') is computed from; grey words are never read",
                 fontsize=10)
    fig.tight_layout()
    return fig
