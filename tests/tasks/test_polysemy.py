"""lessons_lib.tasks.polysemy: leave-one-out nearest-sense accuracy, the bank of corpus uses, nearest uses."""

import pytest
import torch

from lessons_lib.layers.scalar_mix import ScalarMix
from lessons_lib.models.elmo import ElmoBiLM, ElmoConfig
from lessons_lib.tasks.polysemy import (
    ContextBank,
    context_bank,
    nearest_contexts,
    nearest_sense_accuracy,
)
from lessons_lib.tokenizers import SPECIAL_TOKENS, WordPieceTokenizer

SENSES = ["a", "a", "a", "b", "b", "b"]


def test_separated_senses_score_one_and_one_vector_per_word_scores_one_half():
    separated = torch.tensor([[1.0, 0.1], [1.0, 0.0], [0.9, 0.2], [0.1, 1.0], [0.0, 1.0], [0.2, 0.9]])
    assert nearest_sense_accuracy(separated, SENSES) == 1.0
    static = torch.tensor([[0.3, 0.7]]).repeat(6, 1)  # word2vec: the same vector in every sentence
    assert nearest_sense_accuracy(static, SENSES) == 0.5


def test_leave_one_out_by_hand():
    # Use 2 ("a") sits nearer the b's: with itself left out, the a-centroid is (1, 0) and it is
    # (0.1, 1) away from it, but only a small angle from the b-centroid (0.05, 1). The rest are right.
    vectors = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.1, 1.0], [0.0, 1.0], [0.1, 1.0], [0.0, 1.0]])
    assert nearest_sense_accuracy(vectors, SENSES) == pytest.approx(5 / 6)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="vectors must be"):
        nearest_sense_accuracy(torch.zeros(5, 2), SENSES)
    with pytest.raises(ValueError, match="senses must name at least two senses"):
        nearest_sense_accuracy(torch.zeros(3, 2), ["a", "a", "b"])
    with pytest.raises(TypeError, match="vectors"):
        nearest_sense_accuracy([[0.0]], ["a"])


@pytest.fixture(scope="module")
def setup():
    torch.manual_seed(0)
    tokenizer = WordPieceTokenizer([*SPECIAL_TOKENS, "the", "river", "bank", "money", ".", "##s", "lend", "s"])
    model = ElmoBiLM(ElmoConfig.reference_test(vocab_size=tokenizer.vocab_size)).eval()
    sentences = ["the river bank .", "the bank lends money ."]
    return model, tokenizer, sentences, context_bank(model, tokenizer, sentences)


def test_bank_holds_every_word_start_with_its_sentence(setup):
    model, tokenizer, sentences, bank = setup
    assert bank.words == ["the", "river", "bank", "the", "bank", "lend", "money"]  # no "##s", no "."
    assert bank.contexts == [sentences[0]] * 3 + [sentences[1]] * 4
    assert bank.vectors.shape == (3, 7, 32)


def test_nearest_contexts_finds_a_use_by_its_own_vector(setup):
    model, tokenizer, sentences, bank = setup
    found = nearest_contexts(bank, bank.vectors[2, 4], 2, k=2)
    assert found[0][:2] == ("bank", sentences[1]) and found[0][2] == pytest.approx(1.0)
    assert all(c != sentences[1] for _, c, _ in nearest_contexts(bank, bank.vectors[2, 4], 2, exclude=sentences[1]))
    mixed = nearest_contexts(bank, ScalarMix(3)(bank.vectors[:, 4].unbind(0)), ScalarMix(3), k=1)
    assert mixed[0][:2] == ("bank", sentences[1])
    with pytest.raises(ValueError, match="layer"):
        nearest_contexts(bank, bank.vectors[0, 0], 3)
    with pytest.raises(TypeError, match="bank"):
        nearest_contexts(tuple(bank), bank.vectors[0, 0], 0)
    with pytest.raises(ValueError, match="no word"):
        context_bank(model, tokenizer, [". ."])
    assert isinstance(bank, ContextBank)


def test_sense_vectors_are_the_words_vectors_in_each_sentence(setup):
    from lessons_lib.data.polysemy import SenseExample
    from lessons_lib.tasks.polysemy import sense_vectors
    from lessons_lib.tasks.representations import word_vectors_by_layer

    model, tokenizer, sentences, _ = setup
    examples = [SenseExample("bank", "river", sentences[0]), SenseExample("bank", "money", sentences[1])]
    vectors = sense_vectors(model, tokenizer, examples)
    assert vectors.shape == (2, 3, 32)
    for row, example in zip(vectors, examples, strict=True):
        torch.testing.assert_close(row, word_vectors_by_layer(model, tokenizer, example.sentence, "bank"),
                                   atol=1e-6, rtol=1e-5)
    with pytest.raises(ValueError, match=r"examples\[0\].sentence"):
        sense_vectors(model, tokenizer, [SenseExample("money", "x", sentences[0])])
    with pytest.raises(TypeError, match="examples"):
        sense_vectors(model, tokenizer, [("bank", "river", sentences[0])])


def test_sense_bank_holds_labelled_uses_and_nearest_contexts_keeps_one_words_uses(setup):
    from lessons_lib.data.polysemy import SenseExample
    from lessons_lib.tasks.polysemy import sense_bank, sense_vectors

    model, tokenizer, sentences, words_bank = setup
    examples = [SenseExample("bank", "river", sentences[0]), SenseExample("bank", "money", sentences[1]),
                SenseExample("river", "water", sentences[0])]
    bank = sense_bank(model, tokenizer, examples)
    assert bank.words == ["bank", "bank", "river"] and bank.senses == ["river", "money", "water"]
    assert bank.contexts == [sentences[0], sentences[1], sentences[0]]
    torch.testing.assert_close(bank.vectors, sense_vectors(model, tokenizer, examples).transpose(0, 1))
    query = bank.vectors[2, 0]  # "bank" by the river, LSTM 2
    assert {w for w, _, _ in nearest_contexts(bank, query, 2, k=3)} == {"bank", "river"}
    assert {w for w, _, _ in nearest_contexts(bank, query, 2, k=3, word="Bank")} == {"bank"}
    assert len(nearest_contexts(bank, query, 2, k=3, word="bank", exclude=sentences[0])) == 1
    assert nearest_contexts(bank, query, 2, word="money") == []
    assert words_bank.senses is None  # a bank of every word carries no senses
    with pytest.raises(TypeError, match="word"):
        nearest_contexts(bank, query, 2, word=3)
