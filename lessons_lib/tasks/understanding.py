"""ELMo, GPT and BERT on the same understanding tasks, each used the way it is meant to be: notebook 07.

**ELMo** stays frozen: its layers, averaged over each sentence, feed a learned scalar mix and one
linear layer (for a pair: both sentences' vectors, their product and their difference). **GPT**
is fine-tuned through its ``[extract]`` token (``[start] A [delim] B [extract]``), **BERT**
through its final ``[CLS]`` vector, with the same budget and the same schedule.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from typing import NamedTuple

import torch
from torch import Tensor, nn

from lessons_lib.checks import check_choice, check_int, check_number, check_strings, check_type
from lessons_lib.data.corpus import Corpus
from lessons_lib.data.labelled import source_labelled_sentences
from lessons_lib.models.bert import BertForSequenceClassification
from lessons_lib.models.elmo import ElmoBiLM
from lessons_lib.models.gpt import GPTForClassification
from lessons_lib.objectives.nsp import make_nsp_pairs
from lessons_lib.tasks.classification import (
    accuracy,
    bag_of_words_baseline,
    fine_tune,
    majority_baseline,
    predict,
)
from lessons_lib.tasks.comparison import model_kind
from lessons_lib.tasks.feature_classifier import mix_classifier_accuracy, train_mix_classifier
from lessons_lib.tasks.gpt_finetuning import (
    add_task_tokens,
    classification_input,
    fine_tune_gpt,
    pair_input,
    task_batches,
    task_predictions,
    with_task_tokens,
)
from lessons_lib.tasks.nsp_scoring import fine_tune_nsp, is_next_probability
from lessons_lib.tasks.representations import sentence_layers
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer
from lessons_lib.training.loop import seed_everything

NLU_TASKS = ("source", "next-sentence")  # one sentence -> Wikipedia or news; a pair -> does B follow A?


def elmo_features(model: ElmoBiLM, tokenizer: WordPieceTokenizer, texts: Sequence[str]) -> Tensor:
    """(N, L + 1, 2P): each text's ELMo layers averaged over its tokens (frozen: no gradient)."""
    texts = check_strings("texts", texts)
    return torch.stack([layers.mean(1) for _, layers in sentence_layers(model, tokenizer, texts)])


def elmo_pair_features(model: ElmoBiLM, tokenizer: WordPieceTokenizer, firsts: Sequence[str],
                       seconds: Sequence[str]) -> Tensor:
    """(N, L + 1, 8P): per layer ``[a; b; a * b; |a - b|]`` of the two sentences' averaged vectors.

    ELMo reads each sentence on its own; the products and differences let a linear layer compare them.
    """
    if len(firsts) != len(seconds):
        raise ValueError(f"firsts ({len(firsts)}) and seconds ({len(seconds)}) must be equally long")
    a, b = elmo_features(model, tokenizer, firsts), elmo_features(model, tokenizer, seconds)
    return torch.cat([a, b, a * b, (a - b).abs()], dim=-1)


class NluTask(NamedTuple):
    """A labelled task: ``(text,)`` or ``(first, second)`` examples, labels 0/1, and two baselines' test accuracy."""

    train: list[tuple]
    train_labels: list[int]
    test: list[tuple]
    test_labels: list[int]
    baselines: dict[str, float]  # "majority class", "bag of words"


def _pair_words(text: str) -> list[str]:
    """Bag-of-words features of ``first ||| second``: each side's words, and the words both share."""
    first, second = (set(re.findall(r"\w+", side.lower())) for side in text.split(" ||| "))
    return [f"A:{w}" for w in first] + [f"B:{w}" for w in second] + [f"both:{w}" for w in first & second]


