"""Next-sentence prediction (NSP): BERT's second pre-training task.

BERT sees two sentences A and B and predicts whether B really follows A in the text
(``is_next=True``) or was drawn at random (``is_next=False``). This module

* builds the sentence pairs from documents (`make_nsp_pairs`), half of them true successors;
* truncates a pair to a length budget the way BERT's reference code does (`truncate_pair`);
* encodes a pair as ``[CLS] A [SEP] B [SEP]`` with segment ids (`encode_pair`);
* pads a batch of encoded pairs into tensors (`collate_pairs`).

With ``hard_negatives=True`` the random B comes from the *same* document as A (but not next
to it), so the model can no longer tell the pairs apart by topic alone and has to judge
coherence. Comparing the two variants is the "topic vs coherence" experiment. When A's
document holds no sentence that is not next to A (a document of two sentences, or the middle
sentence of three), the hard negative falls back to a sentence from another document; the
pair is not marked, so such a pair is an easy (topic) negative inside the hard variant.
"""

from __future__ import annotations

import bisect
import random
from typing import NamedTuple

import torch


class NspPair(NamedTuple):
    """One NSP example: sentence A, sentence B, and whether B is the sentence after A."""

    a: str
    b: str
    is_next: bool


class PairEncoding(NamedTuple):
    """A sentence pair as token ids ``[CLS] A [SEP] B [SEP]`` and their segment ids."""

    input_ids: list[int]
    token_type_ids: list[int]  # 0 for [CLS], A and the first [SEP]; 1 for B and the last [SEP]


def make_nsp_pairs(
    documents: list[list[str]], *, seed: int = 0, hard_negatives: bool = False
) -> list[NspPair]:
    """One NSP pair per sentence that has a successor, half of them with a random B."""
    _check_documents(documents)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    if not isinstance(hard_negatives, bool):
        raise TypeError(f"hard_negatives must be True or False, got {hard_negatives!r}")

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
    for name, value in (("span", span), ("stride", span if stride is None else stride)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"{name} must be an int >= 1, got {type(value).__name__}")
        if value < 1:
            raise ValueError(f"{name} must be an int >= 1, got {value}")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
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


def truncate_pair(tokens_a: list, tokens_b: list, max_tokens: int) -> tuple[list, list]:
    """Cut tokens off the end of the longer side (B on a tie) until both fit in `max_tokens`."""
    for name, tokens in (("tokens_a", tokens_a), ("tokens_b", tokens_b)):
        if not isinstance(tokens, (list, tuple)):
            raise TypeError(
                f"{name} must be a list or tuple of tokens, got {type(tokens).__name__}"
            )
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool):
        raise TypeError(f"max_tokens must be an int >= 2, got {type(max_tokens).__name__}")
    if max_tokens < 2:
        raise ValueError(f"max_tokens must be an int >= 2, got {max_tokens}")
    # Trimming the longer side keeps as much of the shorter sentence as possible: a short
    # sentence loses a larger share of its meaning per token than a long one.
    len_a, len_b = len(tokens_a), len(tokens_b)
    while len_a + len_b > max_tokens:
        if len_a > len_b:
            len_a -= 1
        else:
            len_b -= 1
    return list(tokens_a[:len_a]), list(tokens_b[:len_b])


def encode_pair(
    ids_a: list[int], ids_b: list[int], *, cls_id: int, sep_id: int, max_len: int | None = None
) -> PairEncoding:
    """``[CLS] A [SEP] B [SEP]`` with segment ids, truncated first to `max_len` if given."""
    _check_ids("ids_a", ids_a)
    _check_ids("ids_b", ids_b)
    _check_id("cls_id", cls_id)
    _check_id("sep_id", sep_id)
    if max_len is not None:
        if not isinstance(max_len, int) or isinstance(max_len, bool):
            raise TypeError(f"max_len must be None or an int >= 5, got {type(max_len).__name__}")
        if max_len < 5:
            raise ValueError(f"max_len must be None or an int >= 5, got {max_len}")
        # Three places are taken by [CLS] and the two [SEP]s.
        ids_a, ids_b = truncate_pair(ids_a, ids_b, max_len - 3)
    input_ids = [cls_id, *ids_a, sep_id, *ids_b, sep_id]
    token_type_ids = [0] * (len(ids_a) + 2) + [1] * (len(ids_b) + 1)
    return PairEncoding(input_ids, token_type_ids)


def collate_pairs(encodings: list[PairEncoding], *, pad_id: int) -> dict[str, torch.Tensor]:
    """Pad encoded pairs to the longest one: input_ids, token_type_ids, attention_mask (B, T)."""
    if not isinstance(encodings, (list, tuple)) or not encodings:
        raise ValueError("encodings must be a non-empty list of PairEncoding")
    for n, enc in enumerate(encodings):
        if not isinstance(enc, PairEncoding):
            raise TypeError(
                f"encodings must be a list of PairEncoding, item {n} is {type(enc).__name__}"
            )
        if len(enc.input_ids) != len(enc.token_type_ids):
            raise ValueError(
                f"encodings[{n}] has {len(enc.input_ids)} input_ids but "
                f"{len(enc.token_type_ids)} token_type_ids; they must be equally long"
            )
    _check_id("pad_id", pad_id)
    batch, width = len(encodings), max(len(enc.input_ids) for enc in encodings)
    input_ids = torch.full((batch, width), pad_id, dtype=torch.long)  # (B, T)
    # Padding gets segment 0 and mask 0; the mask alone keeps attention off the padding.
    token_type_ids = torch.zeros((batch, width), dtype=torch.long)  # (B, T)
    attention_mask = torch.zeros((batch, width), dtype=torch.long)  # (B, T)
    for row, enc in enumerate(encodings):
        length = len(enc.input_ids)
        input_ids[row, :length] = torch.tensor(enc.input_ids, dtype=torch.long)
        token_type_ids[row, :length] = torch.tensor(enc.token_type_ids, dtype=torch.long)
        attention_mask[row, :length] = 1
    return {
        "input_ids": input_ids,
        "token_type_ids": token_type_ids,
        "attention_mask": attention_mask,
    }


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


def _check_id(name: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be a token id (an int >= 0), got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must be a token id (an int >= 0), got {value}")


def _check_ids(name: str, ids: object) -> None:
    if not isinstance(ids, (list, tuple)):
        raise TypeError(f"{name} must be a list of token ids (ints >= 0), got {type(ids).__name__}")
    for n, value in enumerate(ids):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(
                f"{name} must be a list of token ids (ints >= 0), item {n} is {value!r}"
            )
        if value < 0:
            raise ValueError(f"{name} must be a list of token ids (ints >= 0), item {n} is {value}")


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
