"""Bad input to public functions gets a clear error: the right type, and a message that names the argument.

One table: (call, expected error type, pattern the message must match).
"""

import pytest
import torch

from lessons_lib.data.corpus import load_corpus, word_counts
from lessons_lib.data.truncation import head_tail_split
from lessons_lib.layers.attention import MultiHeadAttention
from lessons_lib.layers.masks import combine_masks
from lessons_lib.layers.transformer import BlockConfig
from lessons_lib.models.tiny_lm import TinyLMConfig
from lessons_lib.objectives.masking import MaskingRule
from lessons_lib.tokenizers.basic import basic_tokenize
from lessons_lib.tokenizers.wordpiece import wordpiece
from lessons_lib.training.loop import masked_accuracy, seed_everything, train_loop

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
    (lambda: MultiHeadAttention(8, 0), ValueError, "num_heads must be an int >= 1"),
    (lambda: train_loop(torch.nn.Linear(1, 1), None, iter([]), None, steps=True), ValueError, "steps"),
    (lambda: seed_everything("0"), TypeError, "seed must be an int >= 0"),
    (lambda: BlockConfig(hidden_size=8, num_heads=2, dropout=-0.1), ValueError, "dropout"),
    (lambda: TinyLMConfig(10, num_layers=True), TypeError, "num_layers must be an int"),
    (lambda: MaskingRule(mask_prob=None), TypeError, "mask_prob must be a number"),
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
