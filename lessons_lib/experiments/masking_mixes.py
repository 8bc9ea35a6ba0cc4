"""Small masked-LM experiments: which 80/10/10 mix to use (B11), and MLM vs a left-to-right LM (B10).

Both experiments train the same tiny Transformer (token + position embeddings, post-LayerNorm
``TransformerBlock``s, an output layer tied to the token embeddings) on fixed-length windows of
the corpus. Only two things change between runs: how the input is corrupted (``MaskingRule``) and
whether a look-ahead mask hides the right-hand context (``causal=True``, a left-to-right LM).
Every run is seeded: the weights, the order of the windows and every mask come from the seed.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from torch import Tensor

from lessons_lib.checks import check_int
from lessons_lib.models.tiny_lm import TinyLM, TinyLMConfig
from lessons_lib.objectives.masking import IGNORE_INDEX, MaskingRule, mask_with_rule
from lessons_lib.objectives.next_token import lm_batch
from lessons_lib.tokenizers.basic import basic_tokenize
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer
from lessons_lib.training.loop import fit_full_batch

TaggedSentence = tuple[list[int], list[int]]  # token ids and one 0/1 label per token


@dataclass
class RunSettings:
    """Sizes and budget of one small training run."""

    hidden_size: int = 64  # width of every token vector (H)
    num_layers: int = 2  # Transformer blocks (L)
    num_heads: int = 2  # attention heads per block (A)
    window: int = 32  # tokens per training window (T)
    batch_size: int = 32  # windows per step (B)
    steps: int = 300  # optimiser steps: the same budget for every run compared
    lr: float = 3e-3  # peak learning rate of AdamW
    warmup: int = 30  # steps of linear warm-up, then linear decay to 0
    eval_every: int = 25  # steps between two held-out evaluations (learning curves)
    eval_windows: int = 256  # held-out windows scored at each evaluation
    norm_first: bool = False  # pre-LN blocks instead of BERT's post-LN
    init_std: float = 0.02  # std of the initial weight matrices
    head_transform: bool = True  # BERT's dense + GELU + LayerNorm before the output layer
    clip_norm: float | None = None  # clip the gradient norm to this before each step (None: no clipping)


@dataclass
class RunResult:
    """What one run measured: final held-out scores and the learning curve."""

    final: dict[str, float]
    curve_steps: list[int] = field(default_factory=list)
    curve_loss: list[float] = field(default_factory=list)  # held-out loss per predicted token (``heldout_loss``)
    loss_tokens_per_step: float = 0.0  # mean number of positions that received a loss per step


def _loss(model: TinyLM, inputs: Tensor, labels: Tensor) -> Tensor:
    keep = labels != IGNORE_INDEX  # only these positions receive a loss; scoring only them saves time
    return F.cross_entropy(model(inputs, positions=keep), labels[keep])


def rule_name(rule: MaskingRule) -> str:
    """'80/10/10'-style name of a rule's [MASK] / random / unchanged split, in percent."""
    return rule.name


def make_model(vocab_size: int, settings: RunSettings, *, causal: bool) -> TinyLM:
    """The TinyLM of one run: ``settings``' sizes, masked (``causal=False``) or left-to-right."""
    if not isinstance(settings, RunSettings):
        raise TypeError(f"settings must be a RunSettings, got {type(settings).__name__}")
    return TinyLM(TinyLMConfig(vocab_size, settings.hidden_size, settings.num_layers, settings.num_heads,
                               max_len=settings.window, causal=causal,
                               norm_first=settings.norm_first, init_std=settings.init_std,
                               head_transform=settings.head_transform))


@torch.no_grad()
def probe_scores(model: TinyLM, windows: Tensor, tokenizer: WordPieceTokenizer, *, seed: int = 1234,
                 mask_prob: float = 0.15) -> dict[str, float]:
    """Held-out accuracy of recovering the original token at the same selected positions, three ways.

    ``masked``: the selected tokens are shown as [MASK] (the pre-training task);
    ``random``: they are shown as random tokens (can the model overrule a wrong visible token?);
    ``clean``: they are shown unchanged, as every token is at fine-tuning time (does the model's
    vector for a visible token still say which token it is?).
    ``random_copy_rate`` is the share of random replacements the model simply repeats.
    """
    model.eval()
    result = {}
    for name, (mask_frac, random_frac) in {"masked": (1.0, 0.0), "random": (0.0, 1.0), "clean": (0.0, 0.0)}.items():
        # The same seed gives the same selection: mask_tokens draws the selection first.
        rule = MaskingRule(mask_prob, mask_frac, random_frac)
        inputs, labels = mask_with_rule(windows, tokenizer, rule, torch.Generator().manual_seed(seed))
        keep = labels != IGNORE_INDEX
        predicted = model(inputs, positions=keep).argmax(-1)
        result[f"{name}_accuracy"] = float((predicted == labels[keep]).float().mean())
        if name == "random":  # how often the model just repeats the wrong token it was shown
            shown = inputs[keep]
            changed = shown != labels[keep]
            result["random_copy_rate"] = float((predicted == shown)[changed].float().mean())
    model.train()
    return result


