"""lessons_lib.layers.scalar_mix: gamma * sum_k softmax(w)_k h_k."""

import math

import pytest
import torch

from lessons_lib.layers.scalar_mix import ScalarMix


def test_mix_by_hand():
    mix = ScalarMix(3)
    with torch.no_grad():
        mix.weights.copy_(torch.tensor([0.0, math.log(2.0), math.log(5.0)]))  # shares 1/8, 2/8, 5/8
        mix.gamma.fill_(2.0)
    layers = [torch.randn(2, 4, 6) for _ in range(3)]
    torch.testing.assert_close(mix.shares(), torch.tensor([1 / 8, 2 / 8, 5 / 8]))
    torch.testing.assert_close(mix(layers), 2.0 * (layers[0] / 8 + 2 * layers[1] / 8 + 5 * layers[2] / 8))


def test_starts_as_the_plain_mean_and_learns_its_weights():
    mix = ScalarMix(4)
    layers = [torch.randn(3, 5) for _ in range(4)]
    torch.testing.assert_close(mix(layers), torch.stack(layers).mean(0))
    mix(layers).pow(2).sum().backward()
    assert mix.weights.grad is not None and mix.gamma.grad is not None


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="num_layers"):
        ScalarMix(0)
    with pytest.raises(ValueError, match="layers must hold num_layers=3"):
        ScalarMix(3)([torch.zeros(2)] * 2)
