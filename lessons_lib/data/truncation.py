"""Fitting a long text into BERT's 512 positions: keep the head, the tail, or both.

BERT reads at most 512 tokens, two of which are [CLS] and [SEP], so a single text keeps at most
510. Three ways to cut a longer one:

* ``"head"``: the first 510 tokens;
* ``"tail"``: the last 510 tokens;
* ``"head+tail"``: the first 128 and the last 382 tokens when the text has at most 800 tokens,
  the first 256 and the last 254 when it has more.

For another ``max_tokens`` the head+tail split keeps the same proportions (128/510, 256/510, and a
threshold of 800/510 of ``max_tokens``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from lessons_lib.checks import check_choice, check_int

T = TypeVar("T")
STRATEGIES = ("head", "tail", "head+tail")
BERT_MAX_TOKENS = 510  # 512 positions less [CLS] and [SEP]


def _check(strategy: object, max_tokens: object) -> None:
    check_choice("strategy", strategy, STRATEGIES)
    check_int("max_tokens", max_tokens, low=2)


def head_tail_split(n_tokens: int, max_tokens: int = BERT_MAX_TOKENS) -> tuple[int, int]:
    """How many tokens head+tail keeps from the start and from the end of a text of ``n_tokens``."""
    _check("head+tail", max_tokens)
    n_tokens, max_tokens = check_int("n_tokens", n_tokens, low=0), int(max_tokens)  # NumPy ints too
    long_text = n_tokens > round(max_tokens * 800 / BERT_MAX_TOKENS)
    head = round(max_tokens * (256 if long_text else 128) / BERT_MAX_TOKENS)
    return head, max_tokens - head


def kept_mask(n_tokens: int, strategy: str, max_tokens: int = BERT_MAX_TOKENS) -> list[bool]:
    """For each of ``n_tokens`` positions, whether ``strategy`` keeps it."""
    _check(strategy, max_tokens)
    n_tokens, max_tokens = check_int("n_tokens", n_tokens, low=0), int(max_tokens)  # NumPy ints too
    if n_tokens <= max_tokens:
        return [True] * n_tokens
    if strategy == "head":
        head, tail = max_tokens, 0
    elif strategy == "tail":
        head, tail = 0, max_tokens
    else:
        head, tail = head_tail_split(n_tokens, max_tokens)
    return [i < head or i >= n_tokens - tail for i in range(n_tokens)]


def truncate(tokens: Sequence[T], strategy: str, max_tokens: int = BERT_MAX_TOKENS) -> list[T]:
    """Cut ``tokens`` to at most ``max_tokens`` by ``strategy``; a text that fits comes back whole (a copy)."""
    if isinstance(tokens, str) or not isinstance(tokens, Sequence):
        raise TypeError(f"tokens must be a list of tokens, got {type(tokens).__name__}")
    keep = kept_mask(len(tokens), strategy, max_tokens)
    return [t for t, k in zip(tokens, keep, strict=True) if k]
