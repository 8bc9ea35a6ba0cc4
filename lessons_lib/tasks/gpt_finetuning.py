"""Fine-tuning GPT the way its paper does: task inputs as one token sequence, ending in ``[extract]``.

The pre-trained decoder only ever read running text, so every task is written as text with three
new tokens, whose embeddings start random and are learned during fine-tuning:

* classification: ``[start] text [extract]``
* a sentence pair (entailment): ``[start] A [delim] B [extract]``
* similarity (no natural order): both orders, ``[start] A [delim] B [extract]`` and
  ``[start] B [delim] A [extract]``, whose final states are added
* multiple choice: ``[start] context [delim] option [extract]`` for each option, one score each,
  softmax over the options

The loss is the task's cross-entropy plus ``lm_weight`` times the language-model loss on the same
inputs (the paper's auxiliary objective, weight 0.5).
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from lessons_lib.checks import (
    check_choice,
    check_int,
    check_labels,
    check_number,
    check_strings,
    check_type,
)
from lessons_lib.data.encoding import truncate_pair
from lessons_lib.models.gpt import GPT
from lessons_lib.objectives.masking import IGNORE_INDEX
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer
from lessons_lib.training.loop import (
    TrainHistory,
    reload_advice,
    train_loop,
    warmup_linear_schedule,
)

TASK_TOKENS = ("[start]", "[delim]", "[extract]")


def add_task_tokens(model: GPT, tokenizer: WordPieceTokenizer, *, seed: int = 0) -> WordPieceTokenizer:
    """Give ``model`` random embeddings for [start], [delim], [extract]; the tokenizer that knows them."""
    check_type("model", model, GPT, "a GPT")
    check_type("tokenizer", tokenizer, WordPieceTokenizer, "a WordPieceTokenizer")
    if tokenizer.vocab_size != model.config.vocab_size:
        raise ValueError(f"tokenizer has {tokenizer.vocab_size} tokens but model's vocab_size is "
                         f"{model.config.vocab_size}: they must be the model's own vocabulary")
    extended = with_task_tokens(tokenizer)
    model.add_tokens(len(TASK_TOKENS), seed=seed)
    return extended


def with_task_tokens(tokenizer: WordPieceTokenizer) -> WordPieceTokenizer:
    """The tokenizer's vocabulary with [start], [delim], [extract] appended (the model needs ``add_task_tokens``)."""
    check_type("tokenizer", tokenizer, WordPieceTokenizer, "a WordPieceTokenizer")
    if any(t in tokenizer.vocab for t in TASK_TOKENS):
        raise ValueError(f"tokenizer already has the task tokens {TASK_TOKENS}")
    tokens = tokenizer.convert_ids_to_tokens(range(tokenizer.vocab_size))
    return WordPieceTokenizer(tokens + list(TASK_TOKENS), lowercase=tokenizer.lowercase)


def task_token_id(tokenizer: WordPieceTokenizer, token: str) -> int:
    """Id of one of the task tokens, e.g. ``task_token_id(tokenizer, "[extract]")``."""
    check_choice("token", token, TASK_TOKENS)
    if token not in tokenizer.vocab:
        raise ValueError(f"tokenizer has no {token} token: add them first with add_task_tokens(model, tokenizer)")
    return tokenizer.vocab[token]


def classification_input(tokenizer: WordPieceTokenizer, text: str, *, max_len: int = 64) -> list[int]:
    """``[start] text [extract]``, the text cut to fit ``max_len`` tokens in all."""
    check_strings("text", [text])
    check_int("max_len", max_len, low=3)
    ids = tokenizer.encode(text)[: max_len - 2]
    return [task_token_id(tokenizer, "[start]"), *ids, task_token_id(tokenizer, "[extract]")]


def pair_input(tokenizer: WordPieceTokenizer, first: str, second: str, *, max_len: int = 64) -> list[int]:
    """``[start] first [delim] second [extract]``, the longer side cut first to fit ``max_len``."""
    check_strings("first, second", [first, second])
    check_int("max_len", max_len, low=4)
    a, b = truncate_pair(tokenizer.encode(first), tokenizer.encode(second), max_len - 3)
    start, delim, extract = (task_token_id(tokenizer, t) for t in TASK_TOKENS)
    return [start, *a, delim, *b, extract]


