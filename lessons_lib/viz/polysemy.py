"""The polysemy widget: one word's vector beside a same-sense and an other-sense use, layer by layer, and its neighbours.

Pick an example or type a sentence, a second one where the word has the same sense, a third where it
has the other sense, and the word. For the token layer, each LSTM level and the task's mix it shows
the cosine of the word's vector in the first sentence with its vector in each of the others side by
side (same sense against other sense), word2vec's (one vector per word: always 1.0), and the
labelled uses of the word (a bank in which both senses occur) nearest to its vector in the first.
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

SENSE_COLOURS = ("#dbe9f6", "#fde2c8")  # a word's first and second sense in the bank
_GAP_COLOURS = {True: "#2e7d32", False: "#a00"}  # same sense nearer than the other sense, or not
_TEXTS = ("sentence", "same", "other", "word")


def _snippet(word: str, sentence: str, width: int = 3) -> str:
    """A few words either side of ``word``'s first use in ``sentence``."""
    words = basic_tokenize(sentence)
    where = next((i for i, w in enumerate(words) if w.startswith(word)), 0)
    left, right = max(0, where - width), min(len(words), where + width + 1)
    return ("... " if left else "") + " ".join(words[left:right]) + (" ..." if right < len(words) else "")


def _neighbours(found: list[tuple[str, str, float]], senses: dict[str, str], colours: dict[str, str], k: int) -> str:
    """Chips of the ``k`` nearest labelled uses (a few words, the sense, the cosine), then each sense's mean."""
    if not found:
        return "<i>no labelled use of this word in the bank</i>"
    chips = "".join(chip(_snippet(w, c), colours.get(senses.get(c, ""), "#eef3f8"),
                         f"{senses.get(c, '?')} {cos:.2f}", title=c) for w, c, cos in found[:k])
    means = []
    for sense in colours:
        cosines = [cos for _, c, cos in found if senses.get(c) == sense]
        means.append(f"{sense} {sum(cosines) / len(cosines):.2f} ({len(cosines)} uses)")
    return chips + (f"<br><span style='{LEGEND_STYLE}'>mean cosine: {', '.join(means)}</span>" if means else "")


def render_word_in_contexts(model: ElmoBiLM, tokenizer: WordPieceTokenizer, sentence: str, same: str, other: str,
                            word: str, bank: ContextBank, *, mix: ScalarMix | None = None, in_word2vec: bool = True,
                            k: int = 5) -> str:
    """HTML table: per layer, ``word``'s cosine from ``sentence`` to a same-sense and to an other-sense
    use, side by side, and the labelled uses in ``bank`` nearest to it in ``sentence``.

    A sentence longer than ``MAX_VIEW_CHARS`` characters is refused: the widget stays quick to update."""
    for name, text in zip(_TEXTS, (sentence, same, other, word), strict=True):
        if not isinstance(text, str):
            raise TypeError(f"{name} must be a str, got {type(text).__name__}")
        if len(text) > MAX_VIEW_CHARS:
            raise ValueError(f"{name} has {len(text):,} characters; the widget reads at most {MAX_VIEW_CHARS:,}")
    uses = [word_vectors_by_layer(model, tokenizer, text, word) for text in (sentence, same, other)]  # (L + 1, 2P) each
    names = ["token layer"] + [f"LSTM {i}" for i in range(1, len(uses[0]))]
    layers: list[tuple[str, int | ScalarMix]] = list(zip(names, range(len(uses[0])), strict=True))
    vectors = [tuple(u[i] for u in uses) for i in range(len(uses[0]))]
    if mix is not None:
        with torch.no_grad():
            layers.append(("task mix", mix))
            vectors.append(tuple(mix(u.unbind(0)) for u in uses))
    labelled = bank.senses or [""] * len(bank.words)
    senses = {c: s for w, c, s in zip(bank.words, bank.contexts, labelled, strict=True) if w.lower() == word.lower()}
    colours = dict(zip(dict.fromkeys(s for s in senses.values() if s), SENSE_COLOURS, strict=False))
    w2v = "1.00" if in_word2vec else "n/a"
    everyone = len(bank.words)  # every use of the word, ranked: the first k are shown, all are averaged
    rows, apart = [], []
    for (name, layer), (u, v, x) in zip(layers, vectors, strict=True):
        to_same, to_other = (float(F.cosine_similarity(u, y, dim=0)) for y in (v, x))
        gap = to_same - to_other
        if round(gap, 2) > 0:
            apart.append(name)
        rows.append(
            f"<tr><td><b>{name}</b></td><td>{to_same:.2f}</td><td>{to_other:.2f}</td>"
            f"<td style='color:{_GAP_COLOURS[round(gap, 2) > 0]}'>{gap:+.2f}</td><td>{w2v}</td>"
            f"<td>{_neighbours(nearest_contexts(bank, u, layer, k=everyone, exclude=sentence, word=word), senses, colours, k)}"
            "</td></tr>")
    word_html = html.escape(word)
    verdict = (f"Same sense nearer than the other sense at: {', '.join(apart)}." if apart else
               "At no layer is the same-sense use nearer than the other-sense use.")
    return (
        f"<div><b>sentence:</b> {html.escape(sentence)}<br><b>same sense:</b> {html.escape(same)}<br>"
        f"<b>other sense:</b> {html.escape(other)}</div>"
        f"<table><tr><th>layer</th><th>cosine to the same sense</th><th>cosine to the other sense</th>"
        f"<th>same minus other</th><th>word2vec</th><th>labelled uses of '{word_html}' nearest to it in the "
        "sentence</th></tr>" + "".join(rows) + "</table>"
        f"<div><b>{html.escape(verdict)}</b></div>"
        f"<div style='{LEGEND_STYLE}'>Cosine 1.00: the same vector in both sentences, so context changed nothing. "
        "A positive difference (green) means the word's vector is nearer its use in the same sense. Each chip is "
        "a labelled use of the word in the bank, in which both senses occur (hover for the whole sentence), with "
        "its sense and its cosine to the word in the first sentence; under the chips, the mean cosine to all "
        "labelled uses of each sense. One pair of sentences is noisy; the means over many uses are steadier.</div>"
    )


