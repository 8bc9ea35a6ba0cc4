"""lessons_lib.training.checkpoints: checkpoint folders, and the tiny BERT that ships with the package."""

import dataclasses
import hashlib
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
import torch
from torch import nn

import lessons_lib
from lessons_lib.data.corpus import load_corpus
from lessons_lib.models.bert import BertConfig, BertForPreTraining
from lessons_lib.objectives.masking import MaskingRule
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer
from lessons_lib.training.bert_pretraining import evaluate_pretraining
from lessons_lib.training.checkpoints import (
    SHIPPED_BERT,
    load_checkpoint,
    load_pretrained_bert,
    save_checkpoint,
    sha256,
)


def _tiny_bert():
    tokenizer = WordPieceTokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b"])
    config = BertConfig(vocab_size=7, hidden_size=8, num_layers=1, num_heads=2, intermediate_size=16,
                        max_position_embeddings=16)
    torch.manual_seed(0)
    return BertForPreTraining(config), config, tokenizer


def test_checkpoint_round_trip_with_tied_weights(tmp_path):
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(10, 4)
            self.out = nn.Linear(4, 10, bias=False)
            self.out.weight = self.embed.weight

    model = Tied()
    assert save_checkpoint(tmp_path / "ck", model, {"vocab": 10}, {"accuracy": 0.5}) == tmp_path / "ck"
    state, config, metadata = load_checkpoint(tmp_path / "ck")
    fresh = Tied()
    fresh.load_state_dict(state)
    torch.testing.assert_close(fresh.embed.weight, model.embed.weight)
    assert fresh.out.weight is fresh.embed.weight
    assert config == {"vocab": 10} and json.loads((tmp_path / "ck" / "config.json").read_text()) == {"vocab": 10}
    # The metadata keeps what was given, plus the SHA-256 of every other file of the folder.
    assert metadata == {"accuracy": 0.5, "sha256": {name: sha256(tmp_path / "ck" / name)
                                                    for name in ("config.json", "model.safetensors")}}
    assert sha256(tmp_path / "ck" / "config.json") == hashlib.sha256((tmp_path / "ck" / "config.json").read_bytes(
        )).hexdigest()


def test_a_dataclass_config_is_written_as_its_fields(tmp_path):
    _, config, _ = _tiny_bert()
    save_checkpoint(tmp_path, nn.Linear(2, 2), config)
    _, written, metadata = load_checkpoint(tmp_path)
    assert written == dataclasses.asdict(config) and BertConfig(**written) == config
    assert set(metadata) == {"sha256"}  # no metadata given: the sums alone


def test_saving_again_replaces_the_folder_whole(tmp_path):
    save_checkpoint(tmp_path / "ck", nn.Linear(2, 2), {}, extra_files={"notes.txt": _write(tmp_path / "n", "x")})
    save_checkpoint(tmp_path / "ck", nn.Linear(3, 3), {"v": 2})
    assert sorted(p.name for p in (tmp_path / "ck").iterdir()) == ["config.json", "metadata.json", "model.safetensors"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck", "n"]  # no .writing or .old folder left behind
    assert load_checkpoint(tmp_path / "ck")[0]["weight"].shape == (3, 3)


def _write(path, text):
    path.write_text(text)
    return path


def test_load_pretrained_bert_reads_a_saved_model_and_its_vocabulary(tmp_path):
    model, config, tokenizer = _tiny_bert()
    vocab = tokenizer.save_vocab(tmp_path / "vocab.txt")
    save_checkpoint(tmp_path / "ck", model, config, {"note": "tiny"}, extra_files={"vocab.txt": vocab})
    loaded, loaded_tokenizer, metadata = load_pretrained_bert(tmp_path / "ck")
    assert not loaded.training and metadata["note"] == "tiny" and "vocab.txt" in metadata["sha256"]
    assert loaded_tokenizer.vocab == tokenizer.vocab
    assert loaded.heads.decoder.weight is loaded.bert.embeddings.token.weight  # re-tied on load
    for name, tensor in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[name], tensor), name


def test_a_damaged_or_incomplete_checkpoint_is_refused(tmp_path):
    model, config, tokenizer = _tiny_bert()
    vocab = tokenizer.save_vocab(tmp_path / "vocab.txt")
    good = save_checkpoint(tmp_path / "good", model, config, {"command": "make it"}, extra_files={"vocab.txt": vocab})

    def copy(name):
        return Path(shutil.copytree(good, tmp_path / name))

    damaged = copy("damaged")
    (damaged / "vocab.txt").write_text("[PAD]\n[UNK]\n")
    with pytest.raises(ValueError, match=r"vocab.txt is damaged .*re-run the command that made it \(make it\)"):
        load_pretrained_bert(damaged)
    missing = copy("missing")
    (missing / "vocab.txt").unlink()
    with pytest.raises(ValueError, match="vocab.txt is missing"):
        load_checkpoint(missing)
    no_metadata = copy("no-metadata")
    (no_metadata / "metadata.json").unlink()
    with pytest.raises(FileNotFoundError, match="has no metadata.json"):
        load_checkpoint(no_metadata)
    bad_json = copy("bad-json")
    (bad_json / "metadata.json").write_text("{not json")
    with pytest.raises(ValueError, match="metadata.json is damaged"):
        load_checkpoint(bad_json)
    hugging_face = tmp_path / "hf"
    hugging_face.mkdir()
    (hugging_face / "config.json").write_text(json.dumps({"model_type": "bert"}))
    with pytest.raises(ValueError, match=r"is a Hugging Face bert folder, not a lessons_lib checkpoint: load it with "
                                         r"BertModel.from_huggingface"):
        load_checkpoint(hugging_face)


