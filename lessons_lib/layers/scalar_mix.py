"""ELMo's scalar mix: one vector per token from all of a model's layers, weighted per task.

``gamma * sum_k s_k h_k`` with ``s = softmax(w)``: the task learns the weights ``w`` (how much
of each layer it wants) and the scale ``gamma``; the pre-trained layers themselves stay frozen.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from lessons_lib.checks import check_int


class ScalarMix(nn.Module):
    """Softmax-normalised layer weights and a scale: ``gamma * sum_k softmax(w)_k * h_k``."""

    def __init__(self, num_layers: int):
        super().__init__()
        self.num_layers = check_int("num_layers", num_layers, low=1)
        self.weights = nn.Parameter(torch.zeros(num_layers))  # w: equal shares at the start
        self.gamma = nn.Parameter(torch.ones(()))

    def shares(self) -> Tensor:
        """(num_layers,) the weights after the softmax: how much each layer counts, summing to 1."""
        return self.weights.softmax(dim=0)

    def forward(self, layers: list[Tensor] | tuple[Tensor, ...]) -> Tensor:
        """num_layers tensors of one shape (..., D) -> their mix (..., D)."""
        if len(layers) != self.num_layers:
            raise ValueError(f"layers must hold num_layers={self.num_layers} tensors, got {len(layers)}")
        stacked = torch.stack(list(layers), dim=0)  # (K, ..., D)
        s = self.shares().view(-1, *([1] * (stacked.dim() - 1)))  # (K, 1, ..., 1)
        return self.gamma * (s * stacked).sum(dim=0)
