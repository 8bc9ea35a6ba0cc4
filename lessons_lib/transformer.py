"""Transformer blocks: the feed-forward network and the attention + feed-forward block.

One block class serves three models:

* BERT's encoder block: post-LayerNorm, padding mask only;
* GPT's decoder block: post-LayerNorm, look-ahead mask (no encoder-decoder attention);
* GPT-2's block: pre-LayerNorm (``norm_first=True``), look-ahead mask, and a final LayerNorm
  after the last block, kept by the model.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from lessons_lib.attention import MultiHeadAttention

ACTIVATIONS = {
    "gelu": F.gelu,  # exact erf form, as BERT uses
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),  # GPT and GPT-2's approximation
    "relu": F.relu,
}


class FeedForward(nn.Module):
    """Position-wise MLP: hidden -> intermediate -> activation -> hidden."""

    def __init__(self, hidden_size: int, intermediate_size: int, activation: str = "gelu", dropout: float = 0.1):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        if hidden_size < 1 or intermediate_size < 1:
            raise ValueError(
                f"hidden_size and intermediate_size must be positive, got {hidden_size} and {intermediate_size}"
            )
        self.activation = activation
        self.up = nn.Linear(hidden_size, intermediate_size)
        self.down = nn.Linear(intermediate_size, hidden_size)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        """(B, T, C) -> (B, T, C)."""
        return self.dropout(self.down(ACTIVATIONS[self.activation](self.up(x))))


class TransformerBlock(nn.Module):
    """Self-attention then feed-forward, each with a residual connection and a LayerNorm."""

    def __init__(
        self,
        hidden_size: int,
        num_heads: int,
        intermediate_size: int,
        dropout: float = 0.1,
        attention_dropout: float | None = None,
        activation: str = "gelu",
        layer_norm_eps: float = 1e-12,
        norm_first: bool = False,
    ):
        super().__init__()
        self.norm_first = norm_first
        self.attention = MultiHeadAttention(
            hidden_size, num_heads, dropout if attention_dropout is None else attention_dropout
        )
        self.attention_norm = nn.LayerNorm(hidden_size, eps=layer_norm_eps)
        self.feed_forward = FeedForward(hidden_size, intermediate_size, activation, dropout)
        self.feed_forward_norm = nn.LayerNorm(hidden_size, eps=layer_norm_eps)
        self.dropout = nn.Dropout(dropout)

    def forward(
        self, x: Tensor, mask: Tensor | None = None, return_weights: bool = False
    ) -> Tensor | tuple[Tensor, Tensor]:
        """x (B, T, C) with a boolean mask broadcastable to (B, heads, T, T) -> (B, T, C) [, weights]."""
        if self.norm_first:  # GPT-2: normalise the input of each sub-block, keep the residual raw
            attended, weights = self._attend(self.attention_norm(x), mask, return_weights)
            x = x + self.dropout(attended)
            x = x + self.feed_forward(self.feed_forward_norm(x))
        else:  # BERT and GPT: add the residual first, then normalise
            attended, weights = self._attend(x, mask, return_weights)
            x = self.attention_norm(x + self.dropout(attended))
            x = self.feed_forward_norm(x + self.feed_forward(x))
        return (x, weights) if return_weights else x


    def _attend(self, x: Tensor, mask: Tensor | None, return_weights: bool) -> tuple[Tensor, Tensor | None]:
        if return_weights:
            return self.attention(x, mask, return_weights=True)
        return self.attention(x, mask), None


EncoderBlock = TransformerBlock
"""BERT's encoder block is the post-LayerNorm TransformerBlock used with a padding mask."""
