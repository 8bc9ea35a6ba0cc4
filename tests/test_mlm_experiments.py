"""The small MLM / left-to-right experiments: data windows, the model, one run, the script and its stored results."""

import importlib.util
import json
import shlex
from pathlib import Path

import pytest
import torch

from lessons_lib.masking import IGNORE_INDEX
from lessons_lib.mlm_experiments import (
    RunSettings,
    TinyLM,
    first_step_below,
    lm_batch,
    make_windows,
    mean_and_spread,
    probe_scores,
    record_run,
    rule_name,
    train_run,
    unigram_entropy,
    windows_from_ids,
)
from lessons_lib.pretraining import MaskingRule
from lessons_lib.tokenizer import WordPieceTokenizer

ROOT = Path(__file__).resolve().parents[1]
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


def test_windows_stay_inside_documents_and_drop_short_tails():
    out = windows_from_ids([list(range(10)), list(range(100, 103)), list(range(200, 204))], 4)
    assert out.tolist() == [[0, 1, 2, 3], [4, 5, 6, 7], [200, 201, 202, 203]]
    with pytest.raises(ValueError, match="window"):
        windows_from_ids([[1, 2, 3]], 1)
    with pytest.raises(ValueError, match="no window"):
        windows_from_ids([[1, 2]], 4)


def test_make_windows_encodes_documents(tokenizer):
    assert make_windows([["the cat sat", "on a mat"]], tokenizer, 3).shape == (2, 3)
    with pytest.raises(TypeError, match="tokenizer"):
        make_windows([["the cat"]], "tok", 2)


def test_lm_targets_are_the_next_token():
    inputs, labels = lm_batch(torch.tensor([[5, 6, 7]]))
    assert inputs.tolist() == [[5, 6, 7]] and labels.tolist() == [[6, 7, IGNORE_INDEX]]
    with pytest.raises(ValueError, match="ids"):
        lm_batch(torch.tensor([5, 6, 7]))


def test_causal_model_cannot_see_the_right_context(tokenizer):
    torch.manual_seed(0)
    ids = torch.tensor([[5, 6, 7, 8]])
    changed = torch.tensor([[5, 6, 7, 9]])  # only the last token differs
    for causal in (True, False):
        model = TinyLM(tokenizer.vocab_size, TINY, causal=causal).eval()
        same = torch.allclose(model(ids)[0, :3], model(changed)[0, :3])
        assert same == causal
    with pytest.raises(TypeError, match="settings"):
        TinyLM(tokenizer.vocab_size, {"hidden_size": 16})
    with pytest.raises(ValueError, match="vocab_size"):
        TinyLM(1, TINY)


def test_one_run_records_curve_probes_and_loss_tokens(tokenizer, windows):
    result = train_run(windows, windows, tokenizer, TINY, rule=MaskingRule(), seed=0)
    assert result.curve_steps == [0, 3, 6] and len(result.curve_loss) == 3
    assert set(result.final) == {"heldout_loss", "masked_accuracy", "random_accuracy", "random_copy_rate",
                                 "clean_accuracy"}
    assert 0 < result.loss_tokens_per_step < 0.5 * TINY.batch_size * TINY.window  # about 15 % of 32 tokens
    lm = train_run(windows, windows, tokenizer, TINY, rule=None, seed=0, probes=False)
    assert lm.loss_tokens_per_step == TINY.batch_size * (TINY.window - 1)
    with pytest.raises(ValueError, match="train"):
        train_run(windows[:, :4], windows, tokenizer, TINY, rule=None, seed=0)


def test_a_model_that_copies_its_input_is_perfect_on_clean_input(tokenizer, windows):
    model = TinyLM(tokenizer.vocab_size, TINY)
    model.forward = lambda ids: torch.nn.functional.one_hot(ids, tokenizer.vocab_size).float()
    model.scores = lambda hidden: hidden
    scores = probe_scores(model, windows, tokenizer)
    assert scores["clean_accuracy"] == 1.0 and scores["random_copy_rate"] == 1.0 and scores["masked_accuracy"] == 0.0


