"""lessons_lib.layers.attention: scaled dot-product attention, multi-head self-attention, the key-value cache."""

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons_lib.layers.attention import (
    KVCache,
    LayerCache,
    MultiHeadAttention,
    scaled_dot_product_attention,
)
from lessons_lib.layers.masks import combine_masks, look_ahead_mask, padding_mask


@settings(max_examples=40, deadline=None)
@given(
    batch=st.integers(1, 3), heads=st.integers(1, 4), length=st.integers(1, 9),
    dim=st.integers(1, 16), causal=st.booleans(), seed=st.integers(0, 2**16),
)
def test_equals_torch_sdpa_with_both_masks(batch, heads, length, dim, causal, seed):
    gen = torch.Generator().manual_seed(seed)
    q, k, v = (torch.randn(batch, heads, length, dim, generator=gen) for _ in range(3))
    lengths = torch.randint(1, length + 1, (batch,), generator=gen)
    attn = (torch.arange(length)[None, :] < lengths[:, None]).long()
    mask = combine_masks(padding_mask(attn), look_ahead_mask(length) if causal else None)
    ours, weights = scaled_dot_product_attention(q, k, v, mask)
    reference = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    torch.testing.assert_close(ours, reference, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(weights.sum(-1), torch.ones(batch, heads, length))
    assert torch.all(weights.masked_select(~mask.expand_as(weights)) == 0)


def test_weights_are_zero_on_masked_keys_and_future():
    q = k = v = torch.randn(1, 1, 5, 4)
    _, weights = scaled_dot_product_attention(q, k, v, look_ahead_mask(5))
    assert torch.all(weights[0, 0].triu(1) == 0)


def test_sdpa_rejects_bad_input():
    q = torch.randn(1, 2, 3, 4)
    with pytest.raises(ValueError, match="query and key"):
        scaled_dot_product_attention(q, torch.randn(1, 2, 3, 5), q)
    with pytest.raises(ValueError, match="mask"):
        scaled_dot_product_attention(q, q, q, torch.ones(4, 4, dtype=torch.bool))
    with pytest.raises(TypeError, match="mask"):
        scaled_dot_product_attention(q, q, q, torch.ones(3, 3))
    with pytest.raises(TypeError, match="query"):
        scaled_dot_product_attention([1], q, q)
    with pytest.raises(ValueError, match="dropout_p"):
        scaled_dot_product_attention(q, q, q, dropout_p=1.5)


def test_multi_head_fused_path_equals_explicit_path():
    torch.manual_seed(0)
    mha = MultiHeadAttention(16, 4, dropout=0.0).eval()
    x = torch.randn(2, 6, 16)
    mask = combine_masks(padding_mask(torch.tensor([[1] * 6, [1] * 4 + [0] * 2])), look_ahead_mask(6))
    fused = mha(x, mask)
    explicit, weights = mha(x, mask, return_weights=True)
    torch.testing.assert_close(fused, explicit, atol=1e-5, rtol=1e-5)
    assert weights.shape == (2, 4, 6, 6)


def test_multi_head_equals_torch_multihead_attention():
    torch.manual_seed(0)
    ours = MultiHeadAttention(12, 3, dropout=0.0).eval()
    ref = torch.nn.MultiheadAttention(12, 3, batch_first=True).eval()
    with torch.no_grad():
        ref.in_proj_weight.copy_(torch.cat([ours.query.weight, ours.key.weight, ours.value.weight]))
        ref.in_proj_bias.copy_(torch.cat([ours.query.bias, ours.key.bias, ours.value.bias]))
        ref.out_proj.weight.copy_(ours.output.weight)
        ref.out_proj.bias.copy_(ours.output.bias)
    x = torch.randn(2, 5, 12)
    # torch's attn_mask uses True = blocked, the opposite of ours.
    expected, _ = ref(x, x, x, attn_mask=~look_ahead_mask(5))
    torch.testing.assert_close(ours(x, look_ahead_mask(5)), expected, atol=1e-5, rtol=1e-5)


def test_multi_head_rejects_a_bad_config():
    # Its forward runs once per layer and generated token, unchecked: the models check their input once.
    with pytest.raises(ValueError, match="num_heads"):
        MultiHeadAttention(10, 3)
    with pytest.raises(ValueError, match="hidden_size"):
        MultiHeadAttention(0, 1)


def test_a_fully_masked_row_gets_uniform_weights_not_nan():
    q = k = v = torch.randn(1, 1, 3, 4)
    mask = torch.tensor([[True, True, True], [False, False, False], [True, False, False]])
    out, weights = scaled_dot_product_attention(q, k, v, mask)
    assert torch.isfinite(out).all()
    torch.testing.assert_close(weights[0, 0, 1], torch.full((3,), 1 / 3))
    torch.testing.assert_close(out[0, 0, 2], v[0, 0, 0])  # a row that sees one key copies its value


def test_dropout_acts_only_in_training_and_leaves_the_returned_weights_alone():
    gen = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(2, 2, 5, 4, generator=gen) for _ in range(3))
    plain, plain_weights = scaled_dot_product_attention(q, k, v)
    evaluated, _ = scaled_dot_product_attention(q, k, v, dropout_p=0.5, training=False)
    torch.testing.assert_close(evaluated, plain)
    torch.manual_seed(0)
    dropped, weights = scaled_dot_product_attention(q, k, v, dropout_p=0.5, training=True)
    assert not torch.allclose(dropped, plain)
    torch.testing.assert_close(weights, plain_weights)  # the picture shows the weights before dropout


