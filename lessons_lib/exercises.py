"""Check-yourself exercises: each checker works the answer out itself and compares.

A notebook cell sets ``answer = ...`` and calls ``check("name", answer)``. An unanswered exercise
(``answer = None``) prints a hint instead of failing, so a notebook still runs top to bottom.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_CHECKERS: dict[str, tuple[str, Callable[..., Any]]] = {}


def exercise(name: str, hint: str) -> Callable:
    """Register ``func`` (which returns the right answer) as the checker of exercise ``name``."""
    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        _CHECKERS[name] = (hint, func)
        return func
    return register


def check(name: str, answer: Any, **context: Any) -> bool:
    """Compare a student's ``answer`` with the one the checker computes; print the verdict."""
    if name not in _CHECKERS:
        raise ValueError(f"name must be one of {sorted(_CHECKERS)}, got {name!r}")
    hint, solve = _CHECKERS[name]
    if answer is None:
        print(f"[{name}] not answered yet. Hint: {hint}")
        return False
    expected = solve(**context)
    if answer == expected:
        print(f"[{name}] correct: {answer!r}")
        return True
    print(f"[{name}] not quite: you said {answer!r}. Hint: {hint}")
    return False


def solution(name: str, **context: Any) -> Any:
    """The checker's own answer (for instructors and tests)."""
    if name not in _CHECKERS:
        raise ValueError(f"name must be one of {sorted(_CHECKERS)}, got {name!r}")
    return _CHECKERS[name][1](**context)


@exercise("wordpiece-pieces", "run tokenizer.tokenize(word) in your head: longest prefix in the "
          "vocabulary first, then the longest '##' piece of what is left, and so on.")
def _wordpiece_pieces(tokenizer, word: str) -> list[str]:
    return tokenizer.tokenize(word)


@exercise("chinese-token-count", "BERT's basic tokenizer puts a space around every CJK character "
          "before WordPiece runs, so each character is looked up on its own.")
def _chinese_token_count(tokenizer, text: str) -> int:
    return len(tokenizer.tokenize(text))


@exercise("held-out-documents", "the split is by document: count the documents of the valid and "
          "test splits together.")
def _held_out_documents(corpus) -> int:
    return len(corpus.valid) + len(corpus.test)


@exercise("head-tail-split", "a text of more than 800 tokens keeps 256 from the start; at most 800, it keeps 128.")
def _head_tail_split(n_tokens: int) -> int:
    from lessons_lib.truncation import head_tail_split

    return head_tail_split(n_tokens)[0]


@exercise("embedding-parameters", "three tables (token, segment, position), each rows x hidden_size, plus "
          "the LayerNorm's weight and bias.")
def _embedding_parameters(config) -> int:
    from lessons_lib.bert import BertEmbeddings
    from lessons_lib.training import count_parameters

    return count_parameters(BertEmbeddings(config))


@exercise("nsp-pair-counts", "every sentence that has a next sentence in its own document is one A; "
          "half of the pairs, rounded down, get a random B. Answer (pairs, NotNext pairs).")
def _nsp_pair_counts(documents) -> tuple[int, int]:
    from lessons_lib.nsp import make_nsp_pairs

    pairs = make_nsp_pairs(documents)
    return len(pairs), sum(not p.is_next for p in pairs)


@exercise("nsp-segment-ids", "[CLS], A's tokens and the first [SEP] are segment 0; B's tokens and the "
          "final [SEP] are segment 1. Answer a list of 0s and 1s.")
def _nsp_segment_ids(n_a: int, n_b: int) -> list[int]:
    from lessons_lib.nsp import encode_pair

    return encode_pair([5] * n_a, [6] * n_b, cls_id=1, sep_id=2).token_type_ids


@exercise("nsp-truncated-lengths", "three places go to [CLS] and the two [SEP]s; then one token at a "
          "time comes off whichever side is longer (B on a tie). Answer (tokens of A, tokens of B).")
def _nsp_truncated_lengths(n_a: int, n_b: int, max_len: int) -> tuple[int, int]:
    from lessons_lib.nsp import truncate_pair

    a, b = truncate_pair(list(range(n_a)), list(range(n_b)), max_len - 3)
    return len(a), len(b)


@exercise("topic-only-accuracy", "a judge of topic alone says IsNext to every B from A's own document "
          "and NotNext to every B from another one. Count the pairs it gets right; answer the share, "
          "rounded to 2 decimals.")
def _topic_only_accuracy(documents, seed: int = 0) -> float:
    from lessons_lib.nsp import make_nsp_pairs

    # make_nsp_pairs keeps the anchors in corpus order, so pair k has A = documents[d][i].
    anchors = [d for d, doc in enumerate(documents) for _ in range(len(doc) - 1)]
    pairs = make_nsp_pairs(documents, seed=seed, hard_negatives=True)
    right = sum(p.is_next == (p.b in documents[d]) for p, d in zip(pairs, anchors, strict=True))
    return round(right / len(pairs), 2)


@exercise("mlm-expected-split", "first keep mask_prob of the tokens; split what you kept into mask_frac, "
          "random_frac and the rest; round each count to a whole token.")
def _mlm_expected_split(n_tokens: int, mask_prob: float = 0.15, mask_frac: float = 0.8,
                        random_frac: float = 0.1) -> tuple[int, int, int]:
    selected = n_tokens * mask_prob
    return (round(selected * mask_frac), round(selected * random_frac),
            round(selected * (1 - mask_frac - random_frac)))


@exercise("loss-positions", "a left-to-right LM predicts the next token at every position but the last; "
          "a masked LM only at the selected ones (mask_prob of them, on average).")
def _loss_positions(batch_size: int, window: int, mask_prob: float = 0.15) -> tuple[int, int]:
    return batch_size * (window - 1), round(mask_prob * batch_size * window)
