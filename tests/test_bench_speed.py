"""scripts/bench_speed.py at tiny sizes: every pair runs, the losses and tokens agree, the report has its shape."""

import importlib.util
import re
from pathlib import Path

import torch

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "bench_speed.py"
PAIRS = ["bert_pretraining_step", "gpt2_training_step", "gpt2_generation"]


def test_tiny_run_reports_equal_losses_same_tokens_and_one_ratio_per_pair(monkeypatch, capsys):
    # In this process (no second start of torch and transformers); the script sets the thread count.
    spec = importlib.util.spec_from_file_location("bench_speed", SCRIPT)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    monkeypatch.setattr("sys.argv", ["bench_speed.py", "--tiny", "--threads", "1"])
    threads = torch.get_num_threads()
    try:
        bench.main()  # asserts the equal losses and the identical tokens itself
    finally:
        torch.set_num_threads(threads)
    out = capsys.readouterr().out
    rows = {cells[0]: cells[1:] for line in out.splitlines() if line.startswith("| ") and "---" not in line
            for cells in [[c.strip() for c in line.strip("|").split("|")]]}
    assert list(rows) == ["pair", *PAIRS]
    for name in PAIRS:
        ours_ms, theirs_ms, ratio, our_loss, their_loss = rows[name][:5]
        # The ratio is transformers' time over ours, not ours over theirs: it agrees with the two
        # printed times, which are rounded to whole milliseconds (and the ratio to two decimals).
        ours, theirs = int(ours_ms), int(theirs_ms)
        low = (theirs - 0.5) / (ours + 0.5) - 0.005
        high = (theirs + 0.5) / (ours - 0.5) + 0.005 if ours >= 1 else float("inf")
        assert low <= float(ratio) <= high, (name, ours, theirs, ratio)
        if name == "gpt2_generation":
            assert our_loss == their_loss == "same 8 tokens"
        else:
            assert abs(float(our_loss) - float(their_loss)) < 1e-4
    # The script ends with one machine-readable line per pair, in order.
    tail = out.strip().splitlines()[-3:]
    assert [re.fullmatch(r"ratio (\w+) (\d+\.\d\d)", line).group(1) for line in tail] == PAIRS
    assert re.search(r"peak: [\d.]+ GFLOP/s", out)
