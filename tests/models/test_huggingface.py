"""lessons_lib.models.huggingface: reading Hugging Face checkpoints, BERT's name table, loading."""

import json

import pytest
import torch
from torch import nn

from lessons_lib.models.bert import BertConfig, BertForPreTraining, BertModel
from lessons_lib.models.huggingface import (
    WEIGHT_FILES,
    bert_names,
    load_mapped,
    read_huggingface,
)

transformers = pytest.importorskip("transformers")
CONFIG = BertConfig(vocab_size=97, hidden_size=32, num_layers=2, num_heads=4, intermediate_size=64,
                    max_position_embeddings=32)


def _hf_model(config: BertConfig, cls=None):
    torch.manual_seed(1)
    hf_config = transformers.BertConfig(
        vocab_size=config.vocab_size, hidden_size=config.hidden_size, num_hidden_layers=config.num_layers,
        num_attention_heads=config.num_heads, intermediate_size=config.intermediate_size,
        max_position_embeddings=config.max_position_embeddings)
    return (cls or transformers.BertModel)(hf_config).eval()


# --- read_huggingface ---------------------------------------------------------------------


def test_a_state_dict_comes_back_with_the_given_config():
    state = {"a": torch.ones(1)}
    assert read_huggingface(state, CONFIG, BertConfig.from_huggingface) == (state, CONFIG)
    with pytest.raises(ValueError, match="config is required"):
        read_huggingface(state, None, BertConfig.from_huggingface)


def test_a_folder_gives_its_weights_and_its_config(tmp_path):
    reference = _hf_model(CONFIG)
    reference.save_pretrained(tmp_path)  # config.json + model.safetensors, as on the Hub
    state, config = read_huggingface(tmp_path, None, BertConfig.from_huggingface)
    assert config == BertConfig.from_huggingface(json.loads((tmp_path / "config.json").read_text()))
    assert (config.vocab_size, config.num_layers, config.hidden_size) == (97, 2, 32)
    expected = reference.state_dict()
    assert set(state) <= set(expected) and len(state) >= len(expected) - 1  # position_ids may be left out
    for name, tensor in state.items():
        torch.testing.assert_close(tensor, expected[name], rtol=0, atol=0)
    _, given = read_huggingface(str(tmp_path), CONFIG, BertConfig.from_huggingface)  # a str path, a given config
    assert given is CONFIG


def test_an_old_pytorch_model_bin_is_read_too(tmp_path):
    assert WEIGHT_FILES == ("model.safetensors", "pytorch_model.bin")
    reference = _hf_model(CONFIG)
    (tmp_path / "config.json").write_text(reference.config.to_json_string())
    torch.save(reference.state_dict(), tmp_path / "pytorch_model.bin")
    state, _ = read_huggingface(tmp_path, None, BertConfig.from_huggingface)
    torch.testing.assert_close(state["embeddings.word_embeddings.weight"],
                               reference.embeddings.word_embeddings.weight, rtol=0, atol=0)


def test_read_errors_name_the_source(tmp_path):
    with pytest.raises(TypeError, match="source must be a folder path or a state dict"):
        read_huggingface(42, CONFIG, BertConfig.from_huggingface)
    with pytest.raises(FileNotFoundError, match="source .* is not a directory"):
        read_huggingface(tmp_path / "nowhere", None, BertConfig.from_huggingface)
    with pytest.raises(FileNotFoundError, match="source .* has no config.json"):
        read_huggingface(tmp_path, None, BertConfig.from_huggingface)
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(FileNotFoundError, match="source .* has no model.safetensors"):
        read_huggingface(tmp_path, None, BertConfig.from_huggingface)


@pytest.mark.parametrize("config_text, match", [
    ("{not json", r"config.json is not valid JSON .*; expected a Hugging Face bert folder"),
    ("[1, 2]", r"config.json must hold a JSON object, got a list; expected a Hugging Face bert folder"),
    ('{"model_type": "bert", "vocab_size": 97}', r"config.json lacks 'hidden_size', which a Hugging Face bert "
                                                 r"folder's config.json holds"),
    ('{"model_type": "gpt2"}', r"holds a Hugging Face gpt2 model, but a Hugging Face bert folder was expected: "
                               r"load it with GPT2.from_huggingface\("),
])
def test_a_bad_config_json_names_the_file_and_the_model_expected(tmp_path, config_text, match):
    (tmp_path / "config.json").write_text(config_text)
    (tmp_path / "model.safetensors").write_bytes(b"")
    with pytest.raises(ValueError, match=match):
        BertModel.from_huggingface(tmp_path)


