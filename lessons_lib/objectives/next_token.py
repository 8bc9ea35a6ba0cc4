"""The next-token objective: position t predicts token t + 1 (left-to-right LMs; ELMo, GPT, GPT-2).

Text is cut into fixed-length windows of token ids; `lm_batch` turns a batch of windows into
inputs and targets, the last position of each window getting no target.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from lessons_lib.checks import check_int
from lessons_lib.objectives.masking import IGNORE_INDEX


def lm_batch(ids: Tensor) -> tuple[Tensor, Tensor]:
    """Left-to-right LM targets: position t predicts token t + 1; the last position gets no loss."""
    if not isinstance(ids, Tensor) or ids.dim() != 2:
        raise ValueError(f"ids must be a (batch, seq) tensor of token ids, got {getattr(ids, 'shape', type(ids))}")
    labels = torch.full_like(ids, IGNORE_INDEX)
    labels[:, :-1] = ids[:, 1:]
    return ids, labels


def make_windows(documents: Sequence[list[str]], tokenizer, window: int) -> Tensor:
    """Each document's tokens, run together and cut into non-overlapping windows: (N, window) ids."""
    if not (callable(getattr(tokenizer, "encode", None)) and hasattr(tokenizer, "vocab_size")):
        raise TypeError(f"tokenizer must be a tokenizer with an encode(text) method, got {type(tokenizer).__name__}")
    return windows_from_ids([[i for sentence in d for i in tokenizer.encode(sentence)] for d in documents], window)


def windows_from_ids(documents: Sequence[Sequence[int]], window: int) -> Tensor:
    """Already-encoded documents (one id list each) cut into non-overlapping windows: (N, window) ids.

    A window never spans two documents; each document's last, shorter piece is dropped.
    """
    if isinstance(window, bool) or not isinstance(window, int) or window < 2:
        raise ValueError(f"window must be an int >= 2, got {window!r}")
    rows = [list(ids[i : i + window]) for ids in documents for i in range(0, len(ids) - window + 1, window)]
    if not rows:
        raise ValueError(f"documents hold no window of {window} tokens")
    return torch.tensor(rows)


def unigram_entropy(windows: Tensor, vocab_size: int) -> float:
    """Cross-entropy (nats) of always predicting each token's frequency in ``windows``: a context-free baseline."""
    check_int("vocab_size", vocab_size, low=1)
    counts = torch.bincount(windows.flatten(), minlength=vocab_size).double()
    p = counts[counts > 0] / counts.sum()
    return float(-(p * p.log()).sum())
