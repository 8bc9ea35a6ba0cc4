"""Transformer blocks: the feed-forward network and the attention + feed-forward block.

One block class serves every Transformer here (BERT, GPT, GPT-2, the tiny LM), set by its ``BlockConfig``:

* BERT's encoder block: post-LayerNorm, padding mask only;
* GPT's decoder block: post-LayerNorm, look-ahead mask (no encoder-decoder attention);
* GPT-2's block: pre-LayerNorm (``norm_first=True``), look-ahead mask, and a final LayerNorm
  after the last block, kept by the model.

``BlockStack`` runs the blocks in turn, the one loop every model shares; ``init_normal`` is BERT's and
GPT's initialisation of their layers.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from lessons_lib.checks import check_bool, check_choice, check_heads, check_int, check_number
from lessons_lib.layers.attention import KVCache, LayerCache, MultiHeadAttention

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
        check_int("intermediate_size", self.intermediate_size, low=1)
        check_heads(self.hidden_size, self.num_heads)
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


class BlockStack(nn.ModuleList):
    """``count`` blocks of one config, run in turn: the layer loop of every model (weights named ``N.*``)."""

    def __init__(self, config: BlockConfig, count: int):
        super().__init__(TransformerBlock(config) for _ in range(check_int("count", count, low=1)))

    def forward(self, x: Tensor, mask: Tensor | None = None, *, causal: bool = False, cache: KVCache | None = None,
                output_hidden_states: bool = False, output_attentions: bool = False
                ) -> tuple[Tensor, tuple[Tensor, ...] | None, tuple[Tensor, ...] | None]:
        """x (B, T, C) -> (last block's output, [x and every block's output], [every block's attention weights])."""
        hidden_states = [x] if output_hidden_states else None
        attentions = [] if output_attentions else None
        for index, block in enumerate(self):
            layer_cache = None if cache is None else cache.layer(index)
            if output_attentions:
                x, weights = block(x, mask, return_weights=True, causal=causal, cache=layer_cache)
                attentions.append(weights)
            else:
                x = block(x, mask, causal=causal, cache=layer_cache)  # (B, T, C)
            if hidden_states is not None:
                hidden_states.append(x)
        return x, None if hidden_states is None else tuple(hidden_states), \
            None if attentions is None else tuple(attentions)


def init_normal(module: nn.Module, std: float = 0.02) -> None:
    """BERT's and GPT's initialisation: normal(0, std) weights, zero biases, LayerNorm at identity."""
    if isinstance(module, nn.Linear | nn.Embedding):
        nn.init.normal_(module.weight, std=std)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)
        if isinstance(module, nn.Embedding) and module.padding_idx is not None:
            with torch.no_grad():
                module.weight[module.padding_idx].zero_()
    elif isinstance(module, nn.LayerNorm):
        nn.init.ones_(module.weight)
        nn.init.zeros_(module.bias)
