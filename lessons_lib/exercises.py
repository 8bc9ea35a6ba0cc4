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
