"""lessons_lib.objectives.next_token: next-token targets, fixed-length windows, the unigram baseline."""

import math
from collections import Counter

import pytest
import torch

from lessons_lib.objectives.masking import IGNORE_INDEX
from lessons_lib.objectives.next_token import (
    lm_batch,
    make_windows,
    unigram_entropy,
    windows_from_ids,
)
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer

WORDS = "the cat sat on a mat and dog ran far away".split()


@pytest.fixture(scope="module")
def tokenizer():
    return WordPieceTokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS])


def test_windows_stay_inside_documents_and_drop_short_tails():
    out = windows_from_ids([list(range(10)), list(range(100, 103)), list(range(200, 204))], 4)
    assert out.tolist() == [[0, 1, 2, 3], [4, 5, 6, 7], [200, 201, 202, 203]]
    with pytest.raises(ValueError, match="window"):
        windows_from_ids([[1, 2, 3]], 1)
    with pytest.raises(ValueError, match="no window"):
        windows_from_ids([[1, 2]], 4)


def test_make_windows_encodes_documents(tokenizer):
    # A document's sentences run together: "the cat sat" + "on a mat" = 6 ids, two windows of 3.
    out = make_windows([["the cat sat", "on a mat"], ["dog ran"]], tokenizer, 3)
    assert out.tolist() == [tokenizer.encode("the cat sat"), tokenizer.encode("on a mat")]
    assert make_windows([["the cat", "sat on a"]], tokenizer, 4).tolist() == [tokenizer.encode("the cat sat on")]


def test_make_windows_names_a_bad_tokenizer():
    with pytest.raises(TypeError, match="tokenizer"):
        make_windows([["the cat"]], "tok", 2)


def test_lm_targets_are_the_next_token():
    inputs, labels = lm_batch(torch.tensor([[5, 6, 7], [8, 9, 10]]))
    assert inputs.tolist() == [[5, 6, 7], [8, 9, 10]]
    assert labels.tolist() == [[6, 7, IGNORE_INDEX], [9, 10, IGNORE_INDEX]]
    with pytest.raises(ValueError, match="ids"):
        lm_batch(torch.tensor([5, 6, 7]))
    with pytest.raises(ValueError, match="ids"):
        lm_batch([[5, 6, 7]])


def test_unigram_entropy_is_the_entropy_of_the_token_frequencies():
    assert unigram_entropy(torch.tensor([[1, 1, 2, 2]]), 4) == pytest.approx(math.log(2))
    ids = torch.randint(0, 30, (8, 16), generator=torch.Generator().manual_seed(0))
    counts = Counter(ids.flatten().tolist())
    expected = -sum(c / ids.numel() * math.log(c / ids.numel()) for c in counts.values())
    assert unigram_entropy(ids, 30) == pytest.approx(expected)
    assert unigram_entropy(torch.tensor([[3, 3, 3]]), 4) == 0.0  # one token: nothing to guess
    with pytest.raises(ValueError, match="vocab_size"):
        unigram_entropy(ids, 0)
