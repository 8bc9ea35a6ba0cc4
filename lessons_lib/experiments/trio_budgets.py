"""Notebook 07's trio at two training budgets: is "BERT is data-hungry" true of BERT alone?

The matched trio (``lessons_lib/checkpoints/compare-elmo``, ``gpt-tiny``, ``compare-bert``) read
about 4.1 million training tokens each. The larger budget gives every model 4.6 times that: the
shipped tiny BERT (``bert-tiny``, 10,000 steps of 32 pairs, 18.8 million tokens) and an ELMo and
a GPT trained with the matched recipes for 9,200 steps of 32 windows of 64 tokens (18.8 million).
Each model of each budget is asked the same two things as in notebook 07: the next word on
held-out windows (top-1 accuracy and perplexity) and the two understanding tasks, one run per seed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from lessons_lib.checks import check_int, check_type
from lessons_lib.data.corpus import Corpus
from lessons_lib.objectives.next_token import make_windows
from lessons_lib.tasks.comparison import next_word_scores
from lessons_lib.tasks.understanding import NLU_TASKS, nlu_accuracies, nlu_task
from lessons_lib.training.bert_pretraining import bert_training_tokens
from lessons_lib.training.checkpoints import (
    SHIPPED,
    load_pretrained_bert,
    load_pretrained_elmo,
    load_pretrained_gpt,
)

MODELS = ("ELMo", "GPT", "BERT")
LOADERS = {"ELMo": load_pretrained_elmo, "GPT": load_pretrained_gpt, "BERT": load_pretrained_bert}
# The matched budget is shipped; of the larger one only the BERT is (notebook 01's).
MATCHED = {"ELMo": SHIPPED / "compare-elmo", "GPT": SHIPPED / "gpt-tiny", "BERT": SHIPPED / "compare-bert"}
LARGER_STEPS = 9_200  # ELMo's and GPT's steps of 32 x 64 tokens: 18,841,600, as bert-tiny's 10,000 steps of pairs
LARGER = {"ELMo": Path("runs/budget/elmo"), "GPT": Path("runs/budget/gpt"), "BERT": SHIPPED / "bert-tiny"}
# How the larger ELMo and GPT are trained: the matched recipes (lessons_lib.pretrain.compare) with more steps.
LARGER_COMMANDS = {
    "ELMo": ("elmo", "--window", "64", "--cell-size", "312", "--steps", str(LARGER_STEPS), "--threads", "1",
             "--save-every", "200"),
    "GPT": ("gpt", "--steps", str(LARGER_STEPS), "--threads", "1", "--save-every", "200"),
}


def trained_tokens(metadata: Mapping, directory: str | Path | None = None) -> int:
    """Training tokens a checkpoint read: recorded; or steps x batch x window for a run of whole windows; or,
    for a BERT run (pairs of varying length) in ``directory``, counted by replaying its batches."""
    check_type("metadata", metadata, Mapping)
    if "trained_tokens" in metadata:
        return int(metadata["trained_tokens"])
    if "window" in metadata:
        return int(metadata["steps"]) * int(metadata["batch_size"]) * int(metadata["window"])
    if directory is None:
        raise ValueError("directory: needed to count the tokens of a checkpoint that records none")
    return bert_training_tokens(directory)


def measure_budget(directories: Mapping[str, str | Path], corpus: Corpus, *, seeds: Sequence[int] = (0, 1, 2),
                   windows: int = 20, train_size: int = 200, test_size: int = 300) -> dict[str, dict]:
    """Per model: its checkpoint, training tokens, next-word scores on ``windows`` held-out windows of 32
    tokens, and its accuracy on each understanding task, one per seed (notebook 07's measurements)."""
    check_type("directories", directories, Mapping)
    if sorted(directories) != sorted(MODELS):
        raise ValueError(f"directories must name a checkpoint for each of {', '.join(MODELS)}, got {sorted(directories)}")
    check_type("corpus", corpus, Corpus)
    check_int("windows", windows, low=1)
    loaded = {name: LOADERS[name](directories[name]) for name in MODELS}
    tokenizer = loaded["GPT"][1]
    for name, (_, other, _) in loaded.items():
        if other.vocab != tokenizer.vocab:
            raise ValueError(f"directories: {name}'s checkpoint {directories[name]} has another vocabulary than GPT's")
    heldout = make_windows(corpus.valid, tokenizer, 32)[:windows]
    tasks = {task: nlu_task(corpus, task, train_size=train_size, test_size=test_size) for task in NLU_TASKS}
    results = {}
    for name, (model, _, metadata) in loaded.items():
        scores = next_word_scores(model, tokenizer, heldout)
        results[name] = {
            "checkpoint": str(directories[name]),
            "command": metadata.get("command"),
            "sha256": metadata.get("sha256", {}).get("model.safetensors"),
            "trained_tokens": trained_tokens(metadata, directories[name]),
            "next_word": {"top1": round(float(scores["top1"]), 4), "perplexity": round(float(scores["perplexity"]), 1),
                          "predictions": int(scores["predictions"])},
            "understanding": {task: [round(a, 4) for a in nlu_accuracies(model, tokenizer, data, seeds=seeds)]
                              for task, data in tasks.items()},
        }
    return results


def budget_changes(results: Mapping[str, Mapping]) -> dict[str, dict[str, float]]:
    """Per model, what the larger budget changed: perplexity ratio and mean accuracy gain per task."""
    check_type("results", results, Mapping)
    if sorted(results) != ["larger", "matched"]:
        raise ValueError(f"results must hold the budgets 'matched' and 'larger', got {sorted(results)}")
    changes = {}
    for name in MODELS:
        small, large = results["matched"][name], results["larger"][name]
        changes[name] = {"perplexity_ratio": large["next_word"]["perplexity"] / small["next_word"]["perplexity"]}
        for task in small["understanding"]:
            mean = {k: sum(v) / len(v) for k, v in (("small", small["understanding"][task]),
                                                    ("large", large["understanding"][task]))}
            changes[name][f"{task}_gain"] = mean["large"] - mean["small"]
    return changes
