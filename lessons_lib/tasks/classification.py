"""Sequence classification: fine-tune a [CLS] classifier, and the baselines to judge it against."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from lessons_lib.checks import check_int, check_labels, check_number, check_strings
from lessons_lib.data.encoding import encode_texts
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer
from lessons_lib.training.loop import (
    TrainHistory,
    fit_full_batch,
    reload_advice,
    train_loop,
    warmup_linear_schedule,
)


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
    show_progress: bool = True,
) -> TrainHistory:
    """Train ``classifier`` (encoder and head together) with cross-entropy on labelled texts.

    Only parameters with ``requires_grad`` are updated (and get optimizer state), so freezing a
    part, e.g. ``classifier.bert.embeddings.requires_grad_(False)``, saves its memory.
    """
    texts = check_strings("texts", texts)
    head = getattr(classifier, "classifier", None)  # BertForSequenceClassification's output layer
    labels = check_labels("labels", labels, len(texts), getattr(head, "out_features", None))
    check_int("epochs", epochs, low=1)
    check_int("batch_size", batch_size, low=1)
    check_number("lr", lr, low=0.0, low_open=True)
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
    # A tenth of the steps warm up (none when there is a single step).
    scheduler = warmup_linear_schedule(optimizer, min(max(1, len(batches) // 10), len(batches) - 1), len(batches))

    def loss_fn(model: nn.Module, batch: dict[str, Tensor]) -> Tensor:
        logits = model(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"])
        return F.cross_entropy(logits, batch["labels"])

    with reload_advice("the classifier", "build it again on freshly loaded weights (load_pretrained_bert())", lr):
        return train_loop(classifier, optimizer, batches, loss_fn, steps=len(batches), scheduler=scheduler,
                          desc=desc, show_progress=show_progress)


@torch.no_grad()
def predict(classifier: nn.Module, tokenizer: WordPieceTokenizer, texts: Sequence[str], batch_size: int = 64) -> Tensor:
    """Predicted label of each text (argmax of the classifier's logits)."""
    texts = check_strings("texts", texts)
    check_int("batch_size", batch_size, low=1)
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
    check_int("n_test", n_test, low=0)
    most_common = min(Counter(train_labels).most_common(), key=lambda kv: (-kv[1], kv[0]))[0]
    return [most_common] * n_test


def bag_of_words_baseline(
    train_texts: Sequence[str], train_labels: Sequence[int], test_texts: Sequence[str],
    *, tokenize: Callable[[str], list[str]] = str.split, steps: int = 300, l2: float = 1e-3,
) -> list[int]:
    """Logistic regression on word-presence features: the classic strong baseline for short texts."""
    train_texts = check_strings("train_texts", train_texts)
    test_texts = check_strings("test_texts", test_texts, non_empty=False)
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
    fit_full_batch(lambda x: x @ weights + bias, x, y, optimizer, penalty=lambda: l2 * weights.pow(2).sum())
    with torch.no_grad():
        return (features(test_texts) @ weights + bias).argmax(-1).tolist()
