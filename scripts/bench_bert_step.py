"""Time one BERT pre-training step (forward, backward, AdamW) for lessons_lib and transformers.

Same configuration, same weights, same batch, CPU, 2 threads by default; the two models' steps
alternate, so a busy machine slows both alike. Prints a markdown table and the speed ratio.
Run: .venv/bin/python scripts/bench_bert_step.py [--layers 4 --hidden 256 --heads 4 --batch 8 --seq 128]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F
import transformers

from lessons_lib.models import BertConfig, BertForPreTraining


def _train_step(model, forward, optimizer, batch) -> float:
    start = time.perf_counter()
    mlm, nsp = forward(model, batch)
    loss = F.cross_entropy(mlm.flatten(0, 1), batch["labels"].flatten()) + F.cross_entropy(nsp, batch["nsp"])
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return time.perf_counter() - start


def _median_step_times(contenders, batch, repeats: int, warmup: int = 3) -> list[float]:
    # Steps alternate between the contenders (and which goes first), so that a busy or idle
    # moment of the machine falls on both alike.
    optimizers = [torch.optim.AdamW(model.parameters(), lr=1e-4) for model, _ in contenders]
    times: list[list[float]] = [[] for _ in contenders]
    for i in range(warmup + repeats):
        order = range(len(contenders)) if i % 2 == 0 else reversed(range(len(contenders)))
        for j in order:
            model, forward = contenders[j]
            elapsed = _train_step(model, forward, optimizers[j], batch)
            if i >= warmup:  # the first steps warm up allocators and caches
                times[j].append(elapsed)
    return [statistics.median(t) for t in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--vocab", type=int, default=30522)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--seq", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--repeats", type=int, default=10, help="timed steps of each, after 3 warm-up steps")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=args.vocab, hidden_size=args.hidden, num_layers=args.layers,
                        num_heads=args.heads, intermediate_size=4 * args.hidden)
    hf_config = transformers.BertConfig(
        vocab_size=args.vocab, hidden_size=args.hidden, num_hidden_layers=args.layers,
        num_attention_heads=args.heads, intermediate_size=4 * args.hidden)
    theirs = transformers.BertForPreTraining(hf_config).train()
    ours = BertForPreTraining.from_huggingface(theirs.state_dict(), config).train()
    ids = torch.randint(5, args.vocab, (args.batch, args.seq))
    labels = torch.where(torch.rand(ids.shape) < 0.15, ids, torch.full_like(ids, -100))
    batch = {"ids": ids, "segments": torch.zeros_like(ids), "mask": torch.ones_like(ids), "labels": labels,
             "nsp": torch.randint(0, 2, (args.batch,))}

    def ours_forward(model, b):
        return model(b["ids"], b["segments"], b["mask"])

    def theirs_forward(model, b):
        out = model(input_ids=b["ids"], token_type_ids=b["segments"], attention_mask=b["mask"])
        return out.prediction_logits, out.seq_relationship_logits

    ours_s, theirs_s = _median_step_times([(ours, ours_forward), (theirs, theirs_forward)], batch, args.repeats)
    print(f"config: L={args.layers} H={args.hidden} A={args.heads} vocab={args.vocab}, batch {args.batch} x {args.seq}, "
          f"torch {torch.__version__}, transformers {transformers.__version__}, "
          f"{args.threads} thread(s), median of {args.repeats} steps each")
    print("| implementation | median step (ms) |")
    print("|---|---:|")
    print(f"| lessons_lib BertForPreTraining | {ours_s * 1000:.0f} |")
    print(f"| transformers BertForPreTraining | {theirs_s * 1000:.0f} |")
    print(f"speed ratio (transformers time / ours): {theirs_s / ours_s:.2f}")


if __name__ == "__main__":
    main()
