"""The Transformer decoder GPT and GPT-2 share: one config, one body, one language model on top.

Token + learned position embeddings, then Transformer blocks with the look-ahead mask (position t
sees tokens 0..t only), then an output layer tied to the token embeddings that scores the next
token at every position. GPT and GPT-2 differ in one field, ``norm_first``: LayerNorm after each
sub-block (GPT, as BERT) or before it, plus one final LayerNorm after the last block (GPT-2).

Both read a ``KVCache`` in generation: the first call reads the prompt and stores every layer's keys
and values, each later call reads only the new tokens and continues their positions from the cache.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import NamedTuple

import torch
from torch import Tensor, nn

from lessons_lib.checks import check_bool, check_int, check_mask, check_number, check_type
from lessons_lib.layers.attention import KVCache
from lessons_lib.layers.transformer import BlockConfig, BlockStack, init_normal
from lessons_lib.objectives.next_token import linear_cross_entropy


@dataclass
class DecoderConfig:
    """Every size of a decoder; ``GPTConfig`` and ``GPT2Config`` are its named presets."""

    vocab_size: int  # number of tokens
    max_len: int  # context: the longest input, one learned position vector each
    hidden_size: int = 768  # width of every token vector (H)
    num_layers: int = 12  # decoder blocks stacked (L)
    num_heads: int = 12  # attention heads per block (A); hidden_size must divide evenly
    intermediate_size: int = 3072  # width inside the feed-forward network (4 H)
    dropout: float = 0.1  # dropout on the embeddings and on each sub-block's output
    attention_dropout: float = 0.1  # dropout on the attention weights
    activation: str = "gelu_tanh"  # GPT's and GPT-2's GELU is the tanh approximation
    layer_norm_eps: float = 1e-5  # LayerNorm's epsilon
    init_std: float = 0.02  # std of the normal initial weights of the linear layers
    norm_first: bool = False  # False: LayerNorm after each sub-block (GPT); True: before it, and a final one (GPT-2)
    scaled_residual_init: bool = False  # True (GPT-2): everything starts at init_std, the residual writers lower

    def __post_init__(self):
        for name in ("vocab_size", "max_len", "num_layers"):
            check_int(name, getattr(self, name), low=1)
        check_number("layer_norm_eps", self.layer_norm_eps, low=0.0, high=1.0, low_open=True, high_open=True)
        check_number("init_std", self.init_std, low=0.0, low_open=True)
        check_bool("scaled_residual_init", self.scaled_residual_init)
        self.block_config()  # the block checks its own sizes, rates, activation and norm_first

    def block_config(self) -> BlockConfig:
        """Each decoder block (the look-ahead mask is the decoder's ``causal``)."""
        return BlockConfig(self.hidden_size, self.num_heads, self.intermediate_size, self.dropout,
                           self.attention_dropout, self.activation, self.layer_norm_eps, norm_first=self.norm_first)


class DecoderOutput(NamedTuple):
    """What ``Decoder`` returns; the fields not asked for are ``None``."""

    last_hidden_state: Tensor  # (B, T, H) final vector of every token (after the final LayerNorm, if any)
    hidden_states: tuple[Tensor, ...] | None  # the embeddings, then every block's output: L + 1 of (B, T, H)
    attentions: tuple[Tensor, ...] | None  # every block's attention weights: L of (B, heads, T, T_past + T)


class Decoder(nn.Module):
    """The decoder: token + position embeddings, ``num_layers`` masked self-attention blocks, [final LayerNorm]."""

    def __init__(self, config: DecoderConfig):
        super().__init__()
        check_type("config", config, DecoderConfig, "a DecoderConfig (GPTConfig or GPT2Config)")
        self.config = config
        self.token = nn.Embedding(config.vocab_size, config.hidden_size)
        self.position = nn.Embedding(config.max_len, config.hidden_size)
        self.dropout = nn.Dropout(config.dropout)
        self.layers = BlockStack(config.block_config(), config.num_layers)
        # Pre-LN leaves the residual stream un-normalised: one LayerNorm after the last block.
        self.final_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps) if config.norm_first \
            else nn.Identity()
        self._initialise()

    def _initialise(self) -> None:
        config = self.config
        if not config.scaled_residual_init:  # GPT: 0.02 everywhere, as the paper, then the linear layers' own std
            self.apply(init_normal)
            for module in self.modules():
                if isinstance(module, nn.Linear):
                    init_normal(module, config.init_std)
            return
        self.apply(lambda module: init_normal(module, config.init_std))
        # Why smaller: each block adds two updates to the residual stream (attention, then MLP), so
        # after L blocks it holds the sum of 2 L of them; scaling the layers that write those
        # updates by 1/sqrt(2 L) keeps the stream's variance at the start about the same at any depth.
        residual_std = config.init_std / math.sqrt(2 * config.num_layers)
        for layer in self.layers:
            for projection in (layer.attention.output, layer.feed_forward.down):
                nn.init.normal_(projection.weight, std=residual_std)

    def forward(self, input_ids: Tensor, attention_mask: Tensor | None = None, *, cache: KVCache | None = None,
                causal: bool = True, output_hidden_states: bool = False, output_attentions: bool = False
                ) -> DecoderOutput:
        """(B, T) token ids [, (B, T_past + T) 1-for-token/0-for-padding] -> ``DecoderOutput``.

        ``cache``: the ids follow its T_past positions, and their keys and values are added to it.
        ``causal=False`` drops the look-ahead mask (only to show what it does: the decoder is
        trained with it). ``output_attentions`` goes through the explicit softmax (slower).
        """
        past = _check_input(input_ids, attention_mask, cache, self.config)
        try:
            tokens = self.token(input_ids)  # (B, T, H)
        except IndexError:  # checked only when the lookup fails: no scan of the ids on every call
            raise ValueError(f"input_ids must lie in [0, vocab_size={self.config.vocab_size})") from None
        positions = torch.arange(past, past + input_ids.shape[1], device=input_ids.device)  # after the cache
        x = self.dropout(tokens + self.position(positions))  # (B, T, H)
        mask = None if attention_mask is None else attention_mask.bool()[:, None, None, :]  # (B, 1, 1, T_past + T)
        x, hidden_states, attentions = self.layers(x, mask, causal=causal, cache=cache,
                                                   output_hidden_states=output_hidden_states,
                                                   output_attentions=output_attentions)
        return DecoderOutput(self.final_norm(x), hidden_states, attentions)