def test_split_and_merge_heads_are_inverse():
    mha = MultiHeadAttention(12, 3)
    x = torch.randn(2, 5, 12)
    heads = mha.split_heads(x)
    assert heads.shape == (2, 3, 5, 4)
    torch.testing.assert_close(heads[:, 1], x[..., 4:8])  # head 1 holds dimensions 4..7
    torch.testing.assert_close(mha.merge_heads(heads), x)


@pytest.mark.parametrize("return_weights", [False, True])
def test_causal_flag_equals_the_look_ahead_mask_on_both_paths(return_weights):
    torch.manual_seed(1)
    mha = MultiHeadAttention(16, 4, dropout=0.0).eval()
    x = torch.randn(2, 6, 16)
    padding = padding_mask(torch.tensor([[1] * 6, [1] * 4 + [0] * 2]))
    for mask in (None, padding):  # the look-ahead alone (the fused kernel's own) and with padding
        expected = mha(x, combine_masks(mask, look_ahead_mask(6)))
        got = mha(x, mask, return_weights=return_weights, causal=True)
        got = got[0] if return_weights else got
        torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)


def test_a_cache_gives_the_outputs_of_one_pass_chunk_by_chunk():
    torch.manual_seed(2)
    mha = MultiHeadAttention(16, 4, dropout=0.0).eval()
    x = torch.randn(2, 10, 16)
    full = mha(x, causal=True)
    cache = LayerCache()
    chunks = [mha(x[:, :4], causal=True, cache=cache), mha(x[:, 4:7], causal=True, cache=cache)]
    chunks += [mha(x[:, t : t + 1], causal=True, cache=cache) for t in range(7, 10)]
    torch.testing.assert_close(torch.cat(chunks, 1), full, atol=1e-5, rtol=1e-5)
    assert cache.length == 10 and cache.keys.shape == cache.values.shape == (2, 4, 10, 4)
    _, weights = mha(x[:, :2], return_weights=True, causal=True, cache=LayerCache())
    assert weights[0, 0, 0, 1] == 0  # the first position does not see the second


def test_kv_cache_grows_layer_by_layer_and_measures_its_bytes():
    cache = KVCache()
    assert cache.length == 0 and cache.nbytes == 0 and cache.layers == []
    keys = torch.zeros(2, 3, 5, 4)
    cache.layer(1).extend(keys, keys)  # layers are created on first use, in order
    assert len(cache.layers) == 2 and cache.layers[0].length == 0
    cache.layer(0).extend(keys, keys)
    cache.layer(0).extend(keys[:, :, :1], keys[:, :, :1])
    assert cache.length == 6
    assert cache.nbytes == (2 * 3 * 6 * 4 + 2 * 3 * 5 * 4) * 2 * 4  # keys and values, float32
    assert "length=6" in repr(cache)
    with pytest.raises(ValueError, match="do not continue them"):
        cache.layer(0).extend(torch.zeros(1, 3, 1, 4), torch.zeros(1, 3, 1, 4))
