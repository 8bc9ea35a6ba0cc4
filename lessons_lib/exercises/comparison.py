"""Checkers of notebook 07: ELMo, GPT and BERT compared; two of them check a prediction against the measurement."""

from __future__ import annotations

import random

from lessons_lib.checks import check_choice
from lessons_lib.exercises.core import code_exercise, exercise

_KINDS = ("ELMo forward", "ELMo backward", "ELMo both", "GPT", "BERT")


@exercise("compare-best-next-word", "the model whose perplexity on the next word (given only the words before) is "
          "lowest in the table you just printed: 'ELMo', 'GPT' or 'BERT'.")
def _best_next_word(scores: dict) -> str:
    return min(scores, key=lambda name: scores[name]["perplexity"])


@exercise("compare-bert-queries", "GPT and ELMo score every position of a window in one pass; BERT needs its own "
          "[CLS] context [MASK] [SEP] for each target, and the targets are positions first .. length - 1.")
def _bert_queries(windows: int, length: int, first: int = 1) -> int:
    return windows * (length - first)


@exercise("compare-moved-outputs", "count the (output i, input j) pairs where changing word j can move output i: "
          "j <= i reads left to right, j >= i right to left, every pair when both ways are read.")
def _moved_outputs(kind: str, length: int) -> int:
    check_choice("kind", kind, _KINDS)
    return length * length if kind in ("ELMo both", "BERT") else length * (length + 1) // 2


def _query_inputs() -> list[tuple]:
    rng = random.Random(7)
    return [([rng.randrange(5, 6000) for _ in range(n)], 2, 3, 4) for n in (1, 2, 5, 9)]


@code_exercise("compare-bert-query", "BERT's input for 'which word comes next?': [CLS], the context, [MASK] where the "
               "next word goes, then [SEP]; nothing else follows. Return a list of ids.", inputs=_query_inputs)
def _bert_query(context_ids: list[int], cls_id: int, sep_id: int, mask_id: int) -> list[int]:
    return [cls_id, *context_ids, mask_id, sep_id]


@exercise("compare-most-context-gain", "the model whose loss falls the most, in nats, between 1 and 63 tokens of "
          "context, in the curves you just measured: 'ELMo' or 'GPT'.")
def _most_context_gain(curves: dict) -> str:
    return max(curves, key=lambda name: curves[name][0] - curves[name][-1])
