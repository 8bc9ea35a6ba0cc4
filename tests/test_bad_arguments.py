"""Bad input to public functions gets a clear error that names the argument."""

import pytest
import torch

from lessons_lib.attention import MultiHeadAttention, combine_masks
from lessons_lib.corpus import load_corpus, word_counts
from lessons_lib.tokenizer import basic_tokenize, wordpiece
from lessons_lib.training import masked_accuracy, train_loop
from lessons_lib.truncation import head_tail_split

CASES = [
    (lambda: load_corpus(["wiki", []]), ValueError, "sources"),
    (lambda: load_corpus(("wiki", "books")), ValueError, "sources"),
    (lambda: load_corpus(3), TypeError, "sources"),
    (lambda: load_corpus(seed=True), TypeError, "seed"),
    (lambda: word_counts("one text"), TypeError, "documents"),
    (lambda: word_counts([["a sentence"], "not a document"]), TypeError, r"documents\[1\]"),
    (lambda: wordpiece(None, {"a": 0}), TypeError, "word"),
    (lambda: wordpiece("a", ["a"]), TypeError, "vocab"),
    (lambda: basic_tokenize("text", lowercase="no"), TypeError, "lowercase"),
    (lambda: head_tail_split(-5), ValueError, "n_tokens"),
    (lambda: head_tail_split(3.5), ValueError, "n_tokens"),
    (lambda: masked_accuracy([[0.1, 0.9]], torch.tensor([1])), TypeError, "logits"),
    (lambda: masked_accuracy(torch.zeros(1, 2), [1]), TypeError, "labels"),
    (lambda: combine_masks(torch.ones(2, dtype=torch.bool), [True, False]), TypeError, "masks"),
    (lambda: MultiHeadAttention(8, 2)(torch.zeros(1, 3, 4)), ValueError, "hidden_size"),
    (lambda: train_loop(torch.nn.Linear(1, 1), None, iter([]), None, steps=True), ValueError, "steps"),
]


@pytest.mark.parametrize(("call", "error", "name"), CASES)
def test_bad_argument_is_named(call, error, name):
    with pytest.raises(error, match=name):
        call()


def test_good_arguments_still_work():
    assert load_corpus(["wiki", "news"]) is load_corpus()  # a list of sources is read like a tuple
    assert word_counts([["The cat", "the dog"]])["the"] == 2
    assert head_tail_split(801) == (256, 254) and head_tail_split(0) == (128, 382)
    assert basic_tokenize("Hello", lowercase=False) == ["Hello"]
