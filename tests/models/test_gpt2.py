"""lessons_lib.models.gpt2: GPT-2 against Hugging Face's GPT2LMHeadModel on shared weights, the cache, the sizes."""

import math

import pytest
import torch

from lessons_lib.generation import generate
from lessons_lib.layers.attention import KVCache
from lessons_lib.models.bert import BertConfig
from lessons_lib.models.gpt import GPTConfig
from lessons_lib.models.gpt2 import GPT2, GPT2Config
from lessons_lib.training.memory import count_parameters

transformers = pytest.importorskip("transformers")

CONFIG = GPT2Config(vocab_size=100, max_len=48, hidden_size=64, num_layers=2, num_heads=4, intermediate_size=256)


def _hf_config(c: GPT2Config, **extra):
    # No bos/eos/pad token: Hugging Face's generate must not stop early or pad.
    hf = transformers.GPT2Config(vocab_size=c.vocab_size, n_positions=c.max_len, n_embd=c.hidden_size,
                                 n_layer=c.num_layers, n_head=c.num_heads, n_inner=c.intermediate_size,
                                 layer_norm_epsilon=c.layer_norm_eps, bos_token_id=None, eos_token_id=None,
                                 pad_token_id=None, **extra)
    hf._attn_implementation = "eager"
    return hf


def _reference(seed=0, config=CONFIG):
    """A GPT2LMHeadModel whose every weight is random and large (LayerNorms too): a wrong name would show."""
    torch.manual_seed(seed)
    model = transformers.GPT2LMHeadModel(_hf_config(config)).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.normal_(0.0, 0.3)
            if ".ln_" in name and name.endswith("weight"):
                p.add_(1.0)  # LayerNorm gains around 1, so the scores stay large
    return model


def _ids(shape, seed=0, vocab=CONFIG.vocab_size):
    return torch.randint(0, vocab, shape, generator=torch.Generator().manual_seed(seed))


def test_logits_equal_gpt2_lm_head_model_from_a_state_dict_and_a_folder(tmp_path):
    reference = _reference()
    reference.save_pretrained(tmp_path)  # config.json + model.safetensors, as on the Hub
    from_dict = GPT2.from_huggingface(reference.state_dict(), CONFIG)
    from_dir = GPT2.from_huggingface(tmp_path)
    assert from_dir.config == CONFIG
    ids = _ids((3, 40))
    with torch.no_grad():
        expected = reference(ids).logits
        for ours in (from_dict, from_dir):
            logits = ours(ids)
            assert logits.shape == (3, 40, CONFIG.vocab_size)
            assert (logits - expected).abs().max() <= 1e-4
    assert expected.std() > 1.0  # large, varied scores: the comparison has teeth


def test_training_loss_equals_transformers_loss_and_gradients():
    # next_token_loss scores the vocabulary a block at a time; value and gradients must not change.
    reference = _reference()
    ours = GPT2.from_huggingface(reference.state_dict(), CONFIG)
    ids = _ids((3, 40))
    loss = ours.next_token_loss(ids)
    their_loss = reference(input_ids=ids, labels=ids).loss
    assert abs(loss.item() - their_loss.item()) < 1e-4
    loss.backward()
    their_loss.backward()
    theirs = dict(reference.named_parameters())
    for name, ours_name in (("transformer.wte.weight", "transformer.token.weight"),
                            ("transformer.h.0.mlp.c_fc.bias", "transformer.layers.0.feed_forward.up.bias")):
        assert torch.allclose(dict(ours.named_parameters())[ours_name].grad, theirs[name].grad, atol=1e-5), name
    with torch.no_grad():
        assert torch.allclose(ours.next_token_loss(ids), loss, atol=1e-6)


def test_the_decoder_alone_loads_too():
    torch.manual_seed(1)
    decoder = transformers.GPT2Model(_hf_config(CONFIG)).eval()
    head = transformers.GPT2LMHeadModel(_hf_config(CONFIG)).eval()
    head.transformer.load_state_dict(decoder.state_dict())
    state = dict(decoder.state_dict())
    state["h.0.attn.bias"] = torch.ones(1, 1, 48, 48).tril()  # buffers older checkpoints store: skipped
    state["h.0.attn.masked_bias"] = torch.tensor(-1e4)
    ours = GPT2.from_huggingface(state, CONFIG)
    ids = _ids((2, 9), seed=1)
    with torch.no_grad():
        assert (ours(ids) - head(ids).logits).abs().max() <= 1e-4


