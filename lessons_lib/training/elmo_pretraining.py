"""ELMo's pre-training: two language models, one per direction, on the same windows of text.

The windows are WordPiece ids (``lm_pretraining.WindowStream``); ELMo reads each token through its
characters, so a table of every vocabulary token's character ids turns a batch of ids into the
model's input. The forward LM is scored with the next-token loss; the backward LM with the same
loss on the reversed window (its "next" token is the previous one). The training loss is the
mean of the two.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from lessons_lib.checks import check_ids_tensor, check_int, check_type
from lessons_lib.models.elmo import ElmoBiLM, ElmoOutput
from lessons_lib.objectives.next_token import next_token_loss


def direction_losses(output: ElmoOutput, ids: Tensor) -> tuple[Tensor, Tensor]:
    """(forward, backward) mean cross-entropy: position t predicts t + 1, resp. t - 1."""
    if output.forward_logits is None:
        raise ValueError("output has no logits: run the model with logits=True")
    forward = next_token_loss(output.forward_logits, ids)
    # Reversed, the backward LM is a left-to-right LM: its position t predicts token t + 1.
    backward = next_token_loss(output.backward_logits.flip(1), ids.flip(1))
    return forward, backward


def bilm_loss(model: ElmoBiLM, ids: Tensor, char_table: Tensor) -> tuple[Tensor, dict[str, float]]:
    """Mean of both directions' losses on a batch of windows (B, T), with each direction's value."""
    forward, backward = direction_losses(model(char_table[ids]), ids)
    return (forward + backward) / 2, {"forward": forward.item(), "backward": backward.item()}


@torch.no_grad()
def bilm_perplexities(model: ElmoBiLM, windows: Tensor, char_table: Tensor, *, batch_size: int = 64
                      ) -> dict[str, float]:
    """Held-out perplexity of each direction: exp of its mean cross-entropy over ``windows`` (N, T)."""
    check_type("model", model, ElmoBiLM)
    check_ids_tensor("windows", windows)
    check_int("batch_size", batch_size, low=1)
    if char_table.shape[0] != model.config.vocab_size:
        raise ValueError(f"char_table must have vocab_size={model.config.vocab_size} rows, got {char_table.shape[0]}")
    was_training = model.training
    model.eval()
    totals, count = [0.0, 0.0], 0
    for start in range(0, len(windows), batch_size):
        ids = windows[start : start + batch_size]
        n = ids.shape[0] * (ids.shape[1] - 1)  # tokens each direction predicts in this batch
        for k, loss in enumerate(direction_losses(model(char_table[ids]), ids)):
            totals[k] += float(loss) * n
        count += n
    model.train(was_training)
    return {"forward": math.exp(totals[0] / count), "backward": math.exp(totals[1] / count)}
