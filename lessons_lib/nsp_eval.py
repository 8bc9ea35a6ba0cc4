"""Scoring sentence pairs with BERT's next-sentence head: P(IsNext), confusion matrix, candidates.

`make_nsp_pairs` decides which B goes with which A; this module asks a pre-trained model what it
thinks of a pair. `is_next_probability` reads the NSP head on clean (unmasked) input, one
probability per pair; `confusion_matrix` counts right and wrong calls by true class; and
`candidate_next_sentences` lines up, for one sentence A, its true successor beside sentences
from the same document and from other documents, for the NSP widget and the error analysis.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import torch
from torch import Tensor

from lessons_lib.bert import BertForPreTraining
from lessons_lib.nsp import collate_pairs, encode_pair
from lessons_lib.pretraining import IS_NEXT
from lessons_lib.tokenizer import WordPieceTokenizer

CANDIDATE_KINDS = ("true next", "same document", "other document")


@torch.no_grad()
def is_next_probability(
    model: BertForPreTraining,
    tokenizer: WordPieceTokenizer,
    pairs: Sequence[Sequence],
    *,
    max_len: int = 64,
    batch_size: int = 128,
) -> Tensor:
    """P(IsNext) of each ``(A, B)`` pair (or `NspPair`) from the NSP head, shape (N,)."""
    if not isinstance(model, BertForPreTraining):
        raise TypeError(f"model must be a BertForPreTraining, got {type(model).__name__}")
    if not isinstance(tokenizer, WordPieceTokenizer):
        raise TypeError(f"tokenizer must be a WordPieceTokenizer, got {type(tokenizer).__name__}")
    _check_pairs(pairs)
    if isinstance(max_len, bool) or not isinstance(max_len, int) or not 5 <= max_len:
        raise ValueError(f"max_len must be an int >= 5, got {max_len!r}")
    if max_len > model.config.max_position_embeddings:
        raise ValueError(
            f"max_len must be at most the model's max_position_embeddings "
            f"({model.config.max_position_embeddings}), got {max_len}"
        )
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")

    cache: dict[str, list[int]] = {}  # a sentence appears in several pairs: tokenize it once

    def ids(sentence: str) -> list[int]:
        if sentence not in cache:
            cache[sentence] = tokenizer.encode(sentence)
        return cache[sentence]

    was_training = model.training
    model.eval()  # no dropout: the same pair always gets the same probability
    chunks = []
    for start in range(0, len(pairs), batch_size):
        encodings = [encode_pair(ids(p[0]), ids(p[1]), cls_id=tokenizer.cls_id,
                                 sep_id=tokenizer.sep_id, max_len=max_len)
                     for p in pairs[start : start + batch_size]]
        batch = collate_pairs(encodings, pad_id=tokenizer.pad_id)
        hidden = model.bert(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"])  # (B, T, H)
        # Only the NSP head: the MLM head would score 6,000 words at every position for nothing.
        logits = model.heads.nsp(model.bert.pool(hidden))  # (B, 2)
        chunks.append(logits.softmax(-1)[:, IS_NEXT])  # (B,)
    model.train(was_training)
    return torch.cat(chunks)


def confusion_matrix(is_next: Sequence[bool], p_is_next: Tensor, threshold: float = 0.5) -> Tensor:
    """2 x 2 counts: rows the truth (IsNext, NotNext), columns the call (IsNext, NotNext)."""
    if not isinstance(p_is_next, Tensor) or p_is_next.dim() != 1:
        raise TypeError("p_is_next must be a 1-D torch.Tensor of probabilities")
    if len(is_next) != len(p_is_next):
        raise ValueError(
            f"is_next has {len(is_next)} labels but p_is_next has {len(p_is_next)} probabilities; "
            "they must be equally long"
        )
    if not all(isinstance(label, bool) for label in is_next):
        raise TypeError("is_next must be a sequence of True/False labels")
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must lie strictly between 0 and 1, got {threshold}")
    truth = torch.tensor([0 if label else 1 for label in is_next], dtype=torch.long)  # 0 = IsNext
    called = (p_is_next < threshold).long()  # 0 = IsNext, 1 = NotNext
    matrix = torch.zeros(2, 2, dtype=torch.long)
    matrix.index_put_((truth, called), torch.ones_like(truth), accumulate=True)
    return matrix


def candidate_next_sentences(
    documents: Sequence[Sequence[str]],
    doc_index: int,
    sentence_index: int,
    *,
    n_other: int = 4,
    seed: int = 0,
) -> list[tuple[str, str]]:
    """Candidates for B after ``documents[doc_index][sentence_index]``, each ``(kind, sentence)``.

    First the true next sentence, then one sentence of the same document that is not next to A
    (when the document has one), then ``n_other`` sentences from other documents.
    """
    if not isinstance(documents, Sequence) or len(documents) < 2:
        raise ValueError("documents must be a list of at least two documents (lists of sentences)")
    if isinstance(doc_index, bool) or not isinstance(doc_index, int) or not 0 <= doc_index < len(documents):
        raise ValueError(f"doc_index must be an int in [0, {len(documents)}), got {doc_index!r}")
    doc = documents[doc_index]
    if isinstance(sentence_index, bool) or not isinstance(sentence_index, int) or not 0 <= sentence_index < len(doc) - 1:
        raise ValueError(
            f"sentence_index must be an int in [0, {len(doc) - 1}) (a sentence that has a next "
            f"sentence in document {doc_index}), got {sentence_index!r}"
        )
    if isinstance(n_other, bool) or not isinstance(n_other, int) or n_other < 0:
        raise ValueError(f"n_other must be an int >= 0, got {n_other!r}")
    others = [(d, j) for d, other in enumerate(documents) if d != doc_index for j in range(len(other))]
    if len(others) < n_other:
        raise ValueError(f"n_other must be at most {len(others)} (sentences in other documents), got {n_other}")

    rng = random.Random(f"{seed}:{doc_index}:{sentence_index}")  # same A and seed: same candidates
    candidates = [(CANDIDATE_KINDS[0], doc[sentence_index + 1])]
    far = [j for j in range(len(doc)) if abs(j - sentence_index) > 1]
    if far:
        candidates.append((CANDIDATE_KINDS[1], doc[rng.choice(far)]))
    candidates += [(CANDIDATE_KINDS[2], documents[d][j]) for d, j in rng.sample(others, n_other)]
    return candidates


def _check_pairs(pairs: object) -> None:
    if not isinstance(pairs, Sequence) or isinstance(pairs, str) or not pairs:
        raise ValueError("pairs must be a non-empty list of (A, B) sentence pairs or NspPairs")
    for n, pair in enumerate(pairs):
        if (not isinstance(pair, Sequence) or isinstance(pair, str) or len(pair) < 2
                or not isinstance(pair[0], str) or not isinstance(pair[1], str)):
            raise TypeError(f"pairs must hold (A, B) pairs of sentence strings, item {n} is {pair!r}")
