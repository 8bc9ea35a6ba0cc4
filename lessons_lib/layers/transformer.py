"""Transformer blocks: the feed-forward network and the attention + feed-forward block.

One block class serves three models, set by its ``BlockConfig``:

* BERT's encoder block: post-LayerNorm, padding mask only;
* GPT's decoder block: post-LayerNorm, look-ahead mask (no encoder-decoder attention);
* GPT-2's block: pre-LayerNorm (``norm_first=True``), look-ahead mask, and a final LayerNorm
  after the last block, kept by the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch.nn.functional as F
from torch import Tensor, nn

from lessons_lib.checks import check_bool, check_choice, check_int, check_number
from lessons_lib.layers.attention import LayerCache, MultiHeadAttention

ACTIVATIONS = {
    "gelu": F.gelu,  # exact erf form, as BERT uses
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),  # GPT and GPT-2's approximation
    "relu": F.relu,
}


@dataclass
class BlockConfig:
    """Every size and switch of one Transformer block."""

    hidden_size: int = 768  # width of every token vector (H)
    num_heads: int = 12  # attention heads (A); hidden_size must divide evenly
    intermediate_size: int = 3072  # width inside the feed-forward network (4 H in BERT and GPT)
    dropout: float = 0.1  # dropout on each sub-block's output
    attention_dropout: float = 0.1  # dropout on the attention weights
    activation: str = "gelu"  # feed-forward activation, a key of ACTIVATIONS
    layer_norm_eps: float = 1e-12  # LayerNorm's epsilon
    norm_first: bool = False  # False: post-LN (BERT, GPT); True: pre-LN (GPT-2)

    def __post_init__(self):
        for name in ("hidden_size", "num_heads", "intermediate_size"):
            check_int(name, getattr(self, name), low=1)
        if self.hidden_size % self.num_heads:
            raise ValueError(f"hidden_size ({self.hidden_size}) must be a multiple of num_heads ({self.num_heads})")
        for name in ("dropout", "attention_dropout"):
            check_number(name, getattr(self, name), low=0.0, high=1.0, high_open=True)
        check_choice("activation", self.activation, sorted(ACTIVATIONS))
        check_number("layer_norm_eps", self.layer_norm_eps, low=0.0, low_open=True)
        check_bool("norm_first", self.norm_first)


class FeedForward(nn.Module):
    """Position-wise MLP: hidden -> intermediate -> activation -> hidden."""

    def __init__(self, hidden_size: int, intermediate_size: int, activation: str = "gelu", dropout: float = 0.1):
        super().__init__()
        check_choice("activation", activation, sorted(ACTIVATIONS))
        check_int("hidden_size", hidden_size, low=1)
        check_int("intermediate_size", intermediate_size, low=1)
        self.activation = activation
        self.up = nn.Linear(hidden_size, intermediate_size)
        self.down = nn.Linear(intermediate_size, hidden_size)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        """(B, T, C) -> (B, T, C)."""
        return self.dropout(self.down(ACTIVATIONS[self.activation](self.up(x))))


class TransformerBlock(nn.Module):
    """Self-attention then feed-forward, each with a residual connection and a LayerNorm."""

    def __init__(self, config: BlockConfig):
        super().__init__()
        if not isinstance(config, BlockConfig):
            raise TypeError(f"config must be a BlockConfig, got {type(config).__name__}")
        self.config = config
        self.norm_first = config.norm_first
        self.attention = MultiHeadAttention(config.hidden_size, config.num_heads, config.attention_dropout)
        self.attention_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.feed_forward = FeedForward(config.hidden_size, config.intermediate_size, config.activation,
                                        config.dropout)
        self.feed_forward_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.dropout)

    def forward(
        self, x: Tensor, mask: Tensor | None = None, return_weights: bool = False, *,
        causal: bool = False, cache: LayerCache | None = None,
    ) -> Tensor | tuple[Tensor, Tensor]:
        """x (B, T, C) with a boolean mask broadcastable to (B, heads, T, T) -> (B, T, C) [, weights].

        ``causal`` and ``cache`` go to the attention (``MultiHeadAttention.forward``).
        """
        options = {"causal": causal, "cache": cache}
        if self.norm_first:  # GPT-2: normalise the input of each sub-block, keep the residual raw
            attended, weights = self._attend(self.attention_norm(x), mask, return_weights, options)
            x = x + self.dropout(attended)
            x = x + self.feed_forward(self.feed_forward_norm(x))
        else:  # BERT and GPT: add the residual first, then normalise
            attended, weights = self._attend(x, mask, return_weights, options)
            x = self.attention_norm(x + self.dropout(attended))
            x = self.feed_forward_norm(x + self.feed_forward(x))
        return (x, weights) if return_weights else x

    def _attend(self, x: Tensor, mask: Tensor | None, return_weights: bool, options: dict
                ) -> tuple[Tensor, Tensor | None]:
        if return_weights:
            return self.attention(x, mask, return_weights=True, **options)
        return self.attention(x, mask, **options), None
