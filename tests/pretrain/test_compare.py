"""lessons_lib.pretrain.compare: the ELMo and BERT matched to the shipped GPT, a smoke run and the shipped trio."""

import errno
import json
import math
from pathlib import Path

import pytest

from lessons_lib.pretrain import compare, main
from lessons_lib.pretrain.compare import bert_training_tokens, finish_trio
from lessons_lib.tasks.comparison import CHECKPOINTS, load_trio, trio_rows, trio_table
from lessons_lib.training.checkpoints import SHIPPED, load_checkpoint

SMOKE = ["compare", "--steps", "4", "--batch-size", "4", "--documents", "3", "--eval-documents", "2", "--no-progress"]


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("trio")
    assert main([*SMOKE, "--out", str(out)]) == 0
    return out


def test_smoke_run_trains_both_and_completes_their_metadata(smoke_run):
    for name, folder in CHECKPOINTS.items():
        _, _, metadata = load_checkpoint(smoke_run / folder)
        assert metadata["steps"] == 4 and metadata["reproduce_with"].startswith("python -m lessons_lib.pretrain compare")
        assert metadata["command"].startswith(f"python -m lessons_lib.pretrain {name.lower()} ")
    _, _, bert = load_checkpoint(smoke_run / "compare-bert")
    assert bert["trained_tokens"] == bert_training_tokens(smoke_run / "compare-bert", documents=3)
    assert 4 * 4 * 5 <= bert["trained_tokens"] <= 4 * 4 * 64  # 4 steps of 4 pairs, each of 5 to 64 tokens
    assert math.isfinite(bert["heldout_mlm_loss"]) and bert["heldout_mlm_loss"] > 0
    _, _, elmo = load_checkpoint(smoke_run / "compare-elmo")
    assert elmo["trained_tokens"] == 4 * 4 * 64


def test_a_trio_whose_vocabularies_differ_is_refused(smoke_run):
    # Three documents give BERT's own run a smaller vocabulary than the shipped GPT's.
    with pytest.raises(ValueError, match="do not share one vocabulary"):
        load_trio(smoke_run)


def test_a_full_disk_while_finishing_the_trio_leaves_each_metadata_whole(tmp_path, monkeypatch):
    before = {"steps": 2, "batch_size": 4, "window": 8}
    for folder in CHECKPOINTS.values():
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "metadata.json").write_text(json.dumps(before))
    monkeypatch.setattr(compare, "bert_heldout_loss", lambda *args, **kwargs: 6.0)
    monkeypatch.setattr(compare, "bert_training_tokens", lambda *args, **kwargs: 64)

    def half_then_full(path, text, encoding=None):
        with open(path, "w", encoding=encoding) as out:
            out.write(text[: len(text) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_text", half_then_full)
    first = tmp_path / next(iter(CHECKPOINTS.values()))
    with pytest.raises(OSError, match=f"^cannot write into {first}: No space left on device"):
        finish_trio(tmp_path, "python -m lessons_lib.pretrain compare")
    for folder in CHECKPOINTS.values():  # the old metadata, whole, and no half-written file beside it
        assert json.loads((tmp_path / folder / "metadata.json").read_text()) == before
        assert sorted(p.name for p in (tmp_path / folder).iterdir()) == ["metadata.json"]


@pytest.mark.parametrize("options", [["--seed", "1"], ["--resume"]])
def test_options_that_would_break_the_match_are_refused(options, capsys, tmp_path):
    with pytest.raises(SystemExit):
        main(["compare", *options, "--out", str(tmp_path)])
    assert options[0] in capsys.readouterr().err


def test_the_shipped_trio_is_matched():
    rows = trio_rows()
    assert [row["model"] for row in rows] == ["ELMo", "GPT", "BERT"]
    params = [row["non_embedding_parameters"] for row in rows]
    tokens = [row["trained_tokens"] for row in rows]
    assert max(params) / min(params) < 1.10 and max(tokens) / min(tokens) < 1.02
    assert tokens[:2] == [4_096_000, 4_096_000]
    models, tokenizer = load_trio()
    assert list(models) == ["ELMo", "GPT", "BERT"] and tokenizer.vocab_size == 6000
    table = trio_table(rows)
    assert len(table.splitlines()) == 4 and "809,376" in table


def test_shipped_metadata_holds_what_the_command_measures():
    # BERT's real tokens, counted by replaying its batches, are what its metadata says (a minute of CPU at most).
    metadata = json.loads((SHIPPED / "compare-bert" / "metadata.json").read_text())
    assert metadata["trained_tokens"] == bert_training_tokens(SHIPPED / "compare-bert")
    assert metadata["reproduce_with"] == "python -m lessons_lib.pretrain compare --out lessons_lib/checkpoints"


@pytest.mark.slow
def test_the_command_reproduces_the_shipped_trio(tmp_path):
    assert main(["compare", "--no-progress", "--out", str(tmp_path)]) == 0
    for folder in CHECKPOINTS.values():
        _, _, shipped = load_checkpoint(SHIPPED / folder)
        _, _, fresh = load_checkpoint(tmp_path / folder)
        assert fresh["trained_tokens"] == shipped["trained_tokens"]
        # Bit-identical on one machine; other CPUs differ in late digits, so allow 2 %.
        for name in ("heldout_forward_perplexity", "heldout_backward_perplexity", "heldout_mlm_loss",
                     "heldout_mlm_accuracy"):
            if name in shipped:
                assert fresh[name] == pytest.approx(shipped[name], rel=0.02), name
