"""GPT-2: GPT with the LayerNorm moved before each sub-block, a final LayerNorm, and a key-value cache.

Token + learned position embeddings, then pre-LayerNorm Transformer blocks with the look-ahead
mask, a final LayerNorm, and an output layer tied to the token embeddings. Pre-LN keeps the
residual path free of normalisation, so deep stacks train without the warm-up tricks post-LN
needs; the one LayerNorm after the last block puts the sum of all residual updates back on scale.

For generation, ``forward`` takes a ``KVCache``: the first call reads the prompt and stores every
layer's keys and values, each later call reads only the new tokens and continues their positions
from the cache (see ``lessons_lib.generation``). Hugging Face's ``GPT2LMHeadModel`` loads through
``from_huggingface``; equality is tested.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import torch
from torch import Tensor, nn

from lessons_lib.layers.attention import KVCache
from lessons_lib.layers.transformer import TransformerBlock
from lessons_lib.models.gpt import DecoderConfig
from lessons_lib.models.huggingface import gpt2_names, init_normal, load_mapped, read_huggingface
from lessons_lib.objectives.next_token import linear_cross_entropy

# Hugging Face's names for the tanh approximation of GELU, which every GPT-2 checkpoint uses.
_HF_ACTIVATIONS = {"gelu_new": "gelu_tanh", "gelu_pytorch_tanh": "gelu_tanh", "gelu_fast": "gelu_tanh",
                   "gelu": "gelu", "relu": "relu"}


@dataclass
class GPT2Config(DecoderConfig):
    """Every size of a GPT-2 model in one place (defaults: the 124M "small" model): GPT's config with
    pre-LayerNorm blocks; the residual projections start at init_std / sqrt(2 L)."""

    vocab_size: int = 50257  # number of tokens (byte-level BPE: 256 bytes + 50,000 merges + <|endoftext|>)
    max_len: int = 1024  # context: the longest input, one learned position vector each
    norm_first: ClassVar[bool] = True

    @classmethod
    def small(cls) -> GPT2Config:
        """L=12, H=768, A=12 (published as 117M; 124M counted with the position table)."""
        return cls()

    @classmethod
    def medium(cls) -> GPT2Config:
        """L=24, H=1024, A=16 (published as 345M)."""
        return cls(hidden_size=1024, num_layers=24, num_heads=16, intermediate_size=4096)

    @classmethod
    def large(cls) -> GPT2Config:
        """L=36, H=1280, A=20 (published as 762M)."""
        return cls(hidden_size=1280, num_layers=36, num_heads=20, intermediate_size=5120)

    @classmethod
    def xl(cls) -> GPT2Config:
        """L=48, H=1600, A=25 (published as 1,542M)."""
        return cls(hidden_size=1600, num_layers=48, num_heads=25, intermediate_size=6400)

    @classmethod
    def tiny(cls, vocab_size: int) -> GPT2Config:
        """Our CPU-sized GPT-2, the same sizes as ``GPTConfig.tiny``: L=4, H=128, A=4, 128 positions, no dropout.

        Unlike ``GPTConfig.tiny`` it keeps GPT-2's own initialisation (std 0.02): pre-LN normalises
        every sub-block's input, so a narrow model does not stall at this std. In one trial (400 steps
        of 16 windows of 64 tokens, lr 1e-3), the training loss passed the unigram's (6.69) by step
        100 and reached 6.09, against 6.68 at step 100 and 6.21 at the end with std 1/sqrt(H).
        """
        return cls(vocab_size=vocab_size, max_len=128, hidden_size=128, num_layers=4, num_heads=4,
                   intermediate_size=512, dropout=0.0, attention_dropout=0.0)

    @classmethod
    def from_huggingface(cls, hf: dict) -> GPT2Config:
        """Translate a Hugging Face ``GPT2Config`` dict (``config.json``)."""
        activation = hf.get("activation_function", "gelu_new")
        if activation not in _HF_ACTIVATIONS:
            raise ValueError(f"activation_function must be one of {tuple(_HF_ACTIVATIONS)}, got {activation!r}")
        for name, supported in (("scale_attn_weights", True), ("scale_attn_by_inverse_layer_idx", False),
                                ("add_cross_attention", False)):
            if hf.get(name, supported) != supported:
                raise ValueError(f"only {name}={supported} is supported, got {hf[name]!r}")
        hidden = hf["n_embd"]
        return cls(vocab_size=hf["vocab_size"], max_len=hf["n_positions"], hidden_size=hidden,
                   num_layers=hf["n_layer"], num_heads=hf["n_head"], intermediate_size=hf.get("n_inner") or 4 * hidden,
                   dropout=hf.get("resid_pdrop", 0.1), attention_dropout=hf.get("attn_pdrop", 0.1),
                   activation=_HF_ACTIVATIONS[activation], layer_norm_eps=hf.get("layer_norm_epsilon", 1e-5),
                   init_std=hf.get("initializer_range", 0.02))


class GPT2(nn.Module):
    """The language model: embeddings, pre-LN blocks, final LayerNorm, next-token scores tied to the embeddings."""

    def __init__(self, config: GPT2Config):
        super().__init__()
        if not isinstance(config, GPT2Config):
            raise TypeError(f"config must be a GPT2Config, got {type(config).__name__}")
        self.config = config
        self.token = nn.Embedding(config.vocab_size, config.hidden_size)
        self.position = nn.Embedding(config.max_len, config.hidden_size)
        self.dropout = nn.Dropout(config.dropout)
        self.layers = nn.ModuleList(TransformerBlock(config.block_config()) for _ in range(config.num_layers))
        self.final_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.apply(lambda module: init_normal(module, config.init_std))
        # Why smaller: each block adds two updates to the residual stream (attention, then MLP), so
        # after L blocks it holds the sum of 2 L of them; scaling the layers that write those
        # updates by 1/sqrt(2 L) keeps the stream's variance at the start about the same at any depth.
        residual_std = config.init_std / math.sqrt(2 * config.num_layers)
        for layer in self.layers:
            for projection in (layer.attention.output, layer.feed_forward.down):
                nn.init.normal_(projection.weight, std=residual_std)

    def lm_head(self, hidden: Tensor) -> Tensor:
        """(..., H) -> (..., vocab): each token's score is the dot product with its input embedding."""
        return hidden @ self.token.weight.T

    def forward(self, input_ids: Tensor, cache: KVCache | None = None) -> Tensor:
        """(B, T) token ids -> next-token logits (B, T, vocab); with a cache, the ids follow its T_past positions."""
        return self.lm_head(self.features(input_ids, cache))

    def next_token_loss(self, input_ids: Tensor) -> Tensor:
        """Mean cross-entropy of predicting token t + 1 at every position t of (B, T) ids, for training.

        The same value as ``next_token_loss(model(ids), ids)``, scored a block of positions at a
        time (``objectives.linear_cross_entropy``): the (B, T, vocab) scores never exist at once.
        """
        hidden = self.features(input_ids)[:, :-1]  # the last position has no next token
        return linear_cross_entropy(hidden.reshape(-1, hidden.shape[-1]), self.token.weight,
                                    input_ids[:, 1:].reshape(-1))

    def features(self, input_ids: Tensor, cache: KVCache | None = None) -> Tensor:
        """(B, T) token ids -> the final LayerNorm's output (B, T, H), which the output layer scores."""
        past = _check_input(input_ids, cache, self.config)
        length = input_ids.shape[1]
        try:
            tokens = self.token(input_ids)  # (B, T, H)
        except IndexError:  # checked only when the lookup fails: no scan of the ids on every call
            raise ValueError(f"input_ids must lie in [0, vocab_size={self.config.vocab_size})") from None
        positions = torch.arange(past, past + length, device=input_ids.device)  # continue after the cache
        x = self.dropout(tokens + self.position(positions))  # (B, T, H)
        for index, layer in enumerate(self.layers):
            x = layer(x, causal=True, cache=None if cache is None else cache.layer(index))  # (B, T, H)
        return self.final_norm(x)

    @classmethod
    def from_huggingface(cls, source: str | Path | dict, config: GPT2Config | None = None) -> GPT2:
        """Load ``GPT2LMHeadModel`` (or ``GPT2Model``) weights: a folder or a state dict."""
        state, config = read_huggingface(source, config, GPT2Config.from_huggingface)
        model = cls(config)
        load_mapped(model, gpt2_names(state))
        return model.eval()


