"""lessons_lib.data.labelled: the polarity sentences, sentences labelled by source or by word order, the stratified split."""

import random
from collections import Counter

import pytest

from lessons_lib.data.corpus import load_corpus
from lessons_lib.data.labelled import (
    load_polarity,
    source_labelled_sentences,
    split_train_test,
    word_order_labelled_sentences,
)


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


def test_polarity_is_balanced_and_labelled():
    texts, labels = load_polarity()
    assert len(texts) == len(labels) == 200
    assert set(labels) == {0, 1} and sum(labels) == 100
    assert all(isinstance(t, str) and t for t in texts)
    assert not any(t.startswith("__label__") for t in texts)  # the label is cut off the text


def test_source_labelled_sentences(corpus):
    texts, labels = source_labelled_sentences(corpus, "test", per_source=50, seed=3)
    assert len(texts) == len(labels) == 100 and sorted(set(labels)) == [0, 1] and sum(labels) == 50
    test_docs = [d for d, split in zip(corpus.documents, corpus.split_of, strict=True) if split == "test"]
    where = {s: d.source for d in test_docs for s in d.sentences}
    assert all(where[t] == ("wiki", "news")[label] for t, label in zip(texts, labels, strict=True))  # honest labels
    assert source_labelled_sentences(corpus, "test", per_source=50, seed=3) == (texts, labels)
    assert source_labelled_sentences(corpus, "test", per_source=50, seed=4) != (texts, labels)
    with pytest.raises(ValueError, match="per_source must be at most"):
        source_labelled_sentences(corpus, "test", per_source=10**6)
    with pytest.raises(ValueError, match="split"):
        source_labelled_sentences(corpus, "dev", per_source=5)
    with pytest.raises(TypeError, match="corpus"):
        source_labelled_sentences([["x"]], "test", per_source=5)
    with pytest.raises(ValueError, match="per_source"):
        source_labelled_sentences(corpus, "test", per_source=0)


def test_word_order_sentences_differ_from_the_written_ones_only_in_order(corpus):
    texts, labels = word_order_labelled_sentences(corpus, "valid", count=101, seed=2)
    assert len(texts) == len(labels) == 101 and labels.count(1) == 51 and labels.count(0) == 50
    written = set(corpus.sentences("valid"))
    by_words = {tuple(sorted(s.split())): s for s in written}
    for text, label in zip(texts, labels, strict=True):
        assert 8 <= len(text.split()) <= 30
        if label == 1:
            assert text in written
        else:  # the same words as a sentence of the split, in another order
            assert text not in written or text != by_words[tuple(sorted(text.split()))]
            assert tuple(sorted(text.split())) in by_words
    assert len({tuple(sorted(t.split())) for t in texts}) == 101  # every sentence used once
    assert word_order_labelled_sentences(corpus, "valid", count=101, seed=2) == (texts, labels)
    with pytest.raises(ValueError, match="count must be at most"):
        word_order_labelled_sentences(corpus, "valid", count=10**6)
    with pytest.raises(ValueError, match="max_words"):
        word_order_labelled_sentences(corpus, "valid", count=10, min_words=9, max_words=3)
    with pytest.raises(TypeError, match="corpus"):
        word_order_labelled_sentences("text", "valid", count=10)


def _imbalanced(n_zeros=20, n_ones=10):
    labels = [0] * n_zeros + [1] * n_ones
    random.Random(1).shuffle(labels)
    return [f"text {i}" for i in range(len(labels))], labels


def test_split_keeps_each_labels_share():
    texts, labels = _imbalanced(20, 10)
    train_x, train_y, test_x, test_y = split_train_test(texts, labels, test_size=6)
    assert Counter(test_y) == {0: 4, 1: 2} and Counter(train_y) == {0: 16, 1: 8}
    three = [0] * 10 + [1] * 10 + [2] * 20
    _, _, _, test_y = split_train_test([str(i) for i in range(40)], three, test_size=8)
    assert Counter(test_y) == {0: 2, 1: 2, 2: 4}


def test_split_is_disjoint_complete_and_keeps_labels_with_texts():
    texts, labels = _imbalanced()
    train_x, train_y, test_x, test_y = split_train_test(texts, labels, test_size=9, seed=3)
    assert not set(train_x) & set(test_x)
    assert sorted(train_x + test_x) == sorted(texts)
    truth = dict(zip(texts, labels, strict=True))
    assert all(truth[x] == y for x, y in zip(train_x + test_x, train_y + test_y, strict=True))


def test_split_is_deterministic_per_seed():
    texts, labels = _imbalanced()
    assert split_train_test(texts, labels, test_size=6, seed=7) == split_train_test(texts, labels, test_size=6, seed=7)
    test_sets = {tuple(split_train_test(texts, labels, test_size=6, seed=s)[2]) for s in range(10)}
    assert len(test_sets) > 1  # another seed, another split


@pytest.mark.parametrize(("labels", "test_size"), [([0, 0, 1, 1], 1), ([0, 0, 0, 1, 1, 1, 2, 2, 2], 4),
                                                   ([0] * 7 + [1] * 3, 5), ([0, 1] * 100, 80)])
def test_split_train_test_gives_exactly_test_size_items(labels, test_size):
    texts = [f"text {i}" for i in range(len(labels))]
    train_x, train_y, test_x, test_y = split_train_test(texts, labels, test_size=test_size)
    assert len(test_x) == len(test_y) == test_size
    assert sorted(train_x + test_x) == sorted(texts)
    for label in set(labels):  # each label's share is its exact share, rounded one way or the other
        exact = test_size * labels.count(label) / len(labels)
        assert abs(test_y.count(label) - exact) < 1


def test_bad_input_to_split():
    texts, labels = _imbalanced()
    with pytest.raises(ValueError, match="texts"):
        split_train_test(texts, labels[:-1], test_size=6)
    with pytest.raises(ValueError, match="test_size"):
        split_train_test(texts, labels, test_size=0)
    with pytest.raises(ValueError, match="test_size"):
        split_train_test(texts, labels, test_size=len(texts))
    with pytest.raises(TypeError, match="test_size"):
        split_train_test(texts, labels, test_size=0.2)  # a share, not a number of items
