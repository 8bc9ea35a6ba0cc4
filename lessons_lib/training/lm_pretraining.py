"""Language-model pre-training data: the windows of the corpus, served batch by batch.

Shared by every left-to-right model (GPT, GPT-2, and each direction of ELMo); their loss and
perplexity are the next-token objective's (``objectives.next_token``). The corpus is cut
into fixed-length windows of token ids (``objectives.next_token.windows_from_ids``); a
``WindowStream`` serves them in a shuffled order fixed by the seed and the epoch, so the batch of
any step can be rebuilt on its own and a run can be resumed anywhere with the same result.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import Tensor

from lessons_lib.checks import check_ids_tensor, check_int


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
