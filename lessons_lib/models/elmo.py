"""ELMo: a character CNN under two one-way LSTM language models, one reading each way.

Bottom to top: the character CNN turns each word's 50 character ids into a context-free token
vector (``layers.char_cnn``); a forward stack of LSTMs reads the sentence left to right and a
backward stack reads it right to left (``layers.lstm``), never mixed between layers; one softmax,
shared by both directions, scores the vocabulary: the forward LM predicts the next token, the
backward LM the previous one. The L + 1 representations of a token are the token layer and each
LSTM level, each as ``[forward; backward]`` (the token layer duplicated to the same width); a task
mixes them with a ``ScalarMix`` (``layers.scalar_mix``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import Tensor, nn

from lessons_lib.checks import check_ids_in_range, check_ids_tensor, check_int, check_number
from lessons_lib.layers.char_cnn import CHAR_SLOTS, CharCNN, CharCNNConfig
from lessons_lib.layers.lstm import LstmConfig, LstmStack

# The published ELMo's character filters (width, count): 2,048 in all.
_ORIGINAL_FILTERS = ((1, 32), (2, 32), (3, 64), (4, 128), (5, 256), (6, 512), (7, 1024))


@dataclass
class ElmoConfig:
    """Every size of an ELMo bidirectional language model in one place."""

    vocab_size: int  # tokens the shared softmax predicts (here the WordPiece vocabulary)
    char_dim: int = 16  # width of a character embedding
    filters: tuple[tuple[int, int], ...] = _ORIGINAL_FILTERS  # (width, count) of each character convolution
    num_highway: int = 2  # highway layers on the concatenated filter responses
    cell_size: int = 4096  # LSTM memory width (per direction)
    projection_size: int = 512  # LSTM output width, also the token vector's width (per direction)
    num_layers: int = 2  # LSTM layers per direction (L)
    cell_clip: float | None = 3.0  # LSTM memory clipped to +-cell_clip
    proj_clip: float | None = 3.0  # LSTM projected output clipped to +-proj_clip

    def __post_init__(self):
        check_int("vocab_size", self.vocab_size, low=2)
        for name in ("char_dim", "cell_size", "projection_size", "num_layers"):
            check_int(name, getattr(self, name), low=1)
        check_int("num_highway", self.num_highway, low=0)
        for name in ("cell_clip", "proj_clip"):
            if getattr(self, name) is not None:
                check_number(name, getattr(self, name), low=0.0, low_open=True)
        self.filters = self.char_cnn_config().filters  # checked, and as tuples (a JSON config gives lists)

    def char_cnn_config(self) -> CharCNNConfig:
        """The token layer: characters in, a projection_size-wide vector out."""
        return CharCNNConfig(char_dim=self.char_dim, filters=self.filters, num_highway=self.num_highway,
                             output_size=self.projection_size)

    def lstm_config(self) -> LstmConfig:
        """Each direction's LSTM stack: projected, clipped, residual from the second layer on."""
        return LstmConfig(input_size=self.projection_size, cell_size=self.cell_size,
                          projection_size=self.projection_size, num_layers=self.num_layers,
                          cell_clip=self.cell_clip, proj_clip=self.proj_clip, residual=True)

    @classmethod
    def original(cls, vocab_size: int = 793471) -> ElmoConfig:
        """The published ELMo: 2,048 filters, LSTM memory 4,096 projected to 512, 2 layers (93.6M without softmax)."""
        return cls(vocab_size=vocab_size)

    @classmethod
    def reference_test(cls, vocab_size: int) -> ElmoConfig:
        """The reference implementation's tiny test configuration (character dim 4, memory 64, projection 16)."""
        return cls(vocab_size=vocab_size, char_dim=4, filters=((1, 4), (2, 8), (3, 16), (4, 32), (5, 64)),
                   num_highway=2, cell_size=64, projection_size=16, num_layers=2, cell_clip=3.0, proj_clip=3.0)

    @classmethod
    def tiny(cls, vocab_size: int) -> ElmoConfig:
        """Our CPU-sized ELMo: 128 filters, LSTM memory 256 projected to 64, 2 layers."""
        return cls(vocab_size=vocab_size, char_dim=16, filters=((1, 16), (2, 16), (3, 32), (4, 32), (5, 32)),
                   num_highway=2, cell_size=256, projection_size=64, num_layers=2, cell_clip=3.0, proj_clip=3.0)


