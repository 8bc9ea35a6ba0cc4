"""Masked-LM corruption: BERT's 15 % selection and 80/10/10 replacement rule.

Of the positions that are not special tokens, each is *selected* with probability ``mask_prob``.
A selected position is then replaced by [MASK] (probability ``mask_frac``), by a random ordinary
token (``random_frac``), or left as it is (the rest). The model must predict the original token at
every selected position, and only there: ``labels`` is -100 (ignored by the loss) elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import Tensor

IGNORE_INDEX = -100  # the label torch's cross-entropy skips

# Outcome codes for pictures and widgets.
NOT_SELECTED, MASKED, RANDOM, UNCHANGED = 0, 1, 2, 3
OUTCOME_NAMES = {NOT_SELECTED: "not selected", MASKED: "[MASK]", RANDOM: "random", UNCHANGED: "unchanged"}


def _check_probability(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a probability in [0, 1], got {value!r}")
    return float(value)


def _check_inputs(input_ids: object, vocab_size: object, mask_id: object, special_ids: object) -> tuple[int, list[int]]:
    if not isinstance(input_ids, Tensor):
        raise TypeError(f"input_ids must be a torch.Tensor, got {type(input_ids).__name__}")
    if input_ids.dtype.is_floating_point or input_ids.dtype.is_complex or input_ids.dtype == torch.bool:
        raise TypeError(f"input_ids must be an integer tensor, got dtype {input_ids.dtype}")
    if input_ids.dim() != 2:
        raise ValueError(f"input_ids must have shape (batch, seq), got shape {tuple(input_ids.shape)}")
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, int) or vocab_size < 1:
        raise ValueError(f"vocab_size must be a positive int, got {vocab_size!r}")
    if input_ids.numel() and (input_ids.min() < 0 or input_ids.max() >= vocab_size):
        raise ValueError(f"input_ids must lie in [0, vocab_size={vocab_size}), got values up to {int(input_ids.max())}")
    if isinstance(mask_id, bool) or not isinstance(mask_id, int) or not 0 <= mask_id < vocab_size:
        raise ValueError(f"mask_id must be an int in [0, vocab_size={vocab_size}), got {mask_id!r}")
    if isinstance(special_ids, str | bytes) or not isinstance(special_ids, Iterable):
        raise TypeError(f"special_ids must be an iterable of ints, got {type(special_ids).__name__}")
    specials = sorted({int(i) for i in special_ids})
    if len(set(specials) | {mask_id}) >= vocab_size:
        raise ValueError("special_ids (with mask_id) cover the whole vocabulary: no token is left to draw at random")
    return vocab_size, specials


def mask_tokens(
    input_ids: Tensor,
    *,
    vocab_size: int,
    mask_id: int,
    special_ids: Iterable[int],
    mask_prob: float = 0.15,
    mask_frac: float = 0.8,
    random_frac: float = 0.1,
    generator: torch.Generator | None = None,
    return_outcomes: bool = False,
) -> tuple[Tensor, Tensor] | tuple[Tensor, Tensor, Tensor]:
    """Corrupt ``input_ids`` (B, T) for masked-LM training: returns ``(inputs, labels)`` [, outcomes].

    A random replacement is drawn uniformly from the ordinary tokens (not special, not [MASK]); it
    can by chance be the original token, as in BERT, and still counts as a random replacement.
    """
    _, specials = _check_inputs(input_ids, vocab_size, mask_id, special_ids)
    mask_prob = _check_probability("mask_prob", mask_prob)
    mask_frac = _check_probability("mask_frac", mask_frac)
    random_frac = _check_probability("random_frac", random_frac)
    if mask_frac + random_frac > 1.0 + 1e-9:
        raise ValueError(f"mask_frac + random_frac must be <= 1, got {mask_frac} + {random_frac}")
    device = input_ids.device
    ordinary = torch.isin(input_ids, torch.tensor(specials, dtype=input_ids.dtype, device=device), invert=True)

    # Step 1: choose positions. Step 2: one more uniform draw per position decides the outcome.
    selected = (torch.rand(input_ids.shape, generator=generator, device=device) < mask_prob) & ordinary
    draw = torch.rand(input_ids.shape, generator=generator, device=device)
    to_mask = selected & (draw < mask_frac)
    to_random = selected & (draw >= mask_frac) & (draw < mask_frac + random_frac)

    # Random tokens are drawn among the ordinary ids only, by indexing into that list.
    pool = torch.ones(vocab_size, dtype=torch.bool)
    pool[specials] = False
    pool[mask_id] = False
    pool_ids = pool.nonzero().squeeze(1).to(device)
    picks = pool_ids[torch.randint(len(pool_ids), input_ids.shape, generator=generator, device=device)]

    inputs = input_ids.clone()  # never modify the caller's tensor
    inputs[to_mask] = mask_id
    inputs[to_random] = picks[to_random].to(inputs.dtype)
    labels = torch.where(selected, input_ids, torch.full_like(input_ids, IGNORE_INDEX))
    if not return_outcomes:
        return inputs, labels
    outcomes = torch.full_like(input_ids, NOT_SELECTED)
    outcomes[selected] = UNCHANGED
    outcomes[to_mask] = MASKED
    outcomes[to_random] = RANDOM
    return inputs, labels, outcomes


def mask_outcomes(original: Tensor, inputs: Tensor, labels: Tensor, mask_id: int) -> Tensor:
    """Infer each position's outcome code from the tensors alone.

    A random replacement that happened to draw the original token cannot be told apart from an
    unchanged one; use ``mask_tokens(..., return_outcomes=True)`` when the exact codes matter.
    """
    if not (original.shape == inputs.shape == labels.shape):
        raise ValueError(
            f"original, inputs and labels must have one shape, got {tuple(original.shape)}, "
            f"{tuple(inputs.shape)}, {tuple(labels.shape)}"
        )
    selected = labels != IGNORE_INDEX
    outcomes = torch.full_like(original, NOT_SELECTED)
    outcomes[selected & (inputs == original)] = UNCHANGED
    outcomes[selected & (inputs != original)] = RANDOM
    outcomes[selected & (inputs == mask_id) & (original != mask_id)] = MASKED
    return outcomes


def masking_rates(outcomes: Tensor, original: Tensor, special_ids: Iterable[int]) -> dict[str, float]:
    """Measured rates: share of ordinary positions selected, and the [MASK]/random/unchanged split."""
    if outcomes.shape != original.shape:
        raise ValueError(f"outcomes shape {tuple(outcomes.shape)} must equal original shape {tuple(original.shape)}")
    ordinary = torch.isin(original, torch.tensor(sorted(set(special_ids)), dtype=original.dtype), invert=True)
    n_ordinary = int(ordinary.sum())
    n_selected = int((outcomes != NOT_SELECTED).sum())
    if n_ordinary == 0:
        raise ValueError("original holds no ordinary (non-special) token")
    share = {name: int((outcomes == code).sum()) / max(n_selected, 1) for code, name in
             ((MASKED, "mask"), (RANDOM, "random"), (UNCHANGED, "unchanged"))}
    return {"selected": n_selected / n_ordinary, **share, "ordinary_positions": n_ordinary}
