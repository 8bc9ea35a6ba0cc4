"""Shared pieces of the widgets: tokens drawn as coloured boxes, bars, and the wiring of controls.

Every widget builder returns an ``ipywidgets`` container whose controls are wired to an output
widget, and keeps handles to both (``.controls`` and ``.output``) so tests can move a control and
read the result without a browser. Output is written as HTML into an ``HTML`` widget, never
printed, so it shows the same in JupyterLab, on Binder and in nbval runs. Text from the user is
always escaped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import ipywidgets as widgets

_CHIP = (
    "display:inline-block;margin:2px;padding:2px 5px;border-radius:4px;"
    "font-family:monospace;background:{bg};color:#111"
)
LEGEND_STYLE = "font-size:90%;color:#555"
MAX_VIEW_CHARS = 2000  # a widget shows at most this much of a text: a long paste stays quick to draw


def clip_text(text: str, limit: int = MAX_VIEW_CHARS) -> tuple[str, str]:
    """``text`` cut to ``limit`` characters, and an HTML note saying so (empty when nothing was cut)."""
    if len(text) <= limit:
        return text, ""
    return text[:limit], (f"<div style='{LEGEND_STYLE}'>showing the first {limit:,} of {len(text):,} "
                          "characters</div>")


def text_box(value: str, description: str = "text") -> widgets.Text:
    """A one-line text box that reports its value on Enter or when it loses focus, not on every keystroke."""
    return widgets.Text(value=value, description=description, continuous_update=False, layout={"width": "95%"})


def chip(text: str, background: str, subtitle: str | None = None, title: str | None = None) -> str:
    """One token drawn as a coloured box, with an optional small line under it (an id or a label)."""
    sub = f"<br><span style='font-size:75%;color:#444'>{html.escape(subtitle)}</span>" if subtitle else ""
    tip = f" title='{html.escape(title)}'" if title else ""
    return f"<span style='{_CHIP.format(bg=background)}'{tip}>{html.escape(text)}{sub}</span>"


def wired(rows: Sequence[widgets.Widget], controls: Mapping[str, widgets.Widget], output: widgets.HTML,
           redraw, *, watch: Sequence[str] | None = None) -> widgets.VBox:
    """Redraw ``output`` whenever a watched control changes (all by default), draw it once, and
    stack ``rows`` above it; the container keeps ``.controls`` and ``.output`` for tests."""
    for name in controls if watch is None else watch:
        controls[name].observe(redraw, names="value")
    redraw()
    container = widgets.VBox([*rows, output])
    container.controls = dict(controls)
    container.output = output
    return container


def run_strip(keep: list[bool], width: int = 600) -> str:
    """A bar with one slice per run of kept (green) or dropped (grey) tokens."""
    runs, start = [], 0
    for i in range(1, len(keep) + 1):
        if i == len(keep) or keep[i] != keep[start]:
            runs.append((keep[start], i - start))
            start = i
    total = max(len(keep), 1)
    cells = "".join(
        f"<div title='{n} tokens {'kept' if kept else 'dropped'}' style='display:inline-block;height:18px;"
        f"width:{max(1, round(width * n / total))}px;background:{'#70ad47' if kept else '#d9d9d9'}'></div>"
        for kept, n in runs
    )
    return f"<div style='white-space:nowrap;line-height:0;margin:4px 0'>{cells}</div>"


def probability_bar(p: float, width: int = 160) -> str:
    """A horizontal bar filled to ``p`` (green when the model calls IsNext, grey otherwise)."""
    fill = "#70ad47" if p >= 0.5 else "#a6a6a6"
    return (f"<div style='display:inline-block;width:{width}px;height:12px;background:#eee;"
            f"vertical-align:middle'><div style='width:{round(width * p)}px;height:12px;"
            f"background:{fill}'></div></div>")
