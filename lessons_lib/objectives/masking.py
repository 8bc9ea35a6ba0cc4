"""Masked-LM corruption: BERT's 15 % selection and 80/10/10 replacement rule.

Of the positions that do not hold a special token ([PAD], [CLS], [SEP], ...), each is *selected*
independently with probability ``mask_prob``. A selected position is then replaced by [MASK]
(probability ``mask_frac``), by a random ordinary token (``random_frac``), or left as it is (the
rest). The model must predict the original token at every selected position, and only there:
``labels`` holds the original id at selected positions and -100 (skipped by the loss) elsewhere.

Outcome codes, for pictures and widgets: 0 not selected, 1 [MASK], 2 random, 3 unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypedDict

import torch
from torch import Tensor

from lessons_lib.checks import (
    check_bool,
    check_ids_in_range,
    check_ids_tensor,
    check_int,
    check_probability,
    check_type,
)

IGNORE_INDEX = -100  # the label torch's cross-entropy skips

# Outcome codes, one per position.
NOT_SELECTED, MASKED, RANDOM, UNCHANGED = 0, 1, 2, 3
OUTCOME_NAMES = {NOT_SELECTED: "not selected", MASKED: "[MASK]", RANDOM: "random", UNCHANGED: "unchanged"}



@dataclass
class MaskingRule:
    """How masked-LM corrupts the input (BERT: 15 % selected; 80 % [MASK], 10 % random, 10 % kept)."""

    mask_prob: float = 0.15  # share of ordinary tokens selected for prediction
    mask_frac: float = 0.8  # of the selected: replaced by [MASK]
    random_frac: float = 0.1  # of the selected: replaced by a random token (the rest stay unchanged)

    def __post_init__(self):
        for name in ("mask_prob", "mask_frac", "random_frac"):
            check_probability(name, getattr(self, name))
        if self.mask_frac + self.random_frac > 1.0 + 1e-12:
            raise ValueError(f"mask_frac + random_frac must be <= 1, got {self.mask_frac} + {self.random_frac}")

    @property
    def name(self) -> str:
        """'80/10/10'-style name of the [MASK] / random / unchanged split, in percent."""
        unchanged = 1.0 - self.mask_frac - self.random_frac
        return "/".join(str(round(100 * x)) for x in (self.mask_frac, self.random_frac, unchanged))


class MaskingStats(TypedDict):
    """What ``masking_rates`` measures; the three shares sum to 1 when anything is selected."""

    selected: float  # selected positions / ordinary (non-special) positions, ~ mask_prob
    mask: float  # share of selected positions turned into [MASK], ~ mask_frac
    random: float  # share replaced by a random ordinary token, ~ random_frac
    unchanged: float  # share left as they were, ~ 1 - mask_frac - random_frac
    ordinary_positions: int  # how many positions could have been selected
    selected_positions: int  # how many were


def _check_special_ids(special_ids: object, vocab_size: int | None = None) -> list[int]:
    if isinstance(special_ids, str | bytes | Tensor) or not isinstance(special_ids, Iterable):
        raise TypeError(f"special_ids must be an iterable of ints (a set or list), got {type(special_ids).__name__}")
    specials = sorted({check_int("special_ids element", i) for i in special_ids})
    if vocab_size is not None and specials and (specials[0] < 0 or specials[-1] >= vocab_size):
        raise ValueError(f"special_ids must lie in [0, vocab_size={vocab_size}), got {specials}")
    return specials


def _ordinary(ids: Tensor, specials: list[int]) -> Tensor:
    """True where ``ids`` (B, T) holds a token that may be selected."""
    return torch.isin(ids, torch.tensor(specials, dtype=ids.dtype, device=ids.device), invert=True)


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
    """Corrupt ``input_ids`` (B, T) for masked-LM training: ``(inputs, labels)``, plus outcome codes on request.

    Random replacements are drawn uniformly from the ordinary ids: ``range(vocab_size)`` minus
    ``special_ids`` and ``mask_id``. As in BERT, such a draw can by chance equal the original id;
    it is still a random replacement (code 2 in the outcomes), though the tensors cannot show it.
    ``generator=None`` draws from torch's global random state.
    """
    input_ids = check_ids_tensor("input_ids", input_ids, signed=True)
    vocab_size = check_int("vocab_size", vocab_size, low=1)
    check_ids_in_range("input_ids", input_ids, vocab_size)
    mask_id = check_int("mask_id", mask_id)
    if not 0 <= mask_id < vocab_size:
        raise ValueError(f"mask_id must lie in [0, vocab_size={vocab_size}), got {mask_id}")
    specials = _check_special_ids(special_ids, vocab_size)
    mask_prob = check_probability("mask_prob", mask_prob)
    mask_frac = check_probability("mask_frac", mask_frac)
    random_frac = check_probability("random_frac", random_frac)
    if mask_frac + random_frac > 1.0 + 1e-12:  # the slack absorbs rounding, e.g. 0.7 + 0.3
        raise ValueError(f"mask_frac + random_frac must be <= 1, got {mask_frac} + {random_frac}")
    if generator is not None:
        check_type("generator", generator, torch.Generator, "a torch.Generator or None")
    check_bool("return_outcomes", return_outcomes)

    # The ids a random replacement may take: neither special nor [MASK].
    device = input_ids.device
    pool = torch.ones(vocab_size, dtype=torch.bool, device=device)  # (V,)
    pool[specials] = False
    pool[mask_id] = False
    pool_ids = pool.nonzero().squeeze(1)  # (P,)
    if len(pool_ids) == 0:
        raise ValueError(
            f"special_ids and mask_id cover all {vocab_size} ids of the vocabulary: "
            "no ordinary token is left to draw as a random replacement"
        )

    # Three draws of the full shape, always in this order, whatever the data: the same generator
    # state gives the same corruption, and a later batch's masks do not depend on this one's content.
    shape = input_ids.shape  # (B, T)
    selected = (torch.rand(shape, generator=generator, device=device) < mask_prob) & _ordinary(input_ids, specials)
    draw = torch.rand(shape, generator=generator, device=device)  # one uniform decides the outcome
    picks = pool_ids[torch.randint(len(pool_ids), shape, generator=generator, device=device)]  # (B, T)
    to_mask = selected & (draw < mask_frac)
    to_random = selected & (draw >= mask_frac) & (draw < mask_frac + random_frac)

    inputs = input_ids.clone()  # never modify the caller's tensor
    inputs[to_mask] = mask_id
    inputs[to_random] = picks[to_random].to(inputs.dtype)
    labels = torch.where(selected, input_ids, torch.full_like(input_ids, IGNORE_INDEX))
    if not return_outcomes:
        return inputs, labels
    outcomes = torch.full(shape, NOT_SELECTED, dtype=torch.long, device=device)
    outcomes[selected] = UNCHANGED
    outcomes[to_mask] = MASKED
    outcomes[to_random] = RANDOM
    return inputs, labels, outcomes


def _check_triplet(original: object, inputs: object, labels: object) -> tuple[Tensor, Tensor, Tensor]:
    """Validate (original, inputs, labels) as one ``mask_tokens`` call's input and output."""
    original = check_ids_tensor("original", original, signed=True)
    inputs = check_ids_tensor("inputs", inputs, signed=True)
    labels = check_ids_tensor("labels", labels, signed=True)
    if not original.shape == inputs.shape == labels.shape:
        raise ValueError(
            f"original, inputs and labels must have the same shape, got {tuple(original.shape)}, "
            f"{tuple(inputs.shape)} and {tuple(labels.shape)}"
        )
    selected = labels != IGNORE_INDEX
    # Both checks catch arguments passed in the wrong order.
    if not torch.equal(labels[selected], original[selected]):
        raise ValueError(f"labels must hold the original id at selected positions and {IGNORE_INDEX} elsewhere")
    if not torch.equal(inputs[~selected], original[~selected]):
        raise ValueError(f"inputs must equal original wherever labels is {IGNORE_INDEX} (not selected)")
    return original, inputs, labels


