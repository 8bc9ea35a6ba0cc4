"""The tokenizer widget: type a sentence, see its WordPiece tokens and ids for each vocabulary."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import ipywidgets as widgets

from lessons_lib.checks import check_strings
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer
from lessons_lib.viz.html import LEGEND_STYLE, chip, clip_text, text_box, wired


def _piece_colour(token: str) -> str:
    if token.startswith("[") and token.endswith("]"):
        return "#f4b183" if token == "[UNK]" else "#c9c9c9"
    return "#bdd7ee" if token.startswith("##") else "#c5e0b4"


def render_tokens(tokenizer: WordPieceTokenizer, text: str) -> str:
    """HTML of ``text`` cut into WordPiece tokens, each with its id; continuations and [UNK] coloured."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    text, note = clip_text(text)
    tokens = tokenizer.tokenize(text)
    ids = tokenizer.convert_tokens_to_ids(tokens)
    chips = "".join(chip(t, _piece_colour(t), str(i)) for t, i in zip(tokens, ids, strict=True))
    n_unk = tokens.count("[UNK]")
    summary = (
        f"<div style='{LEGEND_STYLE}'>{len(text.split())} words &rarr; {len(tokens)} tokens"
        f" ({sum(t.startswith('##') for t in tokens)} continuation pieces, {n_unk} [UNK])."
        " Green: word start, blue: ##continuation, orange: [UNK].</div>"
    )
    return note + summary + (chips or "<i>(no tokens)</i>")


def tokenizer_widget(
    tokenizers: Mapping[str, WordPieceTokenizer],
    examples: Sequence[str],
    text: str | None = None,
) -> widgets.VBox:
    """Type a sentence (or pick an example) and see its WordPiece tokens and ids for each vocabulary."""
    if not tokenizers or not all(isinstance(t, WordPieceTokenizer) for t in tokenizers.values()):
        raise TypeError("tokenizers must be a non-empty dict of name -> WordPieceTokenizer")
    examples = check_strings("examples", examples)
    if not all(examples):
        raise ValueError("examples must be a non-empty list of non-empty strings")
    picker = widgets.Dropdown(options=list(examples), description="example", layout={"width": "95%"})
    box = text_box(text if text is not None else examples[0])
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
    return wired([picker, box], {"example": picker, "text": box}, output, redraw, watch=["text"])
