"""Scaled dot-product attention, multi-head self-attention, and the key-value cache of generation.

Masks (``lessons_lib.layers.masks``) are boolean, ``True`` meaning "may attend". A left-to-right
model that generates text one token at a time would recompute the keys and values of every earlier
position at every step; a ``KVCache`` keeps them instead, so each step computes the new token's only.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from lessons_lib.checks import check_heads, check_probability, check_type
from lessons_lib.layers.masks import check_mask, combine_masks, look_ahead_mask


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


class LayerCache:
    """One attention layer's keys and values of the positions read so far: (B, heads, T_past, head_size) each."""

    def __init__(self):
        self.keys: Tensor | None = None
        self.values: Tensor | None = None

    @property
    def length(self) -> int:
        """T_past: how many positions are stored."""
        return 0 if self.keys is None else self.keys.shape[-2]

    def extend(self, keys: Tensor, values: Tensor) -> tuple[Tensor, Tensor]:
        """Append the new positions' keys and values (B, heads, T, head_size); return all (B, heads, T_past + T, .)."""
        if self.keys is not None:
            if keys.shape[:2] != self.keys.shape[:2] or keys.shape[-1] != self.keys.shape[-1]:
                raise ValueError(f"cache holds keys of shape {tuple(self.keys.shape)} (batch, heads, past, "
                                 f"head_size); new keys of shape {tuple(keys.shape)} do not continue them")
            # A new tensor each step (simple; copying T_past rows costs little next to the layer's matmuls).
            keys = torch.cat([self.keys, keys], dim=-2)
            values = torch.cat([self.values, values], dim=-2)
        self.keys, self.values = keys, values
        return keys, values


class KVCache:
    """Keys and values of every past position, one ``LayerCache`` per attention layer, grown on each call.

    Pass the same (empty) cache to every call of a model's forward: the first reads the prompt and
    fills the cache, each later call reads only the new tokens. Layers are added on first use.
    """

    def __init__(self):
        self.layers: list[LayerCache] = []

    def layer(self, index: int) -> LayerCache:
        """Layer ``index``'s cache, created empty if this cache has not reached it yet."""
        while len(self.layers) <= index:
            self.layers.append(LayerCache())
        return self.layers[index]

    @property
    def length(self) -> int:
        """T_past: how many positions the cache holds (0 when empty)."""
        return self.layers[0].length if self.layers else 0

    @property
    def nbytes(self) -> int:
        """Memory held by the stored keys and values, measured: layers x 2 x B x heads x T_past x head_size x bytes."""
        return sum(t.numel() * t.element_size() for layer in self.layers
                   for t in (layer.keys, layer.values) if t is not None)

    def __repr__(self) -> str:
        return f"KVCache(layers={len(self.layers)}, length={self.length}, nbytes={self.nbytes})"


class MultiHeadAttention(nn.Module):
    """Self-attention split into ``num_heads`` heads of ``hidden_size // num_heads`` dimensions."""

    def __init__(self, hidden_size: int, num_heads: int, dropout: float = 0.1, bias: bool = True):
        super().__init__()
        check_heads(hidden_size, num_heads)
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
        self, x: Tensor, mask: Tensor | None = None, return_weights: bool = False, *,
        causal: bool = False, cache: LayerCache | None = None,
    ) -> Tensor | tuple[Tensor, Tensor]:
        """x (B, T, C), boolean mask broadcastable to (B, heads, T, T_past + T) -> (B, T, C) [, weights].

        ``causal=True`` adds the look-ahead mask (each position sees itself and the positions before
        it); ``cache`` supplies the keys and values of T_past earlier positions and is extended by x's.
        """
        # No checks up front: this runs once per layer and generated token, and the model checked its input.
        try:
            q, k, v = (self.split_heads(proj(x)) for proj in (self.query, self.key, self.value))
        except RuntimeError:  # only now say which shape was wrong
            if x.dim() != 3 or x.shape[-1] != self.query.in_features:
                raise ValueError(f"x must have shape (batch, seq, hidden_size={self.query.in_features}), "
                                 f"got {tuple(x.shape)}") from None
            raise
        if cache is not None:
            k, v = cache.extend(k, v)  # (B, heads, T_past + T, head_size)
        length, past = q.shape[-2], k.shape[-2] - q.shape[-2]
        is_causal = False
        if causal and length > 1:  # one new query may see every stored key: nothing to hide then
            if past == 0 and mask is None and not return_weights:
                is_causal = True  # the fused kernel builds the look-ahead mask itself
            else:
                mask = combine_masks(mask, look_ahead_mask(length, q.device, past=past))  # (T, T_past + T)
        dropout_p = self.dropout if self.training else 0.0
        if return_weights:
            context, weights = scaled_dot_product_attention(q, k, v, mask, dropout_p, self.training)
        else:
            # Same arithmetic as above (tested equal), through PyTorch's fused kernel: faster and
            # lighter on memory when nobody needs to look at the weights.
            context = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout_p,
                                                     is_causal=is_causal)
            weights = None
        out = self.output(self.merge_heads(context))  # (B, T, C)
        return (out, weights) if return_weights else out
