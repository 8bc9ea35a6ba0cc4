"""scripts/nsp_minilm.py: a smoke run reproduces itself, and the stored results of notebook 03 are consistent."""

import importlib.util
import json
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STORED = ROOT / "notebooks" / "results" / "nsp_minilm.json"
# Span pairs: (sentences a side, tokens per pair) of each stored run.
STORED_SPANS = {(3, 128): ROOT / "notebooks" / "results" / "nsp_minilm_span3_len128.json",
                (3, 256): ROOT / "notebooks" / "results" / "nsp_minilm_span3_len256.json",
                (4, 192): ROOT / "notebooks" / "results" / "nsp_minilm_span4_len192.json"}


def _script():
    spec = importlib.util.spec_from_file_location("nsp_minilm_script", ROOT / "scripts" / "nsp_minilm.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _check_consistent(stored: dict) -> None:
    settings = stored["settings"]
    assert stored["command"].startswith("python scripts/nsp_minilm.py")
    assert len(stored["history"]["loss"]) == len(stored["history"]["batch_accuracy"]) == settings["steps"]
    assert settings["pairs_seen"] == settings["steps"] * settings["batch_size"]
    n_next, n_not = (len(stored["p_is_next"][k]) for k in ("true next", "other document"))
    # Sentence pairs are also scored with same-document B's; span pairs only with other-document ones.
    kinds = ["other document", "same document"] if settings.get("span", 1) == 1 else ["other document"]
    assert sorted(stored["results"]) == sorted(kinds) and sorted(stored["p_is_next"]) == sorted(["true next", *kinds])
    assert len(stored["p_is_next"][kinds[-1]]) == n_not
    for kind, scores in stored["results"].items():
        # The confusion counts follow from the stored probabilities (threshold 0.5).
        called_next = sum(p >= 0.5 for p in stored["p_is_next"]["true next"])
        wrongly_next = sum(p >= 0.5 for p in stored["p_is_next"][kind])
        assert scores["confusion"] == [[called_next, n_next - called_next], [wrongly_next, n_not - wrongly_next]]
        assert scores["pairs"] == n_next + n_not
        assert scores["accuracy"] == pytest.approx((called_next + n_not - wrongly_next) / scores["pairs"])


def test_smoke_run_writes_consistent_results_and_reproduces_itself(tmp_path):
    script = _script()
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert script.main(["--smoke", "--out", str(first)]) == 0
    assert script.main(["--smoke", "--out", str(second)]) == 0
    one, two = json.loads(first.read_text()), json.loads(second.read_text())
    _check_consistent(one)
    assert one["settings"]["steps"] == script.SMOKE["steps"] and one["results"]["other document"]["pairs"] == 12
    # Same seed, same run: the losses and probabilities agree (up to float noise).
    assert one["history"]["loss"] == pytest.approx(two["history"]["loss"], abs=1e-3)
    for kind in one["p_is_next"]:
        assert one["p_is_next"][kind] == pytest.approx(two["p_is_next"][kind], abs=1e-3)


def test_smoke_run_on_span_pairs(tmp_path):
    out = tmp_path / "spans.json"
    assert _script().main(["--smoke", "--span", "2", "--out", str(out)]) == 0
    stored = json.loads(out.read_text())
    _check_consistent(stored)
    assert stored["settings"]["span"] == 2 and "same document" not in stored["results"]


@pytest.mark.parametrize("bad", [["--steps", "0"], ["--span", "0"]])
def test_bad_arguments_are_refused(bad):
    with pytest.raises(SystemExit):
        _script()._parse(bad)


def test_default_output_depends_on_the_span():
    assert _script()._parse([]).out == STORED
    assert _script()._parse(["--span", "4", "--max-len", "192"]).out == STORED_SPANS[4, 192]


def test_stored_results_are_consistent_and_cover_every_test_pair():
    stored = json.loads(STORED.read_text())
    _check_consistent(stored)
    settings = stored["settings"]
    assert settings["test_documents"] == 40 and settings["test_pairs_seed"] == 1234
    assert stored["results"]["other document"]["pairs"] == 1500  # every test pair of notebook 03
    assert stored["same_document_negatives"] + stored["other_document_negatives_in_hard_pairs"] == 750


@pytest.mark.parametrize(("span", "max_len"), sorted(STORED_SPANS))
def test_stored_span_results_are_consistent_and_cover_every_span_test_pair(span, max_len):
    from lessons_lib.data import load_corpus
    from lessons_lib.objectives import make_span_pairs

    stored = json.loads(STORED_SPANS[span, max_len].read_text())
    _check_consistent(stored)
    settings = stored["settings"]
    assert (settings["span"], settings["max_len"], settings["test_pairs_seed"]) == (span, max_len, 1234)
    pairs = make_span_pairs(load_corpus().test, span=span, seed=1234)
    assert stored["results"]["other document"]["pairs"] == len(pairs)  # every span test pair of notebook 03
    assert len(stored["p_is_next"]["true next"]) == sum(p.is_next for p in pairs)


@pytest.mark.slow
@pytest.mark.parametrize("path", [STORED, *STORED_SPANS.values()], ids=lambda path: path.stem)
def test_full_run_reproduces_the_stored_results(tmp_path, path):
    """8 to 25 minutes each: a stored run again, from its own command line (`make test-slow`)."""
    stored = json.loads(path.read_text())
    out = tmp_path / "nsp_minilm.json"
    argv = shlex.split(stored["command"])[2:]  # drop "python scripts/nsp_minilm.py"
    assert _script().main([*argv, "--out", str(out)]) == 0
    fresh = json.loads(out.read_text())
    # Bit-identical on one machine; other CPUs differ in late digits, so allow a point.
    for kind in stored["results"]:
        assert fresh["results"][kind]["accuracy"] == pytest.approx(stored["results"][kind]["accuracy"], abs=0.01)
