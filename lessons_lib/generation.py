"""Text generation from a left-to-right LM: greedy choice, temperature, top-k and top-p (nucleus) sampling.

Each step turns the scores of the last position into one next token: greedy takes the highest
score; sampling first divides the scores by the temperature (below 1 sharpens the distribution,
above 1 flattens it), then keeps the ``top_k`` best and/or the smallest most-likely set whose
probability reaches ``top_p``, and draws from what is left (``filter_scores`` is that chain).
``generate`` repeats the step, either through the model's ``KVCache`` (the prompt is read once,
then one token per call) or by re-reading the whole sequence at every step. Its arguments are
checked once, before the first token: nothing is checked per generated token.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from lessons_lib.checks import check_bool, check_ids_tensor, check_int, check_number, check_type
from lessons_lib.layers.attention import KVCache
from lessons_lib.layers.modes import evaluating


def _check_logits(logits: Tensor) -> Tensor:
    check_type("logits", logits, Tensor, "a torch.Tensor of scores (..., vocab)")
    if not logits.is_floating_point() or logits.dim() == 0 or logits.shape[-1] == 0:
        raise ValueError(f"logits must be a floating-point tensor (..., vocab), got {logits.dtype} "
                         f"of shape {tuple(logits.shape)}")
    return logits


def top_k_filter(logits: Tensor, k: int) -> Tensor:
    """Scores (..., vocab) with all but the ``k`` highest of each row set to -inf.

    Ties: every token whose score equals the k-th highest is kept, so a row with tied scores at
    the cut keeps more than ``k`` tokens (the choice between equals would otherwise be arbitrary).
    """
    return _top_k(_check_logits(logits), check_int("k", k, low=1))


def _top_k(logits: Tensor, k: int) -> Tensor:
    kth_best = logits.topk(min(k, logits.shape[-1]), dim=-1).values[..., -1:]  # (..., 1)
    return logits.masked_fill(logits < kth_best, float("-inf"))


def top_p_filter(logits: Tensor, p: float) -> Tensor:
    """Scores (..., vocab) keeping, per row, the smallest set of most likely tokens whose probability reaches ``p``.

    The most likely token is always kept; ``p=1`` keeps every token. Ties: a token whose score
    equals that of the least likely kept token is kept too (as in ``top_k_filter``).
    """
    return _top_p(_check_logits(logits), check_number("p", p, low=0.0, high=1.0, low_open=True))


def _top_p(logits: Tensor, p: float) -> Tensor:
    if p == 1.0:
        return logits.clone()
    ordered, _ = logits.sort(dim=-1, descending=True)  # (..., vocab), most likely first
    probs = ordered.double().softmax(dim=-1)  # float64: the cut should not move with rounding
    before = probs.cumsum(dim=-1) - probs  # mass of the more likely tokens
    keep = before < p  # still short of p before this token: it is needed; the first always is
    cut = ordered.masked_fill(~keep, float("inf")).amin(dim=-1, keepdim=True)  # least likely kept score
    return logits.masked_fill(logits < cut, float("-inf"))


def apply_temperature(logits: Tensor, temperature: float) -> Tensor:
    """Scores divided by ``temperature`` (> 0): below 1 sharpens the softmax, above 1 flattens it."""
    return _check_logits(logits) / check_number("temperature", temperature, low=0.0, low_open=True)


def greedy(logits: Tensor) -> Tensor:
    """The highest-scoring token of each row: (..., vocab) -> (...) (ties: the lowest id)."""
    return _check_logits(logits).argmax(dim=-1)


def filter_scores(logits: Tensor, *, temperature: float = 1.0, top_k: int | None = None,
                  top_p: float | None = None) -> Tensor:
    """The sampling chain on scores (..., vocab): divided by the temperature, then top-k, then top-p (-inf: excluded)."""
    _check_logits(logits)
    _check_sampling(True, temperature, top_k, top_p, None)
    return _filter(logits, temperature, top_k, top_p)


def _filter(logits: Tensor, temperature: float, top_k: int | None, top_p: float | None) -> Tensor:
    logits = logits / temperature
    if top_k is not None:
        logits = _top_k(logits, top_k)
    if top_p is not None:
        logits = _top_p(logits, top_p)
    return logits


def choose_next(logits: Tensor, *, do_sample: bool = False, temperature: float = 1.0, top_k: int | None = None,
                top_p: float | None = None, generator: torch.Generator | None = None) -> Tensor:
    """One next token per row of scores (B, vocab) -> (B,): greedy, or sampled after temperature, top-k, top-p."""
    _check_logits(logits)
    if logits.dim() != 2:
        raise ValueError(f"logits must have shape (batch, vocab), got {tuple(logits.shape)}")
    _check_sampling(do_sample, temperature, top_k, top_p, generator)
    _check_not_nan(logits)
    return _choose(logits, do_sample, temperature, top_k, top_p, generator)


def _choose(logits: Tensor, do_sample: bool, temperature: float, top_k: int | None, top_p: float | None,
            generator: torch.Generator | None) -> Tensor:
    """``choose_next`` without its checks: it runs once per generated token, after ``generate`` checked once."""
    if not do_sample:
        return logits.argmax(dim=-1)  # temperature, top-k and top-p never change the highest score
    probs = _filter(logits, temperature, top_k, top_p).softmax(dim=-1)
    return torch.multinomial(probs, 1, generator=generator).squeeze(-1)  # (B,)


def _check_not_nan(logits: Tensor) -> None:
    # NaN would pass silently: argmax picks it (token 0 of an all-NaN row), sampling fails deep in torch.
    broken = torch.isnan(logits).any(dim=-1)  # (B,)
    if bool(broken.any()):
        raise ValueError(f"logits row {int(broken.nonzero()[0])} holds NaN scores: the model's weights are spoiled "
                         "(e.g. by a training run that diverged); reload them")


def _check_sampling(do_sample, temperature, top_k, top_p, generator) -> None:
    check_bool("do_sample", do_sample)
    check_number("temperature", temperature, low=0.0, low_open=True)
    if top_k is not None:
        check_int("top_k", top_k, low=1)
    if top_p is not None:
        check_number("top_p", top_p, low=0.0, high=1.0, low_open=True)
    if generator is not None:
        check_type("generator", generator, torch.Generator, "a torch.Generator or None")


def generate(model: nn.Module, ids: Tensor, max_new_tokens: int, *, do_sample: bool = False,
             temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None,
             generator: torch.Generator | None = None, use_cache: bool = True,
             show_progress: bool = False) -> Tensor:
    """The prompt ``ids`` (B, T) followed by ``max_new_tokens`` new tokens: (B, T + max_new_tokens).

    Greedy unless ``do_sample``. Any decoder (``GPT``, ``GPT2``) answers through one method,
    ``next_token_scores(ids, cache=...)``; ``use_cache=False`` re-reads the whole sequence at every
    step instead of reading each new token once against the ``KVCache``. The prompt plus the new
    tokens must fit the model's context (``config.max_len``). The model runs in eval mode (no
    dropout) and is put back in the mode it was in.
    """
    check_type("model", model, nn.Module, "a decoder (GPT or GPT2)")
    if not callable(getattr(model, "next_token_scores", None)):
        raise TypeError(f"model must be a left-to-right decoder with next_token_scores(ids, cache=...), such as "
                        f"GPT or GPT2; got {type(model).__name__} (BERT and ELMo read in both directions and cannot "
                        "continue a text)")
    check_ids_tensor("ids", ids)
    if ids.dtype != torch.long:
        raise TypeError(f"ids must be a torch.long tensor of shape (batch, seq), got dtype {ids.dtype}")
    if ids.shape[1] == 0:
        raise ValueError(f"ids must hold a prompt of at least one token, got shape {tuple(ids.shape)}")
    max_new_tokens = check_int("max_new_tokens", max_new_tokens, low=0)
    _check_sampling(do_sample, temperature, top_k, top_p, generator)
    check_bool("use_cache", use_cache)
    check_bool("show_progress", show_progress)
    context = model.config.max_len
    if ids.shape[1] + max_new_tokens > context:
        raise ValueError(f"ids has {ids.shape[1]} tokens and max_new_tokens asks for {max_new_tokens} more: "
                         f"{ids.shape[1] + max_new_tokens} is over the model's context (max_len={context}); "
                         "shorten the prompt or ask for fewer tokens")
    if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= model.config.vocab_size):
        raise ValueError(f"ids must lie in [0, vocab_size={model.config.vocab_size})")
    from tqdm.auto import tqdm  # here, not at the top: importing the module stays light

    length = ids.shape[1]
    sequence = torch.empty(len(ids), length + max_new_tokens, dtype=torch.long)  # filled one column a step
    sequence[:, :length] = ids
    cache = KVCache() if use_cache else None
    with evaluating(model), torch.inference_mode():
        for end in tqdm(range(length, length + max_new_tokens), desc="generating", disable=not show_progress):
            # With the cache, each step after the first reads only the newest token.
            new_input = sequence[:, end - 1 : end] if use_cache and end > length else sequence[:, :end]
            scores = model.next_token_scores(new_input, cache=cache)  # (B, vocab)
            if end == length:  # checked once, on the prompt's scores
                _check_not_nan(scores)
            sequence[:, end] = _choose(scores, do_sample, temperature, top_k, top_p, generator)
    return sequence
