"""lessons_lib.layers.transformer: BlockConfig, the feed-forward network, the Transformer block, the stack, init."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lessons_lib.layers.attention import KVCache
from lessons_lib.layers.masks import look_ahead_mask, padding_mask
from lessons_lib.layers.transformer import (
    ACTIVATIONS,
    BlockConfig,
    BlockStack,
    FeedForward,
    TransformerBlock,
    init_normal,
)


def _reference_block(block: TransformerBlock, norm_first: bool, activation: str) -> torch.nn.TransformerEncoderLayer:
    """torch's own encoder layer carrying the same weights."""
    hidden = block.attention.query.in_features
    ref = torch.nn.TransformerEncoderLayer(
        hidden, block.attention.num_heads, block.feed_forward.up.out_features, dropout=0.0,
        activation=activation, layer_norm_eps=block.attention_norm.eps, batch_first=True, norm_first=norm_first,
    ).eval()
    a = block.attention
    with torch.no_grad():
        ref.self_attn.in_proj_weight.copy_(torch.cat([a.query.weight, a.key.weight, a.value.weight]))
        ref.self_attn.in_proj_bias.copy_(torch.cat([a.query.bias, a.key.bias, a.value.bias]))
        ref.self_attn.out_proj.weight.copy_(a.output.weight)
        ref.self_attn.out_proj.bias.copy_(a.output.bias)
        ref.linear1.load_state_dict(block.feed_forward.up.state_dict())
        ref.linear2.load_state_dict(block.feed_forward.down.state_dict())
        ref.norm1.load_state_dict(block.attention_norm.state_dict())
        ref.norm2.load_state_dict(block.feed_forward_norm.state_dict())
    return ref


@pytest.mark.parametrize("activation", ["gelu", "relu"])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("causal", [False, True])
def test_block_equals_torch_encoder_layer(norm_first, causal, activation):
    torch.manual_seed(0)
    config = BlockConfig(16, 4, 32, dropout=0.0, layer_norm_eps=1e-5, activation=activation, norm_first=norm_first)
    block = TransformerBlock(config).eval()
    ref = _reference_block(block, norm_first, activation)
    x = torch.randn(2, 7, 16)
    attn = torch.tensor([[1] * 7, [1] * 5 + [0] * 2])
    mask = padding_mask(attn) & look_ahead_mask(7) if causal else padding_mask(attn)
    ours = block(x, mask)
    expected = ref(x, src_mask=~look_ahead_mask(7) if causal else None, src_key_padding_mask=attn == 0)
    real = attn.bool()
    torch.testing.assert_close(ours[real], expected[real], atol=1e-5, rtol=1e-5)


def test_block_returns_weights_when_asked():
    block = TransformerBlock(BlockConfig(8, 2, 16, dropout=0.0)).eval()
    x = torch.randn(1, 4, 8)
    out, weights = block(x, return_weights=True)
    torch.testing.assert_close(out, block(x))
    assert weights.shape == (1, 2, 4, 4)
    torch.testing.assert_close(weights.sum(-1), torch.ones(1, 2, 4))


@pytest.mark.parametrize("norm_first", [False, True])
def test_causal_block_equals_the_look_ahead_mask_and_its_cache_equals_one_pass(norm_first):
    torch.manual_seed(1)
    block = TransformerBlock(BlockConfig(16, 4, 32, dropout=0.0, norm_first=norm_first)).eval()
    x = torch.randn(2, 9, 16)
    full = block(x, look_ahead_mask(9))
    torch.testing.assert_close(block(x, causal=True), full, atol=1e-5, rtol=1e-5)
    cache = KVCache().layer(0)
    pieces = [block(x[:, :5], causal=True, cache=cache)] + [
        block(x[:, t : t + 1], causal=True, cache=cache) for t in range(5, 9)]
    torch.testing.assert_close(torch.cat(pieces, 1), full, atol=1e-5, rtol=1e-5)
    assert cache.length == 9


def test_block_keeps_its_config():
    config = BlockConfig(8, 2, 16, attention_dropout=0.25, layer_norm_eps=1e-6, norm_first=True)
    block = TransformerBlock(config)
    assert block.config is config and block.norm_first
    assert block.attention.dropout == 0.25 and block.attention_norm.eps == 1e-6
    assert block.feed_forward.up.out_features == 16


