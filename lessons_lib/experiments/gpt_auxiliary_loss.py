"""Fine-tuning the tiny GPT the paper's way, with and without the auxiliary LM loss: notebook 05's runs.

Two tasks from the default corpus: **source** (classification: is a sentence from a Wikipedia
article or a news story? ``[start] text [extract]``) and **next-sentence** (multiple choice:
which of four sentences follows the context? ``[start] context [delim] option [extract]`` per
option). Every run starts from the same pre-trained GPT with the three task tokens added (their
embeddings drawn with one fixed seed), so runs differ only in the LM weight and the run's seed,
which sets the head's initial weights and the order of the batches.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from lessons_lib.checks import check_choice, check_int, check_number
from lessons_lib.data.corpus import Corpus
from lessons_lib.data.labelled import source_labelled_sentences
from lessons_lib.models.gpt import GPTForClassification, GPTForMultipleChoice
from lessons_lib.tasks.classification import accuracy, bag_of_words_baseline, majority_baseline
from lessons_lib.tasks.gpt_finetuning import (
    add_task_tokens,
    classification_input,
    fine_tune_gpt,
    multiple_choice_inputs,
    next_sentence_choices,
    task_batches,
    task_predictions,
    with_task_tokens,
    word_overlap_choice,
)
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer
from lessons_lib.training.checkpoints import SHIPPED_GPT, load_pretrained_gpt
from lessons_lib.training.loop import seed_everything

TASKS = ("source", "next-sentence")


@dataclass(frozen=True)
class TaskSettings:
    """One fine-tuning task and its budget."""

    task: str  # "source" (classification) or "next-sentence" (multiple choice)
    train_examples: int  # training sentences (source: half from each) or contexts (next-sentence)
    test_examples: int  # test examples, from test documents only
    epochs: int = 1  # passes over the training examples
    batch_size: int = 16  # examples per step
    lr: float = 5e-4  # peak learning rate (AdamW), warm-up then linear decay
    max_len: int = 48  # tokens per input sequence, task tokens included
    n_options: int = 4  # options per context (next-sentence only)

    def __post_init__(self):
        check_choice("task", self.task, TASKS)
        for name in ("train_examples", "test_examples", "epochs", "batch_size"):
            check_int(name, getattr(self, name), low=2 if name.endswith("examples") else 1)
        check_number("lr", self.lr, low=0.0, low_open=True)
        check_int("max_len", self.max_len, low=4)
        check_int("n_options", self.n_options, low=2)


SOURCE = TaskSettings("source", train_examples=300, test_examples=200, batch_size=16, max_len=48)
NEXT_SENTENCE = TaskSettings("next-sentence", train_examples=160, test_examples=200, batch_size=8, max_len=32)


@dataclass
class TaskData:
    """A task's examples as model inputs, and the test-set scores of its two baselines."""

    train_inputs: list  # token-id lists (source) or lists of them, one per option (next-sentence)
    train_labels: list[int]  # class, or index of the right option
    test_inputs: list
    test_labels: list[int]
    baselines: dict[str, float]  # test accuracy of a majority guess and of a bag-of-words rule


def task_data(settings: TaskSettings, corpus: Corpus, tokenizer: WordPieceTokenizer) -> TaskData:
    """Inputs and labels of ``settings.task`` (train split for training, test split for testing), and baselines."""
    tokens = with_task_tokens(tokenizer)
    if settings.task == "source":
        train_x, train_y = source_labelled_sentences(corpus, "train", per_source=settings.train_examples // 2, seed=0)
        test_x, test_y = source_labelled_sentences(corpus, "test", per_source=settings.test_examples // 2, seed=1)
        baselines = {"majority class": accuracy(majority_baseline(train_y, len(test_y)), test_y),
                     "bag of words": accuracy(bag_of_words_baseline(train_x, train_y, test_x), test_y)}
        encode = [classification_input(tokens, s, max_len=settings.max_len) for s in train_x]
        return TaskData(encode, train_y, [classification_input(tokens, s, max_len=settings.max_len) for s in test_x],
                        test_y, baselines)
    train = next_sentence_choices(corpus.train, n_options=settings.n_options, count=settings.train_examples, seed=0)
    test = next_sentence_choices(corpus.test, n_options=settings.n_options, count=settings.test_examples, seed=1)
    train_y, test_y = [a for _, _, a in train], [a for _, _, a in test]
    baselines = {"most common answer position": accuracy(majority_baseline(train_y, len(test_y)), test_y),
                 "word overlap": accuracy([word_overlap_choice(c, o) for c, o, _ in test], test_y)}

    def encode(choices):
        return [multiple_choice_inputs(tokens, c, o, max_len=settings.max_len) for c, o, _ in choices]

    return TaskData(encode(train), train_y, encode(test), test_y, baselines)


def fine_tune_run(settings: TaskSettings, data: TaskData, *, lm_weight: float, seed: int,
                  checkpoint: str | Path = SHIPPED_GPT, show_progress: bool = False) -> float:
    """Fine-tune a fresh copy of the pre-trained GPT on ``data``; its test accuracy."""
    model, tokenizer, _ = load_pretrained_gpt(checkpoint)
    add_task_tokens(model, tokenizer, seed=0)  # the same three new embeddings in every run
    seed_everything(seed)
    head = (GPTForClassification(model.config, 2, gpt=model) if settings.task == "source"
            else GPTForMultipleChoice(model.config, gpt=model))
    batches = task_batches(data.train_inputs, data.train_labels, batch_size=settings.batch_size,
                           epochs=settings.epochs, seed=seed)
    fine_tune_gpt(head, batches, lm_weight=lm_weight, lr=settings.lr, seed=seed, show_progress=show_progress,
                  desc=f"{settings.task}, LM weight {lm_weight}, seed {seed}")
    test = task_batches(data.test_inputs, data.test_labels, batch_size=16, seed=None)
    return accuracy(task_predictions(head, test), data.test_labels)


def record_runs(settings: TaskSettings, corpus: Corpus, tokenizer: WordPieceTokenizer, *, weights: tuple[float, ...],
                seeds: tuple[int, ...], threads: int = 1, checkpoint: str | Path = SHIPPED_GPT) -> dict:
    """Every (LM weight, seed) run of one task, with its settings and baselines, as a JSON-ready dict."""
    check_int("threads", threads, low=1)
    torch.set_num_threads(threads)
    data = task_data(settings, corpus, tokenizer)
    runs = [{"lm_weight": weight, "seed": seed,
             "accuracy": fine_tune_run(settings, data, lm_weight=weight, seed=seed, checkpoint=checkpoint)}
            for weight in weights for seed in seeds]
    return {"settings": asdict(settings), "baselines": data.baselines, "runs": runs}