def test_small_helpers():
    assert rule_name(MaskingRule()) == "80/10/10" and rule_name(MaskingRule(0.15, 1.0, 0.0)) == "100/0/0"
    assert first_step_below([0, 10, 20], [5.0, 4.0, 3.0], 3.5) == 20
    assert first_step_below([0, 10], [5.0, 4.0], 1.0) is None
    assert mean_and_spread([1.0, 3.0]) == (2.0, 1.0)
    assert unigram_entropy(torch.tensor([[1, 1, 2, 2]]), 4) == pytest.approx(0.6931, abs=1e-4)
    with pytest.raises(ValueError, match="values"):
        mean_and_spread([])


def _script():
    spec = importlib.util.spec_from_file_location("mlm_experiments_script", ROOT / "scripts" / "mlm_experiments.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_script_runs_with_tiny_settings_alike_in_one_or_two_processes(tmp_path):
    tiny = ["--steps", "4", "--seeds", "1", "--train-docs", "3", "--heldout-docs", "2", "--eval-windows", "4",
            "--eval-every", "2", "--threads", "1"]
    results = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"r{jobs}.json"
        assert _script().main([*tiny, "--jobs", jobs, "--out", str(out)]) == 0
        results[jobs] = json.loads(out.read_text())["runs"]
    assert [r["mix"] for r in results["1"]] == ["100/0/0", "80/10/10", "80/0/20", "left-to-right"]
    assert results["1"] == results["2"]  # every run is seeded: the process it ran in does not matter
    with pytest.raises(SystemExit):
        _script().main([*tiny, "--jobs", "0"])


@pytest.mark.slow
def test_full_grid_reproduces_the_stored_results(tmp_path):
    """About 50 minutes on 2 cores: every stored run again, from the stored command (`make test-slow`)."""
    stored = json.loads((ROOT / "notebooks" / "results" / "mlm_experiments.json").read_text())
    out = tmp_path / "mlm.json"
    assert _script().main([*shlex.split(stored["command"])[2:], "--out", str(out)]) == 0
    fresh = json.loads(out.read_text())["runs"]
    for old, new in zip(stored["runs"], fresh, strict=True):
        assert (old["experiment"], old["mix"], old["seed"]) == (new["experiment"], new["mix"], new["seed"])
        # Bit-identical on one machine; other CPUs differ in late digits.
        assert new["heldout_loss"] == pytest.approx(old["heldout_loss"], abs=0.05)


def test_stored_results_hold_every_run_and_metric():
    stored = json.loads((ROOT / "notebooks" / "results" / "mlm_experiments.json").read_text())
    assert stored["command"].startswith("python scripts/mlm_experiments.py")
    settings = stored["settings"]
    assert settings["seeds"] >= 2 and {"100/0/0", "80/10/10"} <= set(settings["mixes"]) and len(settings["mixes"]) >= 3
    runs = stored["runs"]
    assert len(runs) == settings["seeds"] * (len(settings["mixes"]) + 1)
    for run in runs:
        assert len(run["curve_steps"]) == len(run["curve_loss"]) and run["curve_steps"][-1] == settings["steps"]
        if run["experiment"] == "mix":
            assert {"masked_accuracy", "clean_accuracy", "random_accuracy", "random_copy_rate"} <= set(run)
        else:
            assert run["mix"] == "left-to-right" and run["loss_tokens_per_step"] == settings["batch_size"] * (
                settings["window"] - 1)


def test_record_run_is_a_json_ready_run_and_refuses_a_mismatched_experiment(tokenizer, windows):
    record = record_run(windows, windows, tokenizer, TINY, "lm", None, 0)
    assert record["mix"] == "left-to-right" and json.loads(json.dumps(record)) == record
    with pytest.raises(ValueError, match="experiment"):
        record_run(windows, windows, tokenizer, TINY, "mix", None, 0)
    with pytest.raises(ValueError, match="threads"):
        record_run(windows, windows, tokenizer, TINY, "lm", None, 0, threads=0)
