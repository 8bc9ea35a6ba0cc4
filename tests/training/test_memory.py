"""lessons_lib.training.memory: parameters counted, resident memory read and handed back."""

import psutil
import pytest
import torch
from torch import nn

from lessons_lib.models.bert import BertConfig, BertForPreTraining
from lessons_lib.training.memory import count_parameters, release_memory, resident_memory_mb


def test_count_parameters_counts_shared_weights_once_and_can_skip_frozen_ones():
    assert count_parameters(nn.Linear(3, 2)) == 3 * 2 + 2
    model = BertForPreTraining(BertConfig.tiny(100))
    tied = model.bert.embeddings.token.weight.numel()
    separate = sum(p.numel() for p in model.state_dict().values() if p.dtype.is_floating_point)
    assert count_parameters(model) == separate - tied  # the decoder shares the token embeddings
    model.bert.embeddings.requires_grad_(False)
    frozen = sum(p.numel() for p in model.bert.embeddings.parameters())
    assert count_parameters(model, trainable_only=True) == count_parameters(model) - frozen
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        count_parameters("model")


def test_resident_memory_agrees_with_psutil():
    measured = resident_memory_mb()
    assert measured == pytest.approx(psutil.Process().memory_info().rss / 2**20, abs=20)


def test_release_memory_returns_freed_memory_to_the_system():
    before = release_memory()
    blocks = [torch.ones(100, 100) for _ in range(6000)]  # 240 MB in 40 kB blocks, below the mmap size
    del blocks
    after = release_memory()
    assert before is not None and after is not None  # Linux: /proc is there
    assert resident_memory_mb() == pytest.approx(after, abs=50)
    assert after < before + 100  # the 240 MB went back, not kept by the allocator
