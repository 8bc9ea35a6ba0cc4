"""Scoring sentence pairs with BERT's next-sentence head: P(IsNext), confusion matrix, candidates.

`make_nsp_pairs` decides which B goes with which A; this module asks a pre-trained model what it
thinks of a pair. `is_next_probability` reads the NSP head on clean (unmasked) input, one
probability per pair; `confusion_matrix` counts right and wrong calls by true class, and
`nsp_scores` turns them into accuracies; `candidate_next_sentences` lines up, for one sentence A,
its true successor beside sentences from the same document and from other documents, for the NSP
widget and the error analysis.

A model that never learned NSP can be taught it afterwards: `nsp_batches` encodes labelled pairs
as ``[CLS] A [SEP] B [SEP]`` batches, and `fine_tune_nsp` trains a 2-way classifier on them
(e.g. a pretrained encoder such as MiniLM inside `BertForSequenceClassification`) with
cross-entropy. Label 0 is IsNext and 1 NotNext, as in the released BERT checkpoints.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from lessons_lib.checks import check_int, check_number, check_type
from lessons_lib.data.encoding import collate_pairs, encode_pair
from lessons_lib.models.bert import BertForPreTraining, BertForSequenceClassification
from lessons_lib.objectives.nsp import IS_NEXT, NOT_NEXT
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer
from lessons_lib.training.loop import TrainHistory, train_loop, warmup_linear_schedule

CANDIDATE_KINDS = ("true next", "same document", "other document")


@torch.no_grad()
def is_next_probability(
    model: BertForPreTraining | BertForSequenceClassification,
    tokenizer: WordPieceTokenizer,
    pairs: Sequence[Sequence],
    *,
    max_len: int = 64,
    batch_size: int = 128,
) -> Tensor:
    """P(IsNext) of each ``(A, B)`` pair (or `NspPair`) from the NSP head, shape (N,).

    ``model`` is a `BertForPreTraining` (its NSP head is read) or a 2-label
    `BertForSequenceClassification` fine-tuned for NSP (label 0 = IsNext), e.g. by `fine_tune_nsp`.
    """
    _check_nsp_model(model)
    check_type("tokenizer", tokenizer, WordPieceTokenizer)
    _check_pairs(pairs)
    _check_max_len(max_len, model)
    check_int("batch_size", batch_size, low=1)

    cache: dict[str, list[int]] = {}
    was_training = model.training
    model.eval()  # no dropout: the same pair always gets the same probability
    chunks = []
    for start in range(0, len(pairs), batch_size):
        encodings = [encode_pair(_ids(tokenizer, cache, p[0]), _ids(tokenizer, cache, p[1]), cls_id=tokenizer.cls_id,
                                 sep_id=tokenizer.sep_id, max_len=max_len)
                     for p in pairs[start : start + batch_size]]
        batch = collate_pairs(encodings, pad_id=tokenizer.pad_id)
        if isinstance(model, BertForPreTraining):
            # No MLM position: only the NSP head runs, not 6,000 word scores at every position.
            no_mlm = torch.zeros_like(batch["input_ids"], dtype=torch.bool)
            logits = model(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"],
                           mlm_positions=no_mlm).nsp_logits  # (B, 2)
        else:
            logits = model(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"])  # (B, 2)
        chunks.append(logits.softmax(-1)[:, IS_NEXT])  # (B,)
    model.train(was_training)
    return torch.cat(chunks)


def confusion_matrix(is_next: Sequence[bool], p_is_next: Tensor, threshold: float = 0.5) -> Tensor:
    """2 x 2 counts: rows the truth (IsNext, NotNext), columns the call (IsNext, NotNext)."""
    if not isinstance(p_is_next, Tensor) or p_is_next.dim() != 1:
        raise TypeError("p_is_next must be a 1-D torch.Tensor of probabilities")
    if len(is_next) != len(p_is_next):
        raise ValueError(
            f"is_next has {len(is_next)} labels but p_is_next has {len(p_is_next)} probabilities; "
            "they must be equally long"
        )
    if not all(isinstance(label, bool) for label in is_next):
        raise TypeError("is_next must be a sequence of True/False labels")
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must lie strictly between 0 and 1, got {threshold}")
    truth = torch.tensor([0 if label else 1 for label in is_next], dtype=torch.long)  # 0 = IsNext
    called = (p_is_next < threshold).long()  # 0 = IsNext, 1 = NotNext
    matrix = torch.zeros(2, 2, dtype=torch.long)
    matrix.index_put_((truth, called), torch.ones_like(truth), accumulate=True)
    return matrix


def nsp_scores(is_next: Sequence[bool], p_is_next: Tensor, threshold: float = 0.5) -> dict:
    """Accuracy, the share right of each true class, and the confusion counts, as plain numbers."""
    matrix = confusion_matrix(is_next, p_is_next, threshold)  # checks the arguments
    rows = matrix.sum(1).clamp(min=1)  # a class with no pair scores 0, not NaN
    return {
        "pairs": int(matrix.sum()),
        "accuracy": matrix.trace().item() / matrix.sum().item(),
        "is_next_right": matrix[0, 0].item() / rows[0].item(),  # IsNext pairs called IsNext
        "not_next_right": matrix[1, 1].item() / rows[1].item(),  # NotNext pairs called NotNext
        "confusion": matrix.tolist(),  # rows: truth (IsNext, NotNext); columns: the call
    }


def nsp_batches(
    tokenizer: WordPieceTokenizer,
    pairs: Sequence[Sequence],
    *,
    batch_size: int = 16,
    max_len: int = 64,
    seed: int = 0,
) -> Iterator[dict[str, Tensor]]:
    """Endless shuffled batches of labelled pairs: input_ids, token_type_ids, attention_mask, nsp_labels.

    ``pairs`` are `NspPair`s (or ``(A, B, is_next)`` tuples). Each pass over them is shuffled anew;
    the label is `IS_NEXT` (0) or `NOT_NEXT` (1), as the NSP head of `BertForPreTraining` reads it.
    """
    check_type("tokenizer", tokenizer, WordPieceTokenizer)
    _check_pairs(pairs, labelled=True)
    check_int("batch_size", batch_size, low=1)
    if batch_size > len(pairs):
        raise ValueError(f"batch_size must be at most the number of pairs ({len(pairs)}), got {batch_size}")
    _check_max_len(max_len)
    check_int("seed", seed)
    return _batches(tokenizer, list(pairs), batch_size, max_len, seed)


def _batches(tokenizer: WordPieceTokenizer, pairs: list, batch_size: int, max_len: int, seed: int
             ) -> Iterator[dict[str, Tensor]]:
    # A seed of its own: `make_nsp_pairs(docs, seed=s)` shuffles a list of the same length with
    # random.Random(s), so reusing that generator here would put all its NotNext pairs first.
    rng = random.Random(f"nsp-batches:{seed}")
    cache: dict[str, list[int]] = {}
    order = list(range(len(pairs)))
    while True:
        rng.shuffle(order)
        for start in range(0, len(order) - batch_size + 1, batch_size):  # full batches only
            chosen = [pairs[k] for k in order[start : start + batch_size]]
            encodings = [encode_pair(_ids(tokenizer, cache, p[0]), _ids(tokenizer, cache, p[1]),
                                     cls_id=tokenizer.cls_id, sep_id=tokenizer.sep_id, max_len=max_len)
                         for p in chosen]
            batch = collate_pairs(encodings, pad_id=tokenizer.pad_id)  # each (B, T)
            batch["nsp_labels"] = torch.tensor([IS_NEXT if p[2] else NOT_NEXT for p in chosen])  # (B,)
            yield batch


def fine_tune_nsp(
    classifier: BertForSequenceClassification,
    tokenizer: WordPieceTokenizer,
    pairs: Sequence[Sequence],
    *,
    steps: int,
    batch_size: int = 16,
    lr: float = 5e-5,
    max_len: int = 64,
    warmup: float = 0.1,
    seed: int = 0,
    desc: str = "fine-tuning NSP",
    show_progress: bool = True,
) -> TrainHistory:
    """Train a 2-label classifier on labelled pairs with cross-entropy, ``steps`` batches long.

    Only parameters with ``requires_grad`` are updated, so a frozen part (e.g. the word-embedding
    table) costs no gradient or optimizer memory. The learning rate warms up over the first
    ``warmup`` share of the steps, then falls linearly to 0; the history records each batch's
    accuracy under ``metrics["accuracy"]``.
    """
    _check_nsp_model(classifier, classifier_only=True)
    check_int("steps", steps, low=1)
    check_number("lr", lr, low=0.0, low_open=True)
    check_number("warmup", warmup, low=0.0, high=1.0, high_open=True)
    _check_max_len(max_len, classifier)
    batches = nsp_batches(tokenizer, pairs, batch_size=batch_size, max_len=max_len, seed=seed)
    trainable = [p for p in classifier.parameters() if p.requires_grad]
    if not trainable:
        raise ValueError("classifier has no parameter with requires_grad=True: nothing to fine-tune")
    torch.manual_seed(seed)  # dropout masks
    optimizer = torch.optim.AdamW(trainable, lr=lr, weight_decay=0.01)
    scheduler = warmup_linear_schedule(optimizer, int(warmup * steps), steps)

    def loss_fn(model: nn.Module, batch: dict[str, Tensor]) -> tuple[Tensor, dict[str, float]]:
        logits = model(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"])  # (B, 2)
        right = (logits.argmax(-1) == batch["nsp_labels"]).float().mean().item()
        return F.cross_entropy(logits, batch["nsp_labels"]), {"accuracy": right}

    return train_loop(classifier, optimizer, batches, loss_fn, steps=steps, scheduler=scheduler,
                      desc=desc, show_progress=show_progress)


def candidate_next_sentences(
    documents: Sequence[Sequence[str]],
    doc_index: int,
    sentence_index: int,
    *,
    n_other: int = 4,
    seed: int = 0,
) -> list[tuple[str, str]]:
    """Candidates for B after ``documents[doc_index][sentence_index]``, each ``(kind, sentence)``.

    First the true next sentence, then one sentence of the same document that is not next to A
    (when the document has one), then ``n_other`` sentences from other documents.
    """
    if not isinstance(documents, Sequence) or len(documents) < 2:
        raise ValueError("documents must be a list of at least two documents (lists of sentences)")
    if isinstance(doc_index, bool) or not isinstance(doc_index, int) or not 0 <= doc_index < len(documents):
        raise ValueError(f"doc_index must be an int in [0, {len(documents)}), got {doc_index!r}")
    doc = documents[doc_index]
    if isinstance(sentence_index, bool) or not isinstance(sentence_index, int) or not 0 <= sentence_index < len(doc) - 1:
        raise ValueError(
            f"sentence_index must be an int in [0, {len(doc) - 1}) (a sentence that has a next "
            f"sentence in document {doc_index}), got {sentence_index!r}"
        )
    if isinstance(n_other, bool) or not isinstance(n_other, int) or n_other < 0:
        raise ValueError(f"n_other must be an int >= 0, got {n_other!r}")
    others = [(d, j) for d, other in enumerate(documents) if d != doc_index for j in range(len(other))]
    if len(others) < n_other:
        raise ValueError(f"n_other must be at most {len(others)} (sentences in other documents), got {n_other}")

    rng = random.Random(f"{seed}:{doc_index}:{sentence_index}")  # same A and seed: same candidates
    candidates = [(CANDIDATE_KINDS[0], doc[sentence_index + 1])]
    far = [j for j in range(len(doc)) if abs(j - sentence_index) > 1]
    if far:
        candidates.append((CANDIDATE_KINDS[1], doc[rng.choice(far)]))
    candidates += [(CANDIDATE_KINDS[2], documents[d][j]) for d, j in rng.sample(others, n_other)]
    return candidates


def _check_pairs(pairs: object, labelled: bool = False) -> None:
    what = "(A, B, is_next) triples or NspPairs" if labelled else "(A, B) sentence pairs or NspPairs"
    if not isinstance(pairs, Sequence) or isinstance(pairs, str) or not pairs:
        raise ValueError(f"pairs must be a non-empty list of {what}")
    for n, pair in enumerate(pairs):
        if (not isinstance(pair, Sequence) or isinstance(pair, str) or len(pair) < 2
                or not isinstance(pair[0], str) or not isinstance(pair[1], str)
                or (labelled and (len(pair) < 3 or not isinstance(pair[2], bool)))):
            raise TypeError(f"pairs must hold {what}, item {n} is {pair!r}")


def _check_nsp_model(model: object, classifier_only: bool = False) -> None:
    allowed = "a 2-label BertForSequenceClassification"
    if not classifier_only:
        allowed = "a BertForPreTraining or " + allowed
    name = "classifier" if classifier_only else "model"
    if isinstance(model, BertForSequenceClassification):
        if model.classifier.out_features != 2:
            raise ValueError(f"{name} must be {allowed} (IsNext, NotNext), "
                             f"got one with {model.classifier.out_features} labels")
    elif classifier_only or not isinstance(model, BertForPreTraining):
        raise TypeError(f"{name} must be {allowed}, got {type(model).__name__}")


def _check_max_len(max_len: object, model: nn.Module | None = None) -> None:
    if isinstance(max_len, bool) or not isinstance(max_len, int) or not 5 <= max_len:
        raise ValueError(f"max_len must be an int >= 5, got {max_len!r}")
    if model is not None:
        limit = model.bert.config.max_position_embeddings
        if max_len > limit:
            raise ValueError(f"max_len must be at most the model's max_position_embeddings ({limit}), got {max_len}")


def _ids(tokenizer: WordPieceTokenizer, cache: dict[str, list[int]], sentence: str) -> list[int]:
    if sentence not in cache:  # a sentence appears in several pairs: tokenize it once
        cache[sentence] = tokenizer.encode(sentence)
    return cache[sentence]