def test_block_config_defaults_are_bert_base():
    config = BlockConfig()
    assert (config.hidden_size, config.num_heads, config.intermediate_size) == (768, 12, 3072)
    assert (config.dropout, config.attention_dropout, config.activation) == (0.1, 0.1, "gelu")
    assert config.layer_norm_eps == 1e-12 and config.norm_first is False


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"hidden_size": 10, "num_heads": 3}, ValueError, "multiple of num_heads"),
    ({"hidden_size": 0}, ValueError, "hidden_size must be an int >= 1"),
    ({"num_heads": 2.0}, TypeError, "num_heads must be an int"),
    ({"intermediate_size": -1}, ValueError, "intermediate_size"),
    ({"dropout": 1.0}, ValueError, r"dropout must be a number in \[0.0, 1.0\)"),
    ({"attention_dropout": "0.1"}, TypeError, "attention_dropout"),
    ({"activation": "swish"}, ValueError, "activation must be one of"),
    ({"layer_norm_eps": 0.0}, ValueError, "layer_norm_eps must be a number > 0"),
    ({"norm_first": 1}, TypeError, "norm_first must be True or False"),
])
def test_block_config_rejects_bad_values(kwargs, error, match):
    with pytest.raises(error, match=match):
        BlockConfig(**{"hidden_size": 8, "num_heads": 2, "intermediate_size": 16, **kwargs})


def test_block_wants_a_block_config():
    with pytest.raises(TypeError, match="config must be a BlockConfig"):
        TransformerBlock({"hidden_size": 8, "num_heads": 2})


def test_activations():
    x = torch.linspace(-3, 3, 13)
    torch.testing.assert_close(ACTIVATIONS["gelu"](x), x * 0.5 * (1 + torch.erf(x / 2**0.5)))  # exact erf form
    tanh_form = 0.5 * x * (1 + torch.tanh((2 / torch.pi) ** 0.5 * (x + 0.044715 * x**3)))
    torch.testing.assert_close(ACTIVATIONS["gelu_tanh"](x), tanh_form)
    torch.testing.assert_close(ACTIVATIONS["relu"](x), x.clamp(min=0))


def test_feed_forward_is_up_activation_down():
    torch.manual_seed(0)
    ff = FeedForward(8, 32, activation="relu", dropout=0.0)
    x = torch.randn(2, 3, 8)
    torch.testing.assert_close(ff(x), ff.down(F.relu(ff.up(x))))
    assert ff(x).shape == (2, 3, 8)


def test_feed_forward_errors():
    with pytest.raises(ValueError, match="activation"):
        FeedForward(8, 32, activation="swish")
    with pytest.raises(ValueError, match="intermediate_size"):
        FeedForward(8, 0)


def test_init_normal():
    torch.manual_seed(0)
    linear = nn.Linear(256, 256)
    init_normal(linear)
    # 65,536 draws: the sample standard deviation is within 0.001 of 0.02 (about 18 standard errors).
    assert abs(linear.weight.std().item() - 0.02) < 1e-3 and abs(linear.weight.mean().item()) < 1e-3
    assert torch.equal(linear.bias, torch.zeros(256))
    embedding = nn.Embedding(50, 8, padding_idx=3)
    init_normal(embedding, std=0.5)
    assert torch.equal(embedding.weight[3], torch.zeros(8)) and embedding.weight[4].abs().max() > 0
    norm = nn.LayerNorm(8)
    with torch.no_grad():
        norm.weight.fill_(3.0)
        norm.bias.fill_(1.0)
    init_normal(norm)
    assert torch.equal(norm.weight, torch.ones(8)) and torch.equal(norm.bias, torch.zeros(8))


@pytest.mark.parametrize("causal", [False, True])
def test_the_stack_runs_its_blocks_in_turn_and_returns_what_was_asked(causal):
    torch.manual_seed(0)
    stack = BlockStack(BlockConfig(16, 2, 32, dropout=0.0, attention_dropout=0.0), 3).eval()
    x = torch.randn(2, 5, 16)
    mask = padding_mask(torch.tensor([[1] * 5, [1, 1, 1, 0, 0]]))
    with torch.no_grad():
        by_hand = x
        for block in stack:
            by_hand = block(by_hand, mask, causal=causal)
        out, states, weights = stack(x, mask, causal=causal, output_hidden_states=True, output_attentions=True)
        plain = stack(x, mask, causal=causal)
    torch.testing.assert_close(out, by_hand, atol=1e-5, rtol=1e-5)
    assert plain[1] is None and plain[2] is None
    torch.testing.assert_close(plain[0], out, atol=1e-5, rtol=1e-5)  # the fused kernel: the same within rounding
    assert len(states) == 4 and states[0] is x and len(weights) == 3
    assert list(stack.state_dict())[0].startswith("0.")  # the blocks' weight names: N.*, as a plain list's
    assert bool(weights[0][0, 0, 0, 1:].abs().max() == 0) == causal  # look-ahead: the first token sees itself only
