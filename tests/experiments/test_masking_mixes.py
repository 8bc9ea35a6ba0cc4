"""lessons_lib.experiments.masking_mixes: one small MLM or left-to-right run, its probes, loss and records."""

import json

import pytest
import torch
import torch.nn.functional as F

from lessons_lib.experiments.masking_mixes import (
    RunResult,
    RunSettings,
    capital_word_task,
    feature_probe_accuracy,
    first_step_below,
    heldout_loss,
    make_model,
    mean_and_spread,
    probe_scores,
    record_run,
    rule_name,
    settings_dict,
    train_run,
)
from lessons_lib.models.tiny_lm import TinyLM
from lessons_lib.objectives.masking import MaskingRule
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer

WORDS = "the cat sat on a mat and dog ran far away".split()
TINY = RunSettings(hidden_size=16, num_layers=1, num_heads=2, window=8, batch_size=4, steps=6, warmup=2,
                   eval_every=3, eval_windows=4)


@pytest.fixture(scope="module")
def tokenizer():
    return WordPieceTokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS])


@pytest.fixture(scope="module")
def windows(tokenizer):
    g = torch.Generator().manual_seed(0)
    return torch.randint(5, tokenizer.vocab_size, (40, 8), generator=g)


def test_make_model_follows_the_settings(tokenizer):
    for causal in (False, True):
        model = make_model(tokenizer.vocab_size, TINY, causal=causal)
        assert isinstance(model, TinyLM)
        config = model.config
        assert (config.vocab_size, config.hidden_size, config.num_layers, config.num_heads, config.max_len,
                config.causal) == (tokenizer.vocab_size, 16, 1, 2, 8, causal)
    with pytest.raises(TypeError, match="settings"):
        make_model(tokenizer.vocab_size, {"hidden_size": 16}, causal=False)


def test_one_run_records_curve_probes_and_loss_tokens(tokenizer, windows):
    result = train_run(windows, windows, tokenizer, TINY, rule=MaskingRule(), seed=0)
    assert isinstance(result, RunResult)
    assert result.curve_steps == [0, 3, 6] and len(result.curve_loss) == 3
    assert result.final["heldout_loss"] == result.curve_loss[-1]
    assert set(result.final) == {"heldout_loss", "masked_accuracy", "random_accuracy", "random_copy_rate",
                                 "clean_accuracy"}
    # Every window holds ordinary tokens only: a rule that selects every position puts a loss on all of them.
    everything = train_run(windows, windows, tokenizer, TINY, rule=MaskingRule(1.0, 0.8, 0.1), seed=0, probes=False)
    assert everything.loss_tokens_per_step == TINY.batch_size * TINY.window
    lm = train_run(windows, windows, tokenizer, TINY, rule=None, seed=0, probes=False)
    assert lm.loss_tokens_per_step == TINY.batch_size * (TINY.window - 1)
    assert set(lm.final) == {"heldout_loss"}
    with pytest.raises(ValueError, match="train"):
        train_run(windows[:, :4], windows, tokenizer, TINY, rule=None, seed=0)


def test_a_run_is_a_function_of_its_seed(tokenizer, windows):
    first = train_run(windows, windows, tokenizer, TINY, rule=MaskingRule(), seed=1, probes=False)
    again = train_run(windows, windows, tokenizer, TINY, rule=MaskingRule(), seed=1, probes=False)
    other = train_run(windows, windows, tokenizer, TINY, rule=MaskingRule(), seed=2, probes=False)
    assert first.curve_loss == again.curve_loss and first.curve_loss != other.curve_loss


def test_a_model_that_copies_its_input_is_perfect_on_clean_input(tokenizer, windows):
    model = make_model(tokenizer.vocab_size, TINY, causal=False)

    def copy_input(ids, positions=None):
        scores = F.one_hot(ids, tokenizer.vocab_size).float()
        return scores if positions is None else scores[positions]

    model.forward = copy_input
    scores = probe_scores(model, windows, tokenizer)
    assert scores["clean_accuracy"] == 1.0 and scores["random_copy_rate"] == 1.0 and scores["masked_accuracy"] == 0.0
    assert scores["random_accuracy"] < 0.5  # shown a wrong token, a copier repeats it


def test_heldout_loss_of_a_left_to_right_lm_is_its_next_token_cross_entropy(tokenizer, windows):
    torch.manual_seed(0)
    model = make_model(tokenizer.vocab_size, TINY, causal=True)
    with torch.no_grad():
        scores = model(windows)
    expected = F.cross_entropy(scores[:, :-1].flatten(0, 1), windows[:, 1:].flatten())
    assert heldout_loss(model, windows, tokenizer, None) == pytest.approx(expected.item(), rel=1e-5)


def test_heldout_loss_shows_every_selected_token_as_mask(tokenizer, windows):
    torch.manual_seed(0)
    model = make_model(tokenizer.vocab_size, TINY, causal=False)
    as_mask = heldout_loss(model, windows, tokenizer, MaskingRule(0.15, 1.0, 0.0))
    assert heldout_loss(model, windows, tokenizer, MaskingRule(0.15, 0.8, 0.1)) == as_mask  # the split is ignored
    assert heldout_loss(model, windows, tokenizer, MaskingRule(0.5, 0.8, 0.1)) != as_mask  # the share is not
    assert model.training  # the model is handed back in training mode


