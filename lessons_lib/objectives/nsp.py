"""Next-sentence prediction (NSP), BERT's second pre-training task: which B follows which A.

BERT sees two sentences A and B and predicts whether B really follows A in the text
(``is_next=True``) or was drawn at random (``is_next=False``). `make_nsp_pairs` builds one pair per
sentence that has a successor, exactly half of them with a random B; `make_span_pairs` does the
same for spans of several sentences, as BERT's own pre-training data does. Label 0 is IsNext and
1 NotNext, as in the released BERT checkpoints.

With ``hard_negatives=True`` the random B comes from the *same* document as A (but not next
to it), so the model can no longer tell the pairs apart by topic alone and has to judge
coherence. When A's document holds no sentence that is not next to A (a document of two
sentences, or the middle sentence of three), the hard negative falls back to a sentence from
another document; the pair is not marked, so such a pair is an easy (topic) negative.
"""

from __future__ import annotations

import bisect
import random
from typing import NamedTuple

from lessons_lib.checks import check_bool, check_int

IS_NEXT, NOT_NEXT = 0, 1  # NSP labels, in the order of the released BERT checkpoints


class NspPair(NamedTuple):
    """One NSP example: sentence A, sentence B, and whether B is the sentence after A."""

    a: str
    b: str
    is_next: bool


def make_nsp_pairs(
    documents: list[list[str]], *, seed: int = 0, hard_negatives: bool = False
) -> list[NspPair]:
    """One NSP pair per sentence that has a successor, half of them with a random B."""
    _check_documents(documents)
    check_int("seed", seed)
    check_bool("hard_negatives", hard_negatives)

    rng = random.Random(seed)
    # Every sentence with a successor is an anchor A, as (document index, sentence index).
    anchors = [(d, i) for d, doc in enumerate(documents) for i in range(len(doc) - 1)]
    # Shuffle the anchors and give the first half a negative B: an exact 50/50 split
    # (positives get the extra one when the count is odd), spread over the whole corpus.
    order = list(range(len(anchors)))
    rng.shuffle(order)
    negative = set(order[: len(anchors) // 2])

    # starts[d] is the index of documents[d][0] in the corpus flattened to one sentence list.
    starts = [0]
    for doc in documents:
        starts.append(starts[-1] + len(doc))

    pairs = []
    for k, (d, i) in enumerate(anchors):
        doc = documents[d]
        if k not in negative:
            pairs.append(NspPair(doc[i], doc[i + 1], True))
            continue
        b = _same_document_sentence(doc, i, rng) if hard_negatives else None
        if b is None:
            # Default mode, or hard mode when A's document is too short to hold a
            # non-adjacent sentence (e.g. the middle sentence of three): another document.
            b = _other_document_sentence(documents, starts, d, rng)
        pairs.append(NspPair(doc[i], b, False))
    return pairs


def make_span_pairs(
    documents: list[list[str]], *, span: int, seed: int = 0, stride: int | None = None
) -> list[NspPair]:
    """NSP pairs of text spans, as BERT builds them: A is ``span`` sentences, B the next ``span`` or
    ``span`` consecutive sentences of another document, half of each.

    A span starts every ``stride`` sentences (default ``span``: spans of A do not overlap) wherever
    the document holds ``2 * span`` sentences from there; ``span=1, stride=1`` is `make_nsp_pairs`'
    anchor set. Sentences of a span are joined with a space.
    """
    _check_documents(documents)
    check_int("span", span, low=1)
    check_int("stride", span if stride is None else stride, low=1)
    check_int("seed", seed)
    stride = span if stride is None else stride
    anchors = [(d, i) for d, doc in enumerate(documents) for i in range(0, len(doc) - 2 * span + 1, stride)]
    if not anchors:
        raise ValueError(f"no document holds 2 * span = {2 * span} sentences: choose a smaller span")
    # Where a NotNext B may start: any run of `span` sentences, in a document other than A's.
    starts = [(d, i) for d, doc in enumerate(documents) for i in range(len(doc) - span + 1)]
    if len({d for d, _ in starts}) < 2:
        raise ValueError(f"documents must hold at least two documents of {span} or more sentences "
                         "(a NotNext B comes from another document)")
    rng = random.Random(seed)
    order = list(range(len(anchors)))
    rng.shuffle(order)
    negative = set(order[: len(anchors) // 2])  # exactly half NotNext (IsNext gets the odd one)
    pairs = []
    for k, (d, i) in enumerate(anchors):
        doc = documents[d]
        a = " ".join(doc[i : i + span])
        if k not in negative:
            pairs.append(NspPair(a, " ".join(doc[i + span : i + 2 * span]), True))
            continue
        while True:  # rejection keeps the draw uniform over the other documents' spans
            e, j = starts[rng.randrange(len(starts))]
            if e != d:
                break
        pairs.append(NspPair(a, " ".join(documents[e][j : j + span]), False))
    return pairs


def _check_documents(documents: object) -> None:
    if not isinstance(documents, list):
        raise TypeError(
            f"documents must be a list of documents (lists of sentence strings), "
            f"got {type(documents).__name__}"
        )
    for d, doc in enumerate(documents):
        if not isinstance(doc, list):
            raise TypeError(
                f"documents[{d}] must be a list of sentence strings, got {type(doc).__name__}"
            )
        for i, sentence in enumerate(doc):
            if isinstance(sentence, str) and not sentence.strip():
                raise ValueError(f"documents[{d}][{i}] is an empty sentence; drop empty strings first")
            if not isinstance(sentence, str):
                raise TypeError(
                    f"documents[{d}][{i}] must be a sentence str, got {type(sentence).__name__}"
                )
    if not documents:
        raise ValueError("documents must hold at least two documents, got an empty list")
    non_empty = sum(1 for doc in documents if doc)
    if non_empty < 2:
        raise ValueError(
            "documents must hold at least two non-empty documents (negatives come from "
            f"another document), got {non_empty}"
        )
    if all(len(doc) < 2 for doc in documents):
        raise ValueError(
            "documents must hold at least one document of two or more sentences "
            "(otherwise no sentence has a next sentence)"
        )


def _same_document_sentence(doc: list[str], i: int, rng: random.Random) -> str | None:
    """A random sentence of `doc` not adjacent to doc[i] (nor doc[i] itself), or None."""
    candidates = [j for j in range(len(doc)) if abs(j - i) > 1]
    return doc[rng.choice(candidates)] if candidates else None


def _other_document_sentence(
    documents: list[list[str]], starts: list[int], d: int, rng: random.Random
) -> str:
    """A sentence drawn uniformly from all sentences outside documents[d]."""
    # Draw a position in the flattened corpus with document d cut out, then step over it.
    k = rng.randrange(starts[-1] - len(documents[d]))
    if k >= starts[d]:
        k += len(documents[d])
    other = bisect.bisect_right(starts, k) - 1
    return documents[other][k - starts[other]]
