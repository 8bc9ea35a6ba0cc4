"""lessons_lib.pretrain.bert: pre-training the tiny BERT end to end: a short run, continuing, resuming, options."""

import json

import pytest
import torch

import lessons_lib.pretrain as pretrain
from lessons_lib.data.corpus import load_corpus
from lessons_lib.pretrain import bert, main
from lessons_lib.training.bert_pretraining import evaluate_pretraining
from lessons_lib.training.checkpoints import SHIPPED_BERT, load_checkpoint, load_pretrained_bert

SMOKE = ["bert", "--steps", "6", "--save-every", "3", "--vocab-size", "400", "--documents", "4",
         "--batch-size", "8", "--max-len", "32", "--eval-documents", "2", "--no-progress",
         "--threads", "1"]  # one thread: immune to other programs on a shared machine


@pytest.fixture(scope="module")
def straight_run(tmp_path_factory):
    """A 6-step run, start to finish, shared by the tests below (it is the slow part)."""
    out = tmp_path_factory.mktemp("straight")
    assert main([*SMOKE, "--out", str(out)]) == 0
    return out


def test_short_run_writes_a_complete_checkpoint(straight_run):
    state, config, metadata = load_checkpoint(straight_run)
    assert (straight_run / "vocab.txt").is_file()
    assert not (straight_run / "resume").exists()  # the snapshot goes once the run is done
    assert config["vocab_size"] == 400 and metadata["steps"] == 6 and metadata["heldout_documents"] == 2
    assert metadata["command"] == "python -m lessons_lib.pretrain " + " ".join(
        [*SMOKE, "--out", str(straight_run)])
    model, tokenizer, _ = load_pretrained_bert(straight_run)
    assert tokenizer.vocab_size == 400 and model.heads.decoder.weight is model.bert.embeddings.token.weight
    # The held-out scores in the metadata are those of the written weights on the first 2 validation documents.
    scores = evaluate_pretraining(model, load_corpus().valid[:2], tokenizer, max_len=32)
    for name in ("mlm_accuracy", "mask_accuracy", "nsp_accuracy"):
        assert metadata[f"heldout_{name}"] == round(scores[name], 4), name


def test_a_finished_checkpoint_is_replaced_only_with_overwrite(straight_run, tmp_path, capsys):
    out = tmp_path / "ck"
    out.mkdir()
    (out / "keep.txt").write_text("a finished checkpoint")
    with pytest.raises(SystemExit) as refused:  # refused while the options are read, before any work
        main([*SMOKE, "--steps", "2", "--out", str(out)])
    assert refused.value.code == 2
    assert "--overwrite" in capsys.readouterr().err and (out / "keep.txt").is_file()
    assert main([*SMOKE, "--steps", "2", "--out", str(out), "--overwrite"]) == 0
    assert not (out / "keep.txt").exists() and load_checkpoint(out)[2]["steps"] == 2


def test_continuing_from_a_checkpoint_on_span_pairs(straight_run, tmp_path):
    # Another seed: were --init ignored, the weights would start from another random draw.
    argv = [*SMOKE, "--init", str(straight_run), "--span", "2", "--seed", "1", "--out", str(tmp_path)]
    assert main(argv) == 0
    start, _, _ = load_checkpoint(straight_run)
    state, config, metadata = load_checkpoint(tmp_path)
    assert metadata["span"] == 2 and metadata["init"] == str(straight_run)
    assert (tmp_path / "vocab.txt").read_text() == (straight_run / "vocab.txt").read_text()  # its vocabulary kept
    assert config == {**load_checkpoint(straight_run)[1], "dropout": 0.0, "attention_dropout": 0.0}
    moved = [name for name in start if not torch.equal(start[name], state[name])]
    assert len(moved) > len(start) // 2  # it trained ...
    # ... from the given weights: 6 AdamW steps of lr <= 1e-3 move no weight by more than about 0.006,
    # while a fresh initialisation (std 0.02) differs from them by far more.
    assert max((state[name] - start[name]).abs().max().item() for name in start) < 0.02


def test_default_options_are_those_of_the_shipped_checkpoint():
    shipped = json.loads((SHIPPED_BERT / "metadata.json").read_text())
    args, module = pretrain._parse(["bert"])
    assert module is bert
    for name in ("steps", "batch_size", "max_len", "lr", "dropout", "seed", "vocab_size"):
        assert getattr(args, name) == shipped[name], name
    assert args.span == 1 and args.init is None


