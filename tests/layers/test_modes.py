"""lessons_lib.layers.modes: eval mode inside the block, the model's own mode after it, also after an error."""

import pytest
import torch
from torch import nn

from lessons_lib.layers.modes import evaluating


@pytest.mark.parametrize("training", [True, False])
def test_eval_inside_then_the_mode_it_had(training):
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5)).train(training)
    with evaluating(model) as inside:
        assert inside is model and not model.training and not model[1].training
        x = torch.ones(1, 4)
        assert torch.equal(model(x), model(x))  # no dropout: the same answer twice
    assert model.training is training and model[1].training is training


def test_the_mode_comes_back_after_an_error():
    model = nn.Linear(2, 2).train()
    with pytest.raises(RuntimeError), evaluating(model):
        raise RuntimeError("boom")
    assert model.training


def test_a_model_is_required():
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"), evaluating("model"):
        pass