def mask_outcomes(original: Tensor, inputs: Tensor, labels: Tensor, mask_id: int) -> Tensor:
    """Infer each position's outcome code (0 not selected, 1 [MASK], 2 random, 3 unchanged) from the tensors.

    This is an inference: a random replacement that drew the original id looks unchanged (3), and
    a selected position that held [MASK] and still does reads as [MASK] (1). For the exact codes,
    call ``mask_tokens(..., return_outcomes=True)``.
    """
    original, inputs, labels = _check_triplet(original, inputs, labels)
    mask_id = check_int("mask_id", mask_id)
    selected = labels != IGNORE_INDEX  # (B, T)
    outcomes = torch.full(original.shape, NOT_SELECTED, dtype=torch.long, device=original.device)
    outcomes[selected & (inputs == original)] = UNCHANGED
    outcomes[selected & (inputs != original)] = RANDOM
    outcomes[selected & (inputs == mask_id)] = MASKED  # a random draw is never [MASK]
    return outcomes


def masking_rates(
    original: Tensor,
    inputs: Tensor,
    labels: Tensor,
    special_ids: Iterable[int],
    *,
    mask_id: int,
    outcomes: Tensor | None = None,
) -> MaskingStats:
    """Measured rates: share of ordinary positions selected, and the [MASK]/random/unchanged split of those.

    With ``outcomes`` from ``mask_tokens(..., return_outcomes=True)`` the split is exact; without,
    it is inferred by ``mask_outcomes`` (random draws of the original id count as unchanged).
    A share is 0.0 when nothing is selected.
    """
    original, inputs, labels = _check_triplet(original, inputs, labels)
    specials = _check_special_ids(special_ids)
    selected = labels != IGNORE_INDEX  # (B, T)
    if outcomes is None:
        outcomes = mask_outcomes(original, inputs, labels, mask_id)
    else:
        check_int("mask_id", mask_id)
        if not isinstance(outcomes, Tensor) or outcomes.shape != original.shape:
            raise TypeError(f"outcomes must be a tensor of codes shaped like original {tuple(original.shape)}")
        if not torch.equal(outcomes != NOT_SELECTED, selected):
            raise ValueError(f"outcomes must be nonzero exactly where labels is not {IGNORE_INDEX}")
        if outcomes.numel() and (int(outcomes.min()) < NOT_SELECTED or int(outcomes.max()) > UNCHANGED):
            raise ValueError(f"outcomes must hold codes 0 to 3 ({OUTCOME_NAMES}), got other values")
    ordinary = _ordinary(original, specials)
    if (selected & ~ordinary).any():
        raise ValueError("labels select positions holding special_ids; mask_tokens never does (wrong special_ids?)")

    n_ordinary, n_selected = int(ordinary.sum()), int(selected.sum())

    def share(code: int) -> float:
        return int((outcomes == code).sum()) / n_selected if n_selected else 0.0

    return MaskingStats(
        selected=n_selected / n_ordinary if n_ordinary else 0.0,
        mask=share(MASKED),
        random=share(RANDOM),
        unchanged=share(UNCHANGED),
        ordinary_positions=n_ordinary,
        selected_positions=n_selected,
    )



def mask_with_rule(input_ids: Tensor, tokenizer, rule: MaskingRule, generator: torch.Generator | None = None
                   ) -> tuple[Tensor, Tensor]:
    """``mask_tokens`` with a tokenizer's special ids and a ``MaskingRule``'s three shares."""
    check_type("rule", rule, MaskingRule)
    return mask_tokens(input_ids, vocab_size=tokenizer.vocab_size, mask_id=tokenizer.mask_id,
                       special_ids=tokenizer.special_ids, mask_prob=rule.mask_prob, mask_frac=rule.mask_frac,
                       random_frac=rule.random_frac, generator=generator)
