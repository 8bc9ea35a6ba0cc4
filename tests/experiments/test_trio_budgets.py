"""The two-budget measurement of notebook 07's trio: what it records, and bad input."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lessons_lib.experiments.trio_budgets import (
    MATCHED,
    budget_changes,
    measure_budget,
    trained_tokens,
)

ROOT = Path(__file__).resolve().parents[2]


def test_a_smoke_run_records_both_budgets_every_model_and_the_changes(tmp_path):
    out = tmp_path / "budgets.json"
    # The matched trio stands in for the larger budget here: every change must then be nil.
    command = [sys.executable, "scripts/trio_budgets.py", "--seeds", "1", "--windows", "2", "--train-examples", "16",
               "--test-examples", "8", "--larger-elmo", str(MATCHED["ELMo"]), "--larger-gpt", str(MATCHED["GPT"]),
               "--larger-bert", str(MATCHED["BERT"]),
               "--out", str(out)]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True, timeout=300)
    results = json.loads(out.read_text())
    assert results["command"].startswith("python scripts/trio_budgets.py --seeds 1")
    for budget in ("matched", "larger"):
        assert sorted(results["budgets"][budget]) == ["BERT", "ELMo", "GPT"]
        for row in results["budgets"][budget].values():
            assert row["trained_tokens"] > 4_000_000 and row["next_word"]["predictions"] > 0
            assert all(len(v) == 1 and 0 <= v[0] <= 1 for v in row["understanding"].values())
    matched, larger = results["budgets"]["matched"], results["budgets"]["larger"]
    assert matched["GPT"]["next_word"] == larger["GPT"]["next_word"]  # same checkpoint, same score
    assert results["changes"]["GPT"]["perplexity_ratio"] == pytest.approx(1.0)


def test_training_tokens_are_recorded_or_counted():
    assert trained_tokens({"trained_tokens": 12}) == 12
    assert trained_tokens({"steps": 2, "batch_size": 3, "window": 4}) == 24


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="directories"):
        measure_budget({"ELMo": "x"}, None)
    with pytest.raises(ValueError, match="results"):
        budget_changes({"matched": {}})


def test_a_missing_larger_checkpoint_is_one_line_naming_the_option(tmp_path):
    done = subprocess.run([sys.executable, "scripts/trio_budgets.py", "--larger-elmo", str(tmp_path / "none"),
                           "--out", str(tmp_path / "x.json")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "--larger-elmo" in done.stderr and not (tmp_path / "x.json").exists()


def test_a_bert_without_a_recorded_count_is_counted_by_replaying_its_batches():
    from lessons_lib.experiments.trio_budgets import LARGER
    from lessons_lib.training import load_pretrained_bert

    _, _, metadata = load_pretrained_bert(LARGER["BERT"])
    assert "trained_tokens" not in metadata  # else this test tests nothing
    with pytest.raises(ValueError, match="directory"):
        trained_tokens(metadata)


STORED = ROOT / "notebooks" / "results" / "trio_budgets.json"


def test_the_stored_budgets_hold_every_model_three_seeds_and_4_6_times_the_tokens():
    stored = json.loads(STORED.read_text())
    assert stored["command"].startswith("python scripts/trio_budgets.py") and stored["seeds"] == [0, 1, 2]
    matched, larger = stored["budgets"]["matched"], stored["budgets"]["larger"]
    for name in ("ELMo", "GPT", "BERT"):
        assert larger[name]["trained_tokens"] / matched[name]["trained_tokens"] == pytest.approx(4.6, abs=0.01)
        for budget in (matched, larger):
            assert all(len(runs) == 3 for runs in budget[name]["understanding"].values())
    changes = budget_changes(stored["budgets"])
    assert all(changes[name] == pytest.approx(stored["changes"][name]) for name in stored["changes"])


@pytest.mark.slow
def test_the_stored_budgets_reproduce(tmp_path):
    """Trains the larger ELMo and GPT (about 2.7 hours on 2 cores, side by side), then measures both budgets."""
    out = tmp_path / "budgets.json"
    subprocess.run([sys.executable, "scripts/trio_budgets.py", "--train", "--out", str(out)], cwd=ROOT, check=True)
    stored, fresh = (json.loads(p.read_text())["budgets"] for p in (STORED, out))
    for budget in stored:
        for name, row in stored[budget].items():
            # Bit-identical on one machine; another CPU may flip a few test examples.
            assert fresh[budget][name]["next_word"]["perplexity"] == pytest.approx(row["next_word"]["perplexity"], rel=0.05)
            for task, runs in row["understanding"].items():
                assert sum(fresh[budget][name]["understanding"][task]) / 3 == pytest.approx(sum(runs) / 3, abs=0.03)
