"""The truncation widget: slide a text's length, pick head, tail or head+tail, see what BERT keeps."""

from __future__ import annotations

import html
from collections.abc import Sequence

import ipywidgets as widgets

from lessons_lib.checks import check_strings
from lessons_lib.data.truncation import kept_mask
from lessons_lib.viz.html import LEGEND_STYLE, run_strip, wired


def render_truncation(tokens: Sequence[str], strategy: str, max_tokens: int = 510, show: int = 12) -> str:
    """HTML: which tokens ``strategy`` keeps, a bar of kept and dropped runs, and the [CLS] ... [SEP] input."""
    keep = kept_mask(len(tokens), strategy, max_tokens)
    kept = [t for t, k in zip(tokens, keep, strict=True) if k]
    n_head = next((i for i, k in enumerate(keep) if not k), len(keep))
    dropped = len(tokens) - len(kept)
    summary = (f"<b>{len(tokens)}</b> tokens &rarr; keep <b>{len(kept)}</b>, drop <b>{dropped}</b>"
               + (f" (head {n_head} + tail {len(kept) - n_head})" if dropped and strategy != "tail" else ""))
    if len(kept) <= 2 * show:
        shown = html.escape(" ".join(kept))
    else:
        gap = "<span style='color:#c00'> &hellip;[" + str(dropped) + " dropped]&hellip; </span>" if (
            strategy == "head+tail" and dropped) else " &hellip; "
        shown = html.escape(" ".join(kept[:show])) + gap + html.escape(" ".join(kept[-show:]))
    return (
        f"<div>{summary}</div>{run_strip(keep)}"
        f"<div style='{LEGEND_STYLE}'>green: kept, grey: dropped</div>"
        f"<div style='font-family:monospace;margin-top:6px'>[CLS] {shown} [SEP] &nbsp;"
        f"<span style='{LEGEND_STYLE}'>({len(kept) + 2} positions of 512)</span></div>"
    )


def truncation_widget(tokens: Sequence[str], max_tokens: int = 510) -> widgets.VBox:
    """Slide how long the text is and pick a strategy; see which tokens BERT would keep."""
    tokens = check_strings("tokens", tokens)
    if len(tokens) < 2:
        raise ValueError("tokens must hold at least 2 tokens")
    length = widgets.IntSlider(value=min(len(tokens), 1000), min=1, max=len(tokens), step=1,
                               description="text length", continuous_update=False, layout={"width": "95%"})
    strategy = widgets.ToggleButtons(options=["head", "tail", "head+tail"], value="head+tail", description="keep")
    output = widgets.HTML()

    def redraw(_change=None) -> None:
        output.value = render_truncation(list(tokens[: length.value]), strategy.value, max_tokens)

    return wired([length, strategy], {"length": length, "strategy": strategy}, output, redraw)