def nlu_task(corpus: Corpus, task: str, *, train_size: int = 200, test_size: int = 300, seed: int = 0) -> NluTask:
    """``"source"``: is a sentence from Wikipedia (0) or the news (1)? ``"next-sentence"``: does B follow A
    in its document (1) or come from another document (0)? Training examples from the train
    documents, test examples from the test documents, both balanced."""
    check_type("corpus", corpus, Corpus)
    check_choice("task", task, NLU_TASKS)
    check_int("train_size", train_size, low=2)
    check_int("test_size", test_size, low=2)
    check_int("seed", seed, low=0)
    if task == "source":
        train_x, train_y = source_labelled_sentences(corpus, "train", per_source=train_size // 2, seed=seed)
        test_x, test_y = source_labelled_sentences(corpus, "test", per_source=test_size // 2, seed=seed + 1)
        train, test, words = [(s,) for s in train_x], [(s,) for s in test_x], str.split
    else:
        sets = []
        for documents, size, offset in ((corpus.train, train_size, 0), (corpus.test, test_size, 1)):
            pairs = make_nsp_pairs(documents, seed=seed + offset)
            rng = random.Random(seed + offset)
            chosen = (rng.sample([p for p in pairs if p.is_next], size // 2)
                      + rng.sample([p for p in pairs if not p.is_next], size // 2))
            rng.shuffle(chosen)
            sets.append(([(p.a, p.b) for p in chosen], [int(p.is_next) for p in chosen]))
        (train, train_y), (test, test_y) = sets
        words = _pair_words
    texts = [" ||| ".join(example) for example in train], [" ||| ".join(example) for example in test]
    baselines = {"majority class": accuracy(majority_baseline(train_y, len(test_y)), test_y),
                 "bag of words": accuracy(bag_of_words_baseline(*texts[:1], train_y, texts[1], tokenize=words), test_y)}
    return NluTask(train, train_y, test, test_y, baselines)


def nlu_accuracies(model: nn.Module, tokenizer: WordPieceTokenizer, task: NluTask, *, seeds: Sequence[int] = (0, 1, 2),
                   epochs: int = 2, batch_size: int = 16, lr: float = 5e-4, max_len: int = 64) -> list[float]:
    """Test accuracy of one model on ``task``, one run per seed (the head's initial weights, the batch order).

    ``model`` is not changed. GPT and BERT are fine-tuned as copies, ``epochs`` passes of
    ``batch_size`` examples, the same AdamW schedule: GPT through ``[start] .. [delim] ..
    [extract]``, BERT through its final ``[CLS]`` vector. ELMo stays frozen: its averaged layers
    are computed once, and only a scalar mix and a linear layer learn on them, per seed.
    """
    learn = _LEARNERS[model_kind(model)]  # each model learns a task its own way
    check_type("tokenizer", tokenizer, WordPieceTokenizer)
    check_type("task", task, NluTask)
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    for seed in seeds:
        check_int("seeds", seed, low=0)
    check_int("epochs", epochs, low=1)
    check_int("batch_size", batch_size, low=1)
    check_number("lr", lr, low=0.0, low_open=True)
    check_int("max_len", max_len, low=8, high=128)
    return learn(model, tokenizer, task, seeds, _Budget(epochs, batch_size, lr, max_len))


class _Budget(NamedTuple):
    """What a fine-tuned model gets: passes over the training examples, batch size, learning rate, length."""

    epochs: int
    batch_size: int
    lr: float
    max_len: int


def _frozen_elmo(model: ElmoBiLM, tokenizer: WordPieceTokenizer, task: NluTask, seeds: Sequence[int],
                 budget: _Budget) -> list[float]:
    """ELMo's features computed once; per seed, a scalar mix and a linear layer learned on them."""
    def features(examples: list[tuple]) -> Tensor:
        if len(examples[0]) == 2:
            return elmo_pair_features(model, tokenizer, [e[0] for e in examples], [e[1] for e in examples])
        return elmo_features(model, tokenizer, [e[0] for e in examples])

    train, test = features(task.train), features(task.test)
    return [mix_classifier_accuracy(train_mix_classifier(train, task.train_labels, seed=seed), test,
                                    task.test_labels) for seed in seeds]


def _fine_tuned(predictions: Callable[..., Tensor], prepare: Callable[..., object] | None = None):
    """Per seed: a fresh copy of the model, fine-tuned and asked for its test predictions by ``predictions``.

    ``prepare(tokenizer, task, budget)``, if given, builds what every seed shares (the encoded
    examples) once; ``predictions`` then receives it as its last argument.
    """
    def accuracies(model: nn.Module, tokenizer: WordPieceTokenizer, task: NluTask, seeds: Sequence[int],
                   budget: _Budget) -> list[float]:
        test_labels = torch.tensor(task.test_labels)
        shared = () if prepare is None else (prepare(tokenizer, task, budget),)
        result = []
        for seed in seeds:
            seed_everything(seed)
            copy = type(model)(model.config)
            copy.load_state_dict(model.state_dict())
            predicted = predictions(copy, tokenizer, task, seed, budget, *shared)
            result.append(float((predicted == test_labels).float().mean()))
        return result

    return accuracies


def _gpt_inputs(tokenizer: WordPieceTokenizer, task: NluTask, budget: _Budget) -> dict[str, list[list[int]]]:
    """Every example as ``[start] A [delim] B [extract]`` (or ``[start] text [extract]``), encoded once for all seeds."""
    tokens = with_task_tokens(tokenizer)
    pairs = len(task.train[0]) == 2
    return {name: [pair_input(tokens, *e, max_len=budget.max_len) if pairs
                   else classification_input(tokens, e[0], max_len=budget.max_len) for e in examples]
            for name, examples in (("train", task.train), ("test", task.test))}


def _gpt_predictions(gpt: nn.Module, tokenizer: WordPieceTokenizer, task: NluTask, seed: int,
                     budget: _Budget, inputs: dict[str, list[list[int]]]) -> Tensor:
    """GPT fine-tuned through ``[start] A [delim] B [extract]`` (or ``[start] text [extract]``)."""
    add_task_tokens(gpt, tokenizer, seed=0)  # the same three new embeddings in every run
    head = GPTForClassification(gpt.config, 2, gpt=gpt)
    batches = task_batches(inputs["train"], task.train_labels, batch_size=budget.batch_size, epochs=budget.epochs,
                           seed=seed)
    # No auxiliary LM loss: BERT gets none either, so both learn from the task alone.
    fine_tune_gpt(head, batches, lm_weight=0.0, lr=budget.lr, seed=seed, show_progress=False)
    return task_predictions(head, task_batches(inputs["test"], task.test_labels, batch_size=64, seed=None))


def _bert_predictions(bert: nn.Module, tokenizer: WordPieceTokenizer, task: NluTask, seed: int,
                      budget: _Budget) -> Tensor:
    """The collection's own BERT fine-tuning: ``[CLS] text [SEP]``, or a pair as in NSP (label 0 = IsNext)."""
    classifier = BertForSequenceClassification(bert.config, 2, bert=bert.bert)
    if len(task.train[0]) == 2:
        labelled = [(a, b, bool(y)) for (a, b), y in zip(task.train, task.train_labels, strict=True)]
        fine_tune_nsp(classifier, tokenizer, labelled, steps=budget.epochs * (len(labelled) // budget.batch_size),
                      batch_size=budget.batch_size, lr=budget.lr, max_len=budget.max_len, seed=seed,
                      show_progress=False)
        return (is_next_probability(classifier, tokenizer, task.test, max_len=budget.max_len) > 0.5).long()
    fine_tune(classifier, tokenizer, [e[0] for e in task.train], task.train_labels, epochs=budget.epochs,
              lr=budget.lr, batch_size=budget.batch_size, seed=seed, show_progress=False)
    return predict(classifier, tokenizer, [e[0] for e in task.test])


# How each model learns a task, by the name its reader gives (``tasks.readers``).
_LEARNERS = {"ELMo": _frozen_elmo, "GPT": _fine_tuned(_gpt_predictions, _gpt_inputs), "BERT": _fine_tuned(_bert_predictions)}
