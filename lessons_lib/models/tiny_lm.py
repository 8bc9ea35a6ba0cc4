"""A tiny Transformer language model: masked (bidirectional) or left-to-right.

Token + position embeddings, a LayerNorm, post-LayerNorm ``TransformerBlock``s, and an output
layer tied to the token embeddings (after a BERT-style transform). With ``causal=True`` every
block gets the look-ahead mask, so position t sees only tokens 0..t: a left-to-right LM. Notebook
02 trains both kinds under one budget to compare masked-LM with next-token prediction.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from lessons_lib.checks import check_bool, check_ids_tensor, check_int, check_number
from lessons_lib.layers.transformer import BlockConfig, BlockStack


@dataclass
class TinyLMConfig:
    """Every size of a tiny LM in one place."""

    vocab_size: int  # number of tokens the model reads and predicts
    hidden_size: int = 64  # width of every token vector (H)
    num_layers: int = 2  # Transformer blocks (L)
    num_heads: int = 2  # attention heads per block (A)
    max_len: int = 32  # longest input: one learned vector per position
    causal: bool = False  # True: look-ahead mask in every block (a left-to-right LM)
    norm_first: bool = False  # True: pre-LN blocks and a final LayerNorm (trains without a long plateau)
    init_std: float = 0.02  # std of every initial weight matrix (BERT's 0.02 is made for width 768)
    head_transform: bool = True  # BERT's dense + GELU + LayerNorm before the output layer; False: none

    def __post_init__(self):
        check_int("vocab_size", self.vocab_size, low=2)
        for name in ("num_layers", "max_len"):
            check_int(name, getattr(self, name), low=1)
        check_bool("causal", self.causal)
        check_number("init_std", self.init_std, low=0.0, low_open=True)
        check_bool("head_transform", self.head_transform)
        self.block_config()  # the block checks its width, heads and norm_first

    def block_config(self) -> BlockConfig:
        """4 H wide inside, no dropout (a tiny model under-fits its budget); post-LN unless ``norm_first``."""
        return BlockConfig(self.hidden_size, self.num_heads, 4 * self.hidden_size, dropout=0.0,
                           attention_dropout=0.0, norm_first=self.norm_first)


class TinyLM(nn.Module):
    """Embeddings, blocks, and scores over the vocabulary (tied to the token embeddings)."""

    def __init__(self, config: TinyLMConfig):
        super().__init__()
        if not isinstance(config, TinyLMConfig):
            raise TypeError(f"config must be a TinyLMConfig, got {type(config).__name__}")
        h = config.hidden_size
        self.config = config
        self.token = nn.Embedding(config.vocab_size, h)
        self.position = nn.Embedding(config.max_len, h)
        self.norm = nn.LayerNorm(h)
        self.blocks = BlockStack(config.block_config(), config.num_layers)
        # Pre-LN blocks leave the residual stream un-normalised: one LayerNorm after the last block.
        self.final_norm = nn.LayerNorm(h) if config.norm_first else nn.Identity()
        # As BERT's MLM head; without it, a token's own vector already scores that token high (tied table).
        self.transform = nn.Sequential(nn.Linear(h, h), nn.GELU(), nn.LayerNorm(h)) if config.head_transform \
            else nn.Identity()
        self.bias = nn.Parameter(torch.zeros(config.vocab_size))
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.normal_(p, std=config.init_std)

    def encode(self, ids: Tensor) -> Tensor:
        """(B, T) ids -> the last block's vectors (B, T, H): what a downstream task would read."""
        check_ids_tensor("ids", ids)
        if ids.shape[1] > self.config.max_len:
            raise ValueError(f"ids must be a (batch, seq) tensor with seq <= max_len={self.config.max_len}, "
                             f"got {tuple(ids.shape)}")
        where = torch.arange(ids.shape[1], device=ids.device)  # (T,)
        try:
            tokens = self.token(ids)  # (B, T, H)
        except IndexError:  # checked only when the lookup fails: no scan of the ids on every call
            raise ValueError(f"ids must lie in [0, vocab_size={self.config.vocab_size})") from None
        x = self.norm(tokens + self.position(where))  # (B, T, H)
        x = self.blocks(x, causal=self.config.causal)[0]  # the look-ahead mask when causal
        return self.final_norm(x)  # (B, T, H)

    def forward(self, ids: Tensor, *, positions: Tensor | None = None) -> Tensor:
        """(B, T) ids -> scores (B, T, vocab), or (N, vocab) where the boolean ``positions`` is True."""
        x = self.encode(ids)  # (B, T, H)
        if positions is not None and (not isinstance(positions, Tensor) or positions.dtype != torch.bool
                                      or positions.shape != ids.shape):
            raise ValueError(f"positions must be a boolean tensor shaped like ids {tuple(ids.shape)} (True where "
                             f"a score is wanted), got {getattr(positions, 'dtype', type(positions).__name__)} "
                             f"{tuple(getattr(positions, 'shape', ()))}")
        if positions is not None:  # score only where a loss is taken: the vocabulary product dominates
            x = x[positions]  # (N, H)
        return self.transform(x) @ self.token.weight.T + self.bias
