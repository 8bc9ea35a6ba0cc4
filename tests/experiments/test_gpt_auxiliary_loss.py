"""lessons_lib.experiments.gpt_auxiliary_loss: the two fine-tuning tasks, one run, and a grid of runs."""

import dataclasses

import pytest
import torch

from lessons_lib.data.corpus import load_corpus
from lessons_lib.experiments.gpt_auxiliary_loss import (
    NEXT_SENTENCE,
    SOURCE,
    TaskSettings,
    fine_tune_run,
    record_runs,
    task_data,
)
from lessons_lib.training.checkpoints import load_pretrained_gpt

SMALL_SOURCE = dataclasses.replace(SOURCE, train_examples=8, test_examples=6, batch_size=4)
SMALL_CHOICE = dataclasses.replace(NEXT_SENTENCE, train_examples=4, test_examples=4, batch_size=2)


@pytest.fixture(scope="module")
def corpus_and_tokenizer():
    return load_corpus(), load_pretrained_gpt()[1]


def test_source_task_data_and_baselines(corpus_and_tokenizer):
    data = task_data(SMALL_SOURCE, *corpus_and_tokenizer)
    assert len(data.train_inputs) == 8 and sorted(data.train_labels) == [0] * 4 + [1] * 4
    assert len(data.test_inputs) == 6 and data.baselines["majority class"] == 0.5
    assert all(seq[0] == 6000 and seq[-1] == 6002 and len(seq) <= 48 for seq in data.train_inputs)  # [start] ... [extract]
    assert 0 <= data.baselines["bag of words"] <= 1


def test_next_sentence_task_data(corpus_and_tokenizer):
    data = task_data(SMALL_CHOICE, *corpus_and_tokenizer)
    assert len(data.train_inputs) == 4 and all(len(options) == 4 for options in data.train_inputs)
    assert all(6001 in seq and len(seq) <= 32 for options in data.test_inputs for seq in options)  # [delim]
    assert set(data.baselines) == {"most common answer position", "word overlap"}


def test_a_run_is_repeatable_and_a_grid_lists_every_run(corpus_and_tokenizer):
    torch.set_num_threads(1)
    data = task_data(SMALL_SOURCE, *corpus_and_tokenizer)
    first = fine_tune_run(SMALL_SOURCE, data, lm_weight=0.5, seed=3)
    assert fine_tune_run(SMALL_SOURCE, data, lm_weight=0.5, seed=3) == first  # seeded: the same accuracy again
    assert 0.0 <= first <= 1.0 and first * 6 == pytest.approx(round(first * 6))  # a share of the 6 test sentences
    record = record_runs(SMALL_CHOICE, *corpus_and_tokenizer, weights=(0.5, 0.0), seeds=(0,))
    assert [(r["lm_weight"], r["seed"]) for r in record["runs"]] == [(0.5, 0), (0.0, 0)]
    assert record["settings"]["task"] == "next-sentence" and record["settings"]["max_len"] == 32


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="task must be one of"):
        TaskSettings("sentiment", 10, 10)
    with pytest.raises(ValueError, match="train_examples"):
        TaskSettings("source", 1, 10)
    with pytest.raises(ValueError, match="lr"):
        TaskSettings("source", 10, 10, lr=0.0)
