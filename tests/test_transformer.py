import pytest
import torch

from lessons_lib.attention import look_ahead_mask, padding_mask
from lessons_lib.transformer import EncoderBlock, FeedForward, TransformerBlock


def _reference_block(block: TransformerBlock, norm_first: bool) -> torch.nn.TransformerEncoderLayer:
    """torch's own encoder layer carrying the same weights."""
    hidden = block.attention.query.in_features
    ref = torch.nn.TransformerEncoderLayer(
        hidden, block.attention.num_heads, block.feed_forward.up.out_features, dropout=0.0,
        activation="gelu", layer_norm_eps=block.attention_norm.eps, batch_first=True, norm_first=norm_first,
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


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("causal", [False, True])
def test_block_equals_torch_encoder_layer(norm_first, causal):
    torch.manual_seed(0)
    block = TransformerBlock(16, 4, 32, dropout=0.0, layer_norm_eps=1e-5, norm_first=norm_first).eval()
    ref = _reference_block(block, norm_first)
    x = torch.randn(2, 7, 16)
    attn = torch.tensor([[1] * 7, [1] * 5 + [0] * 2])
    mask = padding_mask(attn) & look_ahead_mask(7) if causal else padding_mask(attn)
    ours = block(x, mask)
    expected = ref(x, src_mask=~look_ahead_mask(7) if causal else None, src_key_padding_mask=attn == 0)
    real = attn.bool()
    torch.testing.assert_close(ours[real], expected[real], atol=1e-5, rtol=1e-5)


def test_block_returns_weights_when_asked():
    block = EncoderBlock(8, 2, 16, dropout=0.0).eval()
    x = torch.randn(1, 4, 8)
    out, weights = block(x, return_weights=True)
    torch.testing.assert_close(out, block(x))
    assert weights.shape == (1, 2, 4, 4)


def test_feed_forward_shapes_and_errors():
    assert FeedForward(8, 32)(torch.randn(2, 3, 8)).shape == (2, 3, 8)
    with pytest.raises(ValueError, match="activation"):
        FeedForward(8, 32, activation="swish")
    with pytest.raises(ValueError, match="intermediate_size"):
        FeedForward(8, 0)
