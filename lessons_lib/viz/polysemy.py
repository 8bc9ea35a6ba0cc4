"""The polysemy widget: one word in two sentences, its vector at each ELMo layer, and its neighbours.

Pick an example pair or type two sentences and a word they share. For the token layer, each LSTM
level and the task's mix it shows the cosine between the word's two vectors, word2vec's (one
vector per word: always 1.0) beside it, and the corpus uses nearest to each of the two vectors.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import ipywidgets as widgets
import torch
import torch.nn.functional as F

from lessons_lib.layers.scalar_mix import ScalarMix
from lessons_lib.models.elmo import ElmoBiLM
from lessons_lib.tasks.polysemy import ContextBank, nearest_contexts
from lessons_lib.tasks.representations import word_vectors_by_layer
from lessons_lib.tokenizers.basic import basic_tokenize
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer
from lessons_lib.viz.html import LEGEND_STYLE, MAX_VIEW_CHARS, chip, wired


def _snippet(word: str, sentence: str, width: int = 3) -> str:
    """A few words either side of ``word``'s first use in ``sentence``."""
    words = basic_tokenize(sentence)
    where = next((i for i, w in enumerate(words) if w.startswith(word)), 0)
    left, right = max(0, where - width), min(len(words), where + width + 1)
    return ("... " if left else "") + " ".join(words[left:right]) + (" ..." if right < len(words) else "")


def _neighbours(items: list[tuple[str, str, float]]) -> str:
    return "".join(chip(_snippet(w, c), "#eef3f8", f"{cos:.2f}", title=c) for w, c, cos in items)


def render_word_in_contexts(model: ElmoBiLM, tokenizer: WordPieceTokenizer, first: str, second: str, word: str,
                            bank: ContextBank, *, mix: ScalarMix | None = None, in_word2vec: bool = True,
                            k: int = 3) -> str:
    """HTML table: per layer, the cosine of ``word`` across the two sentences and each use's nearest uses.

    A sentence longer than ``MAX_VIEW_CHARS`` characters is refused: the widget stays quick to update."""
    for name, text in (("first", first), ("second", second), ("word", word)):
        if not isinstance(text, str):
            raise TypeError(f"{name} must be a str, got {type(text).__name__}")
        if len(text) > MAX_VIEW_CHARS:
            raise ValueError(f"{name} has {len(text):,} characters; the widget reads at most {MAX_VIEW_CHARS:,}")
    a = word_vectors_by_layer(model, tokenizer, first, word)  # (L + 1, 2P)
    b = word_vectors_by_layer(model, tokenizer, second, word)
    names = ["token layer"] + [f"LSTM {k}" for k in range(1, len(a))]
    layers: list[tuple[str, int | ScalarMix]] = list(zip(names, range(len(a)), strict=True))
    vectors = [(a[i], b[i]) for i in range(len(a))]
    if mix is not None:
        with torch.no_grad():
            layers.append(("task mix", mix))
            vectors.append((mix(a.unbind(0)), mix(b.unbind(0))))
    w2v = "1.00" if in_word2vec else "n/a"
    rows = []
    for (name, layer), (u, v) in zip(layers, vectors, strict=True):
        cosine = float(F.cosine_similarity(u, v, dim=0))
        rows.append(
            f"<tr><td><b>{name}</b></td><td>{cosine:.2f}</td><td>{w2v}</td>"
            f"<td>{_neighbours(nearest_contexts(bank, u, layer, k=k, exclude=first))}</td>"
            f"<td>{_neighbours(nearest_contexts(bank, v, layer, k=k, exclude=second))}</td></tr>")
    word_html = html.escape(word)
    return (
        f"<div><b>1:</b> {html.escape(first)}<br><b>2:</b> {html.escape(second)}</div>"
        f"<table><tr><th>layer</th><th>cosine of '{word_html}' 1 vs 2</th><th>word2vec</th>"
        f"<th>corpus uses nearest to '{word_html}' in 1</th><th>... in 2</th></tr>" + "".join(rows) + "</table>"
        f"<div style='{LEGEND_STYLE}'>Cosine 1.00: the same vector in both sentences. Each chip is a use of a "
        "word in a corpus sentence (hover for the whole sentence), with its cosine to the word's vector.</div>"
    )


def polysemy_widget(model: ElmoBiLM, tokenizer: WordPieceTokenizer, examples: Sequence[tuple[str, str, str]],
                    bank: ContextBank, *, mix: ScalarMix | None = None, word2vec_words: set[str] | None = None
                    ) -> widgets.VBox:
    """Pick (word, sentence 1, sentence 2) from ``examples`` or type your own; see the word layer by layer."""
    if isinstance(examples, str) or (isinstance(examples, tuple) and examples and isinstance(examples[0], str)):
        raise TypeError("examples must be a list of (word, first sentence, second sentence) tuples, not one "
                        f"{type(examples).__name__}")
    if not examples or any(len(e) != 3 or not all(isinstance(x, str) for x in e) for e in examples):
        raise ValueError("examples must be a non-empty list of (word, first sentence, second sentence)")
    pick = widgets.Dropdown(options=[(f"{w}: {s1[:30]}... / {s2[:30]}...", i) for i, (w, s1, s2) in enumerate(examples)],
                            value=0, description="example", layout={"width": "95%"})
    word = widgets.Text(value=examples[0][0], description="word")
    first = widgets.Text(value=examples[0][1], description="sentence 1", layout={"width": "95%"})
    second = widgets.Text(value=examples[0][2], description="sentence 2", layout={"width": "95%"})
    output = widgets.HTML()
    filling = {"now": False}

    def redraw(_change=None) -> None:
        if filling["now"]:  # the example is still being copied into the boxes: draw once, at the end
            return
        try:
            output.value = render_word_in_contexts(
                model, tokenizer, first.value, second.value, word.value.strip(), bank, mix=mix,
                in_word2vec=word2vec_words is None or word.value.strip().lower() in word2vec_words)
        except (ValueError, TypeError) as err:  # e.g. the word is not in one of the sentences
            output.value = f"<div style='color:#a00'>{html.escape(str(err))}</div>"

    def fill(_change=None) -> None:
        filling["now"] = True
        word.value, first.value, second.value = examples[pick.value]
        filling["now"] = False
        redraw()

    pick.observe(fill, names="value")
    return wired([pick, word, first, second], {"example": pick, "word": word, "first": first, "second": second},
                 output, redraw, watch=["word", "first", "second"])
