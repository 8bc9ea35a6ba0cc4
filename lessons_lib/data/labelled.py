"""Labelled sets for fine-tuning: review polarity, sentence source, word order, and a stratified train/test split."""

from __future__ import annotations

import random
from collections.abc import Sequence

from lessons_lib.checks import check_choice, check_int, check_type
from lessons_lib.data.corpus import SOURCES, SPLITS, Corpus, data_path


def load_polarity() -> tuple[list[str], list[int]]:
    """The labelled movie-review sentences bundled with gensim: texts and labels (1 positive, 0 negative)."""
    texts, labels = [], []
    # The file is Windows-1252, not UTF-8 (its dashes and accented letters say so).
    for line in data_path("polarity").read_text(encoding="cp1252").splitlines():
        label, _, text = line.partition(" ")
        if label not in ("__label__pos", "__label__neg"):
            raise ValueError(f"unexpected label {label!r} in the polarity file")
        texts.append(text.strip())
        labels.append(int(label == "__label__pos"))
    return texts, labels


def source_labelled_sentences(corpus: Corpus, split: str, *, per_source: int, seed: int = 0
                               ) -> tuple[list[str], list[int]]:
    """A labelled task with honest labels: ``per_source`` random sentences of each source in ``split``,
    shuffled, labelled by where they come from (0 = Wikipedia, 1 = news)."""
    check_type("corpus", corpus, Corpus)
    check_choice("split", split, SPLITS)
    check_int("per_source", per_source, low=1)
    rng = random.Random(seed)
    labelled = []
    for label, source in enumerate(SOURCES):
        sentences = [s for doc, where in zip(corpus.documents, corpus.split_of, strict=True)
                     if where == split and doc.source == source for s in doc.sentences]
        if len(sentences) < per_source:
            raise ValueError(f"per_source must be at most {len(sentences)}: the {split} split holds "
                             f"{len(sentences)} {source} sentences")
        labelled += [(s, label) for s in rng.sample(sentences, per_source)]
    rng.shuffle(labelled)
    return [s for s, _ in labelled], [label for _, label in labelled]


def word_order_labelled_sentences(corpus: Corpus, split: str, *, count: int, seed: int = 0, min_words: int = 8,
                                  max_words: int = 30) -> tuple[list[str], list[int]]:
    """A task only word order can solve: ``count`` random sentences of ``split``, every other one with its
    words shuffled (label 0; 1 = the order as written). Each sentence is used once, so the two classes
    draw on the same words and an average of static word vectors carries no sign of the label."""
    check_type("corpus", corpus, Corpus)
    check_choice("split", split, SPLITS)
    check_int("count", count, low=2)
    check_int("min_words", min_words, low=2)
    check_int("max_words", max_words, low=min_words)
    sentences = [s for doc, where in zip(corpus.documents, corpus.split_of, strict=True) if where == split
                 for s in doc.sentences if min_words <= len(s.split()) <= max_words and len(set(s.split())) > 1]
    if len(sentences) < count:
        raise ValueError(f"count must be at most {len(sentences)}: the {split} split holds {len(sentences)} "
                         f"sentences of {min_words} to {max_words} words")
    rng = random.Random(seed)
    texts, labels = [], []
    for i, sentence in enumerate(rng.sample(sentences, count)):
        words = sentence.split()
        if i % 2:
            original = list(words)
            while words == original:  # a shuffle that happens to leave the order as it was would be mislabelled
                rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append(1 - i % 2)
    return texts, labels


def split_train_test(texts: Sequence[str], labels: Sequence[int], *, test_size: int, seed: int = 0
                     ) -> tuple[list[str], list[int], list[str], list[int]]:
    """Stratified split: each label keeps its share in the test set; deterministic for ``seed``."""
    if len(texts) != len(labels):
        raise ValueError(f"texts ({len(texts)}) and labels ({len(labels)}) must have the same length")
    check_int("test_size", test_size, low=1, high=len(texts) - 1)
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
