"""lessons_lib.pretrain.gpt: pre-training the tiny GPT end to end: a short run, resuming, options, the shipped one."""

import json

import pytest
import torch

import lessons_lib.pretrain as pretrain
from lessons_lib.data.corpus import load_corpus
from lessons_lib.objectives.next_token import heldout_perplexity, make_windows
from lessons_lib.pretrain import gpt, main
from lessons_lib.training.checkpoints import (
    SHIPPED_BERT,
    SHIPPED_GPT,
    load_checkpoint,
    load_pretrained_gpt,
)

SMOKE = ["gpt", "--steps", "6", "--save-every", "3", "--documents", "3", "--batch-size", "4", "--window", "16",
         "--eval-documents", "2", "--no-progress", "--threads", "1"]


@pytest.fixture(scope="module")
def straight_run(tmp_path_factory):
    """A 6-step run, start to finish, shared by the tests below."""
    out = tmp_path_factory.mktemp("straight") / "gpt"
    assert main([*SMOKE, "--out", str(out)]) == 0
    return out


def test_short_run_writes_a_complete_checkpoint(straight_run):
    state, config, metadata = load_checkpoint(straight_run)
    assert (straight_run / "vocab.txt").read_text() == (SHIPPED_BERT / "vocab.txt").read_text()  # BERT's vocabulary
    assert config["vocab_size"] == 6000 and metadata["steps"] == 6 and metadata["heldout_documents"] == 2
    assert metadata["command"] == "python -m lessons_lib.pretrain " + " ".join([*SMOKE, "--out", str(straight_run)])
    model, tokenizer, _ = load_pretrained_gpt(straight_run)
    assert tokenizer.vocab_size == 6000 and "lm_head.weight" not in state  # tied: stored once
    # The held-out perplexity in the metadata is that of the written weights on the first 2 validation documents.
    windows = make_windows(load_corpus().valid[:2], tokenizer, 16)
    assert metadata["heldout_perplexity"] == round(heldout_perplexity(model, windows), 2)
    # Six steps from a random start: far above the unigram baseline's perplexity still.
    assert metadata["heldout_perplexity"] > metadata["unigram_perplexity"] > 1


def test_resuming_gives_the_same_weights_as_an_uninterrupted_run(straight_run, tmp_path):
    out = tmp_path / "gpt"
    assert main([*SMOKE, "--out", str(out), "--stop-at", "3"]) == 0
    assert not out.exists()
    assert main([*SMOKE, "--out", str(out), "--resume", "--lr", "0.5"]) == 2  # another schedule: refused
    assert main([*SMOKE, "--out", str(out), "--resume"]) == 0
    straight, _, straight_meta = load_checkpoint(straight_run)
    resumed, _, resumed_meta = load_checkpoint(out)
    for name in straight:
        torch.testing.assert_close(resumed[name], straight[name], rtol=0, atol=0)
    assert resumed_meta["heldout_perplexity"] == straight_meta["heldout_perplexity"]


def test_resuming_with_the_vocabulary_changed_in_place_is_refused_naming_the_change(tmp_path, capsys):
    out = tmp_path / "gpt"
    assert main([*SMOKE, "--out", str(out), "--stop-at", "3"]) == 0
    vocab = tmp_path / "gpt.partial" / "vocab.txt"
    tokens = vocab.read_text().splitlines()
    first = next(i for i, token in enumerate(tokens) if token == "the")
    tokens[first], tokens[first + 1] = tokens[first + 1], tokens[first]  # the same size: the weights would load
    vocab.write_text("\n".join(tokens) + "\n")
    capsys.readouterr()
    assert main([*SMOKE, "--out", str(out), "--resume"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{vocab} is not the vocabulary the run started with" in err
    assert f"the first at position {first}: 'the' then, {tokens[first]!r} now" in err


def test_default_options_are_those_of_the_shipped_checkpoint():
    shipped = json.loads((SHIPPED_GPT / "metadata.json").read_text())
    args, module = pretrain._parse(["gpt"])
    assert module is gpt
    for name in ("steps", "batch_size", "window", "lr", "dropout", "seed"):
        assert getattr(args, name) == shipped[name], name


@pytest.mark.parametrize("bad", [["--window", "200"], ["--window", "1"], ["--dropout", "1.0"], ["--lr", "0"],
                                 ["--batch-size", "0"], ["--vocab", "/no/such/vocab.txt"]])
def test_bad_options_are_refused(bad, capsys):
    with pytest.raises(SystemExit):
        main([*SMOKE, *bad])
    assert bad[0] in capsys.readouterr().err


def test_the_shipped_checkpoint_beats_the_unigram_baseline_by_half():
    metadata = json.loads((SHIPPED_GPT / "metadata.json").read_text())
    assert metadata["heldout_perplexity"] <= metadata["unigram_perplexity"] / 2
    assert sum(p.stat().st_size for p in SHIPPED_GPT.iterdir()) <= 10 * 2**20


@pytest.mark.slow
def test_full_pretraining_reproduces_the_shipped_checkpoint(tmp_path):
    shipped = json.loads((SHIPPED_GPT / "metadata.json").read_text())
    argv = shipped["command"].split()[3:]
    assert main([*argv, "--out", str(tmp_path / "gpt"), "--no-progress"]) == 0
    fresh = json.loads((tmp_path / "gpt" / "metadata.json").read_text())
    # Bit-identical on one machine; other CPUs differ in late digits.
    assert fresh["heldout_perplexity"] == pytest.approx(shipped["heldout_perplexity"], rel=0.02)
    assert fresh["unigram_perplexity"] == pytest.approx(shipped["unigram_perplexity"], rel=1e-6)