def test_cached_steps_and_a_two_chunk_prefill_equal_one_full_pass():
    model = GPT2.from_huggingface(_reference(2).state_dict(), CONFIG)
    ids = _ids((2, 20), seed=2)
    with torch.no_grad():
        full = model(ids)
        cache = KVCache()
        prompt = model(ids[:, :12], cache=cache)  # the prompt at once, then one token per call
        steps = [model(ids[:, t : t + 1], cache=cache) for t in range(12, 20)]
        chunks = KVCache()
        first, second = model(ids[:, :7], cache=chunks), model(ids[:, 7:], cache=chunks)
    assert cache.length == chunks.length == 20 and len(cache.layers) == CONFIG.num_layers
    torch.testing.assert_close(torch.cat([prompt, *steps], 1), full, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(torch.cat([first, second], 1), full, atol=1e-5, rtol=1e-5)
    assert cache.layers[0].keys.shape == (2, CONFIG.num_heads, 20, CONFIG.hidden_size // CONFIG.num_heads)


def test_greedy_generation_equals_hugging_face_token_for_token():
    reference = _reference(3)
    ours = GPT2.from_huggingface(reference.state_dict(), CONFIG)
    ids = _ids((2, 8), seed=3)
    expected = reference.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=30, do_sample=False)
    assert expected.shape == (2, 38)
    assert torch.equal(generate(ours, ids, 30), expected)
    assert torch.equal(generate(ours, ids, 30, use_cache=False), expected)
    assert len(set(expected[:, 8:].flatten().tolist())) > 3  # not one token repeated: a real test


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_cache_size_is_layers_times_2_times_heads_times_head_size_times_tokens_times_bytes(dtype):
    model = GPT2(CONFIG).to(dtype).eval()
    cache = KVCache()
    with torch.no_grad():
        model(_ids((3, 10)), cache=cache)
        model(_ids((3, 1), seed=1), cache=cache)
    tokens = 3 * 11  # batch x positions
    head_size = CONFIG.hidden_size // CONFIG.num_heads
    bytes_per_number = torch.finfo(dtype).bits // 8
    assert cache.nbytes == CONFIG.num_layers * 2 * CONFIG.num_heads * head_size * tokens * bytes_per_number
    assert KVCache().nbytes == 0 and KVCache().length == 0


PUBLISHED = {"small": 124_439_808, "medium": 354_823_168, "large": 774_030_080, "xl": 1_557_611_200}


@pytest.mark.parametrize("preset", list(PUBLISHED))
def test_preset_parameter_counts_match_transformers(preset):
    config = getattr(GPT2Config, preset)()
    with torch.device("meta"):  # shapes only: no memory, no time
        ours = count_parameters(GPT2(config))
        theirs = count_parameters(transformers.GPT2LMHeadModel(_hf_config(config)))
    assert ours == theirs == PUBLISHED[preset]  # the tied output layer counted once


def test_presets_and_tiny_sizes():
    sizes = [(c.num_layers, c.hidden_size, c.num_heads) for c in
             (GPT2Config.small(), GPT2Config.medium(), GPT2Config.large(), GPT2Config.xl())]
    assert sizes == [(12, 768, 12), (24, 1024, 16), (36, 1280, 20), (48, 1600, 25)]
    tiny, gpt_tiny = GPT2Config.tiny(6000), GPTConfig.tiny(6000)
    for name in ("vocab_size", "max_len", "hidden_size", "num_layers", "num_heads", "intermediate_size",
                 "dropout", "attention_dropout"):
        assert getattr(tiny, name) == getattr(gpt_tiny, name), name
    assert tiny.block_config().norm_first and not gpt_tiny.block_config().norm_first


def test_residual_projections_start_smaller_by_sqrt_of_2_layers():
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=500, max_len=64, hidden_size=256, num_layers=8, num_heads=4,
                        intermediate_size=1024)
    model = GPT2(config)
    residual = torch.cat([p.flatten() for layer in model.transformer.layers
                          for p in (layer.attention.output.weight, layer.feed_forward.down.weight)])
    others = torch.cat([p.flatten() for layer in model.transformer.layers
                        for p in (layer.attention.query.weight, layer.feed_forward.up.weight)])
    assert abs(float(residual.detach().std()) - 0.02 / math.sqrt(16)) < 2e-4  # 0.005
    assert abs(float(others.detach().std()) - 0.02) < 2e-4
    assert abs(float(model.transformer.token.weight.detach().std()) - 0.02) < 5e-4
    assert torch.equal(model.transformer.final_norm.weight, torch.ones(256))