@pytest.mark.parametrize("damage", ["truncated", "bad header"])
def test_a_damaged_weights_file_names_the_file(tmp_path, damage):
    _hf_model(CONFIG).save_pretrained(tmp_path)
    weights = tmp_path / "model.safetensors"
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) // 2] if damage == "truncated" else b"\xff" * 8 + data[8:])
    with pytest.raises(ValueError, match=rf"{weights} is not a readable weights file .*download a Hugging Face bert "
                                         rf"folder again"):
        BertModel.from_huggingface(tmp_path)


def test_a_lessons_lib_checkpoint_given_to_from_huggingface_names_its_loader():
    from lessons_lib.models.gpt2 import GPT2
    from lessons_lib.training.checkpoints import SHIPPED_BERT, SHIPPED_GPT2

    with pytest.raises(ValueError, match=r"holds a lessons_lib checkpoint, but a Hugging Face gpt2 folder "
                                         r"was expected: load it with lessons_lib.load_pretrained_gpt2"):
        GPT2.from_huggingface(SHIPPED_GPT2)
    with pytest.raises(ValueError, match=r"load it with lessons_lib.load_pretrained_bert\("):
        BertForPreTraining.from_huggingface(SHIPPED_BERT)


# --- bert_names ---------------------------------------------------------------------------


def test_bert_names_translates_every_weight_of_a_pretraining_checkpoint():
    reference = _hf_model(CONFIG, transformers.BertForPreTraining)
    mapped = bert_names(reference.state_dict())
    ours = BertForPreTraining(CONFIG).state_dict()
    assert set(mapped) == {k.removeprefix("bert.") for k in ours}  # our names, less the model's "bert." prefix
    torch.testing.assert_close(mapped["layers.1.attention.query.weight"],
                               reference.bert.encoder.layer[1].attention.self.query.weight)
    torch.testing.assert_close(mapped["heads.decoder.bias"], reference.cls.predictions.bias)


def test_bert_names_examples():
    t = torch.ones(1)
    assert bert_names({"bert.encoder.layer.3.output.LayerNorm.gamma": t}) == {"layers.3.feed_forward_norm.weight": t}
    assert bert_names({"embeddings.LayerNorm.beta": t}) == {"embeddings.norm.bias": t}
    assert bert_names({"embeddings.position_ids": t, "cls.predictions.decoder.bias": t}) == {}
    assert bert_names({"cls.seq_relationship.weight": t}) == {"heads.nsp.weight": t}
    for bad in ("foo.weight", "encoder.layer.0.attention.self.rotary.weight"):
        with pytest.raises(ValueError, match="unexpected key"):
            bert_names({bad: t})


def test_from_huggingface_errors():
    with pytest.raises(ValueError, match="config is required"):
        BertModel.from_huggingface({})
    with pytest.raises(ValueError, match="unexpected key"):
        BertModel.from_huggingface({"foo.weight": torch.ones(1)}, CONFIG)
    state = _hf_model(CONFIG).state_dict()
    incomplete = {k: v for k, v in state.items() if "layer.1." not in k}
    with pytest.raises(ValueError, match=r"missing \['layers.1"):
        BertModel.from_huggingface(incomplete, CONFIG)
    with pytest.raises(ValueError, match="shape"):
        BertModel.from_huggingface(state, BertConfig(**{**CONFIG.__dict__, "intermediate_size": 65}))


# --- load_mapped --------------------------------------------------------------------------


def test_load_mapped_loads_exactly_fitting_weights():
    model = nn.Linear(3, 2)
    weight, bias = torch.arange(6.0).view(2, 3), torch.tensor([7.0, 8.0])
    load_mapped(model, {"weight": weight, "bias": bias})
    assert torch.equal(model.weight.data, weight) and torch.equal(model.bias.data, bias)


@pytest.mark.parametrize(("state", "match"), [
    ({"weight": torch.zeros(2, 3)}, r"missing \['bias'\], unexpected \[\]"),
    ({"weight": torch.zeros(2, 3), "bias": torch.zeros(2), "extra": torch.zeros(1)}, r"unexpected \['extra'\]"),
    ({"weight": torch.zeros(3, 2), "bias": torch.zeros(2)}, r"weight 'weight' has shape \(3, 2\), the model expects \(2, 3\)"),
])
def test_load_mapped_refuses_weights_that_do_not_fit(state, match):
    model = nn.Linear(3, 2)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(ValueError, match=match):
        load_mapped(model, state)
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())  # nothing half-loaded
