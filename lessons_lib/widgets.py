"""Interactive widgets for the notebooks.

Every builder returns an ``ipywidgets`` container whose controls are wired to an output widget,
and keeps handles to both (``.controls`` and ``.output``) so tests can move a control and read
the result without a browser. Output is written as HTML into an ``HTML`` widget, never printed,
so it shows the same in JupyterLab, on Binder and in nbval runs.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import ipywidgets as widgets

from lessons_lib.tokenizer import WordPieceTokenizer

_CHIP = (
    "display:inline-block;margin:2px;padding:2px 5px;border-radius:4px;"
    "font-family:monospace;background:{bg};color:#111"
)
_LEGEND_STYLE = "font-size:90%;color:#555"


def chip(text: str, background: str, subtitle: str | None = None, title: str | None = None) -> str:
    """One token drawn as a coloured box, with an optional small line under it (an id or a label)."""
    sub = f"<br><span style='font-size:75%;color:#444'>{html.escape(subtitle)}</span>" if subtitle else ""
    tip = f" title='{html.escape(title)}'" if title else ""
    return f"<span style='{_CHIP.format(bg=background)}'{tip}>{html.escape(text)}{sub}</span>"


def _piece_colour(token: str) -> str:
    if token.startswith("[") and token.endswith("]"):
        return "#f4b183" if token == "[UNK]" else "#c9c9c9"
    return "#bdd7ee" if token.startswith("##") else "#c5e0b4"


def render_tokens(tokenizer: WordPieceTokenizer, text: str) -> str:
    """HTML of ``text`` cut into WordPiece tokens, each with its id; continuations and [UNK] coloured."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    tokens = tokenizer.tokenize(text)
    ids = tokenizer.convert_tokens_to_ids(tokens)
    chips = "".join(chip(t, _piece_colour(t), str(i)) for t, i in zip(tokens, ids, strict=True))
    n_unk = tokens.count("[UNK]")
    summary = (
        f"<div style='{_LEGEND_STYLE}'>{len(text.split())} words &rarr; {len(tokens)} tokens"
        f" ({sum(t.startswith('##') for t in tokens)} continuation pieces, {n_unk} [UNK])."
        " Green: word start, blue: ##continuation, orange: [UNK].</div>"
    )
    return summary + (chips or "<i>(no tokens)</i>")


def tokenizer_widget(
    tokenizers: Mapping[str, WordPieceTokenizer],
    examples: Sequence[str],
    text: str | None = None,
) -> widgets.VBox:
    """Type a sentence (or pick an example) and see its WordPiece tokens and ids for each vocabulary."""
    if not tokenizers or not all(isinstance(t, WordPieceTokenizer) for t in tokenizers.values()):
        raise TypeError("tokenizers must be a non-empty dict of name -> WordPieceTokenizer")
    if not examples or not all(isinstance(e, str) and e for e in examples):
        raise ValueError("examples must be a non-empty list of non-empty strings")
    picker = widgets.Dropdown(options=list(examples), description="example", layout={"width": "95%"})
    box = widgets.Textarea(
        value=text if text is not None else examples[0], description="text",
        layout={"width": "95%", "height": "60px"}, continuous_update=True,
    )
    output = widgets.HTML()

    def redraw(_change=None) -> None:
        parts = [
            f"<h4 style='margin:6px 0 2px'>{html.escape(name)} (vocabulary of {tok.vocab_size:,})</h4>"
            + render_tokens(tok, box.value)
            for name, tok in tokenizers.items()
        ]
        output.value = "".join(parts)

    def use_example(change) -> None:
        box.value = change["new"]  # triggers redraw through the text box's observer

    picker.observe(use_example, names="value")
    box.observe(redraw, names="value")
    redraw()
    container = widgets.VBox([picker, box, output])
    container.controls = {"example": picker, "text": box}
    container.output = output
    return container


def _strip(keep: list[bool], width: int = 600) -> str:
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


def render_truncation(tokens: Sequence[str], strategy: str, max_tokens: int = 510, show: int = 12) -> str:
    """HTML: which tokens ``strategy`` keeps, a bar of kept and dropped runs, and the [CLS] ... [SEP] input."""
    from lessons_lib.truncation import kept_mask

    keep = kept_mask(len(tokens), strategy, max_tokens)
    kept = [t for t, k in zip(tokens, keep, strict=True) if k]
    n_head = next((i for i, k in enumerate(keep) if not k), len(keep))
    dropped = len(tokens) - len(kept)
    summary = (f"<b>{len(tokens)}</b> tokens &rarr; keep <b>{len(kept)}</b>, drop <b>{dropped}</b>"
               + (f" (head {n_head} + tail {len(kept) - n_head})" if dropped and strategy != "tail" else ""))
    if len(kept) <= 2 * show:
        shown = " ".join(kept)
    else:
        gap = "<span style='color:#c00'> &hellip;[" + str(dropped) + " dropped]&hellip; </span>" if (
            strategy == "head+tail" and dropped) else " &hellip; "
        shown = html.escape(" ".join(kept[:show])) + gap + html.escape(" ".join(kept[-show:]))
    return (
        f"<div>{summary}</div>{_strip(keep)}"
        f"<div style='{_LEGEND_STYLE}'>green: kept, grey: dropped</div>"
        f"<div style='font-family:monospace;margin-top:6px'>[CLS] {shown} [SEP] &nbsp;"
        f"<span style='{_LEGEND_STYLE}'>({len(kept) + 2} positions of 512)</span></div>"
    )


def truncation_widget(tokens: Sequence[str], max_tokens: int = 510) -> widgets.VBox:
    """Slide how long the text is and pick a strategy; see which tokens BERT would keep."""
    if len(tokens) < 2:
        raise ValueError("tokens must hold at least 2 tokens")
    length = widgets.IntSlider(value=min(len(tokens), 1000), min=1, max=len(tokens), step=1,
                               description="text length", continuous_update=False, layout={"width": "95%"})
    strategy = widgets.ToggleButtons(options=["head", "tail", "head+tail"], value="head+tail", description="keep")
    output = widgets.HTML()

    def redraw(_change=None) -> None:
        output.value = render_truncation(list(tokens[: length.value]), strategy.value, max_tokens)

    length.observe(redraw, names="value")
    strategy.observe(redraw, names="value")
    redraw()
    container = widgets.VBox([length, strategy, output])
    container.controls = {"length": length, "strategy": strategy}
    container.output = output
    return container