def test_the_output_layer_is_the_token_embedding():
    model = GPT2(CONFIG)
    assert "lm_head.weight" not in model.state_dict()
    model(torch.tensor([[1, 2, 3, 4, 5]]))[..., 50].sum().backward()
    grad = model.transformer.token.weight.grad
    assert grad[50].abs().sum() > 0  # token 50 is never read: only the output layer reaches its row
    assert grad[60].abs().sum() == 0  # a token neither read nor scored gets nothing


def _full_cache(length=40):
    model = GPT2(CONFIG).eval()
    cache = KVCache()
    with torch.no_grad():
        model(_ids((1, length)), cache=cache)
    return model, cache


BAD = [
    (lambda: GPT2(CONFIG)(torch.zeros(1, 49, dtype=torch.long)), ValueError, "input_ids has 49 positions"),
    (lambda: GPT2(CONFIG)(torch.zeros(1, 9, dtype=torch.long), cache=_full_cache()[1]), ValueError,
     "input_ids has 9 positions after 40 cached"),
    (lambda: GPT2(CONFIG)(torch.tensor([[3, 100]])), ValueError, r"input_ids must lie in \[0, vocab_size=100\)"),
    (lambda: GPT2(CONFIG)(torch.zeros(1, 3)), TypeError, "input_ids"),
    (lambda: GPT2(CONFIG)(torch.zeros(3, dtype=torch.long)), ValueError, r"input_ids must have shape \(batch, seq\)"),
    (lambda: GPT2(CONFIG)(torch.zeros(1, 0, dtype=torch.long)), ValueError, "seq >= 1"),
    (lambda: GPT2(CONFIG)(torch.zeros(1, 3, dtype=torch.long), cache={}), TypeError, "cache must be a KVCache"),
    (lambda: GPT2(CONFIG)(torch.zeros(2, 1, dtype=torch.long), cache=_full_cache()[1]), ValueError,
     "do not continue them"),
    (lambda: GPT2(GPT2Config(vocab_size=100, max_len=48, hidden_size=64, num_layers=3, num_heads=4))(
        torch.zeros(1, 1, dtype=torch.long), cache=_full_cache()[1]), ValueError, "cache holds 2 layers"),
    (lambda: GPT2Config(num_heads=5), ValueError, "hidden_size"),
    (lambda: GPT2Config(dropout=1.0), ValueError, "dropout"),
    (lambda: GPT2Config(num_layers=0), ValueError, "num_layers"),
    (lambda: GPT2Config(activation="swish"), ValueError, "activation"),
    (lambda: GPT2(BertConfig()), TypeError, "config must be a DecoderConfig"),
    (lambda: GPT2Config.from_huggingface({"activation_function": "silu"}), ValueError, "activation_function"),
    (lambda: GPT2Config.from_huggingface({"scale_attn_by_inverse_layer_idx": True}), ValueError,
     "scale_attn_by_inverse_layer_idx"),
    (lambda: GPT2.from_huggingface({"transformer.wte.weight": torch.zeros(100, 64)}, CONFIG), ValueError,
     "missing"),
    (lambda: GPT2.from_huggingface({"transformer.h.0.attn.c_extra.weight": torch.zeros(1)}, CONFIG), ValueError,
     "unexpected key"),
]


@pytest.mark.parametrize(("call", "error", "pattern"), BAD)
def test_bad_input_is_named(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()
