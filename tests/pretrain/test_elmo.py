"""lessons_lib.pretrain.elmo: pre-training the tiny ELMo end to end: a short run, resuming, options, the shipped one."""

import json

import pytest
import torch

import lessons_lib.pretrain as pretrain
from lessons_lib.data.corpus import load_corpus
from lessons_lib.objectives.next_token import make_windows
from lessons_lib.pretrain import elmo, main
from lessons_lib.tokenizers.elmo_chars import vocabulary_char_ids
from lessons_lib.training.checkpoints import (
    SHIPPED_BERT,
    SHIPPED_ELMO,
    load_checkpoint,
    load_pretrained_elmo,
)
from lessons_lib.training.elmo_pretraining import bilm_perplexities

SMOKE = ["elmo", "--steps", "6", "--save-every", "3", "--documents", "3", "--batch-size", "4", "--window", "12",
         "--cell-size", "16", "--projection-size", "8", "--eval-documents", "2", "--no-progress", "--threads", "1"]


@pytest.fixture(scope="module")
def straight_run(tmp_path_factory):
    """A 6-step run, start to finish, shared by the tests below."""
    out = tmp_path_factory.mktemp("straight") / "elmo"
    assert main([*SMOKE, "--out", str(out)]) == 0
    return out


def test_short_run_writes_a_complete_checkpoint(straight_run):
    state, config, metadata = load_checkpoint(straight_run)
    assert (straight_run / "vocab.txt").read_text() == (SHIPPED_BERT / "vocab.txt").read_text()  # BERT's vocabulary
    assert config["vocab_size"] == 6000 and config["cell_size"] == 16 and config["projection_size"] == 8
    assert metadata["steps"] == 6 and metadata["heldout_documents"] == 2
    assert 0 < metadata["cpu_time_seconds"] and 0 < metadata["wall_time_seconds"]
    assert metadata["command"] == "python -m lessons_lib.pretrain " + " ".join([*SMOKE, "--out", str(straight_run)])
    model, tokenizer, _ = load_pretrained_elmo(straight_run)
    # The perplexities in the metadata are those of the written weights on the first 2 validation documents.
    windows = make_windows(load_corpus().valid[:2], tokenizer, 12)
    scores = bilm_perplexities(model, windows, vocabulary_char_ids(tokenizer))
    assert metadata["heldout_forward_perplexity"] == round(scores["forward"], 2)
    assert metadata["heldout_backward_perplexity"] == round(scores["backward"], 2)
    # Six steps from a random start: far above the unigram baseline's perplexity still.
    assert min(scores.values()) > metadata["unigram_perplexity"] > 1


def test_resuming_gives_the_same_weights_as_an_uninterrupted_run(straight_run, tmp_path):
    out = tmp_path / "elmo"
    assert main([*SMOKE, "--out", str(out), "--stop-at", "3"]) == 0
    assert not out.exists()
    assert main([*SMOKE, "--out", str(out), "--resume", "--lr", "0.5"]) == 2  # another schedule: refused
    assert main([*SMOKE, "--out", str(out), "--resume"]) == 0
    straight, _, straight_meta = load_checkpoint(straight_run)
    resumed, _, resumed_meta = load_checkpoint(out)
    for name in straight:
        torch.testing.assert_close(resumed[name], straight[name], rtol=0, atol=0)
    assert resumed_meta["heldout_forward_perplexity"] == straight_meta["heldout_forward_perplexity"]


def test_default_options_are_those_of_the_shipped_checkpoint():
    shipped = json.loads((SHIPPED_ELMO / "metadata.json").read_text())
    config = json.loads((SHIPPED_ELMO / "config.json").read_text())
    args, module = pretrain._parse(["elmo"])
    assert module is elmo
    for name in ("steps", "batch_size", "window", "lr", "seed"):
        assert getattr(args, name) == shipped[name], name
    assert (args.cell_size, args.projection_size) == (config["cell_size"], config["projection_size"])


@pytest.mark.parametrize("bad", [["--window", "1"], ["--lr", "0"], ["--batch-size", "0"], ["--cell-size", "0"],
                                 ["--projection-size", "-1"]])
def test_bad_options_are_refused(bad, capsys):
    with pytest.raises(SystemExit):
        main([*SMOKE, *bad])
    assert bad[0] in capsys.readouterr().err


def test_the_shipped_checkpoint_beats_the_unigram_baseline_by_half_in_each_direction():
    metadata = json.loads((SHIPPED_ELMO / "metadata.json").read_text())
    assert metadata["heldout_forward_perplexity"] <= metadata["unigram_perplexity"] / 2
    assert metadata["heldout_backward_perplexity"] <= metadata["unigram_perplexity"] / 2
    assert sum(p.stat().st_size for p in SHIPPED_ELMO.iterdir()) <= 10 * 2**20


@pytest.mark.slow
def test_full_pretraining_reproduces_the_shipped_checkpoint(tmp_path):
    shipped = json.loads((SHIPPED_ELMO / "metadata.json").read_text())
    argv = shipped["command"].split()[3:]
    assert main([*argv, "--out", str(tmp_path / "elmo"), "--no-progress"]) == 0
    fresh = json.loads((tmp_path / "elmo" / "metadata.json").read_text())
    # Bit-identical on one machine; other CPUs differ in late digits, so allow 2 %.
    for name in ("heldout_forward_perplexity", "heldout_backward_perplexity"):
        assert fresh[name] == pytest.approx(shipped[name], rel=0.02), name
    assert fresh["unigram_perplexity"] == shipped["unigram_perplexity"]
