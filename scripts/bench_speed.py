"""Speed of our models against transformers', side by side: two training steps, generation, the machine's limit.

Three pairs, each on the same weights and the same batch, their runs alternating (and which one
goes first), so that a busy moment of a shared machine slows both alike:

* BERT pre-training step (forward, backward, AdamW): ours scores the vocabulary only at the
  selected positions, as BERT's own pre-training code does; transformers' ``BertForPreTraining``
  is called the usual way, with ``labels=``, and scores every position. Same loss.
* GPT-2 training step: next-token loss at every position, both; ours scores the vocabulary a
  block of positions at a time, turning each block into its loss and gradients at once, so the
  (positions x vocabulary) scores are never written out and read back. Same loss.
* GPT-2 generation: greedy, from a 16-token prompt, with the key-value cache; same tokens.

For each step we also count its floating-point operations (``torch.utils.flop_counter``) and
divide the achieved FLOP/s by the machine's peak, measured here as the speed of one large float32
matrix product: how close to the hardware each implementation gets.

Run: .venv/bin/python scripts/bench_speed.py [--threads 2] [--tiny]   (last lines: ``ratio NAME VALUE``)
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import torch
import transformers

from lessons_lib.generation import generate
from lessons_lib.models import GPT2, BertConfig, BertForPreTraining, GPT2Config
from lessons_lib.objectives.masking import IGNORE_INDEX
from lessons_lib.training import count_flops
from lessons_lib.training.bert_pretraining import pretraining_loss

SIZES = {  # the sizes, and tiny ones for the smoke test
    "full": dict(layers=4, hidden=256, heads=4, vocab=30522, batch=8, seq=128, prompt=16, new_tokens=200,
                 peak_n=2048, repeats=5, warmup=2, generations=3),
    "tiny": dict(layers=1, hidden=32, heads=2, vocab=97, batch=2, seq=16, prompt=4, new_tokens=8,
                 peak_n=128, repeats=1, warmup=1, generations=1),
}


# --- Timing: alternate the two contenders, keep the median -----------------------------------------

def median_seconds(run_ours, run_theirs, repeats: int, warmup: int) -> tuple[float, float, list, list]:
    """Median wall time of ``repeats`` runs of each, after ``warmup`` untimed ones; also every run's result."""
    times, results = ([], []), ([], [])
    for i in range(warmup + repeats):
        order = (0, 1) if i % 2 == 0 else (1, 0)  # who goes first alternates too
        for j in order:
            start = time.perf_counter()
            results[j].append((run_ours, run_theirs)[j]())
            if i >= warmup:  # the first runs warm up allocators and caches
                times[j].append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1]), results[0], results[1]


def training_step(model: torch.nn.Module, loss_fn, optimizer: torch.optim.Optimizer):
    """One step (forward, backward, AdamW) as a function of no arguments; it returns the loss."""
    def step() -> float:
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model)
        loss.backward()
        optimizer.step()
        return loss.item()
    return step


# --- Counting the work, and the machine's limit ------------------------------------------------------

def peak_flops(n: int, tries: int = 5) -> float:
    """FLOP/s of the fastest of ``tries`` (n x n) @ (n x n) float32 products: what this CPU can do at best."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b  # warm-up
    best = min(_seconds(lambda: a @ b) for _ in range(tries))
    return 2 * n**3 / best


def _seconds(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


# --- The three pairs ----------------------------------------------------------------------------------

def bert_pair(size: dict) -> dict:
    """BERT pre-training step: ours scores 15 % of the positions, transformers' all of them (labels=)."""
    hf_config = transformers.BertConfig(
        vocab_size=size["vocab"], hidden_size=size["hidden"], num_hidden_layers=size["layers"],
        num_attention_heads=size["heads"], intermediate_size=4 * size["hidden"],
        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)  # no dropout: the losses can be compared
    theirs = transformers.BertForPreTraining(hf_config).train()
    ours = BertForPreTraining.from_huggingface(theirs.state_dict(), BertConfig.from_huggingface(hf_config.to_dict()))
    ours.train()
    ids = torch.randint(5, size["vocab"], (size["batch"], size["seq"]))  # (B, T)
    selected = torch.rand(ids.shape) < 0.15  # the positions the MLM loss is on, 15 % as in BERT
    batch = {"input_ids": ids, "token_type_ids": torch.zeros_like(ids), "attention_mask": torch.ones_like(ids),
             "mlm_labels": torch.where(selected, ids, IGNORE_INDEX), "nsp_labels": torch.randint(0, 2, (len(ids),))}

    def our_loss(model):
        return pretraining_loss(model, batch)[0]  # MLM over the selected positions + NSP

    def their_loss(model):
        return model(input_ids=ids, token_type_ids=batch["token_type_ids"], attention_mask=batch["attention_mask"],
                     labels=batch["mlm_labels"], next_sentence_label=batch["nsp_labels"]).loss

    return _training_pair("bert_pretraining_step", ours, our_loss, theirs, their_loss, size)


def _gpt2_models(size: dict, max_len: int) -> tuple[GPT2, transformers.GPT2LMHeadModel]:
    hf_config = transformers.GPT2Config(
        vocab_size=size["vocab"], n_positions=max_len, n_embd=size["hidden"], n_layer=size["layers"],
        n_head=size["heads"], resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,  # no dropout, as above
        bos_token_id=None, eos_token_id=None)  # random weights: no token ends the text
    theirs = transformers.GPT2LMHeadModel(hf_config)
    ours = GPT2.from_huggingface(theirs.state_dict(), GPT2Config.from_huggingface(hf_config.to_dict()))
    return ours, theirs


