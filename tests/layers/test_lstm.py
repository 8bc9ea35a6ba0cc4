"""lessons_lib.layers.lstm: the LSTM with projection and clipping, against torch.nn.LSTM."""

import pytest
import torch

from lessons_lib.layers.lstm import LstmConfig, LstmLayer, LstmStack


def _copy_into_torch(layers, reference):
    """Give torch.nn.LSTM our weights: same gate order (i, f, g, o); our one bias goes in bias_ih."""
    with torch.no_grad():
        for k, layer in enumerate(layers):
            getattr(reference, f"weight_ih_l{k}").copy_(layer.input_linear.weight)
            getattr(reference, f"weight_hh_l{k}").copy_(layer.state_linear.weight)
            getattr(reference, f"bias_ih_l{k}").copy_(layer.state_linear.bias)
            getattr(reference, f"bias_hh_l{k}").zero_()
            if layer.projection is not None:
                getattr(reference, f"weight_hr_l{k}").copy_(layer.projection.weight)


def _randomise(module):
    torch.manual_seed(3)
    with torch.no_grad():
        for p in module.parameters():
            p.normal_(0, 0.3)


def test_without_projection_and_clips_one_layer_equals_torch_lstm():
    config = LstmConfig(input_size=5, cell_size=7, projection_size=None, num_layers=1, cell_clip=None,
                        proj_clip=None)
    layer = LstmLayer(5, config)
    _randomise(layer)
    reference = torch.nn.LSTM(5, 7, batch_first=True)
    _copy_into_torch([layer], reference)
    x = torch.randn(3, 9, 5)
    torch.testing.assert_close(layer(x), reference(x)[0], atol=1e-6, rtol=1e-5)


@pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")
def test_with_projection_and_no_clips_a_stack_equals_torch_lstm_with_proj_size():
    config = LstmConfig(input_size=6, cell_size=8, projection_size=4, num_layers=2, cell_clip=None,
                        proj_clip=None, residual=False)
    stack = LstmStack(config)
    _randomise(stack)
    reference = torch.nn.LSTM(6, 8, num_layers=2, batch_first=True, proj_size=4)
    _copy_into_torch(stack.layers, reference)
    x = torch.randn(2, 11, 6)
    outputs = stack(x)
    assert [o.shape for o in outputs] == [(2, 11, 4)] * 2
    torch.testing.assert_close(outputs[-1], reference(x)[0], atol=1e-6, rtol=1e-5)


def test_residual_connection_from_the_second_layer_on():
    config = LstmConfig(input_size=4, cell_size=6, projection_size=4, num_layers=3, cell_clip=None, proj_clip=None)
    stack = LstmStack(config)
    x = torch.randn(2, 5, 4)
    outputs = stack(x)
    torch.testing.assert_close(outputs[0], stack.layers[0](x))  # no residual under the first layer
    torch.testing.assert_close(outputs[1], stack.layers[1](outputs[0]) + outputs[0])
    torch.testing.assert_close(outputs[2], stack.layers[2](outputs[1]) + outputs[1])


def test_one_step_with_both_clips_by_hand():
    config = LstmConfig(input_size=3, cell_size=4, projection_size=2, num_layers=1, cell_clip=0.5, proj_clip=0.1)
    layer = LstmLayer(3, config)
    _randomise(layer)
    with torch.no_grad():
        layer.input_linear.weight.mul_(20)  # large inputs: the memory would pass 0.5 without the clip
    x = torch.randn(1, 2, 3)
    h, c = torch.zeros(1, 2), torch.zeros(1, 4)
    for t in range(2):
        z = x[:, t] @ layer.input_linear.weight.T + h @ layer.state_linear.weight.T + layer.state_linear.bias
        i, f, g, o = torch.sigmoid(z[:, :4]), torch.sigmoid(z[:, 4:8]), torch.tanh(z[:, 8:12]), torch.sigmoid(z[:, 12:])
        unclipped = f * c + i * g
        c = unclipped.clamp(-0.5, 0.5)
        h = ((o * torch.tanh(c)) @ layer.projection.weight.T).clamp(-0.1, 0.1)
        if t == 1:
            assert unclipped.abs().max() > 0.5  # the clip did something
            torch.testing.assert_close(layer(x)[:, t], h)
    assert layer(x * 100).abs().max() <= 0.1


def test_forget_gate_bias_starts_at_one():
    layer = LstmLayer(3, LstmConfig(input_size=3, cell_size=4, projection_size=2))
    assert layer.state_linear.bias[4:8].eq(1).all()
    assert layer.state_linear.bias[:4].eq(0).all() and layer.state_linear.bias[8:].eq(0).all()
    assert layer.input_linear.bias is None and layer.projection.bias is None


def test_no_step_sees_the_future():
    stack = LstmStack(LstmConfig(input_size=4, cell_size=6, projection_size=3))
    x = torch.randn(1, 6, 4)
    changed = x.clone()
    changed[0, 4] += 1.0
    for before, after in zip(stack(x), stack(changed), strict=True):
        torch.testing.assert_close(before[:, :4], after[:, :4], rtol=0, atol=0)
        assert not torch.allclose(before[:, 4:], after[:, 4:])


@pytest.mark.parametrize(("kwargs", "error", "pattern"), [
    (dict(cell_size=0), ValueError, "cell_size"),
    (dict(projection_size=0), ValueError, "projection_size"),
    (dict(cell_clip=-1.0), ValueError, "cell_clip"),
    (dict(proj_clip="3"), TypeError, "proj_clip"),
    (dict(num_layers=1.5), TypeError, "num_layers"),
    (dict(residual=1), TypeError, "residual"),
])
def test_bad_config_is_named(kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        LstmConfig(**kwargs)


def test_wrong_config_type():
    with pytest.raises(TypeError, match="config must be a LstmConfig"):
        LstmStack(dict(input_size=3))
