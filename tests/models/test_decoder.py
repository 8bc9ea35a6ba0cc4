"""lessons_lib.models.decoder: one decoder for GPT and GPT-2, one forward, one cache, one way to ask for states."""

import dataclasses

import pytest
import torch
from torch import nn

from lessons_lib.generation import generate
from lessons_lib.layers.attention import KVCache
from lessons_lib.models.decoder import Decoder, DecoderConfig, DecoderLM, DecoderOutput
from lessons_lib.models.gpt import GPT, GPTConfig
from lessons_lib.models.gpt2 import GPT2, GPT2Config

SIZES = dict(vocab_size=60, max_len=40, hidden_size=32, num_layers=2, num_heads=4, intermediate_size=64)
MODELS = [(GPT, GPTConfig(**SIZES)), (GPT2, GPT2Config(**SIZES))]


def _confident(cls, config, seed=0):
    """Random weights made large, so that the greedy choices are varied and far from ties."""
    torch.manual_seed(seed)
    model = cls(config).eval()
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() > 1:
                p.mul_(8.0)
    return model


def test_gpt_and_gpt2_differ_in_one_field_and_share_one_class_of_body():
    gpt, gpt2 = GPTConfig(**SIZES), GPT2Config(**SIZES)
    differ = {f.name for f in dataclasses.fields(DecoderConfig) if getattr(gpt, f.name) != getattr(gpt2, f.name)}
    assert differ == {"norm_first", "scaled_residual_init"}  # where LayerNorm sits, and the start it needs
    assert type(GPT(gpt).transformer) is type(GPT2(gpt2).transformer) is Decoder
    assert isinstance(GPT2(gpt2).transformer.final_norm, nn.LayerNorm)
    assert isinstance(GPT(gpt).transformer.final_norm, nn.Identity)
    post_ln = GPT2(dataclasses.replace(gpt2, norm_first=False))  # post-LN GPT-2: a config field, no surgery
    assert [block.norm_first for block in post_ln.transformer.layers] == [False, False]


@pytest.mark.parametrize(("cls", "config"), MODELS)
def test_cached_and_uncached_greedy_generation_give_identical_tokens(cls, config):
    model = _confident(cls, config)
    prompt = torch.randint(0, config.vocab_size, (2, 6), generator=torch.Generator().manual_seed(1))
    cached, uncached = generate(model, prompt, 30), generate(model, prompt, 30, use_cache=False)
    assert torch.equal(cached, uncached)
    assert cached.shape == (2, 36) and len(set(cached[:, 6:].flatten().tolist())) > 3  # varied: a real test


@pytest.mark.parametrize(("cls", "config"), MODELS)
def test_one_forward_for_both_with_padding_cache_states_and_attentions(cls, config):
    model = _confident(cls, config, seed=2)
    ids = torch.randint(0, config.vocab_size, (2, 10), generator=torch.Generator().manual_seed(2))
    padding = torch.ones_like(ids)
    padding[1, 7:] = 0
    with torch.no_grad():
        full = model(ids, padding)
        cache = KVCache()
        stepped = torch.cat([model(ids[:, :4], padding[:, :4], cache=cache),
                             *[model(ids[:, t : t + 1], padding[:, : t + 1], cache=cache) for t in range(4, 10)]], 1)
        out = model.transformer(ids, padding, output_hidden_states=True, output_attentions=True)
        scores = model.next_token_scores(ids)
    real = padding.bool()
    torch.testing.assert_close(stepped[real], full[real], atol=1e-4, rtol=1e-4)
    assert isinstance(out, DecoderOutput) and len(out.hidden_states) == 3 and len(out.attentions) == 2
    assert out.attentions[0][1, ..., 7:].abs().max() == 0  # padded keys get no weight
    torch.testing.assert_close(model.lm_head(out.last_hidden_state), full, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(scores, model(ids)[:, -1], atol=1e-4, rtol=1e-4)


def test_next_token_loss_is_the_loss_of_the_logits():
    model = GPT(GPTConfig(**SIZES)).eval()  # no dropout: both passes see the same network
    ids = torch.randint(0, 60, (3, 12))
    expected = nn.functional.cross_entropy(model(ids)[:, :-1].reshape(-1, 60), ids[:, 1:].reshape(-1))
    torch.testing.assert_close(model.next_token_loss(ids), expected)


BAD = [
    (lambda: DecoderConfig(vocab_size=0, max_len=8), ValueError, "vocab_size"),
    (lambda: DecoderConfig(vocab_size=8, max_len=8, norm_first=1), TypeError, "norm_first"),
    (lambda: DecoderConfig(vocab_size=8, max_len=8, hidden_size=30, num_heads=4), ValueError, "hidden_size"),
    (lambda: DecoderLM(GPTConfig(**SIZES))(torch.zeros(1, 3, dtype=torch.long), torch.ones(1, 2)), ValueError,
     "attention_mask"),
    (lambda: Decoder("gpt"), TypeError, "config must be a DecoderConfig"),
]


@pytest.mark.parametrize(("call", "error", "pattern"), BAD)
def test_bad_input_is_named(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()