def test_a_checkpoint_that_does_not_fit_bert_is_refused(tmp_path):
    model, config, tokenizer = _tiny_bert()
    longer = tokenizer.save_vocab(tmp_path / "vocab.txt")
    longer.write_text(longer.read_text() + "c\n")
    save_checkpoint(tmp_path / "vocab", model, config, extra_files={"vocab.txt": longer})
    with pytest.raises(ValueError, match="holds 8 tokens but config.json says vocab_size=7"):
        load_pretrained_bert(tmp_path / "vocab")
    save_checkpoint(tmp_path / "linear", nn.Linear(2, 2), config, extra_files={"vocab.txt": longer})
    with pytest.raises(ValueError, match="do not fit a BERT model"):
        load_pretrained_bert(tmp_path / "linear")


def test_checkpoint_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="directory"):
        load_checkpoint(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="model.safetensors"):
        load_checkpoint(tmp_path / "empty")
    with pytest.raises(TypeError, match="config"):
        save_checkpoint(tmp_path / "x", nn.Linear(1, 1), "not a config")
    with pytest.raises(TypeError, match="model"):
        save_checkpoint(tmp_path / "x", "not a model", {})
    with pytest.raises(FileNotFoundError, match=r"extra_files\['vocab.txt'\]"):
        save_checkpoint(tmp_path / "x", nn.Linear(1, 1), {}, extra_files={"vocab.txt": tmp_path / "nowhere"})
    shutil.copytree(SHIPPED_BERT, tmp_path / "no-vocab")
    (tmp_path / "no-vocab" / "vocab.txt").unlink()
    with pytest.raises(ValueError, match="vocab.txt is missing"):
        load_pretrained_bert(tmp_path / "no-vocab")


def test_shipped_checkpoint_is_inside_the_package():
    assert SHIPPED_BERT == Path(lessons_lib.__file__).parent / "checkpoints" / "bert-tiny"
    assert {p.name for p in SHIPPED_BERT.iterdir()} >= {"model.safetensors", "config.json", "metadata.json",
                                                         "vocab.txt"}
    assert sum(f.stat().st_size for f in SHIPPED_BERT.iterdir() if f.is_file()) <= 10 * 2**20
    model, tokenizer, metadata = load_pretrained_bert()
    assert model.config.vocab_size == tokenizer.vocab_size == metadata["vocab_size"]
    assert sum(p.numel() for p in model.parameters()) == metadata["parameters"]


def test_shipped_checkpoint_scores_what_its_metadata_says():
    model, tokenizer, metadata = load_pretrained_bert()
    scores = evaluate_pretraining(model, load_corpus().valid, tokenizer, max_len=metadata["max_len"],
                                  rule=MaskingRule())
    assert scores["nsp_accuracy"] == pytest.approx(metadata["heldout_nsp_accuracy"], abs=0.01)
    assert scores["mlm_accuracy"] == pytest.approx(metadata["heldout_mlm_accuracy"], abs=0.01)
    assert scores["mask_accuracy"] == pytest.approx(metadata["heldout_mask_accuracy"], abs=0.01)


def test_shipped_checkpoint_learned_both_tasks():
    """The shipped model beats what needs no context: the most frequent token, and a coin for NSP."""
    model, tokenizer, metadata = load_pretrained_bert()
    valid_ids = [i for doc in load_corpus().valid for s in doc for i in tokenizer.encode(s)]
    most_frequent_share = max(Counter(valid_ids).values()) / len(valid_ids)
    assert metadata["heldout_mask_accuracy"] > 2 * most_frequent_share
    assert metadata["heldout_nsp_accuracy"] > 0.55
    assert metadata["steps"] * metadata["batch_size"] > 5 * metadata["train_pairs_per_epoch"]


# --- the shipped tiny ELMo ---------------------------------------------------------------------------


