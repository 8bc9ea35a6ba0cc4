"""The next-sentence widget: pick a sentence A, see candidate B's with the model's P(IsNext)."""

from __future__ import annotations

import html
from collections.abc import Sequence

import ipywidgets as widgets

from lessons_lib.checks import check_strings
from lessons_lib.tasks.nsp_scoring import candidate_next_sentences, is_next_probability
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer
from lessons_lib.viz.html import LEGEND_STYLE, chip, probability_bar, wired

_KIND_COLOURS = {"true next": "#c5e0b4", "same document": "#ffe699", "other document": "#d9e1f2"}


def render_nsp_candidates(sentence_a: str, candidates: Sequence[tuple[str, str, float]]) -> str:
    """HTML: sentence A, then each candidate B with its kind and a bar of the model's P(IsNext)."""
    if not isinstance(sentence_a, str):
        raise TypeError(f"sentence_a must be a str, got {type(sentence_a).__name__}")
    if not candidates:
        raise ValueError("candidates must be a non-empty list of (kind, sentence, probability)")
    best = max(range(len(candidates)), key=lambda n: candidates[n][2])
    rows = []
    for n, (kind, sentence, p) in enumerate(candidates):
        # The call is right when a true next sentence gets P >= 0.5 and any other gets P < 0.5.
        right = (p >= 0.5) == (kind == "true next")
        verdict = "<span style='color:#2e7d32'>&#10003;</span>" if right else "<span style='color:#c00'>&#10007;</span>"
        pick = " <b>&larr; model's pick</b>" if n == best else ""
        rows.append(
            f"<tr><td>{chip(kind, _KIND_COLOURS.get(kind, '#eee'))}</td>"
            f"<td style='white-space:nowrap'>{probability_bar(p)} {p:.0%} {verdict}{pick}</td>"
            f"<td style='text-align:left'>{html.escape(sentence)}</td></tr>"
        )
    return (
        f"<div style='margin:4px 0'><b>A:</b> {html.escape(sentence_a)}</div>"
        "<table><tr><th>B is</th><th>P(IsNext)</th><th style='text-align:left'>sentence B</th></tr>"
        + "".join(rows) + "</table>"
        f"<div style='{LEGEND_STYLE}'>Bar: the model's probability that B follows A (green: it says "
        "IsNext). &#10003;/&#10007;: whether that call is right.</div>"
    )


def nsp_widget(model, tokenizer: WordPieceTokenizer, documents: Sequence[Sequence[str]], *,
               n_other: int = 4, max_len: int = 64, seed: int = 0) -> widgets.VBox:
    """Pick a sentence A; see its true next sentence and random candidates, each with P(IsNext).

    ``model`` is a `BertForPreTraining`; its NSP head scores every (A, candidate) pair.
    """
    if isinstance(documents, str) or any(isinstance(d, str) for d in documents):
        raise TypeError("documents must be a list of documents, each a list of sentences, not a str")
    documents = [check_strings(f"documents[{i}]", d, non_empty=False) for i, d in enumerate(documents)]
    if len(documents) < 2:
        raise ValueError("documents must be a list of at least two documents (lists of sentences)")
    anchors = [(d, i) for d, doc in enumerate(documents) for i in range(len(doc) - 1)]
    if not anchors:
        raise ValueError("documents must hold at least one document of two or more sentences")
    sentence = widgets.IntSlider(value=0, min=0, max=len(anchors) - 1, description="sentence A",
                                 continuous_update=False, layout={"width": "95%"})
    draw = widgets.IntSlider(value=0, min=0, max=9, description="random draw", continuous_update=False)
    output = widgets.HTML()

    def redraw(_change=None) -> None:
        d, i = anchors[sentence.value]
        candidates = candidate_next_sentences(documents, d, i, n_other=n_other, seed=seed * 10 + draw.value)
        a = documents[d][i]
        p = is_next_probability(model, tokenizer, [(a, b) for _, b in candidates], max_len=max_len)
        header = (f"<div style='{LEGEND_STYLE}'>document {d}, sentence {i + 1} of "
                  f"{len(documents[d])}</div>")
        output.value = header + render_nsp_candidates(
            a, [(kind, b, float(q)) for (kind, b), q in zip(candidates, p, strict=True)])

    return wired([sentence, draw], {"sentence": sentence, "draw": draw}, output, redraw)
