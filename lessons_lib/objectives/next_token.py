"""The next-token objective: position t predicts token t + 1 (left-to-right LMs; ELMo, GPT, GPT-2).

Text is cut into fixed-length windows of token ids; `lm_batch` turns a batch of windows into
inputs and targets, the last position of each window getting no target. `next_token_loss` is the
objective's cross-entropy, `heldout_perplexity` its exponential on unseen windows, against
`unigram_perplexity`, the baseline with no context at all. `linear_cross_entropy` scores the
vocabulary and takes the loss in one pass, a block of positions at a time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

from lessons_lib.checks import check_ids_tensor, check_int, check_type
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
    _check_tokenizer(tokenizer)
    return windows_from_ids([[i for sentence in d for i in tokenizer.encode(sentence)] for d in documents], window)


def _check_tokenizer(tokenizer) -> None:
    if not (callable(getattr(tokenizer, "encode", None)) and hasattr(tokenizer, "vocab_size")):
        raise TypeError(f"tokenizer must be a tokenizer with an encode(text) method, got {type(tokenizer).__name__}")


def document_windows(documents: Sequence[list[str]], tokenizer, window: int) -> Tensor:
    """Each document encoded as one text (sentences joined by spaces) and cut into (N, window) ids.

    For a byte-level BPE, whose tokens carry their leading space: encoding sentence by sentence
    would drop the spaces between them.
    """
    _check_tokenizer(tokenizer)
    return windows_from_ids([tokenizer.encode(" ".join(sentences)) for sentences in documents], window)


def windows_from_ids(documents: Sequence[Sequence[int]], window: int) -> Tensor:
    """Already-encoded documents (one id list each) cut into non-overlapping windows: (N, window) ids.

    A window never spans two documents; each document's last, shorter piece is dropped.
    """
    if isinstance(window, bool) or not isinstance(window, int) or window < 2:
        raise ValueError(f"window must be an int >= 2, got {window!r}")
    if isinstance(documents, str) or not isinstance(documents, Sequence):
        raise TypeError(f"documents must be a list of token-id lists, got {type(documents).__name__}")
    rows = [list(ids[i : i + window]) for ids in documents for i in range(0, len(ids) - window + 1, window)]
    if not rows:
        raise ValueError(f"documents hold no window of {window} tokens")
    windows = torch.tensor(rows)
    # Checked once on the whole tensor: a -1 would pass as a token here and fail deep inside a model.
    if windows.dtype != torch.long or int(windows.min()) < 0:
        raise ValueError(f"documents must hold token ids (ints >= 0), got {windows.dtype} values from "
                         f"{windows.min().item()} to {windows.max().item()}")
    return windows


def unigram_entropy(windows: Tensor, vocab_size: int) -> float:
    """Cross-entropy (nats) of always predicting each token's frequency in ``windows``: a context-free baseline."""
    check_int("vocab_size", vocab_size, low=1)
    counts = torch.bincount(windows.flatten(), minlength=vocab_size).double()
    p = counts[counts > 0] / counts.sum()
    return float(-(p * p.log()).sum())


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


class _LinearCrossEntropy(torch.autograd.Function):
    """Mean cross-entropy of ``hidden @ weight.T`` against ``targets``, and its gradients, a block of rows at a time."""

    @staticmethod
    def forward(ctx, hidden: Tensor, weight: Tensor, targets: Tensor, chunk: int, want_grads: bool) -> Tensor:
        n = len(hidden)
        grad_hidden = torch.empty_like(hidden) if want_grads else None
        grad_weight = torch.zeros_like(weight) if want_grads else None
        total = hidden.new_zeros(())
        for start in range(0, n, chunk):
            h, t = hidden[start : start + chunk], targets[start : start + chunk]  # (C, H), (C,)
            logits = h @ weight.T  # (C, V): only this block's scores exist at any time
            logsumexp = logits.logsumexp(dim=-1)  # (C,)
            total += (logsumexp - logits.gather(1, t[:, None])[:, 0]).sum()
            if want_grads:
                # d loss / d logits = softmax - one-hot (per row; divided by n below), in place
                grad_logits = logits.sub_(logsumexp[:, None]).exp_()
                grad_logits[torch.arange(len(t)), t] -= 1
                grad_hidden[start : start + chunk] = grad_logits @ weight  # (C, H)
                # (V, H), summed over the blocks; addmm with out= rather than addmm_, which
                # torch.utils.flop_counter would not count
                torch.addmm(grad_weight, grad_logits.T, h, out=grad_weight)
        if want_grads:
            ctx.save_for_backward(grad_hidden / n, grad_weight / n)
        return total / n

    @staticmethod
    def backward(ctx, grad_loss: Tensor):
        grad_hidden, grad_weight = ctx.saved_tensors
        return grad_hidden * grad_loss, grad_weight * grad_loss, None, None, None


def linear_cross_entropy(hidden: Tensor, weight: Tensor, targets: Tensor, *, chunk: int = 256) -> Tensor:
    """``F.cross_entropy(hidden @ weight.T, targets)`` without ever holding all the scores.

    hidden (N, H), weight (V, H) (the output layer, e.g. a tied token table), targets (N,). The
    scores of ``chunk`` rows at a time are computed, turned into the loss, and at once into its
    gradient with respect to the scores (softmax minus one-hot), which is multiplied back into
    the gradients of ``hidden`` and ``weight``. The arithmetic is that of the plain version, but the
    (N, V) scores and their gradient, 125 MB for 1,024 positions of a 30,522-word vocabulary, are
    never written out and read back. The gradients are computed in the forward pass, so the result
    is meant to be the loss that ``backward()`` starts from.
    """
    check_type("hidden", hidden, Tensor)
    check_type("weight", weight, Tensor)
    check_type("targets", targets, Tensor)
    if hidden.dim() != 2 or weight.dim() != 2 or hidden.shape[1] != weight.shape[1]:
        raise ValueError(f"hidden (N, H) and weight (V, H) must share H, got {tuple(hidden.shape)} and "
                         f"{tuple(weight.shape)}")
    if targets.shape != hidden.shape[:1] or targets.dtype != torch.long or not len(targets):
        raise ValueError(f"targets must be N = {len(hidden)} >= 1 token ids (torch.long), got {tuple(targets.shape)}")
    if int(targets.min()) < 0 or int(targets.max()) >= len(weight):
        raise ValueError(f"targets must lie in [0, {len(weight)}), the rows of weight")
    check_int("chunk", chunk, low=1)
    # Under torch.no_grad() (evaluation), or when neither input needs a gradient: the loss alone.
    want_grads = torch.is_grad_enabled() and (hidden.requires_grad or weight.requires_grad)
    return _LinearCrossEntropy.apply(hidden, weight, targets, chunk, want_grads)

