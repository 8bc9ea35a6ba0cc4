"""scripts/bench_bert_step.py runs, times both implementations and prints the table and the ratio."""

import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "bench_bert_step.py"


def test_tiny_benchmark_prints_both_times_and_their_ratio():
    tiny = ["--layers", "1", "--hidden", "16", "--heads", "2", "--vocab", "50", "--batch", "2", "--seq", "8",
            "--repeats", "2", "--threads", "1"]
    out = subprocess.run([sys.executable, str(SCRIPT), *tiny], capture_output=True, text=True, check=True).stdout
    times = {name: int(ms) for name, ms in re.findall(r"\| (lessons_lib|transformers) BertForPreTraining \| (\d+) \|", out)}
    assert set(times) == {"lessons_lib", "transformers"}
    ratio = float(re.search(r"speed ratio \(transformers time / ours\): ([\d.]+)", out).group(1))
    # The ratio is theirs / ours, not ours / theirs: it must agree with the two printed times, which
    # are rounded to whole milliseconds (and the ratio to two decimals).
    ours, theirs = times["lessons_lib"], times["transformers"]
    low = (theirs - 0.5) / (ours + 0.5) - 0.005
    high = (theirs + 0.5) / (ours - 0.5) + 0.005 if ours >= 1 else float("inf")
    assert low <= ratio <= high, (times, ratio)
    assert "L=1 H=16 A=2 vocab=50, batch 2 x 8" in out