class ElmoOutput(NamedTuple):
    """What ``ElmoBiLM`` returns; the logits are ``None`` when not asked for."""

    representations: tuple[Tensor, ...]  # L + 1 of (B, T, 2P): token layer, then each LSTM level, [fwd; bwd]
    forward_logits: Tensor | None  # (B, T, V): position t scores token t + 1 (read left to right)
    backward_logits: Tensor | None  # (B, T, V): position t scores token t - 1 (read right to left)


class ElmoBiLM(nn.Module):
    """Character CNN, a forward and a backward LSTM stack, and one softmax shared by both."""

    def __init__(self, config: ElmoConfig):
        super().__init__()
        if not isinstance(config, ElmoConfig):
            raise TypeError(f"config must be an ElmoConfig, got {type(config).__name__}")
        self.config = config
        self.token_layer = CharCNN(config.char_cnn_config())
        self.forward_lm = LstmStack(config.lstm_config())
        self.backward_lm = LstmStack(config.lstm_config())
        self.softmax = nn.Linear(config.projection_size, config.vocab_size)  # shared by both directions

    def forward(self, char_ids: Tensor, *, logits: bool = True) -> ElmoOutput:
        """(B, T, 50) character ids, sentences right-padded with zero rows -> ``ElmoOutput``.

        ``logits=False`` skips the softmax (the vocabulary product dominates a small model's cost)
        when only the representations are wanted.
        """
        if not isinstance(char_ids, Tensor) or char_ids.dim() != 3 or char_ids.shape[-1] != CHAR_SLOTS:
            raise ValueError(f"char_ids must be a (batch, words, {CHAR_SLOTS}) tensor of character ids, "
                             f"got {getattr(char_ids, 'shape', type(char_ids).__name__)}")
        _check_char_ids(char_ids, self.token_layer.config.char_vocab_size)
        tokens = self.token_layer(char_ids)  # (B, T, P)
        forward_layers = self.forward_lm(tokens)  # L of (B, T, P), position t has read words 0..t
        # The backward LM reads each sentence from its last real word to its first: reverse the
        # words (padding stays at the end), read left to right, and put the outputs back in order.
        order = _reversed_order(char_ids)  # (B, T)
        backward_layers = [_gather(h, order) for h in self.backward_lm(_gather(tokens, order))]
        representations = (torch.cat([tokens, tokens], dim=-1),  # the token layer, duplicated
                           *(torch.cat(pair, dim=-1) for pair in zip(forward_layers, backward_layers, strict=True)))
        if not logits:
            return ElmoOutput(representations, None, None)
        return ElmoOutput(representations, self.softmax(forward_layers[-1]), self.softmax(backward_layers[-1]))


def _check_char_ids(char_ids: Tensor, char_vocab_size: int) -> None:
    """Integer ids in [0, char_vocab_size); all-zero rows ("no word") only after a sentence's last word."""
    check_ids_tensor("char_ids", char_ids, dims=3)
    check_ids_in_range("char_ids", char_ids, char_vocab_size, "the character vocabulary")
    real = (char_ids != 0).any(dim=-1)  # (B, T) True for a word
    gaps = real[:, 1:] & ~real[:, :-1]  # a word right after a "no word" row
    if bool(gaps.any()):
        sentence, word = (int(i) for i in gaps.nonzero()[0])
        raise ValueError(f"char_ids sentence {sentence} has an all-zero row (no word) at position {word}, before "
                         "a real word: zero rows are padding and must come after the sentence's last word "
                         "(batch_char_ids pads that way)")


def _reversed_order(char_ids: Tensor) -> Tensor:
    """(B, T) index that reverses each sentence's real words and leaves its padding where it is."""
    lengths = (char_ids != 0).any(dim=-1).sum(dim=-1, keepdim=True)  # (B, 1) words per sentence
    t = torch.arange(char_ids.shape[1], device=char_ids.device)[None]  # (1, T)
    return torch.where(t < lengths, lengths - 1 - t, t)  # reversing twice gives the identity


def _gather(x: Tensor, order: Tensor) -> Tensor:
    """x (B, T, D) re-ordered along T by order (B, T)."""
    return x.gather(1, order[..., None].expand(-1, -1, x.shape[-1]))
