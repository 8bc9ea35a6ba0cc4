"""lessons_lib.experiments.pre_ln: the post-LN GPT-2, a tiny comparison run, and the stored result's schema."""

import dataclasses
import json
import math
from pathlib import Path

import pytest
import torch
from torch import nn

from lessons_lib.experiments.pre_ln import (
    LN_VARIANTS,
    LayerNormSettings,
    build_variant,
    compare_layer_norms,
    summarise_variants,
)
from lessons_lib.models.gpt2 import GPT2

STORED = Path(__file__).resolve().parents[2] / "notebooks" / "results" / "pre_ln_vs_post_ln.json"
TINY = LayerNormSettings(num_layers=2, hidden_size=16, num_heads=2, window=8, batch_size=4, steps=6, warmup=1,
                         log_every=2, heldout_windows=8)
VOCAB = 40


@pytest.fixture(scope="module")
def windows():
    # Counting windows (each token is the previous one + 1): a pattern a tiny model learns in a few steps.
    starts = torch.randint(0, VOCAB, (52, 1), generator=torch.Generator().manual_seed(0))
    counting = (starts + torch.arange(8)) % VOCAB
    return counting[:40], counting[40:]


def test_the_variants_put_the_norm_in_different_places_from_the_same_weights():
    pre, post = (build_variant(v, VOCAB, TINY, seed=3) for v in LN_VARIANTS)
    assert type(pre) is GPT2 and type(post) is GPT2  # one class: post-LN is one config field
    assert pre.config.norm_first and not post.config.norm_first
    pre_layers, post_layers = pre.transformer.layers, post.transformer.layers
    assert [b.norm_first for b in pre_layers] == [True, True] and [b.norm_first for b in post_layers] == [False, False]
    assert isinstance(pre.transformer.final_norm, nn.LayerNorm) and isinstance(post.transformer.final_norm, nn.Identity)
    start = {k: v for k, v in pre.state_dict().items() if not k.startswith("transformer.final_norm.")}
    assert start.keys() == post.state_dict().keys()
    for name, value in post.state_dict().items():
        torch.testing.assert_close(value, start[name], rtol=0, atol=0, msg=name)
    # Post-LN ends every block with a LayerNorm (at its initial identity scale): each token vector of the
    # last block's output has mean 0 and std 1. Pre-LN's residual stream is left raw: far from std 1.
    outputs = {}
    for name, model in (("pre", pre), ("post", post)):
        model.transformer.layers[-1].register_forward_hook(lambda _m, _i, out, name=name: outputs.__setitem__(name, out))
        model(torch.randint(0, VOCAB, (2, 8)))
    post_out, pre_out = outputs["post"], outputs["pre"]
    torch.testing.assert_close(post_out.mean(-1), torch.zeros(2, 8), atol=1e-5, rtol=0)
    torch.testing.assert_close(post_out.var(-1, unbiased=False), torch.ones(2, 8), atol=1e-3, rtol=0)
    assert pre_out.std(-1).max() < 0.5


def test_a_tiny_comparison_records_every_run_and_repeats(windows):
    train, heldout = windows
    torch.set_num_threads(1)
    result = compare_layer_norms(train, heldout, VOCAB, TINY, seeds=(0, 1))
    assert [(r["variant"], r["seed"]) for r in result["runs"]] == [("pre-LN", 0), ("post-LN", 0), ("pre-LN", 1),
                                                                   ("post-LN", 1)]
    for run in result["runs"]:
        assert run["curve_steps"] == [2, 4, 6] and len(run["curve_loss"]) == 3 and run["steps_run"] == 6
        assert not run["diverged"] and math.isfinite(run["heldout_loss"])
    pre, post = result["runs"][:2]
    assert pre["curve_loss"] != post["curve_loss"]  # the same weights and batches, another place for the norm
    assert result["summary"] == summarise_variants(result["runs"]) and result["summary"]["pre-LN"]["runs"] == 2
    assert result["unigram_heldout_loss"] > 0 and result["settings"] == dataclasses.asdict(TINY)
    again = compare_layer_norms(train, heldout, VOCAB, TINY, seeds=(0, 1))
    assert again["runs"] == result["runs"]  # seeded: the same curves again


def test_a_run_that_blows_up_is_marked_diverged(windows):
    train, heldout = windows
    wild = dataclasses.replace(TINY, lr=1e4, warmup=0, clip_grad=1e9)
    result = compare_layer_norms(train, heldout, VOCAB, wild, seeds=(0,))
    assert all(run["diverged"] for run in result["runs"])
    assert result["summary"]["pre-LN"]["diverged"] == 1 and result["summary"]["post-LN"]["diverged"] == 1


def test_stored_result_schema():
    stored = json.loads(STORED.read_text())
    assert {"command", "environment", "seconds", "cpu_seconds", "settings", "seeds", "runs", "summary", "unigram_heldout_loss",
            "data"} <= set(stored)
    assert stored["command"].startswith("python scripts/pre_ln_vs_post_ln.py")
    assert stored["environment"]["torch"].startswith("2.") and stored["environment"]["threads"] == 1
    assert stored["settings"] == dataclasses.asdict(LayerNormSettings())  # the defaults are what was run
    settings = LayerNormSettings(**stored["settings"])
    assert len(stored["seeds"]) >= 3 and 0 < stored["seconds"] <= 15 * 60
    assert [(r["variant"], r["seed"]) for r in stored["runs"]] == [(v, s) for s in stored["seeds"] for v in LN_VARIANTS]
    for run in stored["runs"]:
        assert run["curve_steps"][-1] <= settings.steps and len(run["curve_steps"]) == len(run["curve_loss"])
        assert isinstance(run["diverged"], bool) and set(run) >= {"start_loss", "final_train_loss", "heldout_loss"}
    assert stored["summary"] == summarise_variants(stored["runs"])


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="hidden_size"):
        LayerNormSettings(hidden_size=30, num_heads=4)
    with pytest.raises(ValueError, match="warmup"):
        LayerNormSettings(steps=10, warmup=10)
    with pytest.raises(ValueError, match="variant must be one of"):
        build_variant("sandwich-LN", VOCAB, TINY, seed=0)
    with pytest.raises(TypeError, match="settings must be a LayerNormSettings"):
        build_variant("pre-LN", VOCAB, {"num_layers": 2}, seed=0)
    with pytest.raises(ValueError, match="seeds"):
        compare_layer_norms(torch.zeros(4, 8, dtype=torch.long), torch.zeros(4, 8, dtype=torch.long), VOCAB, TINY,
                            seeds=())