def gpt2_training_pair(size: dict) -> dict:
    """GPT-2 training step: next-token loss at every position, both; ours scores the vocabulary a block of
    positions at a time and never holds all the scores (``GPT2.next_token_loss``)."""
    ours, theirs = _gpt2_models(size, max_len=size["seq"])
    ids = torch.randint(0, size["vocab"], (size["batch"], size["seq"]))  # (B, T)

    def our_loss(model):
        return model.next_token_loss(ids)

    def their_loss(model):
        return model(input_ids=ids, labels=ids).loss  # shifts the labels inside

    return _training_pair("gpt2_training_step", ours.train(), our_loss, theirs.train(), their_loss, size)


def _training_pair(name: str, ours, our_loss, theirs, their_loss, size: dict) -> dict:
    def work(model, loss_fn):  # forward and backward; AdamW's element-wise update is not counted
        count = count_flops(lambda: loss_fn(model).backward())
        model.zero_grad(set_to_none=True)
        return count

    flops = work(ours, our_loss), work(theirs, their_loss)
    run_ours = training_step(ours, our_loss, torch.optim.AdamW(ours.parameters(), lr=1e-4))
    run_theirs = training_step(theirs, their_loss, torch.optim.AdamW(theirs.parameters(), lr=1e-4))
    ours_s, theirs_s, our_losses, their_losses = median_seconds(run_ours, run_theirs, size["repeats"], size["warmup"])
    # The first step starts from the same weights: the same computation must give the same loss.
    losses = our_losses[0], their_losses[0]
    assert abs(losses[0] - losses[1]) < 1e-4, f"{name}: losses differ, {losses}"
    return {"name": name, "seconds": (ours_s, theirs_s), "flops": flops, "losses": losses}


def generation_pair(size: dict) -> dict:
    """Greedy generation with the key-value cache: ours against transformers' ``generate``, same tokens."""
    ours, theirs = _gpt2_models(size, max_len=size["prompt"] + size["new_tokens"])
    ours.eval(), theirs.eval()
    prompt = torch.randint(0, size["vocab"], (1, size["prompt"]))  # (1, T)

    def run_ours():
        return generate(ours, prompt, size["new_tokens"])  # greedy, KV cache

    def run_theirs():
        return theirs.generate(prompt, attention_mask=torch.ones_like(prompt), max_new_tokens=size["new_tokens"],
                               do_sample=False, use_cache=True, pad_token_id=0)

    flops = count_flops(run_ours), count_flops(run_theirs)
    ours_s, theirs_s, our_tokens, their_tokens = median_seconds(run_ours, run_theirs, size["generations"], 1)
    assert all(torch.equal(a, b) for a, b in zip(our_tokens, their_tokens, strict=True)), "generated tokens differ"
    assert our_tokens[0].shape == (1, size["prompt"] + size["new_tokens"])
    return {"name": "gpt2_generation", "seconds": (ours_s, theirs_s), "flops": flops, "losses": None,
            "tokens": our_tokens[0].shape[1] - size["prompt"]}


# --- Run and report -----------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    parser.add_argument("--tiny", action="store_true", help="tiny sizes, one timed run each (a smoke test)")
    args = parser.parse_args()
    size = SIZES["tiny" if args.tiny else "full"]
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    transformers.logging.set_verbosity_error()  # random-weight configs make it chatty
    load_before = os.getloadavg()[0]

    peak = peak_flops(size["peak_n"])
    pairs = [bert_pair(size), gpt2_training_pair(size), generation_pair(size)]
    peak = max(peak, peak_flops(size["peak_n"]))  # measured again at the end: the better of the two

    print(f"L={size['layers']} H={size['hidden']} A={size['heads']} vocab={size['vocab']}, "
          f"batch {size['batch']} x {size['seq']}; generation: {size['new_tokens']} tokens after {size['prompt']}, "
          f"batch 1. torch {torch.__version__}, transformers {transformers.__version__}, {args.threads} thread(s); "
          f"median of {size['repeats']} steps / {size['generations']} generations each")
    print(f"peak: {peak / 1e9:.1f} GFLOP/s ({size['peak_n']}^2 float32 matrix product); "
          f"load average {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    print("| pair | ours (ms) | transformers (ms) | speed ratio | our loss | their loss "
          "| our GFLOP | their GFLOP | ours, % of peak | theirs, % of peak |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for pair in pairs:
        (ours_s, theirs_s), (ours_f, theirs_f) = pair["seconds"], pair["flops"]
        losses = (f"{pair['losses'][0]:.5f} | {pair['losses'][1]:.5f}" if pair["losses"]
                  else f"same {pair['tokens']} tokens | same {pair['tokens']} tokens")
        print(f"| {pair['name']} | {ours_s * 1e3:.0f} | {theirs_s * 1e3:.0f} | {theirs_s / ours_s:.2f} | {losses} "
              f"| {ours_f / 1e9:.2f} | {theirs_f / 1e9:.2f} | {100 * ours_f / ours_s / peak:.0f} "
              f"| {100 * theirs_f / theirs_s / peak:.0f} |")
    for pair in pairs:  # one line each, for scripts: transformers' time / ours
        print(f"ratio {pair['name']} {pair['seconds'][1] / pair['seconds'][0]:.2f}")


if __name__ == "__main__":
    main()
