"""lessons_lib.tasks.word2vec: one static vector per word, trained repeatably; sentence and context averages."""

import pytest
import torch

from lessons_lib.tasks.word2vec import (
    train_word2vec,
    word2vec_average,
    word2vec_context_average,
    word2vec_vector,
)

DOCUMENTS = [["The cat sat on the mat.", "The dog sat on the rug."], ["A cat and a dog met on the mat."]] * 5


def test_training_is_repeatable_and_keeps_words_seen_twice():
    first = train_word2vec(DOCUMENTS, vector_size=8, epochs=2, seed=3)
    second = train_word2vec(DOCUMENTS, vector_size=8, epochs=2, seed=3)
    assert first.vector_size == 8 and "cat" in first.key_to_index and "Cat" not in first.key_to_index
    torch.testing.assert_close(word2vec_vector(first, "Cat"), word2vec_vector(second, "cat"), rtol=0, atol=0)


def test_average_of_known_words_and_zeros_for_none():
    vectors = train_word2vec(DOCUMENTS, vector_size=8, epochs=1)
    got = word2vec_average(vectors, ["cat dog zebra", "zebra"])
    torch.testing.assert_close(got[0], (word2vec_vector(vectors, "cat") + word2vec_vector(vectors, "dog")) / 2)
    assert got[1].eq(0).all()


def test_context_average_takes_the_known_words_within_the_window():
    vectors = train_word2vec(DOCUMENTS, vector_size=8, epochs=1)
    v = {w: word2vec_vector(vectors, w) for w in ("a", "cat", "met", "on", "the", "mat", "dog")}
    sentence = "A cat zebra the dog met on the mat."  # "zebra" is unknown: skipped, but it counts as a position
    got = word2vec_context_average(vectors, [sentence, sentence, sentence], "dog", window=2)
    torch.testing.assert_close(got[0], (v["the"] + v["met"] + v["on"]) / 3)  # zebra, the | dog | met, on
    wide = word2vec_context_average(vectors, [sentence], "Dog", window=None)[0]
    torch.testing.assert_close(wide, (v["a"] + v["cat"] + 2 * v["the"] + v["met"] + v["on"] + v["mat"]
                                      + word2vec_vector(vectors, ".")) / 8)
    # only the first use of the word is the centre; a sentence with no known neighbour gives zeros
    first = word2vec_context_average(vectors, ["cat dog mat cat"], "cat", window=1)[0]
    torch.testing.assert_close(first, v["dog"])
    assert word2vec_context_average(vectors, ["zebra cat zebra"], "cat", window=1).eq(0).all()


def test_context_average_bad_input_is_named():
    vectors = train_word2vec(DOCUMENTS, vector_size=4, epochs=1)
    with pytest.raises(ValueError, match="window must be an int >= 1"):
        word2vec_context_average(vectors, ["the cat sat"], "cat", window=0)
    with pytest.raises(TypeError, match="window"):
        word2vec_context_average(vectors, ["the cat sat"], "cat", window=2.0)
    with pytest.raises(ValueError, match=r"word 'dog' does not occur in sentences\[1\]"):
        word2vec_context_average(vectors, ["the dog sat", "the cat sat"], "dog")
    with pytest.raises(ValueError, match="word must be one word"):
        word2vec_context_average(vectors, ["the cat sat"], "the cat")
    with pytest.raises(TypeError, match="sentences"):
        word2vec_context_average(vectors, "the cat sat", "cat")
    with pytest.raises(TypeError, match="word must be a str"):
        word2vec_context_average(vectors, ["the cat sat"], 3)
    with pytest.raises(TypeError, match="vectors"):
        word2vec_context_average({"cat": [0.0]}, ["the cat sat"], "cat")


def test_bad_input_is_named():
    vectors = train_word2vec(DOCUMENTS, vector_size=4, epochs=1)
    with pytest.raises(ValueError, match="word 'zebra' is not in the word2vec vocabulary"):
        word2vec_vector(vectors, "zebra")
    with pytest.raises(TypeError, match="documents"):
        train_word2vec("The cat sat.")
    with pytest.raises(TypeError, match=r"documents\[0\]"):
        train_word2vec([[1, 2]])
    with pytest.raises(ValueError, match="vector_size"):
        train_word2vec(DOCUMENTS, vector_size=0)
    with pytest.raises(TypeError, match="texts"):
        word2vec_average(vectors, "cat")