def test_small_helpers():
    assert rule_name(MaskingRule()) == "80/10/10" and rule_name(MaskingRule(0.15, 1.0, 0.0)) == "100/0/0"
    assert first_step_below([0, 10, 20], [5.0, 4.0, 3.0], 3.5) == 20
    assert first_step_below([0, 10], [5.0, 4.0], 1.0) is None
    assert mean_and_spread([1.0, 3.0]) == (2.0, 1.0)
    assert mean_and_spread([2.0, 4.0, 9.0]) == pytest.approx((5.0, (26 / 3) ** 0.5))  # population sd: (9 + 1 + 16) / 3
    with pytest.raises(ValueError, match="values"):
        mean_and_spread([])


def test_settings_dict_is_json_ready_and_complete():
    as_dict = settings_dict(TINY)
    assert json.loads(json.dumps(as_dict)) == as_dict
    assert RunSettings(**as_dict) == TINY and as_dict["window"] == 8


def test_record_run_is_a_json_ready_run_and_refuses_a_mismatched_experiment(tokenizer, windows):
    record = record_run(windows, windows, tokenizer, TINY, "lm", None, 0)
    assert record["mix"] == "left-to-right" and json.loads(json.dumps(record)) == record
    assert record["experiment"] == "lm" and record["seed"] == 0 and record["curve_steps"] == [0, 3, 6]
    mix = record_run(windows, windows, tokenizer, TINY, "mix", MaskingRule(0.15, 1.0, 0.0), 0)
    assert mix["mix"] == "100/0/0" and "clean_accuracy" in mix
    with pytest.raises(ValueError, match="experiment"):
        record_run(windows, windows, tokenizer, TINY, "mix", None, 0)
    with pytest.raises(ValueError, match="threads"):
        record_run(windows, windows, tokenizer, TINY, "lm", None, 0, threads=0)
    with pytest.raises(ValueError, match="probe_steps"):
        record_run(windows, windows, tokenizer, TINY, "lm", None, 0, probe_steps=0)


def test_capital_word_task_labels_capitalised_words_inside_a_sentence(tokenizer):
    tagged = capital_word_task(tokenizer, [["The cat sat on Mat", "A dog ran"], ["far away"]], max_len=4)
    # "The" starts its sentence: label 0; "Mat" is capitalised inside it: 1. The first sentence is cut to 4 tokens.
    assert tagged[0] == (tokenizer.encode("the cat sat on"), [0, 0, 0, 0])
    assert capital_word_task(tokenizer, [["the cat Sat"]], max_len=8) == [(tokenizer.encode("the cat sat"), [0, 0, 1])]
    assert [labels for _, labels in tagged[1:]] == [[0, 0, 0], [0, 0]]


def test_feature_probe_reads_a_label_the_features_carry_and_not_one_they_lack(tokenizer):
    torch.manual_seed(0)
    model = make_model(tokenizer.vocab_size, TINY, causal=False)
    cat = tokenizer.encode("cat")[0]
    g = torch.Generator().manual_seed(0)
    sentences = [torch.randint(5, tokenizer.vocab_size, (6,), generator=g).tolist() for _ in range(60)]
    # Label 1 exactly at the token "cat": its vector differs from every other token's, so a probe finds it.
    by_token = [(ids, [int(i == cat) for i in ids]) for ids in sentences]
    assert feature_probe_accuracy(model, by_token[:40], by_token[40:]) > 0.9
    # Labels drawn at random: nothing in the features predicts them, so about chance (0.5).
    by_coin = [(ids, torch.randint(0, 2, (6,), generator=g).tolist()) for ids in sentences]
    assert abs(feature_probe_accuracy(model, by_coin[:40], by_coin[40:]) - 0.5) < 0.15
    assert model.training  # handed back in training mode


def test_a_run_with_a_task_records_the_probe_and_honours_the_new_settings(tokenizer, windows):
    task = ([(windows[i, :6].tolist(), [int(t % 2) for t in windows[i, :6].tolist()]) for i in range(20)],
            [(windows[i, :6].tolist(), [int(t % 2) for t in windows[i, :6].tolist()]) for i in range(20, 30)])
    settings = RunSettings(**{**settings_dict(TINY), "norm_first": True, "init_std": 0.1, "clip_norm": 1.0})
    model = make_model(tokenizer.vocab_size, settings, causal=False)
    assert model.config.norm_first and model.config.init_std == 0.1
    result = train_run(windows, windows, tokenizer, settings, rule=MaskingRule(), seed=0, probes=False, task=task)
    assert set(result.final) == {"heldout_loss", "capital_accuracy"} and 0.0 <= result.final["capital_accuracy"] <= 1.0
    record = record_run(windows, windows, tokenizer, settings, "lm", None, 0, task=task)
    assert record["cpu_seconds"] >= 0 and record["seconds"] >= 0 and "capital_accuracy" in record
