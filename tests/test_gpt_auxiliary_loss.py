"""scripts/gpt_auxiliary_loss.py: a smoke run writes every run; the stored results are complete and reproducible.

The library part (lessons_lib.experiments.gpt_auxiliary_loss) is tested in tests/experiments/test_gpt_auxiliary_loss.py.
"""

import importlib.util
import json
import statistics
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STORED = ROOT / "notebooks" / "results" / "gpt_auxiliary_loss.json"


def _script():
    spec = importlib.util.spec_from_file_location("gpt_auxiliary_loss_script", ROOT / "scripts" / "gpt_auxiliary_loss.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_smoke_run_writes_every_task_weight_and_seed(tmp_path):
    out = tmp_path / "aux.json"
    argv = ["--seeds", "1", "--train-examples", "4", "--test-examples", "4", "--out", str(out)]
    assert _script().main(argv) == 0
    results = json.loads(out.read_text())
    assert results["command"] == " ".join(["python scripts/gpt_auxiliary_loss.py", *argv])
    for task in ("source", "next-sentence"):
        runs = results["tasks"][task]["runs"]
        assert [(r["lm_weight"], r["seed"]) for r in runs] == [(0.5, 0), (0.0, 0)]
    with pytest.raises(SystemExit):
        _script().main(["--seeds", "0"])


def test_stored_results_hold_five_seeds_per_weight_and_task():
    stored = json.loads(STORED.read_text())
    assert stored["command"] == "python scripts/gpt_auxiliary_loss.py"
    for task in ("source", "next-sentence"):
        runs = stored["tasks"][task]["runs"]
        for weight in (0.5, 0.0):
            assert sorted(r["seed"] for r in runs if r["lm_weight"] == weight) == [0, 1, 2, 3, 4]


@pytest.mark.slow
def test_the_stored_runs_reproduce(tmp_path):
    stored = json.loads(STORED.read_text())
    out = tmp_path / "aux.json"
    assert _script().main(["--out", str(out)]) == 0
    fresh = json.loads(out.read_text())
    for task in stored["tasks"]:
        for weight in (0.5, 0.0):
            means = [statistics.mean(r["accuracy"] for r in results["tasks"][task]["runs"] if r["lm_weight"] == weight)
                     for results in (stored, fresh)]
            # Bit-identical on one machine; another CPU may flip a few test examples.
            assert means[0] == pytest.approx(means[1], abs=0.02), (task, weight)
