"""lessons_lib.training.cost: arithmetic counted, and the longest chain of steps read from autograd."""

import pytest
import torch
from torch import nn

from lessons_lib.layers import BlockConfig, TransformerBlock
from lessons_lib.training import count_flops, graph_depth


def test_count_flops_of_a_matrix_product_is_two_per_multiply_add():
    layer = nn.Linear(8, 5, bias=False)
    x = torch.randn(3, 8)
    assert count_flops(lambda: layer(x)) == 2 * 3 * 8 * 5


def test_count_flops_counts_the_cpu_attention_kernel():
    q, k, v = (torch.randn(1, 2, 16, 4) for _ in range(3))
    counted = count_flops(lambda: torch.nn.functional.scaled_dot_product_attention(q, k, v))
    assert counted == 2 * (2 * 2 * 16 * 16 * 4)  # q @ k^T and weights @ v, each 2 * heads * T * T * d


def test_count_flops_of_a_block_grows_with_the_sequence():
    block = TransformerBlock(BlockConfig(16, 2, 32, dropout=0.0, attention_dropout=0.0)).eval()
    short, long = (count_flops(lambda n=n: block(torch.randn(1, n, 16), None)) for n in (8, 16))
    assert 2 * short < long < 4 * short  # linear parts double, attention quadruples


def test_graph_depth_counts_a_chain_and_not_its_width():
    x = torch.randn(5, requires_grad=True)
    y = x
    for _ in range(7):
        y = y * 2
    assert graph_depth(y) == graph_depth(x * 2) + 6
    wide = torch.randn(1000, requires_grad=True) * 2
    assert graph_depth(wide) == graph_depth(x * 2)


def test_graph_depth_of_a_long_recurrence_needs_no_recursion():
    h = torch.zeros(4, requires_grad=True)
    for _ in range(3000):  # deeper than Python's recursion limit
        h = torch.tanh(h + 1)
    assert graph_depth(h) >= 6000


def test_cost_functions_name_their_bad_argument():
    with pytest.raises(TypeError, match="run must be a function"):
        count_flops(3)
    with pytest.raises(TypeError, match="output must be a torch.Tensor"):
        graph_depth([1.0])
    with pytest.raises(ValueError, match="output has no autograd graph"):
        graph_depth(torch.ones(2) * 2)
