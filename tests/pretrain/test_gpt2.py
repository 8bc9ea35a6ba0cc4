"""lessons_lib.pretrain.gpt2: the tiny GPT-2 end to end: its own byte-level BPE, a short run, resuming, options."""

import json

import pytest
import torch

import lessons_lib.pretrain as pretrain
from lessons_lib.data.corpus import load_corpus
from lessons_lib.objectives.next_token import document_windows, heldout_perplexity
from lessons_lib.pretrain import gpt2, main
from lessons_lib.tokenizers.bpe import ByteLevelBPE
from lessons_lib.training.checkpoints import SHIPPED_GPT2, load_checkpoint, load_pretrained_gpt2

SMOKE = ["gpt2", "--steps", "6", "--save-every", "3", "--documents", "4", "--batch-size", "4", "--window", "16",
         "--eval-documents", "2", "--vocab-size", "400", "--no-progress", "--threads", "1"]


@pytest.fixture(scope="module")
def straight_run(tmp_path_factory):
    """A 6-step run, start to finish, shared by the tests below."""
    out = tmp_path_factory.mktemp("straight") / "gpt2"
    assert main([*SMOKE, "--out", str(out)]) == 0
    return out


def test_short_run_writes_a_checkpoint_with_its_own_tokenizer(straight_run):
    state, config, metadata = load_checkpoint(straight_run)
    model, tokenizer, _ = load_pretrained_gpt2(straight_run)
    assert isinstance(tokenizer, ByteLevelBPE) and config["vocab_size"] == tokenizer.vocab_size == 400
    # The tokenizer was learned from the same four training documents the model read.
    corpus = load_corpus()
    texts = [" ".join(d) for d in corpus.train[:4]]
    assert tokenizer.merges == ByteLevelBPE.train(texts, 400, show_progress=False).merges
    assert metadata["steps"] == 6 and metadata["heldout_documents"] == 2 and "byte-level BPE" in metadata["vocabulary"]
    assert metadata["command"] == "python -m lessons_lib.pretrain " + " ".join([*SMOKE, "--out", str(straight_run)])
    assert "lm_head.weight" not in state  # tied: stored once
    windows = document_windows(corpus.valid[:2], tokenizer, 16)
    assert metadata["heldout_perplexity"] == round(heldout_perplexity(model, windows), 2)
    assert metadata["heldout_perplexity"] > metadata["unigram_perplexity"] > 1  # six steps: not trained yet


def test_documents_are_encoded_whole_and_cut_into_windows():
    tokenizer = ByteLevelBPE.train(["the cat sat on the mat"] * 3, 265, show_progress=False)
    ids = tokenizer.encode("the cat sat on the mat the cat")
    windows = document_windows([["the cat sat on the mat", "the cat"]], tokenizer, 3)
    assert windows.tolist() == [ids[i:i + 3] for i in range(0, len(ids) - 2, 3)]


def test_resuming_gives_the_same_weights_as_an_uninterrupted_run(straight_run, tmp_path):
    out = tmp_path / "gpt2"
    assert main([*SMOKE, "--out", str(out), "--stop-at", "3"]) == 0
    assert main([*SMOKE, "--out", str(out), "--resume", "--vocab-size", "500"]) == 2  # another vocabulary: refused
    assert main([*SMOKE, "--out", str(out), "--resume"]) == 0
    straight, _, _ = load_checkpoint(straight_run)
    resumed, _, _ = load_checkpoint(out)
    for name in straight:
        torch.testing.assert_close(resumed[name], straight[name], rtol=0, atol=0)


@pytest.mark.parametrize("bad", [["--window", "129"], ["--vocab-size", "100"], ["--lr", "-1"], ["--batch-size", "0"]])
def test_bad_options_are_refused(bad, capsys):
    with pytest.raises(SystemExit):
        main([*SMOKE, *bad])
    assert bad[0] in capsys.readouterr().err


def test_default_options_are_those_of_the_shipped_checkpoint():
    shipped = json.loads((SHIPPED_GPT2 / "metadata.json").read_text())
    args, module = pretrain._parse(["gpt2"])
    assert module is gpt2
    for name in ("steps", "batch_size", "window", "lr", "dropout", "seed", "vocab_size"):
        assert getattr(args, name) == shipped[name], name


def test_the_shipped_checkpoint_beats_the_unigram_baseline_by_half_and_fits_15_mb():
    metadata = json.loads((SHIPPED_GPT2 / "metadata.json").read_text())
    assert metadata["heldout_perplexity"] <= metadata["unigram_perplexity"] / 2
    assert metadata["vocab_size"] == 6000 and metadata["cpu_time_seconds"] < 30 * 60
    assert sum(p.stat().st_size for p in SHIPPED_GPT2.iterdir()) <= 15 * 2**20
    model, tokenizer, _ = load_pretrained_gpt2()
    assert tokenizer.vocab_size == model.config.vocab_size == 6000
    assert tokenizer.decode(tokenizer.encode("Any text: 中文 🙂")) == "Any text: 中文 🙂"  # bytes: nothing unknown
