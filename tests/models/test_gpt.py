"""lessons_lib.models.gpt: GPT against Hugging Face's OpenAI GPT on shared weights, the look-ahead, the task heads."""

import pytest
import torch

from lessons_lib.models.bert import BertConfig, BertModel
from lessons_lib.models.decoder import Decoder, DecoderOutput
from lessons_lib.models.gpt import (
    GPT,
    GPTConfig,
    GPTForClassification,
    GPTForMultipleChoice,
    TaskOutput,
)
from lessons_lib.training.memory import count_parameters

transformers = pytest.importorskip("transformers")

CONFIGS = [
    GPTConfig(vocab_size=101, max_len=24, hidden_size=32, num_layers=2, num_heads=4, intermediate_size=128),
    GPTConfig(vocab_size=57, max_len=16, hidden_size=24, num_layers=3, num_heads=3, intermediate_size=96,
              layer_norm_eps=1e-6),
]


def _hf_config(c: GPTConfig):
    hf = transformers.OpenAIGPTConfig(vocab_size=c.vocab_size, n_positions=c.max_len, n_embd=c.hidden_size,
                                      n_layer=c.num_layers, n_head=c.num_heads, layer_norm_epsilon=c.layer_norm_eps)
    hf._attn_implementation = "eager"
    return hf