def test_shipped_elmo_is_inside_the_package_and_loads():
    from lessons_lib.training.checkpoints import SHIPPED_ELMO, load_pretrained_elmo

    assert SHIPPED_ELMO == Path(lessons_lib.__file__).parent / "checkpoints" / "elmo-tiny"
    assert {p.name for p in SHIPPED_ELMO.iterdir()} >= {"model.safetensors", "config.json", "metadata.json",
                                                         "vocab.txt"}
    assert sum(f.stat().st_size for f in SHIPPED_ELMO.iterdir() if f.is_file()) <= 10 * 2**20
    model, tokenizer, metadata = load_pretrained_elmo()
    assert model.config.vocab_size == tokenizer.vocab_size == metadata["vocab_size"] == 6000
    assert sum(p.numel() for p in model.parameters()) == metadata["parameters"]
    assert (SHIPPED_ELMO / "vocab.txt").read_text() == (SHIPPED_BERT / "vocab.txt").read_text()
    assert metadata["command"].startswith("python -m lessons_lib.pretrain elmo")


def test_load_pretrained_elmo_refuses_a_missing_or_foreign_checkpoint(tmp_path):
    from lessons_lib.training.checkpoints import load_pretrained_elmo

    with pytest.raises(FileNotFoundError, match="directory"):
        load_pretrained_elmo(tmp_path / "nowhere")
    model, config, tokenizer = _tiny_bert()
    save_checkpoint(tmp_path / "bert", model, config, {"command": "made here"})
    tokenizer.save_vocab(tmp_path / "bert" / "vocab.txt")
    save_checkpoint(tmp_path / "bert", model, config, {"command": "made here"},
                    extra_files={"vocab.txt": tokenizer.save_vocab(tmp_path / "vocab.txt")})
    with pytest.raises(ValueError, match=r"holds a checkpoint of another model, not an ELMo: load it with "
                                         r"lessons_lib.load_pretrained_bert\("):
        load_pretrained_elmo(tmp_path / "bert")
    config_only = save_checkpoint(tmp_path / "other", nn.Linear(2, 2), {"size": 2})  # no model we know
    tokenizer.save_vocab(config_only / "vocab.txt")
    with pytest.raises(ValueError, match="do not fit an ELMo model"):
        load_pretrained_elmo(config_only)


@pytest.mark.parametrize("sums", [None, [], {"model.safetensors": "abc"}, {"config.json": "0" * 64},
                                  "not a block"])
def test_a_checkpoint_without_a_valid_sha256_block_is_refused(tmp_path, sums):
    # Without its sums a damaged weights file would load unnoticed.
    model, config, tokenizer = _tiny_bert()
    vocab = tokenizer.save_vocab(tmp_path / "vocab.txt")
    folder = save_checkpoint(tmp_path / "ck", model, config, {"command": "make it"}, extra_files={"vocab.txt": vocab})
    metadata = json.loads((folder / "metadata.json").read_text())
    if sums is None:
        del metadata["sha256"]
    else:
        metadata["sha256"] = sums
    (folder / "metadata.json").write_text(json.dumps(metadata))
    with pytest.raises(ValueError, match=r"metadata.json has no valid \"sha256\" block .*cannot be checked; "
                                         r"re-run the command that made it \(make it\)"):
        load_pretrained_bert(folder)


def test_every_file_of_a_checkpoint_gets_the_usual_mode(tmp_path):
    import os

    model, config, tokenizer = _tiny_bert()
    vocab = tokenizer.save_vocab(tmp_path / "vocab.txt")
    folder = save_checkpoint(tmp_path / "ck", model, config, extra_files={"vocab.txt": vocab})
    umask = os.umask(0o022)
    os.umask(umask)
    modes = {path.name: path.stat().st_mode & 0o777 for path in folder.iterdir()}
    assert modes == dict.fromkeys(modes, 0o666 & ~umask) and len(modes) == 4  # 0o644 under umask 022


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), PermissionError(13, "Permission denied")])
def test_a_checkpoint_that_cannot_be_written_is_one_line_and_leaves_nothing(tmp_path, monkeypatch, error):
    import lessons_lib.training.checkpoints as checkpoints

    def full_disk(state, path):
        Path(path).write_bytes(b"half")
        raise error

    monkeypatch.setattr(checkpoints, "save_file", full_disk)
    model, config, _ = _tiny_bert()
    with pytest.raises(OSError, match=rf"^cannot write into {tmp_path}: {error.strerror}; free some disk space"):
        save_checkpoint(tmp_path / "ck", model, config)
    assert list(tmp_path.iterdir()) == []  # no ck.writing left behind


@pytest.mark.parametrize("loader, folder, right", [
    ("load_pretrained_gpt", "SHIPPED_BERT", "load_pretrained_bert"),
    ("load_pretrained_gpt", "SHIPPED_GPT2", "load_pretrained_gpt2"),
    ("load_pretrained_gpt2", "SHIPPED_GPT", "load_pretrained_gpt"),
    ("load_pretrained_bert", "SHIPPED_ELMO", "load_pretrained_elmo"),
    ("load_pretrained_elmo", "SHIPPED_GPT", "load_pretrained_gpt"),
])
def test_the_wrong_loader_names_the_right_one(loader, folder, right):
    directory = getattr(lessons_lib, folder)
    with pytest.raises(ValueError, match=rf"holds a checkpoint of another model, not .*: load it with "
                                         rf"lessons_lib.{right}\("):
        getattr(lessons_lib, loader)(directory)
