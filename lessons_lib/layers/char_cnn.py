"""ELMo's token layer: a word's characters -> one context-free vector, with no vocabulary of words.

Each character id is embedded; one 1-D convolution per filter width slides over the word and keeps
its strongest response (max-pool over the 50 slots), ReLU; the responses of every width are
concatenated; highway layers mix them; a linear projection brings them to the LSTM's input size.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from lessons_lib.checks import check_int

CHAR_SLOTS = 50  # character slots per word (see lessons_lib.tokenizers.elmo_chars)


@dataclass
class CharCNNConfig:
    """Every size of the character CNN."""

    char_vocab_size: int = 262  # character ids 0..261 (0: "no word")
    char_dim: int = 16  # width of a character embedding
    filters: tuple[tuple[int, int], ...] = ((1, 32), (2, 32), (3, 64), (4, 128), (5, 256), (6, 512), (7, 1024))
    # (width, count) of each convolution: count detectors of width-character patterns
    num_highway: int = 2  # highway layers after the concatenation
    output_size: int = 512  # the projection's output: the LSTM's input size

    def __post_init__(self):
        try:  # a JSON config gives lists of lists
            self.filters = tuple((w, n) for w, n in self.filters)
        except (TypeError, ValueError):
            raise TypeError(f"filters must be a list of (width, count) pairs, got {self.filters!r}") from None
        for name in ("char_vocab_size", "char_dim", "output_size"):
            check_int(name, getattr(self, name), low=1)
        check_int("num_highway", self.num_highway, low=0)
        if not self.filters:
            raise ValueError("filters must hold at least one (width, count) pair")
        for width, count in self.filters:
            check_int("filters width", width, low=1, high=CHAR_SLOTS)
            check_int("filters count", count, low=1)

    @property
    def num_filters(self) -> int:
        """Width of the concatenated convolution responses."""
        return sum(n for _, n in self.filters)


class Highway(nn.Module):
    """``y = g * x + (1 - g) * relu(A x)`` with gate ``g = sigmoid(B x)``, one layer per step."""

    def __init__(self, size: int, num_layers: int):
        super().__init__()
        self.transforms = nn.ModuleList(nn.Linear(size, size) for _ in range(num_layers))  # A
        self.gates = nn.ModuleList(nn.Linear(size, size) for _ in range(num_layers))  # B
        for gate in self.gates:
            # sigmoid(1) = 0.73: each layer starts by mostly carrying its input through.
            nn.init.constant_(gate.bias, 1.0)

    def forward(self, x: Tensor) -> Tensor:
        """(..., size) -> (..., size)."""
        for transform, gate in zip(self.transforms, self.gates, strict=True):
            g = torch.sigmoid(gate(x))
            x = g * x + (1 - g) * F.relu(transform(x))
        return x


class CharCNN(nn.Module):
    """Character ids (..., 50) -> token vectors (..., output_size)."""

    def __init__(self, config: CharCNNConfig):
        super().__init__()
        if not isinstance(config, CharCNNConfig):
            raise TypeError(f"config must be a CharCNNConfig, got {type(config).__name__}")
        self.config = config
        self.embedding = nn.Embedding(config.char_vocab_size, config.char_dim, padding_idx=0)
        self.convs = nn.ModuleList(nn.Conv1d(config.char_dim, n, kernel_size=w) for w, n in config.filters)
        self.highway = Highway(config.num_filters, config.num_highway)
        self.projection = nn.Linear(config.num_filters, config.output_size)

    def features(self, char_ids: Tensor) -> Tensor:
        """(N, 50) -> (N, num_filters): each filter's strongest response over the word, after ReLU."""
        x = self.embedding(char_ids).transpose(1, 2)  # (N, char_dim, 50): Conv1d wants channels first
        pooled = [conv(x).max(dim=-1).values for conv in self.convs]  # each (N, count)
        return F.relu(torch.cat(pooled, dim=-1))  # (N, num_filters)

    def forward(self, char_ids: Tensor) -> Tensor:
        """(..., 50) character ids -> (..., output_size)."""
        shape = char_ids.shape[:-1]
        flat = char_ids.reshape(-1, char_ids.shape[-1])  # (N, 50)
        # A batch repeats its words ("the", ",") many times: run the CNN once per distinct word.
        words, where = torch.unique(flat, dim=0, return_inverse=True)  # (U, 50), (N,)
        vectors = self.projection(self.highway(self.features(words)))  # (U, output_size)
        return vectors[where].reshape(*shape, -1)
