"""lessons_lib.layers.char_cnn: the character CNN, the highway layers, the projection."""

import pytest
import torch
import torch.nn.functional as F

from lessons_lib.layers.char_cnn import CharCNN, CharCNNConfig, Highway
from lessons_lib.tokenizers.elmo_chars import batch_char_ids, elmo_char_ids

SMALL = CharCNNConfig(char_dim=4, filters=((1, 3), (2, 5), (3, 7)), num_highway=2, output_size=6)


def test_shapes_and_sizes():
    cnn = CharCNN(SMALL)
    assert SMALL.num_filters == 15
    assert cnn(batch_char_ids([["the", "cat"], ["a"]])).shape == (2, 2, 6)
    assert cnn(elmo_char_ids(["one", "two", "three"])).shape == (3, 6)


def test_features_are_each_filters_best_window_after_relu_computed_by_hand():
    torch.manual_seed(0)
    cnn = CharCNN(SMALL)
    ids = elmo_char_ids(["ab", "hello"])
    e = cnn.embedding.weight[ids]  # (N, 50, char_dim)
    columns = []
    for conv in cnn.convs:
        width = conv.kernel_size[0]
        # Every window of `width` characters, flattened, times each filter's weights, plus its bias.
        windows = e.unfold(1, width, 1)  # (N, 50 - width + 1, char_dim, width)
        scores = torch.einsum("nwcd,fcd->nwf", windows, conv.weight) + conv.bias  # (N, windows, filters)
        columns.append(scores.max(dim=1).values)
    by_hand = F.relu(torch.cat(columns, dim=-1))
    torch.testing.assert_close(cnn.features(ids), by_hand)


def test_highway_formula_and_its_gate_starts_by_carrying_the_input():
    torch.manual_seed(1)
    highway = Highway(5, 2)
    for gate in highway.gates:
        assert gate.bias.eq(1.0).all()
    x = torch.randn(3, 5)
    y = x
    for a, b in zip(highway.transforms, highway.gates, strict=True):
        g = torch.sigmoid(y @ b.weight.T + b.bias)
        y = g * y + (1 - g) * torch.relu(y @ a.weight.T + a.bias)
    torch.testing.assert_close(highway(x), y)
    # With zero gate weights the gate is sigmoid(1) = 0.73 everywhere: most of x goes straight through.
    one = Highway(5, 1)
    with torch.no_grad():
        one.gates[0].weight.zero_()
        one.transforms[0].weight.zero_()
        one.transforms[0].bias.zero_()
    torch.testing.assert_close(one(x), torch.sigmoid(torch.tensor(1.0)) * x)


def test_forward_is_features_then_highway_then_projection_and_each_word_independent():
    torch.manual_seed(2)
    cnn = CharCNN(SMALL)
    ids = batch_char_ids([["the", "cat", "the"], ["cat", "sat", "on"]])
    one_by_one = torch.stack([cnn.projection(cnn.highway(cnn.features(w[None])))[0]
                              for w in ids.reshape(-1, 50)]).reshape(2, 3, 6)
    torch.testing.assert_close(cnn(ids), one_by_one)  # computing each distinct word once changes nothing
    torch.testing.assert_close(cnn(ids)[0, 0], cnn(ids)[0, 2])  # same spelling, same vector


def test_gradients_reach_every_parameter():
    cnn = CharCNN(SMALL)
    cnn(batch_char_ids([["the", "cat", "the"]])).sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for name, p in cnn.named_parameters()), \
        [name for name, p in cnn.named_parameters() if p.grad is None]


@pytest.mark.parametrize(("kwargs", "error", "pattern"), [
    (dict(filters=()), ValueError, "filters"),
    (dict(filters=((51, 4),)), ValueError, "filters width"),
    (dict(filters=((2, 0),)), ValueError, "filters count"),
    (dict(num_highway=-1), ValueError, "num_highway"),
    (dict(char_dim=0), ValueError, "char_dim"),
    (dict(output_size=2.5), TypeError, "output_size"),
    (dict(filters=(3, 4)), TypeError, "filters must be a list of"),
    (dict(filters=((2.5, 4),)), TypeError, "filters width"),
])
def test_bad_config_is_named(kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        CharCNNConfig(**kwargs)


def test_wrong_config_type():
    with pytest.raises(TypeError, match="config must be a CharCNNConfig"):
        CharCNN({"char_dim": 4})