def _ids(config: GPTConfig, shape, seed=0):
    return torch.randint(0, config.vocab_size, shape, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("config", CONFIGS)
def test_lm_logits_equal_openai_gpt_lm_head_model(config):
    torch.manual_seed(0)
    reference = transformers.OpenAIGPTLMHeadModel(_hf_config(config)).eval()
    ours = GPT.from_huggingface(reference.state_dict(), config)
    ids = _ids(config, (3, config.max_len - 3))
    padding = torch.ones_like(ids)
    padding[0, -5:] = 0  # a shorter sentence, padded at the end
    with torch.no_grad():
        expected = reference(ids, output_hidden_states=True, output_attentions=True)
        logits = ours(ids)
        states = ours.transformer(ids, output_hidden_states=True, output_attentions=True)
        padded_expected = reference(ids, attention_mask=padding).logits
        padded = ours(ids, padding)
    assert logits.shape == (3, config.max_len - 3, config.vocab_size)
    assert (logits - expected.logits).abs().max() <= 1e-4
    real = padding.bool()
    assert (padded - padded_expected)[real].abs().max() <= 1e-4
    assert len(states.hidden_states) == len(expected.hidden_states) == config.num_layers + 1
    for ours_layer, theirs in zip(states.hidden_states, expected.hidden_states, strict=True):
        assert (ours_layer - theirs).abs().max() <= 1e-4
    for ours_weights, theirs in zip(states.attentions, expected.attentions, strict=True):
        torch.testing.assert_close(ours_weights, theirs, atol=1e-5, rtol=1e-4)


def test_multiple_choice_equal_openai_gpt_double_heads_model(tmp_path):
    config = CONFIGS[0]
    torch.manual_seed(2)
    reference = transformers.OpenAIGPTDoubleHeadsModel(_hf_config(config)).eval()
    reference.save_pretrained(tmp_path)  # config.json + model.safetensors, as on the Hub
    ids = _ids(config, (2, 4, 12), seed=1)
    extract = torch.tensor([[11, 7, 9, 4], [3, 11, 10, 8]])
    from_dict = GPTForMultipleChoice.from_huggingface(reference.state_dict(), config)
    from_dir = GPTForMultipleChoice.from_huggingface(tmp_path)
    assert from_dir.gpt.config == config
    with torch.no_grad():
        expected = reference(ids, mc_token_ids=extract)
        for ours in (from_dict, from_dir):
            out = ours(ids, extract_positions=extract)
            assert isinstance(out, TaskOutput) and out.logits.shape == (2, 4)
            assert (out.logits - expected.mc_logits).abs().max() <= 1e-4
            assert (out.lm_logits - expected.logits).abs().max() <= 1e-4
    assert expected.mc_logits.std() > 1e-3  # the scores differ between options: the check has teeth
    # Without extract positions, each option's last token is read (as Hugging Face's default).
    with torch.no_grad():
        default = from_dict(ids).logits
    torch.testing.assert_close(default, reference(ids).mc_logits, atol=1e-4, rtol=0)


def test_decoder_alone_loads_from_a_folder(tmp_path):
    config = CONFIGS[1]
    torch.manual_seed(3)
    reference = transformers.OpenAIGPTModel(_hf_config(config)).eval()
    reference.save_pretrained(tmp_path)
    ours = GPT.from_huggingface(tmp_path)
    ids = _ids(config, (2, 9))
    with torch.no_grad():
        got = ours.transformer(ids).last_hidden_state
        expected = reference(ids).last_hidden_state
    assert (got - expected).abs().max() <= 1e-4


def test_changing_token_t_changes_nothing_before_t_but_everything_in_bert():
    config = CONFIGS[0]
    gpt = GPT(config).eval()
    bert = BertModel(BertConfig(vocab_size=101, hidden_size=32, num_layers=2, num_heads=4, intermediate_size=128,
                                max_position_embeddings=24)).eval()
    ids = _ids(config, (1, 10))
    t = 6
    changed = ids.clone()
    changed[0, t] = (ids[0, t] + 1) % config.vocab_size
    with torch.no_grad():
        before, after = gpt(ids), gpt(changed)
        bert_before, bert_after = bert(ids).last_hidden_state, bert(changed).last_hidden_state
    assert torch.equal(before[0, :t], after[0, :t])  # exactly: not one bit moves
    assert (before[0, t:] - after[0, t:]).abs().amax(-1).min() > 1e-4  # t and every later output move
    assert (bert_before[0] - bert_after[0]).abs().amax(-1).min() > 1e-4  # BERT: every position moves


def test_look_ahead_can_be_switched_off_and_padding_masks_keys():
    config = CONFIGS[0]
    model = Decoder(config).eval()
    ids = _ids(config, (2, 7))
    padding = torch.tensor([[1] * 7, [1] * 4 + [0] * 3])
    with torch.no_grad():
        causal = model(ids, padding, output_attentions=True).attentions[0]
        open_ = model(ids, padding, causal=False, output_attentions=True).attentions[0]
    assert causal.shape == (2, 4, 7, 7)
    past = torch.ones(7, 7, dtype=torch.bool).tril()
    assert causal[0][..., ~past].abs().max() == 0 and causal[0][..., past].min() > 0  # the past and itself only
    assert open_[0].min() > 0  # every key seen
    assert open_[1][..., 4:].abs().max() == 0 and open_[1][..., :4].min() > 0  # padded keys only are hidden
    torch.testing.assert_close(causal.sum(-1), torch.ones(2, 4, 7))


def test_output_options_and_the_tied_output_layer():
    config = CONFIGS[0]
    model = GPT(config).eval()
    ids = _ids(config, (2, 5))
    with torch.no_grad():
        out = model.transformer(ids)
        everything = model.transformer(ids, output_hidden_states=True, output_attentions=True)
        logits = model(ids)
    assert isinstance(out, DecoderOutput) and out.hidden_states is None and out.attentions is None
    assert len(everything.hidden_states) == config.num_layers + 1 and len(everything.attentions) == 2
    torch.testing.assert_close(everything.last_hidden_state, out.last_hidden_state, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(logits, out.last_hidden_state @ model.transformer.token.weight.T)
    assert "lm_head.weight" not in model.state_dict()  # tied: the embeddings are the output layer


def test_parameter_count_of_the_paper_model_matches_transformers():
    with torch.device("meta"):  # shapes only: no memory, no time
        ours = count_parameters(GPT(GPTConfig.gpt1()))
        theirs = count_parameters(transformers.OpenAIGPTModel(_hf_config(GPTConfig.gpt1())))
    assert ours == theirs == 116_534_784  # the paper's "117M"


def test_added_tokens_start_random_and_keep_the_old_ones():
    config = CONFIGS[0]
    model = GPT(config).eval()
    old = model.transformer.token.weight.detach().clone()
    ids = model.add_tokens(3, seed=5)
    assert ids == [101, 102, 103] and model.config.vocab_size == 104
    assert model.transformer.config.vocab_size == 104
    grown = model.transformer.token.weight
    torch.testing.assert_close(grown[:101], old, rtol=0, atol=0)
    assert 0.005 < grown[101:].std() < 0.05 and grown.requires_grad
    with torch.no_grad():
        assert model(torch.tensor([[5, 103, 102]])).shape == (1, 3, 104)


def test_classifier_reads_the_extract_state_and_adds_orders():
    config = CONFIGS[0]
    classifier = GPTForClassification(config, 3).eval()
    ids = _ids(config, (2, 6))
    padding = torch.tensor([[1] * 6, [1] * 4 + [0] * 2])
    with torch.no_grad():
        out = classifier(ids, padding)
        states = classifier.gpt.transformer(ids, padding).last_hidden_state
        expected = classifier.head(torch.stack([states[0, 5], states[1, 3]]))  # the last real tokens
        both = classifier(torch.stack([ids, ids.flip(1)], 1))  # (B, 2, T): similarity, both orders
        flipped = classifier.gpt.transformer(ids.flip(1)).last_hidden_state
        plain = classifier.gpt.transformer(ids).last_hidden_state
    assert out.logits.shape == (2, 3) and out.lm_logits.shape == (2, 6, config.vocab_size)
    torch.testing.assert_close(out.logits, expected)
    torch.testing.assert_close(both.logits, classifier.head(plain[:, -1] + flipped[:, -1]))
    assert both.lm_logits.shape == (2, 2, 6, config.vocab_size)
    with torch.no_grad():
        light = classifier(ids, padding, with_lm_logits=False)
    assert light.lm_logits is None
    torch.testing.assert_close(light.logits, out.logits)  # the same answer without the next-token scores


BAD = [
    (lambda: GPT(CONFIGS[0])(torch.zeros(1, 25, dtype=torch.long)), ValueError, "max_len"),
    (lambda: GPT(CONFIGS[0])(torch.tensor([[3, 101]])), ValueError, "input_ids must lie in"),
    (lambda: GPT(CONFIGS[0])(torch.tensor([[-1, 3]])), ValueError, "input_ids must lie in"),
    (lambda: GPT(CONFIGS[0])(torch.zeros(1, 3)), TypeError, "input_ids"),
    (lambda: GPT(CONFIGS[0])(torch.zeros(1, 3, dtype=torch.long), torch.ones(1, 4)), ValueError, "attention_mask"),
    (lambda: GPTConfig(num_heads=5), ValueError, "hidden_size"),
    (lambda: GPTConfig(dropout=1.0), ValueError, "dropout"),
    (lambda: GPTConfig(activation="swish"), ValueError, "activation"),
    (lambda: Decoder(BertConfig()), TypeError, "config must be a DecoderConfig"),
    (lambda: GPTForClassification(CONFIGS[0], 1), ValueError, "num_labels"),
    (lambda: GPTForMultipleChoice(CONFIGS[0])(torch.zeros(2, 5, dtype=torch.long)), ValueError, "options"),
    (lambda: GPTForMultipleChoice(CONFIGS[0])(torch.zeros(1, 2, 5, dtype=torch.long),
                                              extract_positions=torch.tensor([[4, 5]])), ValueError,
     "extract_positions"),
    (lambda: GPT(CONFIGS[0]).add_tokens(0), ValueError, "count"),
    (lambda: GPTConfig.from_huggingface({"afn": "relu"}), ValueError, "afn"),
]


@pytest.mark.parametrize(("call", "error", "pattern"), BAD)
def test_bad_input_is_named(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()
