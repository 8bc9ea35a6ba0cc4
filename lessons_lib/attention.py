"""Attention: the masks that decide who may look at whom, and multi-head scaled dot-product attention.

Mask convention everywhere in lessons_lib: a boolean tensor where ``True`` means "may attend"
(the same convention as ``torch.nn.functional.scaled_dot_product_attention``).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def padding_mask(attention_mask: Tensor) -> Tensor:
    """(B, T) 1-for-token/0-for-padding -> boolean mask (B, 1, 1, T): every query may see real keys."""
    if not isinstance(attention_mask, Tensor):
        raise TypeError(f"attention_mask must be a torch.Tensor, got {type(attention_mask).__name__}")
    if attention_mask.dim() != 2:
        raise ValueError(
            f"attention_mask must have shape (batch, seq), got shape {tuple(attention_mask.shape)}"
        )
    if attention_mask.dtype != torch.bool and not torch.all((attention_mask == 0) | (attention_mask == 1)):
        raise ValueError("attention_mask must hold only 0 (padding) and 1 (token)")
    return attention_mask.bool()[:, None, None, :]  # (B, 1, 1, T): broadcast over heads and queries


def look_ahead_mask(size: int, device: torch.device | str | None = None) -> Tensor:
    """(T, T) boolean mask where position i may attend to positions 0..i only (GPT's causal mask)."""
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise ValueError(f"size must be a positive int, got {size!r}")
    return torch.ones(size, size, dtype=torch.bool, device=device).tril()


def combine_masks(*masks: Tensor | None) -> Tensor | None:
    """Logical AND of broadcastable boolean masks, ignoring ``None``s (e.g. padding and look-ahead)."""
    result = None
    for mask in masks:
        if mask is None:
            continue
        if not isinstance(mask, Tensor):
            raise TypeError(f"masks must be boolean tensors or None, got {type(mask).__name__}")
        if mask.dtype != torch.bool:
            raise TypeError(f"masks must be boolean tensors, got dtype {mask.dtype}")
        result = mask if result is None else result & mask
    return result


def _check_mask(mask: Tensor, scores_shape: torch.Size) -> None:
    if mask.dtype != torch.bool:
        raise TypeError(f"mask must be a boolean tensor (True = may attend), got dtype {mask.dtype}")
    try:
        torch.broadcast_shapes(mask.shape, scores_shape)
    except RuntimeError as err:
        raise ValueError(
            f"mask of shape {tuple(mask.shape)} does not broadcast to the attention scores "
            f"of shape {tuple(scores_shape)}"
        ) from err


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    mask: Tensor | None = None,
    dropout_p: float = 0.0,
    training: bool = False,
) -> tuple[Tensor, Tensor]:
    """softmax(Q K^T / sqrt(d)) V, returning the output and the attention weights (for pictures)."""
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(
            f"query and key must share their last dimension, got {query.shape[-1]} and {key.shape[-1]}"
        )
    if key.shape[-2] != value.shape[-2]:
        raise ValueError(f"key and value must have the same length, got {key.shape[-2]} and {value.shape[-2]}")
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"dropout_p must be in [0, 1], got {dropout_p}")
    scores = query @ key.transpose(-2, -1) / math.sqrt(query.shape[-1])  # (..., Tq, Tk)
    if mask is not None:
        _check_mask(mask, scores.shape)
        # A large negative number rather than -inf keeps a fully masked row finite (uniform weights).
        scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
    weights = scores.softmax(dim=-1)  # each query's weights over the keys sum to 1
    weights_used = F.dropout(weights, dropout_p, training) if dropout_p > 0 else weights
    return weights_used @ value, weights  # (..., Tq, Dv), (..., Tq, Tk)


class MultiHeadAttention(nn.Module):
    """Self-attention split into ``num_heads`` heads of ``hidden_size // num_heads`` dimensions."""

    def __init__(self, hidden_size: int, num_heads: int, dropout: float = 0.1, bias: bool = True):
        super().__init__()
        if hidden_size < 1 or num_heads < 1 or hidden_size % num_heads:
            raise ValueError(
                f"hidden_size ({hidden_size}) must be a positive multiple of num_heads ({num_heads})"
            )
        self.num_heads = num_heads
        self.head_size = hidden_size // num_heads
        self.dropout = dropout
        self.query = nn.Linear(hidden_size, hidden_size, bias=bias)
        self.key = nn.Linear(hidden_size, hidden_size, bias=bias)
        self.value = nn.Linear(hidden_size, hidden_size, bias=bias)
        self.output = nn.Linear(hidden_size, hidden_size, bias=bias)

    def split_heads(self, x: Tensor) -> Tensor:
        """(B, T, C) -> (B, heads, T, C / heads)."""
        batch, length, _ = x.shape
        return x.view(batch, length, self.num_heads, self.head_size).transpose(1, 2)

    def merge_heads(self, x: Tensor) -> Tensor:
        """(B, heads, T, C / heads) -> (B, T, C)."""
        batch, _, length, _ = x.shape
        return x.transpose(1, 2).reshape(batch, length, self.num_heads * self.head_size)

    def forward(
        self, x: Tensor, mask: Tensor | None = None, return_weights: bool = False
    ) -> Tensor | tuple[Tensor, Tensor]:
        """x (B, T, C), boolean mask broadcastable to (B, heads, T, T) -> (B, T, C) [, weights]."""
        if x.dim() != 3:
            raise ValueError(f"x must have shape (batch, seq, hidden), got {tuple(x.shape)}")
        if x.shape[-1] != self.query.in_features:
            raise ValueError(f"x must be {self.query.in_features} wide (hidden_size), got {x.shape[-1]}")
        q, k, v = (self.split_heads(proj(x)) for proj in (self.query, self.key, self.value))
        dropout_p = self.dropout if self.training else 0.0
        if return_weights:
            context, weights = scaled_dot_product_attention(q, k, v, mask, dropout_p, self.training)
        else:
            # Same arithmetic as above (tested equal), through PyTorch's fused kernel: faster and
            # lighter on memory when nobody needs to look at the weights.
            if mask is not None:
                _check_mask(mask, torch.Size((*q.shape[:-1], k.shape[-2])))
            context = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout_p)
            weights = None
        out = self.output(self.merge_heads(context))  # (B, T, C)
        return (out, weights) if return_weights else out
