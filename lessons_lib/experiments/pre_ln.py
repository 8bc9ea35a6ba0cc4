"""Pre-LN against post-LN (G5): the same GPT-2-shaped model with the LayerNorm before or after each sub-block.

Pre-LN is ``GPT2`` itself: each block normalises the input of its attention and of its MLP, the
residual path stays raw, and one final LayerNorm follows the last block. Post-LN, as in GPT-1 and
BERT, adds each sub-block's output to the residual first and normalises the sum, with no final
LayerNorm. The post-LN model is GPT-2 with exactly that change and nothing else, one config field
(``norm_first=False``): it draws its initial weights as GPT-2 does, from the same seed, so the pair
starts from identical weights. Both are
trained on the same windows of the corpus, in the same order, with the same optimiser and
schedule; a run that reaches nan/inf, or ends above its starting loss, counts as diverged.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import asdict, dataclass

import torch
from torch import Tensor

from lessons_lib.checks import check_choice, check_heads, check_int, check_number, check_type
from lessons_lib.models.gpt2 import GPT2, GPT2Config
from lessons_lib.objectives.next_token import (
    heldout_perplexity,
    next_token_loss,
    unigram_perplexity,
)
from lessons_lib.training.lm_pretraining import WindowStream
from lessons_lib.training.loop import (
    TrainHistory,
    seed_everything,
    train_loop,
    warmup_linear_schedule,
)

LN_VARIANTS = ("pre-LN", "post-LN")


@dataclass(frozen=True)
class LayerNormSettings:
    """One pre-LN against post-LN comparison: model sizes, data and training budget (the same for both)."""

    num_layers: int = 12  # decoder blocks (L): deep for a model this narrow
    hidden_size: int = 64  # width of every token vector (H)
    num_heads: int = 2  # attention heads per block (A)
    window: int = 32  # tokens per training window (T), also the model's context
    batch_size: int = 16  # windows per step (B)
    steps: int = 150  # optimiser steps
    lr: float = 3e-3  # peak learning rate of AdamW: high for a Transformer
    warmup: int = 10  # steps of linear warm-up (short), then linear decay to 0
    weight_decay: float = 0.01  # AdamW's weight decay
    clip_grad: float = 1.0  # gradient norm clipped to this (GPT-2's recipe), for both variants
    log_every: int = 10  # the recorded curve: mean training loss of each block of this many steps
    heldout_windows: int = 160  # validation windows scored at the end

    def __post_init__(self):
        for name in ("num_layers", "hidden_size", "num_heads", "batch_size", "log_every", "heldout_windows"):
            check_int(name, getattr(self, name), low=1)
        check_int("window", self.window, low=2)
        check_int("steps", self.steps, low=2)
        check_int("warmup", self.warmup, low=0, high=self.steps - 1)
        check_number("lr", self.lr, low=0.0, low_open=True)
        check_number("weight_decay", self.weight_decay, low=0.0)
        check_number("clip_grad", self.clip_grad, low=0.0, low_open=True)
        check_heads(self.hidden_size, self.num_heads)

    def model_config(self, vocab_size: int) -> GPT2Config:
        """GPT-2's configuration at these sizes: no dropout, GPT-2's initialisation."""
        return GPT2Config(vocab_size=vocab_size, max_len=self.window, hidden_size=self.hidden_size,
                          num_layers=self.num_layers, num_heads=self.num_heads,
                          intermediate_size=4 * self.hidden_size, dropout=0.0, attention_dropout=0.0)


def build_variant(variant: str, vocab_size: int, settings: LayerNormSettings, *, seed: int) -> GPT2:
    """The ``variant`` model ("pre-LN" or "post-LN"), its weights drawn from ``seed`` (the same for both)."""
    check_choice("variant", variant, LN_VARIANTS)
    check_type("settings", settings, LayerNormSettings, "a LayerNormSettings")
    seed_everything(seed)
    config = settings.model_config(check_int("vocab_size", vocab_size, low=2))
    return GPT2(config if variant == "pre-LN" else dataclasses.replace(config, norm_first=False))


def train_variant(variant: str, train: Tensor, heldout: Tensor, vocab_size: int, settings: LayerNormSettings, *,
                  seed: int, show_progress: bool = False) -> dict:
    """Train one variant from ``seed``; its curve, start and final losses, held-out loss and whether it diverged."""
    model = build_variant(variant, vocab_size, settings, seed=seed)
    stream = WindowStream(train, batch_size=settings.batch_size, seed=seed)  # the same batches for both variants
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay)
    schedule = warmup_linear_schedule(optimizer, settings.warmup, settings.steps)
    history = TrainHistory()
    try:
        train_loop(model, optimizer, stream.batches(), lambda m, ids: next_token_loss(m(ids), ids),
                   steps=settings.steps, scheduler=schedule, clip_grad=settings.clip_grad,
                   desc=f"{variant}, seed {seed}", show_progress=show_progress, history=history)
        non_finite = False
    except FloatingPointError:  # the loop stops at the first nan/inf loss
        non_finite = True
    losses = history.losses
    blocks = range(0, len(losses), settings.log_every)
    curve = [sum(losses[i : i + settings.log_every]) / len(losses[i : i + settings.log_every]) for i in blocks]
    final = curve[-1] if curve else math.nan
    heldout_loss = math.nan if non_finite else math.log(heldout_perplexity(model.eval(), heldout))
    return {
        "variant": variant, "seed": seed,
        "curve_steps": [min(i + settings.log_every, len(losses)) for i in blocks],
        "curve_loss": [_json_number(v) for v in curve],
        "start_loss": _json_number(losses[0] if losses else math.nan),
        "final_train_loss": _json_number(final),
        "heldout_loss": _json_number(heldout_loss),
        "diverged": non_finite or not math.isfinite(heldout_loss) or not losses or final > losses[0],
        "steps_run": len(losses) + non_finite,  # a nan/inf loss stops the run at the step that made it
    }


def _json_number(value: float) -> float | None:
    """Rounded for the JSON file; nan and inf (a diverged run) become None (JSON has no nan)."""
    return round(value, 4) if math.isfinite(value) else None


def compare_layer_norms(train: Tensor, heldout: Tensor, vocab_size: int, settings: LayerNormSettings, *,
                        seeds: tuple[int, ...] = (0, 1, 2), show_progress: bool = False) -> dict:
    """Both variants on every seed, with the settings, as a JSON-ready dict."""
    check_type("settings", settings, LayerNormSettings, "a LayerNormSettings")
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    heldout = heldout[: settings.heldout_windows]
    runs = [train_variant(variant, train, heldout, vocab_size, settings, seed=seed, show_progress=show_progress)
            for seed in seeds for variant in LN_VARIANTS]
    # The context-free baseline: a model stuck on it has learned only how frequent each token is.
    unigram = math.log(unigram_perplexity(train, heldout, vocab_size))
    return {"settings": asdict(settings), "seeds": list(seeds), "unigram_heldout_loss": _json_number(unigram),
            "runs": runs, "summary": summarise_variants(runs)}


def summarise_variants(runs: list[dict]) -> dict:
    """Per variant: mean and spread (population std) of the held-out loss over seeds, and the diverged runs."""
    summary = {}
    for variant in LN_VARIANTS:
        mine = [r for r in runs if r["variant"] == variant]
        finite = [r["heldout_loss"] for r in mine if r["heldout_loss"] is not None]
        mean = sum(finite) / len(finite) if finite else math.nan
        spread = math.sqrt(sum((v - mean) ** 2 for v in finite) / len(finite)) if finite else math.nan
        summary[variant] = {"heldout_loss_mean": _json_number(mean), "heldout_loss_std": _json_number(spread),
                            "diverged": sum(r["diverged"] for r in mine), "runs": len(mine)}
    return summary