@torch.no_grad()
def heldout_loss(model: TinyLM, windows: Tensor, tokenizer: WordPieceTokenizer, rule: MaskingRule | None,
                 *, seed: int = 1234) -> float:
    """Held-out cross-entropy per predicted token: at [MASK]ed positions (``rule`` gives the share
    selected), or of the next token when ``rule`` is None (a left-to-right LM)."""
    model.eval()
    if rule is None:
        inputs, labels = lm_batch(windows)
    else:  # every selected token shown as [MASK]: the positions where the context must do the work
        inputs, labels = mask_with_rule(windows, tokenizer, MaskingRule(rule.mask_prob, 1.0, 0.0),
                                        torch.Generator().manual_seed(seed))
    total, count = 0.0, 0
    for start in range(0, len(inputs), 32):  # 32 windows at a time: the (positions x vocabulary) scores stay small
        keep = labels[start:start + 32] != IGNORE_INDEX
        if keep.any():
            scores = model(inputs[start:start + 32], positions=keep)
            total += float(F.cross_entropy(scores, labels[start:start + 32][keep], reduction="sum"))
            count += int(keep.sum())
    model.train()
    return total / count


def capital_word_task(tokenizer: WordPieceTokenizer, documents: Sequence[Sequence[str]], *,
                      max_len: int) -> list[TaggedSentence]:
    """A token-level task no run is trained on: is this token part of a capitalised word that does not
    start its sentence? The tokenizer lower-cases, so the model must tell from the word and its context
    (a rough stand-in for named-entity tagging). One (ids, labels) pair per sentence, cut to ``max_len``."""
    tagged = []
    for document in documents:
        for sentence in document:
            ids, labels = [], []
            for k, word in enumerate(basic_tokenize(sentence, lowercase=False)):
                pieces = tokenizer.encode(word)
                ids += pieces
                labels += [int(k > 0 and word[:1].isupper())] * len(pieces)
            if ids:
                tagged.append((ids[:max_len], labels[:max_len]))
    return tagged


@torch.no_grad()
def _token_features(model: TinyLM, tagged: Sequence[TaggedSentence]) -> tuple[Tensor, Tensor]:
    """The last block's vector at every token of every sentence (N, H), and the labels (N,)."""
    model.eval()
    by_length: dict[int, list[TaggedSentence]] = {}
    for ids, labels in tagged:  # sentences of one length go in one batch: no padding the model never saw
        by_length.setdefault(len(ids), []).append((ids, labels))
    features, targets = [], []
    for group in by_length.values():
        features.append(model.encode(torch.tensor([ids for ids, _ in group])).flatten(0, 1))  # (n T, H)
        targets.append(torch.tensor([label for _, labels in group for label in labels]))
    model.train()
    return torch.cat(features), torch.cat(targets)


def feature_probe_accuracy(model: TinyLM, train: Sequence[TaggedSentence], test: Sequence[TaggedSentence], *,
                           steps: int = 300, seed: int = 0) -> float:
    """Feature-based use of a frozen model: a logistic regression on its token vectors, trained on
    ``train`` with both labels weighted alike; its balanced accuracy on ``test`` (the mean of the
    share right of each label: 0.5 is chance, however rare label 1 is)."""
    x_train, y_train = _token_features(model, train)
    x_test, y_test = _token_features(model, test)
    mean, std = x_train.mean(0), x_train.std(0).clamp_min(1e-6)
    x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
    torch.manual_seed(seed)
    probe = torch.nn.Linear(x_train.shape[1], 2)
    weight = len(y_train) / (2 * torch.bincount(y_train, minlength=2).clamp_min(1).float())  # rare label counts more
    optimizer = torch.optim.Adam(probe.parameters(), lr=0.05)
    fit_full_batch(probe, x_train, y_train, optimizer, steps=steps, weight=weight)  # a few thousand tokens, 64 features
    with torch.no_grad():
        said = probe(x_test).argmax(-1)
    recalls = [float((said[y_test == label] == label).float().mean()) for label in (0, 1) if (y_test == label).any()]
    return sum(recalls) / len(recalls)