def similarity_inputs(tokenizer: WordPieceTokenizer, first: str, second: str, *, max_len: int = 64
                      ) -> list[list[int]]:
    """Both orders of a pair, whose final states the classifier adds: similarity has no first sentence."""
    return [pair_input(tokenizer, first, second, max_len=max_len),
            pair_input(tokenizer, second, first, max_len=max_len)]


def multiple_choice_inputs(tokenizer: WordPieceTokenizer, context: str, options: Sequence[str], *,
                           max_len: int = 64) -> list[list[int]]:
    """``[start] context [delim] option [extract]`` for each option."""
    options = check_strings("options", options)
    if len(options) < 2:
        raise ValueError(f"options must hold at least 2 options, got {len(options)}")
    return [pair_input(tokenizer, context, option, max_len=max_len) for option in options]


def collate_task_inputs(inputs: Sequence, *, pad_id: int = 0) -> dict[str, Tensor]:
    """Pad a batch to its longest sequence: (B, T) from sequences, (B, S, T) from lists of S sequences each."""
    if not isinstance(inputs, Sequence) or not inputs:
        raise ValueError("inputs must be a non-empty list of token-id lists (or of lists of them)")
    nested = isinstance(inputs[0], Sequence) and bool(inputs[0]) and isinstance(inputs[0][0], Sequence)
    groups = [list(group) for group in inputs] if nested else [[list(seq)] for seq in inputs]
    counts = sorted({len(group) for group in groups})
    if len(counts) > 1:
        raise ValueError(f"inputs (options) must hold the same number of sequences for every example, got {counts}")
    longest = max(len(seq) for group in groups for seq in group)
    ids = torch.full((len(groups), counts[0], longest), pad_id, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for i, group in enumerate(groups):
        for j, seq in enumerate(group):
            if not seq:
                raise ValueError(f"inputs[{i}] holds an empty sequence")
            ids[i, j, : len(seq)] = torch.tensor(seq)
            mask[i, j, : len(seq)] = 1
    if not nested:
        ids, mask = ids[:, 0], mask[:, 0]
    return {"input_ids": ids, "attention_mask": mask}


def task_batches(inputs: Sequence, labels: Sequence[int], *, batch_size: int = 16, epochs: int = 1,
                 seed: int | None = 0, pad_id: int = 0) -> list[dict[str, Tensor]]:
    """Batches of padded inputs with their ``labels``, reshuffled every epoch (``seed=None``: in order, once)."""
    if isinstance(inputs, str) or not isinstance(inputs, Sequence) or not len(inputs):
        raise ValueError(f"inputs must be a non-empty list of task inputs, got {type(inputs).__name__}")
    labels = check_labels("labels", labels, len(inputs), what="inputs")
    check_int("batch_size", batch_size, low=1)
    check_int("epochs", epochs, low=1)
    rng = random.Random(seed)
    order, batches = list(range(len(inputs))), []
    for _ in range(epochs):
        if seed is not None:
            rng.shuffle(order)
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            batch = collate_task_inputs([inputs[i] for i in chunk], pad_id=pad_id)
            batch["labels"] = torch.tensor([labels[i] for i in chunk])
            batches.append(batch)
    return batches


def task_lm_loss(lm_logits: Tensor, input_ids: Tensor, attention_mask: Tensor) -> Tensor:
    """Next-token cross-entropy over the real tokens of task inputs (padding predicts nothing)."""
    targets = input_ids[..., 1:].masked_fill(attention_mask[..., 1:] == 0, IGNORE_INDEX)
    return F.cross_entropy(lm_logits[..., :-1, :].reshape(-1, lm_logits.shape[-1]), targets.reshape(-1),
                           ignore_index=IGNORE_INDEX)


def task_loss(model: nn.Module, batch: dict[str, Tensor], lm_weight: float = 0.5) -> tuple[Tensor, dict[str, float]]:
    """Task cross-entropy + ``lm_weight`` x LM loss, for ``GPTForClassification`` or ``GPTForMultipleChoice``."""
    out = model(batch["input_ids"], batch["attention_mask"], with_lm_logits=lm_weight != 0)
    task = F.cross_entropy(out.logits, batch["labels"])
    if lm_weight == 0:
        return task, {"task_loss": task.item()}
    lm = task_lm_loss(out.lm_logits, batch["input_ids"], batch["attention_mask"])
    return task + lm_weight * lm, {"task_loss": task.item(), "lm_loss": lm.item()}


def fine_tune_gpt(model: nn.Module, batches: list[dict[str, Tensor]], *, lm_weight: float = 0.5, lr: float = 1e-3,
                  seed: int = 0, desc: str = "fine-tuning", show_progress: bool = True) -> TrainHistory:
    """One pass over ``batches`` with AdamW, warm-up then linear decay; loss = task + ``lm_weight`` x LM."""
    check_number("lm_weight", lm_weight, low=0.0)
    check_number("lr", lr, low=0.0, low_open=True)
    if not isinstance(batches, list) or not batches:
        raise ValueError("batches must be a non-empty list (see task_batches)")
    head = getattr(model, "head", None)
    for i, batch in enumerate(batches):
        if not isinstance(batch, dict) or not {"input_ids", "attention_mask", "labels"} <= set(batch):
            raise ValueError(f"batches[{i}] must be a dict of input_ids, attention_mask and labels (see task_batches)")
        # A classifier has one score per label; a multiple-choice model one per option (B, options, T).
        classes = head.out_features if getattr(head, "out_features", 1) > 1 else batch["input_ids"].shape[1]
        check_labels(f"batches[{i}]['labels']", batch["labels"], len(batch["input_ids"]), classes, what="inputs")
    torch.manual_seed(seed)  # dropout masks
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    # A tenth of the steps warm up (none when there is a single step).
    scheduler = warmup_linear_schedule(optimizer, min(max(1, len(batches) // 10), len(batches) - 1), len(batches))
    with reload_advice("the model", "build it again on freshly loaded weights (load_pretrained_gpt())", lr):
        return train_loop(model, optimizer, batches, lambda m, b: task_loss(m, b, lm_weight), steps=len(batches),
                          scheduler=scheduler, desc=desc, show_progress=show_progress)


@torch.no_grad()
def task_predictions(model: nn.Module, batches: list[dict[str, Tensor]]) -> Tensor:
    """The predicted label (or option) of every example, in the order of ``batches``."""
    was_training = model.training
    model.eval()
    try:
        return torch.cat([model(b["input_ids"], b["attention_mask"], with_lm_logits=False).logits.argmax(-1)
                          for b in batches])
    finally:
        model.train(was_training)


def next_sentence_choices(documents: Sequence[Sequence[str]], *, n_options: int = 4, count: int = 200,
                          seed: int = 0) -> list[tuple[str, list[str], int]]:
    """``count`` (context, options, answer) triples: which option is the sentence after the context?

    The true next sentence and ``n_options - 1`` sentences from other documents, in random order.
    """
    check_int("n_options", n_options, low=2)
    check_int("count", count, low=1)
    places = [(d, i) for d, doc in enumerate(documents) for i in range(len(doc) - 1)]
    if len(documents) < n_options or not places:
        raise ValueError(f"documents must hold at least n_options={n_options} documents, one with two sentences")
    rng = random.Random(seed)
    out = []
    for d, i in rng.sample(places, min(count, len(places))):
        other_documents = [e for e in rng.sample(range(len(documents)), n_options) if e != d][: n_options - 1]
        options = [documents[d][i + 1], *(rng.choice(documents[e]) for e in other_documents)]
        rng.shuffle(options)
        out.append((documents[d][i], options, options.index(documents[d][i + 1])))
    return out


def word_overlap_choice(context: str, options: Sequence[str]) -> int:
    """Bag-of-words baseline for multiple choice: the option sharing the most words with the context."""
    words = set(re.findall(r"\w+", context.lower()))
    overlaps = [len(words & set(re.findall(r"\w+", option.lower()))) for option in check_strings("options", options)]
    return overlaps.index(max(overlaps))
