"""ELMo's LSTM: an LSTM cell whose state is clipped and whose output is projected down.

At every step the cell computes four gates from its input and its previous (projected) output:
input ``i``, forget ``f``, candidate ``g`` and output ``o`` (torch.nn.LSTM's order). The memory
``c = f * c_prev + i * g`` is clipped to +-cell_clip; the output ``o * tanh(c)`` is projected to
``projection_size`` (no bias) and clipped to +-proj_clip. The projection keeps the layers above,
and the softmax, small while the memory stays wide; the clips keep a long text from blowing up
the state. ``LstmStack`` stacks layers that run in one direction, with a residual connection
from the second layer on.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from lessons_lib.checks import check_bool, check_int, check_number


@dataclass
class LstmConfig:
    """Every size of one direction's LSTM stack."""

    input_size: int = 512  # width of the token vectors fed in
    cell_size: int = 4096  # width of the memory c and of each gate
    projection_size: int | None = 512  # width of the output h; None: no projection (h is cell_size wide)
    num_layers: int = 2  # LSTM layers stacked
    cell_clip: float | None = 3.0  # the memory is clipped to +-cell_clip; None: no clip
    proj_clip: float | None = 3.0  # the projected output is clipped to +-proj_clip; None: no clip
    residual: bool = True  # add each layer's input to its output, from the second layer on

    def __post_init__(self):
        for name in ("input_size", "cell_size", "num_layers"):
            check_int(name, getattr(self, name), low=1)
        if self.projection_size is not None:
            check_int("projection_size", self.projection_size, low=1)
        for name in ("cell_clip", "proj_clip"):
            if getattr(self, name) is not None:
                check_number(name, getattr(self, name), low=0.0, low_open=True)
        check_bool("residual", self.residual)

    @property
    def output_size(self) -> int:
        """Width of each layer's output h."""
        return self.cell_size if self.projection_size is None else self.projection_size


class LstmLayer(nn.Module):
    """One LSTM layer with projection and clipping, read left to right over (B, T, input)."""

    def __init__(self, input_size: int, config: LstmConfig):
        super().__init__()
        c, p = config.cell_size, config.output_size
        self.config = config
        self.input_linear = nn.Linear(input_size, 4 * c, bias=False)  # W x, all time steps at once
        self.state_linear = nn.Linear(p, 4 * c)  # U h_prev + b, one step at a time
        self.projection = nn.Linear(c, p, bias=False) if config.projection_size is not None else None
        with torch.no_grad():  # forget gate bias 1: the memory is kept at first, not forgotten
            self.state_linear.bias.zero_()
            self.state_linear.bias[c : 2 * c] = 1.0

    def forward(self, x: Tensor) -> Tensor:
        """(B, T, input) -> (B, T, output_size); the state starts at zero."""
        cfg = self.config
        batch, steps = x.shape[:2]
        h = x.new_zeros(batch, cfg.output_size)  # (B, P)
        c = x.new_zeros(batch, cfg.cell_size)  # (B, C)
        # W x for all time steps at once; unbind (not x[:, t]) so the backward pass gathers the
        # steps' gradients once instead of building a full-size zero tensor per step.
        from_input = self.input_linear(x).unbind(dim=1)  # T of (B, 4C)
        outputs = []
        for t in range(steps):
            gates = from_input[t] + self.state_linear(h)  # (B, 4C)
            i, f, g, o = gates.chunk(4, dim=-1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            if cfg.cell_clip is not None:
                c = c.clamp(-cfg.cell_clip, cfg.cell_clip)
            h = torch.sigmoid(o) * torch.tanh(c)  # (B, C)
            if self.projection is not None:
                h = self.projection(h)  # (B, P)
            if cfg.proj_clip is not None:
                h = h.clamp(-cfg.proj_clip, cfg.proj_clip)
            outputs.append(h)
        return torch.stack(outputs, dim=1)  # (B, T, P)


class LstmStack(nn.Module):
    """``num_layers`` LSTM layers in one direction; returns every layer's output."""

    def __init__(self, config: LstmConfig):
        super().__init__()
        if not isinstance(config, LstmConfig):
            raise TypeError(f"config must be a LstmConfig, got {type(config).__name__}")
        self.config = config
        sizes = [config.input_size] + [config.output_size] * (config.num_layers - 1)
        self.layers = nn.ModuleList(LstmLayer(size, config) for size in sizes)

    def forward(self, x: Tensor) -> list[Tensor]:
        """(B, T, input) -> num_layers outputs, each (B, T, output_size), read left to right."""
        outputs = []
        for k, layer in enumerate(self.layers):
            y = layer(x)
            if self.config.residual and k > 0:  # the layer learns a correction to its input
                y = y + x
            outputs.append(y)
            x = y
        return outputs