def train_run(train: Tensor, heldout: Tensor, tokenizer: WordPieceTokenizer, settings: RunSettings, *,
              rule: MaskingRule | None, seed: int, probes: bool = True,
              task: tuple[Sequence[TaggedSentence], Sequence[TaggedSentence]] | None = None,
              probe_steps: int = 300) -> RunResult:
    """Train one TinyLM: a masked LM under ``rule``, or a left-to-right LM when ``rule`` is None.

    ``task``: (train, test) sentences of ``capital_word_task``; the frozen model's
    ``feature_probe_accuracy`` on it (its probe trained for ``probe_steps`` steps) is recorded as
    ``capital_accuracy``."""
    if train.dim() != 2 or train.shape[1] != settings.window:
        raise ValueError(f"train must be (N, window={settings.window}) ids, got shape {tuple(train.shape)}")
    torch.manual_seed(seed)
    model = make_model(tokenizer.vocab_size, settings, causal=rule is None)
    # Start the output bias at the log token frequencies: every run begins at the context-free
    # (unigram) baseline instead of spending its short budget learning that "the" is common.
    counts = torch.bincount(train.flatten(), minlength=tokenizer.vocab_size).float() + 0.1
    model.bias.data.copy_((counts / counts.sum()).log())
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings.lr, weight_decay=0.01)
    factor = _schedule(settings)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
    order = list(range(len(train)))
    random.Random(seed).shuffle(order)
    generator = torch.Generator().manual_seed(seed)
    heldout = heldout[: settings.eval_windows]
    result, loss_tokens = RunResult(final={}), 0
    for step in range(settings.steps + 1):
        if step % settings.eval_every == 0 or step == settings.steps:
            result.curve_steps.append(step)
            result.curve_loss.append(heldout_loss(model, heldout, tokenizer, rule))
        if step == settings.steps:
            break
        rows = [order[(step * settings.batch_size + i) % len(order)] for i in range(settings.batch_size)]
        ids = train[rows]  # (B, T)
        inputs, labels = lm_batch(ids) if rule is None else mask_with_rule(ids, tokenizer, rule, generator)
        loss_tokens += int((labels != IGNORE_INDEX).sum())
        loss = _loss(model, inputs, labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if settings.clip_norm is not None:  # the same guard for every arm
            torch.nn.utils.clip_grad_norm_(model.parameters(), settings.clip_norm)
        optimizer.step()
        scheduler.step()
    result.loss_tokens_per_step = loss_tokens / settings.steps
    result.final["heldout_loss"] = result.curve_loss[-1]
    if probes:
        result.final.update(probe_scores(model, heldout, tokenizer))
    if task is not None:
        result.final["capital_accuracy"] = feature_probe_accuracy(model, *task, steps=probe_steps, seed=seed)
    return result


def record_run(train: Tensor, heldout: Tensor, tokenizer: WordPieceTokenizer, settings: RunSettings,
               experiment: str, rule: MaskingRule | None, seed: int, threads: int = 1,
               task: tuple[Sequence[TaggedSentence], Sequence[TaggedSentence]] | None = None,
               probe_steps: int = 300) -> dict:
    """One run of ``train_run`` (``rule=None``: the left-to-right LM) as a JSON-ready dict, on ``threads`` threads.

    A plain function of its arguments, so that runs can be spread over processes.
    """
    if experiment not in ("mix", "lm") or (experiment == "mix") != (rule is not None):
        raise ValueError(f"experiment must be 'mix' with a rule or 'lm' without one, got {experiment!r}, {rule!r}")
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be a positive int, got {threads!r}")
    torch.set_num_threads(threads)
    wall, cpu = time.perf_counter(), time.process_time()  # CPU time: what the run costs, however busy the machine
    probe_steps = check_int("probe_steps", probe_steps, low=1)
    result = train_run(train, heldout, tokenizer, settings, rule=rule, seed=seed, probes=rule is not None, task=task,
                       probe_steps=probe_steps)
    return {"experiment": experiment, "mix": rule_name(rule) if rule else "left-to-right", "seed": seed,
            **result.final, "seconds": round(time.perf_counter() - wall, 1),
            "cpu_seconds": round(time.process_time() - cpu, 1), "loss_tokens_per_step": result.loss_tokens_per_step,
            "curve_steps": result.curve_steps, "curve_loss": result.curve_loss}


def _schedule(settings: RunSettings):
    def factor(step: int) -> float:
        if step < settings.warmup:
            return (step + 1) / settings.warmup
        return max(0.0, (settings.steps - step) / max(1, settings.steps - settings.warmup))
    return factor


def first_step_below(steps: Sequence[int], losses: Sequence[float], level: float) -> int | None:
    """The first evaluated step whose loss is below ``level``; None if the run never got there."""
    return next((s for s, value in zip(steps, losses, strict=True) if value < level), None)


def settings_dict(settings: RunSettings) -> dict:
    """The settings as a plain dict, for JSON."""
    return asdict(settings)


def mean_and_spread(values: Sequence[float]) -> tuple[float, float]:
    """Mean and (population) standard deviation of a few numbers, e.g. one metric over seeds."""
    if not values:
        raise ValueError("values must not be empty")
    mean = sum(values) / len(values)
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