def _check_input(input_ids: Tensor, cache: KVCache | None, config: GPT2Config) -> int:
    """Shapes and dtypes only (cheap enough for every step of generation); returns T_past."""
    if not isinstance(input_ids, Tensor) or input_ids.dtype not in (torch.long, torch.int):
        raise TypeError(f"input_ids must be an integer torch.Tensor (torch.long) of shape (batch, seq), got "
                        f"{type(input_ids).__name__} {getattr(input_ids, 'dtype', '')}".rstrip())
    if input_ids.dim() != 2 or input_ids.shape[1] == 0:
        raise ValueError(f"input_ids must have shape (batch, seq) with seq >= 1, got {tuple(input_ids.shape)}")
    if cache is None:
        past = 0
    elif not isinstance(cache, KVCache):
        raise TypeError(f"cache must be a KVCache or None, got {type(cache).__name__}")
    elif len(cache.layers) not in (0, config.num_layers):
        raise ValueError(f"cache holds {len(cache.layers)} layers, this model has {config.num_layers}: "
                         "start each model with its own empty KVCache()")
    else:
        past = cache.length
    if past + input_ids.shape[1] > config.max_len:
        raise ValueError(f"input_ids has {input_ids.shape[1]} positions after {past} cached ones; this model's "
                         f"context (max_len) is {config.max_len}: cut the input first")
    return past
