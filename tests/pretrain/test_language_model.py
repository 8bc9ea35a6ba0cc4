"""lessons_lib.pretrain.language_model: the next-token run GPT and GPT-2 share, driven by a recipe of our own."""

import argparse
from pathlib import Path

import pytest
import torch
from torch import nn

from lessons_lib.objectives.next_token import windows_from_ids
from lessons_lib.pretrain.language_model import (
    LanguageModelRecipe,
    add_lm_arguments,
    check_lm_arguments,
    run_language_model,
    shared_options,
)
from lessons_lib.pretrain.recipe import add_shared_arguments, check_shared_arguments
from lessons_lib.training.checkpoints import load_checkpoint


class _Bigram(nn.Module):
    """The smallest language model: each token's scores for the next one."""

    def __init__(self, vocab_size: int):
        super().__init__()
        self.config = {"vocab_size": vocab_size}
        self.table = nn.Embedding(vocab_size, vocab_size)

    def forward(self, ids):
        return self.table(ids)


class _Letters:
    """A tokenizer of lowercase letters and space."""

    vocab_size = 27

    def encode(self, text):
        return [0 if c == " " else ord(c) - 96 for c in text.lower() if c == " " or "a" <= c <= "z"]


def _recipe(made):
    def make_tokenizer(work: Path, resuming: bool, corpus):
        made.append(resuming)
        (work / "letters.txt").write_text(" abcdefghijklmnopqrstuvwxyz")
        return _Letters()

    return LanguageModelRecipe(
        name="bigram", make_tokenizer=make_tokenizer,
        encode_windows=lambda docs, tok, window: windows_from_ids([tok.encode(" ".join(d)) for d in docs], window),
        make_model=lambda vocab_size, dropout: _Bigram(vocab_size), vocab_files=["letters.txt"],
        describe_vocabulary=lambda args: "letters", settings=["flavour"])


def _args(out, **changes):
    parser = argparse.ArgumentParser()
    add_shared_arguments(parser, shared_options("bigram"))
    add_lm_arguments(parser)
    args = parser.parse_args(["--steps", "40", "--batch-size", "8", "--window", "16", "--lr", "0.1"])
    common = dict(out=out, resume=False, overwrite=False, threads=1, no_progress=True, documents=20,
                  eval_documents=5, seed=0, save_every=20, stop_at=None, flavour="plain")
    for name, value in {**common, **changes}.items():
        setattr(args, name, value)
    return args


def test_a_recipe_trains_scores_and_writes_its_vocabulary(tmp_path):
    made = []
    metadata = run_language_model(_args(tmp_path / "run"), ["bigram"], _recipe(made))
    assert made == [False]
    state, config, stored = load_checkpoint(tmp_path / "run")
    assert (tmp_path / "run" / "letters.txt").read_text().startswith(" abc") and config == {"vocab_size": 27}
    assert {k: v for k, v in stored.items() if k != "sha256"} == metadata and metadata["vocabulary"] == "letters" and metadata["command"] == "python -m lessons_lib.pretrain bigram"
    # 40 steps of a bigram model on letters: already below the unigram baseline (about 17 here).
    assert metadata["heldout_perplexity"] < metadata["unigram_perplexity"] - 1
    assert metadata["cpu_time_seconds"] > 0
    assert not (tmp_path / "run.partial").exists()  # the snapshots are gone once the checkpoint is written


def test_a_resume_must_keep_the_recipes_own_settings(tmp_path):
    made = []
    assert run_language_model(_args(tmp_path / "run", stop_at=20), None, _recipe(made)) == {"stopped_at": 20}
    with pytest.raises(ValueError, match="flavour"):
        run_language_model(_args(tmp_path / "run", resume=True, flavour="other"), None, _recipe(made))
    run_language_model(_args(tmp_path / "run", resume=True), None, _recipe(made))
    straight = run_language_model(_args(tmp_path / "straight"), None, _recipe(made))
    assert made[-2] is True  # the resumed run rebuilt its tokenizer from the run folder
    a, _, resumed = load_checkpoint(tmp_path / "run")
    b, _, _ = load_checkpoint(tmp_path / "straight")
    torch.testing.assert_close(a["table.weight"], b["table.weight"], rtol=0, atol=0)
    assert resumed["heldout_perplexity"] == straight["heldout_perplexity"]


@pytest.mark.parametrize("change, option", [({"window": 65}, "--window"), ({"window": 1}, "--window"),
                                            ({"dropout": 1.0}, "--dropout"), ({"lr": 0.0}, "--lr"),
                                            ({"batch_size": 0}, "--batch-size")])
def test_options_that_cannot_work_are_refused(change, option, tmp_path, capsys):
    parser, args = argparse.ArgumentParser(), _args(tmp_path, **change)
    with pytest.raises(SystemExit):
        check_shared_arguments(args, parser)
        check_lm_arguments(args, parser, context=64)
    assert option in capsys.readouterr().err
