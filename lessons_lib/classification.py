"""Sequence classification: fine-tune a [CLS] classifier, and the baselines to judge it against."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from lessons_lib.nsp import PairEncoding, collate_pairs
from lessons_lib.tokenizer import WordPieceTokenizer
from lessons_lib.training import TrainHistory, train_loop, warmup_linear_schedule


def split_train_test(texts: Sequence[str], labels: Sequence[int], *, test_size: int, seed: int = 0
                     ) -> tuple[list[str], list[int], list[str], list[int]]:
    """Stratified split: each label keeps its share in the test set; deterministic for ``seed``."""
    if len(texts) != len(labels):
        raise ValueError(f"texts ({len(texts)}) and labels ({len(labels)}) must have the same length")
    if isinstance(test_size, bool) or not isinstance(test_size, int):
        raise TypeError(f"test_size must be a number of items (an int), got {test_size!r}")
    if not 0 < test_size < len(texts):
        raise ValueError(f"test_size must be between 1 and {len(texts) - 1}, got {test_size}")
    rng = random.Random(seed)
    classes = sorted(set(labels))
    members = {label: [i for i, y in enumerate(labels) if y == label] for label in classes}
    # Largest remainder: each label gets the floor of its exact share, and the items still
    # missing go to the labels with the largest fractions, so the test set has test_size items.
    exact = {label: test_size * len(members[label]) / len(labels) for label in classes}
    quota = {label: int(exact[label]) for label in classes}
    by_fraction = sorted(classes, key=lambda label: (-(exact[label] - quota[label]), classes.index(label)))
    for label in by_fraction[: test_size - sum(quota.values())]:
        quota[label] += 1
    test_idx: list[int] = []
    for label in classes:
        rng.shuffle(members[label])
        test_idx += members[label][: quota[label]]
    test = set(test_idx)
    train_idx = [i for i in range(len(texts)) if i not in test]
    rng.shuffle(train_idx)
    return ([texts[i] for i in train_idx], [labels[i] for i in train_idx],
            [texts[i] for i in sorted(test)], [labels[i] for i in sorted(test)])


def encode_texts(tokenizer: WordPieceTokenizer, texts: Sequence[str], max_len: int = 64) -> dict[str, Tensor]:
    """``[CLS] text [SEP]`` for each text (cut to ``max_len``), padded into one batch."""
    if isinstance(texts, str):
        raise TypeError("texts must be a list of strings, not one string")
    if not texts:
        raise ValueError("texts must not be empty")
    if isinstance(max_len, bool) or not isinstance(max_len, int) or max_len < 3:
        raise ValueError(f"max_len must be an int >= 3 ([CLS], one token, [SEP]), got {max_len!r}")
    encodings = []
    for text in texts:
        ids = tokenizer.encode(text)[: max_len - 2]
        encodings.append(PairEncoding([tokenizer.cls_id, *ids, tokenizer.sep_id], [0] * (len(ids) + 2)))
    return collate_pairs(encodings, pad_id=tokenizer.pad_id)


def fine_tune(
    classifier: nn.Module,
    tokenizer: WordPieceTokenizer,
    texts: Sequence[str],
    labels: Sequence[int],
    *,
    epochs: int = 4,
    lr: float = 5e-5,
    batch_size: int = 16,
    seed: int = 0,
    desc: str = "fine-tuning",
) -> TrainHistory:
    """Train ``classifier`` (encoder and head together) with cross-entropy on labelled texts.

    Only parameters with ``requires_grad`` are updated (and get optimizer state), so freezing a
    part, e.g. ``classifier.bert.embeddings.requires_grad_(False)``, saves its memory.
    """
    if len(texts) != len(labels) or not texts:
        raise ValueError("texts and labels must be non-empty and equally long")
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr!r}")
    trainable = [p for p in classifier.parameters() if p.requires_grad]
    if not trainable:
        raise ValueError("classifier has no parameter with requires_grad=True: nothing to fine-tune")
    gen = random.Random(seed)
    order = list(range(len(texts)))
    batches = []
    for _ in range(epochs):
        gen.shuffle(order)
        for i in range(0, len(order), batch_size):
            chunk = order[i : i + batch_size]
            batch = encode_texts(tokenizer, [texts[j] for j in chunk])
            batch["labels"] = torch.tensor([labels[j] for j in chunk])
            batches.append(batch)
    torch.manual_seed(seed)  # dropout masks
    optimizer = torch.optim.AdamW(trainable, lr=lr, weight_decay=0.01)
    scheduler = warmup_linear_schedule(optimizer, max(1, len(batches) // 10), len(batches))

    def loss_fn(model: nn.Module, batch: dict[str, Tensor]) -> Tensor:
        logits = model(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"])
        return F.cross_entropy(logits, batch["labels"])

    return train_loop(classifier, optimizer, batches, loss_fn, steps=len(batches), scheduler=scheduler, desc=desc)


@torch.no_grad()
def predict(classifier: nn.Module, tokenizer: WordPieceTokenizer, texts: Sequence[str], batch_size: int = 64) -> Tensor:
    """Predicted label of each text (argmax of the classifier's logits)."""
    if isinstance(texts, str):
        raise TypeError("texts must be a list of strings, not one string")
    if not texts:
        raise ValueError("texts must not be empty")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    was_training = classifier.training
    classifier.eval()
    out = []
    try:
        with torch.no_grad():  # no graph for a backward pass: far less memory
            for i in range(0, len(texts), batch_size):
                batch = encode_texts(tokenizer, texts[i : i + batch_size])
                out.append(classifier(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"]).argmax(-1))
    finally:
        classifier.train(was_training)
    return torch.cat(out)


def accuracy(predictions: Sequence[int] | Tensor, labels: Sequence[int]) -> float:
    """Share of predictions equal to the labels."""
    predictions = torch.as_tensor(predictions)
    labels = torch.as_tensor(labels)
    if predictions.shape != labels.shape or not len(labels):
        raise ValueError(f"predictions {tuple(predictions.shape)} and labels {tuple(labels.shape)} must match")
    return (predictions == labels).float().mean().item()


def majority_baseline(train_labels: Sequence[int], n_test: int) -> list[int]:
    """Predict the most common training label for every test item."""
    if not train_labels:
        raise ValueError("train_labels must not be empty")
    if isinstance(n_test, bool) or not isinstance(n_test, int) or n_test < 0:
        raise ValueError(f"n_test must be a non-negative int, got {n_test!r}")
    most_common = min(Counter(train_labels).most_common(), key=lambda kv: (-kv[1], kv[0]))[0]
    return [most_common] * n_test


def bag_of_words_baseline(
    train_texts: Sequence[str], train_labels: Sequence[int], test_texts: Sequence[str],
    *, tokenize: Callable[[str], list[str]] = str.split, steps: int = 300, l2: float = 1e-3,
) -> list[int]:
    """Logistic regression on word-presence features: the classic strong baseline for short texts."""
    for name, value in (("train_texts", train_texts), ("test_texts", test_texts)):
        if isinstance(value, str):
            raise TypeError(f"{name} must be a list of strings, not one string")
    if not train_texts:
        raise ValueError("train_texts must not be empty")
    if len(train_texts) != len(train_labels):
        raise ValueError(f"train_texts ({len(train_texts)}) and train_labels ({len(train_labels)}) "
                         "must have the same length")
    vocab = {w: i for i, w in enumerate(sorted({w for t in train_texts for w in tokenize(t)}))}

    def features(texts: Sequence[str]) -> Tensor:
        x = torch.zeros(len(texts), len(vocab))
        for row, text in enumerate(texts):
            for word in tokenize(text):
                if word in vocab:
                    x[row, vocab[word]] = 1.0
        return x

    x, y = features(train_texts), torch.tensor(list(train_labels))
    n_classes = int(y.max()) + 1
    weights = torch.zeros(len(vocab), n_classes, requires_grad=True)
    bias = torch.zeros(n_classes, requires_grad=True)
    optimizer = torch.optim.LBFGS([weights, bias], max_iter=steps, line_search_fn="strong_wolfe")

    def closure() -> Tensor:
        optimizer.zero_grad()
        loss = F.cross_entropy(x @ weights + bias, y) + l2 * weights.pow(2).sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    with torch.no_grad():
        return (features(test_texts) @ weights + bias).argmax(-1).tolist()