class DecoderLM(nn.Module):
    """The language model: the decoder, then next-token scores tied to the token embeddings."""

    def __init__(self, config: DecoderConfig):
        super().__init__()
        self.config = config
        self.transformer = Decoder(config)

    def lm_head(self, hidden: Tensor) -> Tensor:
        """(..., H) -> (..., vocab): each token's score is the dot product with its input embedding."""
        return hidden @ self.transformer.token.weight.T

    def forward(self, input_ids: Tensor, attention_mask: Tensor | None = None, *,
                cache: KVCache | None = None) -> Tensor:
        """(B, T) token ids -> next-token logits (B, T, vocab): position t scores token t + 1."""
        return self.lm_head(self.features(input_ids, attention_mask, cache=cache))

    def features(self, input_ids: Tensor, attention_mask: Tensor | None = None, *,
                 cache: KVCache | None = None) -> Tensor:
        """(B, T) token ids -> every token's final vector (B, T, H), the one the output layer scores."""
        return self.transformer(input_ids, attention_mask, cache=cache).last_hidden_state

    def next_token_scores(self, input_ids: Tensor, *, cache: KVCache | None = None) -> Tensor:
        """(B, T) token ids -> (B, vocab) scores of the token after the last one (only it meets the output layer)."""
        return self.lm_head(self.features(input_ids, cache=cache)[:, -1])

    def next_token_loss(self, input_ids: Tensor) -> Tensor:
        """Mean cross-entropy of predicting token t + 1 at every position t of (B, T) ids, for training.

        The same value as ``next_token_loss(model(ids), ids)``, scored a block of positions at a
        time (``objectives.linear_cross_entropy``): the (B, T, vocab) scores never exist at once.
        """
        hidden = self.features(input_ids)[:, :-1]  # the last position has no next token
        return linear_cross_entropy(hidden.reshape(-1, hidden.shape[-1]), self.transformer.token.weight,
                                    input_ids[:, 1:].reshape(-1))

    def add_tokens(self, count: int, *, seed: int = 0) -> list[int]:
        """Grow the vocabulary by ``count`` tokens with random embeddings (fine-tuning's [start] etc.): their ids."""
        check_int("count", count, low=1)
        old = self.transformer.token.weight
        new = torch.randn(count, old.shape[1], generator=torch.Generator().manual_seed(seed)) * 0.02
        grown = nn.Embedding(old.shape[0] + count, old.shape[1])
        with torch.no_grad():
            grown.weight.copy_(torch.cat([old.detach(), new.to(old.dtype)]))
        self.transformer.token = grown
        self.config = self.transformer.config = replace(self.config, vocab_size=old.shape[0] + count)
        return list(range(old.shape[0], old.shape[0] + count))


_ID_DTYPES = (torch.long, torch.int, torch.int16)


def _check_input(input_ids: Tensor, attention_mask: Tensor | None, cache: KVCache | None,
                 config: DecoderConfig) -> int:
    """The forward's one check, of shapes and types only (cheap enough for every generated token); T_past."""
    if not isinstance(input_ids, Tensor) or input_ids.dtype not in _ID_DTYPES:
        raise TypeError(f"input_ids must be an integer torch.Tensor (torch.long) of shape (batch, seq), got "
                        f"{type(input_ids).__name__} {getattr(input_ids, 'dtype', '')}".rstrip())
    if input_ids.dim() != 2 or input_ids.shape[1] == 0:
        raise ValueError(f"input_ids must have shape (batch, seq) with seq >= 1, got {tuple(input_ids.shape)}")
    past = 0
    if cache is not None:
        if not isinstance(cache, KVCache):
            raise TypeError(f"cache must be a KVCache or None, got {type(cache).__name__}")
        if len(cache.layers) not in (0, config.num_layers):
            raise ValueError(f"cache holds {len(cache.layers)} layers, this model has {config.num_layers}: "
                             "start each model with its own empty KVCache()")
        past = cache.length
    if past + input_ids.shape[1] > config.max_len:
        raise ValueError(f"input_ids has {input_ids.shape[1]} positions after {past} cached ones; this model's "
                         f"context (max_len) is {config.max_len}: cut the input first")
    if attention_mask is not None and past == 0:  # the first call: one pass over the mask's values
        check_mask("attention_mask", attention_mask, input_ids)
    elif attention_mask is not None and (not isinstance(attention_mask, Tensor) or attention_mask.dim() != 2
                                         or attention_mask.shape[1] != past + input_ids.shape[1]):
        raise ValueError(f"attention_mask must be a (batch, {past + input_ids.shape[1]}) tensor: one 1/0 per "
                         "cached and new position")
    return past