def polysemy_widget(model: ElmoBiLM, tokenizer: WordPieceTokenizer, examples: Sequence[tuple[str, str, str, str]],
                    bank: ContextBank, *, mix: ScalarMix | None = None, word2vec_words: set[str] | None = None
                    ) -> widgets.VBox:
    """Pick (word, sentence, same-sense sentence, other-sense sentence) from ``examples`` or type your own;
    see the word layer by layer, its same-sense and other-sense cosines side by side."""
    what = "(word, sentence, same-sense sentence, other-sense sentence)"
    if isinstance(examples, str) or (isinstance(examples, tuple) and examples and isinstance(examples[0], str)):
        raise TypeError(f"examples must be a list of {what} tuples, not one {type(examples).__name__}")
    if not examples or any(len(e) != 4 or not all(isinstance(x, str) for x in e) for e in examples):
        raise ValueError(f"examples must be a non-empty list of {what}")
    pick = widgets.Dropdown(options=[(f"{w}: {s[:40]}...", i) for i, (w, s, _, _) in enumerate(examples)],
                            value=0, description="example", layout={"width": "95%"})
    boxes = {"word": widgets.Text(value=examples[0][0], description="word")}
    for name, value, label in zip(_TEXTS[:3], examples[0][1:], ("sentence", "same sense", "other sense"), strict=True):
        boxes[name] = widgets.Text(value=value, description=label, layout={"width": "95%"})
    output = widgets.HTML()
    filling = {"now": False}

    def redraw(_change=None) -> None:
        if filling["now"]:  # the example is still being copied into the boxes: draw once, at the end
            return
        word = boxes["word"].value.strip()
        try:
            output.value = render_word_in_contexts(
                model, tokenizer, *(boxes[name].value for name in _TEXTS[:3]), word, bank, mix=mix,
                in_word2vec=word2vec_words is None or word.lower() in word2vec_words)
        except (ValueError, TypeError) as err:  # e.g. the word is not in one of the sentences
            output.value = f"<div style='color:#a00'>{html.escape(str(err))}</div>"

    def fill(_change=None) -> None:
        filling["now"] = True
        for name, value in zip(("word", *_TEXTS[:3]), examples[pick.value], strict=True):
            boxes[name].value = value
        filling["now"] = False
        redraw()

    pick.observe(fill, names="value")
    return wired([pick, *boxes.values()], {"example": pick, **boxes}, output, redraw, watch=list(boxes))