@pytest.mark.parametrize("bad", [["--max-len", "500"], ["--max-len", "7"], ["--span", "0"], ["--dropout", "1.0"],
                                 ["--batch-size", "0"], ["--vocab-size", "0"], ["--lr", "0"], ["--lr", "nan"],
                                 ["--init", "/no/such/checkpoint"]])
def test_bad_options_are_refused(bad, capsys):
    with pytest.raises(SystemExit):
        main([*SMOKE, *bad])
    assert bad[0] in capsys.readouterr().err


def test_resuming_gives_the_same_weights_as_an_uninterrupted_run(straight_run, tmp_path, capsys):
    out = tmp_path / "run"
    assert main([*SMOKE, "--out", str(out), "--stop-at", "3"]) == 0
    # The run works in OUT.partial; OUT itself gets the finished checkpoint only.
    assert not out.exists() and (tmp_path / "run.partial" / "resume").is_dir()
    capsys.readouterr()
    assert main([*SMOKE, "--out", str(out), "--resume", "--lr", "0.5"]) == 2  # other options: refused
    assert "--lr (0.001, 0.5)" in capsys.readouterr().err
    with pytest.raises(SystemExit) as refused:  # neither --resume nor --overwrite: refused
        main([*SMOKE, "--out", str(out)])
    assert refused.value.code == 2
    assert "--resume" in capsys.readouterr().err
    assert main([*SMOKE, "--out", str(out), "--resume"]) == 0
    assert not (tmp_path / "run.partial").exists()  # the snapshot goes once the run is done
    straight, _, straight_meta = load_checkpoint(straight_run)
    resumed, _, resumed_meta = load_checkpoint(out)
    for name in straight:
        torch.testing.assert_close(resumed[name], straight[name], rtol=0, atol=0)
    assert resumed_meta["heldout_mlm_accuracy"] == straight_meta["heldout_mlm_accuracy"]


@pytest.mark.slow
def test_full_pretraining_reproduces_the_shipped_checkpoint(tmp_path):
    shipped = json.loads((SHIPPED_BERT / "metadata.json").read_text())
    argv = shipped["command"].split()[3:]
    main([*argv, "--out", str(tmp_path / "bert"), "--no-progress"])
    fresh = json.loads((tmp_path / "bert" / "metadata.json").read_text())
    # Bit-identical on one machine; other CPUs differ in late digits, so allow a point.
    assert fresh["heldout_nsp_accuracy"] == pytest.approx(shipped["heldout_nsp_accuracy"], abs=0.01)
    assert fresh["heldout_mlm_accuracy"] == pytest.approx(shipped["heldout_mlm_accuracy"], abs=0.01)
    assert fresh["heldout_mask_accuracy"] == pytest.approx(shipped["heldout_mask_accuracy"], abs=0.01)




def test_batches_with_nothing_masked_do_not_stop_the_run(tmp_path, capsys):
    # Two short pairs a step: some steps select no position for the MLM (it once made the loss NaN at step 6).
    argv = ["bert", "--documents", "3", "--batch-size", "2", "--max-len", "16", "--vocab-size", "300", "--seed", "0",
            "--steps", "10", "--eval-documents", "2", "--no-progress", "--threads", "1", "--out", str(tmp_path / "o")]
    assert main(argv) == 0, capsys.readouterr().err
    assert (tmp_path / "o" / "model.safetensors").is_file()


def test_a_full_disk_is_one_line_naming_the_folder_and_leaves_nothing_half_written(tmp_path):
    # A file-size limit stands in for a full disk: the first snapshot (megabytes) cannot be written.
    import subprocess
    import sys

    script = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
              "resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, resource.getrlimit(resource.RLIMIT_FSIZE)[1])); "
              "from lessons_lib.pretrain import main; sys.exit(main(sys.argv[1:]))")
    done = subprocess.run([sys.executable, "-c", script, *SMOKE, "--out", str(tmp_path / "o")],
                          capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    last = done.stderr.splitlines()[-1]
    assert last.startswith(f"python -m lessons_lib.pretrain bert: error: cannot write into "
                           f"{tmp_path / 'o.partial' / 'resume'}: the write failed part-way; free some disk space"), last
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []  # no state.pt.partial, and no run folder without a snapshot
