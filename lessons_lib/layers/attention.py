"""Scaled dot-product attention and multi-head self-attention.

Masks (``lessons_lib.layers.masks``) are boolean, ``True`` meaning "may attend".
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from lessons_lib.checks import check_int, check_probability, check_type
from lessons_lib.layers.masks import check_mask


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
        check_type(name, t, Tensor, "a torch.Tensor")
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(
            f"query and key must share their last dimension, got {query.shape[-1]} and {key.shape[-1]}"
        )
    if key.shape[-2] != value.shape[-2]:
        raise ValueError(f"key and value must have the same length, got {key.shape[-2]} and {value.shape[-2]}")
    check_probability("dropout_p", dropout_p)
    scores = query @ key.transpose(-2, -1) / math.sqrt(query.shape[-1])  # (..., Tq, Tk)
    if mask is not None:
        check_mask(mask, scores.shape)
        # A large negative number rather than -inf keeps a fully masked row finite (uniform weights).
        scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
    weights = scores.softmax(dim=-1)  # each query's weights over the keys sum to 1
    weights_used = F.dropout(weights, dropout_p, training) if dropout_p > 0 else weights
    return weights_used @ value, weights  # (..., Tq, Dv), (..., Tq, Tk)


class MultiHeadAttention(nn.Module):
    """Self-attention split into ``num_heads`` heads of ``hidden_size // num_heads`` dimensions."""

    def __init__(self, hidden_size: int, num_heads: int, dropout: float = 0.1, bias: bool = True):
        super().__init__()
        check_int("hidden_size", hidden_size, low=1)
        check_int("num_heads", num_heads, low=1)
        if hidden_size % num_heads:
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
                check_mask(mask, torch.Size((*q.shape[:-1], k.shape[-2])))
            context = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout_p)
            weights = None
        out = self.output(self.merge_heads(context))  # (B, T, C)
        return (out, weights) if return_weights else out
