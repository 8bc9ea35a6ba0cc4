"""Time one BERT pre-training step (forward, backward, AdamW) for lessons_lib and transformers.

Same configuration, same weights, same batch, CPU, 2 threads. Prints a markdown table.
Run: .venv/bin/python scripts/bench_bert_step.py [--layers 4 --hidden 256 --heads 4 --batch 8 --seq 128]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F
import transformers

from lessons_lib.bert import BertConfig, BertForPreTraining


def _step_time(model, forward, batch, repeats: int) -> float:
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    times = []
    for i in range(repeats + 3):  # the first 3 steps warm up allocators and caches
        start = time.perf_counter()
        mlm, nsp = forward(model, batch)
        loss = F.cross_entropy(mlm.flatten(0, 1), batch["labels"].flatten()) + F.cross_entropy(nsp, batch["nsp"])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if i >= 3:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--vocab", type=int, default=30522)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--seq", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(2)
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

    # Alternate the two, twice, so that neither gets a warmer machine.
    rounds = [(_step_time(ours, ours_forward, batch, args.repeats), _step_time(theirs, theirs_forward, batch, args.repeats))
              for _ in range(2)]
    ours_s = min(r[0] for r in rounds)
    theirs_s = min(r[1] for r in rounds)
    print(f"config: L={args.layers} H={args.hidden} A={args.heads} vocab={args.vocab}, batch {args.batch} x {args.seq}, "
          f"torch {torch.__version__}, transformers {transformers.__version__}, 2 threads")
    print("| implementation | median step (ms) |")
    print("|---|---:|")
    print(f"| lessons_lib BertForPreTraining | {ours_s * 1000:.0f} |")
    print(f"| transformers BertForPreTraining | {theirs_s * 1000:.0f} |")
    print(f"speed ratio (transformers time / ours): {theirs_s / ours_s:.2f}")


if __name__ == "__main__":
    main()
