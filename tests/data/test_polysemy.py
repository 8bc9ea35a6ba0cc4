"""lessons_lib.data.polysemy: the hand-written set of words with two senses."""

import pytest

from lessons_lib.data.corpus import load_corpus, word_counts
from lessons_lib.data.polysemy import POLYSEMY, SenseExample, polysemy_examples
from lessons_lib.tokenizers.basic import basic_tokenize
from lessons_lib.training.checkpoints import load_pretrained_bert


def test_at_least_six_words_two_senses_eight_sentences_each_no_repeats():
    assert len(POLYSEMY) >= 6
    sentences = [s for senses in POLYSEMY.values() for uses in senses.values() for s in uses]
    assert len(sentences) == len(set(sentences))
    for word, senses in POLYSEMY.items():
        assert len(senses) == 2, word
        for sense, uses in senses.items():
            assert len(uses) >= 8, (word, sense)
            for sentence in uses:  # the word itself, as a whole word, in every sentence
                assert word in basic_tokenize(sentence), (word, sentence)


def test_each_word_is_one_token_of_the_tiny_berts_vocabulary_and_in_the_training_corpus():
    tokenizer = load_pretrained_bert()[1]
    counts = word_counts(load_corpus().train)
    for word in POLYSEMY:
        assert tokenizer.tokenize(word) == [word]
        assert counts[word] >= 2, word  # word2vec (min_count 2) has a vector for it


def test_examples_in_a_fixed_order():
    everything = polysemy_examples()
    assert len(everything) == sum(len(u) for s in POLYSEMY.values() for u in s.values())
    bank = polysemy_examples("bank")
    assert bank[0] == SenseExample("bank", "river", POLYSEMY["bank"]["river"][0])
    assert [e.sense for e in bank] == ["river"] * 8 + ["money"] * 8
    with pytest.raises(ValueError, match="word must be one of"):
        polysemy_examples("banks")
