"""Evaluation mode for a while: no dropout inside the block, the model's own mode back after it.

Scoring, generating and drawing pictures want the model without dropout, but the caller may be
in the middle of training it; ``evaluating(model)`` switches it to eval mode and puts back the
mode it was in, also when the block raises.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from torch import nn

from lessons_lib.checks import check_type


@contextmanager
def evaluating(model: nn.Module) -> Iterator[nn.Module]:
    """``with evaluating(model):`` runs the block with ``model`` in eval mode, then restores its mode."""
    check_type("model", model, nn.Module, "a torch.nn.Module")
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)
