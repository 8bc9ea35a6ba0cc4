"""Language-model pre-training data and loss: windows of the corpus, next-token cross-entropy, perplexity.

Shared by every left-to-right model (GPT, GPT-2, and each direction of ELMo). The corpus is cut
into fixed-length windows of token ids (``objectives.next_token.windows_from_ids``); a
``WindowStream`` serves them in a shuffled order fixed by the seed and the epoch, so the batch of
any step can be rebuilt on its own and a run can be resumed anywhere with the same result.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import torch
import torch.nn.functional as F
from torch import Tensor

from lessons_lib.checks import check_ids_tensor, check_int
from lessons_lib.objectives.masking import IGNORE_INDEX


class WindowStream:
    """Endless, deterministic stream of (batch_size, T) windows; ``batches(start_step)`` resumes anywhere."""

    def __init__(self, windows: Tensor, *, batch_size: int = 32, seed: int = 0):
        self.windows = check_ids_tensor("windows", windows)
        self.batch_size = check_int("batch_size", batch_size, low=1, high=len(windows))
        self.seed = check_int("seed", seed, low=0)
        self.steps_per_epoch = len(windows) // batch_size

    def batch(self, step: int) -> Tensor:
        """The windows of training step ``step``: each epoch visits every window once, in a new order."""
        epoch, index = divmod(check_int("step", step, low=0), self.steps_per_epoch)
        order = torch.randperm(len(self.windows), generator=torch.Generator().manual_seed(self.seed * 100_003 + epoch))
        return self.windows[order[index * self.batch_size : (index + 1) * self.batch_size]]  # (B, T)

    def batches(self, start_step: int = 0) -> Iterator[Tensor]:
        """Batches from ``start_step`` on, forever."""
        step = start_step
        while True:
            yield self.batch(step)
            step += 1


def next_token_loss(logits: Tensor, ids: Tensor) -> Tensor:
    """Mean cross-entropy of predicting token t + 1 from the scores at position t: logits (B, T, V), ids (B, T)."""
    if logits.dim() != 3 or logits.shape[:2] != ids.shape:
        raise ValueError(f"logits must be (batch, seq, vocab) matching ids {tuple(ids.shape)}, "
                         f"got {tuple(logits.shape)}")
    # The targets move one place left; the last position has no next token, so its target is
    # IGNORE_INDEX and it gets no loss. (Slicing off the last position's scores instead would copy
    # all (B, T, vocab) of them, forward and backward: about 10 % of a small model's step.)
    targets = F.pad(ids[:, 1:], (0, 1), value=IGNORE_INDEX)  # (B, T): token t + 1 at position t
    return F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=IGNORE_INDEX)


@torch.no_grad()
def heldout_perplexity(logits_fn: Callable[[Tensor], Tensor], windows: Tensor, *, batch_size: int = 64) -> float:
    """exp(mean next-token cross-entropy) of ``logits_fn`` (ids (B, T) -> logits (B, T, V)) over ``windows``."""
    check_ids_tensor("windows", windows)
    check_int("batch_size", batch_size, low=1)
    total, count = 0.0, 0
    for start in range(0, len(windows), batch_size):
        ids = windows[start : start + batch_size]
        n = ids.shape[0] * (ids.shape[1] - 1)  # predicted tokens in this batch
        total += float(next_token_loss(logits_fn(ids), ids)) * n
        count += n
    return math.exp(total / count)


def unigram_perplexity(train_windows: Tensor, heldout_windows: Tensor, vocab_size: int) -> float:
    """Perplexity on held-out tokens of guessing every token by its training frequency (no context at all).

    Add-one smoothing gives a token never seen in training a small probability instead of zero.
    """
    check_int("vocab_size", vocab_size, low=1)
    counts = torch.bincount(train_windows.flatten(), minlength=vocab_size).double() + 1.0
    log_p = (counts / counts.sum()).log()
    targets = heldout_windows[:, 1:].flatten()  # the tokens a next-token model is scored on
    return math.exp(float(-log_p[targets].mean()))
