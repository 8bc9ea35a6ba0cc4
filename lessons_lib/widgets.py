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
