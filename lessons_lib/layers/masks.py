"""Masks that decide which positions may look at which.

Convention everywhere in lessons_lib: a boolean tensor where ``True`` means "may attend" (the
same convention as ``torch.nn.functional.scaled_dot_product_attention``). BERT uses the padding
mask alone (every token sees every real token); GPT and GPT-2 add the look-ahead mask (a token
sees only itself and the tokens before it).
"""

from __future__ import annotations

import torch
from torch import Tensor

from lessons_lib.checks import check_int, check_type


def padding_mask(attention_mask: Tensor) -> Tensor:
    """(B, T) 1-for-token/0-for-padding -> boolean mask (B, 1, 1, T): every query may see real keys."""
    check_type("attention_mask", attention_mask, Tensor, "a torch.Tensor")
    if attention_mask.dim() != 2:
        raise ValueError(
            f"attention_mask must have shape (batch, seq), got shape {tuple(attention_mask.shape)}"
        )
    if attention_mask.dtype != torch.bool and not torch.all((attention_mask == 0) | (attention_mask == 1)):
        raise ValueError("attention_mask must hold only 0 (padding) and 1 (token)")
    return attention_mask.bool()[:, None, None, :]  # (B, 1, 1, T): broadcast over heads and queries


def look_ahead_mask(size: int, device: torch.device | str | None = None, *, past: int = 0) -> Tensor:
    """(T, past + T) boolean mask where new position i may attend to keys 0..past + i only (GPT's causal mask).

    ``past`` counts the positions read before (kept in a key-value cache): every new position sees
    all of them, so the mask is the square look-ahead mask with ``past`` columns of True before it.
    """
    size = check_int("size", size, low=1)
    past = check_int("past", past, low=0)
    return torch.ones(size, past + size, dtype=torch.bool, device=device).tril(diagonal=past)


def combine_masks(*masks: Tensor | None) -> Tensor | None:
    """Logical AND of broadcastable boolean masks, ignoring ``None``s (e.g. padding and look-ahead)."""
    result = None
    for mask in masks:
        if mask is None:
            continue
        check_type("masks", mask, Tensor, "boolean tensors or None")
        if mask.dtype != torch.bool:
            raise TypeError(f"masks must be boolean tensors, got dtype {mask.dtype}")
        result = mask if result is None else result & mask
    return result


def check_mask(mask: Tensor, scores_shape: torch.Size) -> None:
    """A boolean mask that broadcasts to attention scores of ``scores_shape``."""
    if mask.dtype != torch.bool:
        raise TypeError(f"mask must be a boolean tensor (True = may attend), got dtype {mask.dtype}")
    try:
        torch.broadcast_shapes(mask.shape, scores_shape)
    except RuntimeError as err:
        raise ValueError(
            f"mask of shape {tuple(mask.shape)} does not broadcast to the attention scores "
            f"of shape {tuple(scores_shape)}"
        ) from err
