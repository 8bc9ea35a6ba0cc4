"""What a computation costs, counted rather than timed: arithmetic and the longest chain of steps.

Counts are the same on every CPU, so a notebook can assert them; wall-clock times are printed
beside them for the student's own machine, and compared only in benchmarks (``make bench``).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.utils.flop_counter import FlopCounterMode, sdpa_backward_flop_count, sdpa_flop_count

# flop_counter knows the fused attention kernels of GPUs; the CPU's is counted by the same formula
# (every query against every key: a look-ahead mask's skipped half is counted as done).
_CPU_ATTENTION = {
    torch.ops.aten._scaled_dot_product_flash_attention_for_cpu:
        lambda q, k, v, *args, **kwargs: sdpa_flop_count(q, k, v),
    torch.ops.aten._scaled_dot_product_flash_attention_for_cpu_backward:
        lambda grad, q, k, v, *args, **kwargs: sdpa_backward_flop_count(grad, q, k, v),
}


def count_flops(run: Callable[[], object]) -> int:
    """Floating-point operations of the matrix products (and attention) that ``run()`` performs.

    A multiply and an add count as two. Element-wise work (GELU, LayerNorm, softmax) is not counted:
    in a Transformer it is a small share of the total.
    """
    if not callable(run):
        raise TypeError(f"run must be a function of no arguments, got {type(run).__name__}")
    counter = FlopCounterMode(display=False, custom_mapping=_CPU_ATTENTION)
    with counter:
        run()
    return counter.get_total_flops()


def graph_depth(output: torch.Tensor) -> int:
    """Length of the longest chain of operations that led to ``output``: steps that must run one after another.

    Read from the autograd graph, so ``output`` must have been computed with gradients on, from an
    input that requires them. Operations on the same chain cannot run at the same time however many
    processors there are; operations on different chains can. The count is of autograd's nodes
    (views such as a transpose and the input's own node included; a sum inside one kernel is one
    node), so its exact value depends on how PyTorch splits an operation: compare how it grows.
    """
    if not isinstance(output, torch.Tensor):
        raise TypeError(f"output must be a torch.Tensor, got {type(output).__name__}")
    if output.grad_fn is None:
        raise ValueError("output has no autograd graph: compute it from an input with requires_grad=True, "
                         "outside torch.no_grad()")
    depth: dict[object, int] = {}
    stack = [(output.grad_fn, False)]
    while stack:  # depth-first, iterative: a 512-step recurrence is deeper than Python's recursion limit
        node, children_done = stack.pop()
        if node in depth:
            continue
        children = [child for child, _ in node.next_functions if child is not None]
        if children_done:
            depth[node] = 1 + max((depth[child] for child in children), default=0)
        else:
            stack.append((node, True))
            stack.extend((child, False) for child in children if child not in depth)
    return depth[output.grad_fn]
