"""lessons_lib.tokenizers.wordpiece_training: learning a WordPiece vocabulary by merging frequent pairs."""

import pytest

from lessons_lib.data.corpus import load_corpus
from lessons_lib.tokenizers.basic import SPECIAL_TOKENS, basic_tokenize
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer
from lessons_lib.tokenizers.wordpiece_training import MAX_CHARS_PER_WORD, _Merger, learn_vocabulary

TRAIN_SENTENCES = 3000


@pytest.fixture(scope="module")
def train_sentences():
    return load_corpus().sentences("train")[:TRAIN_SENTENCES]


@pytest.fixture(scope="module")
def trained(train_sentences):
    return WordPieceTokenizer.train(train_sentences, 1500, show_progress=False)


def test_training_gives_requested_size_specials_first_and_round_trips(trained, train_sentences):
    assert trained.vocab_size == 1500
    assert [trained.convert_ids_to_tokens([i])[0] for i in range(5)] == list(SPECIAL_TOKENS)
    assert (trained.pad_id, trained.unk_id, trained.cls_id, trained.sep_id, trained.mask_id) == (0, 1, 2, 3, 4)
    assert trained.special_ids == {0, 1, 2, 3, 4}
    text = "The city council voted on the new budget."
    assert trained.decode(trained.encode(text)) == " ".join(basic_tokenize(text))
    assert "the" in trained.vocab  # frequent words become whole tokens
    assert any(t.startswith("##") and len(t) > 3 for t in trained.vocab)  # and longer continuations
    # Every character seen in training is in the vocabulary, so training text never needs [UNK].
    for sentence in train_sentences[:500]:
        assert trained.decode(trained.encode(sentence)) == " ".join(basic_tokenize(sentence))


def test_training_is_deterministic(trained, train_sentences):
    again = WordPieceTokenizer.train(iter(train_sentences), 1500, show_progress=False)
    assert again.vocab == trained.vocab


def test_learn_vocabulary_is_the_tokenizer_s_vocabulary_in_id_order(trained, train_sentences):
    vocab = learn_vocabulary(train_sentences, 1500, show_progress=False)
    assert vocab == sorted(trained.vocab, key=trained.vocab.__getitem__)
    assert len(set(vocab)) == len(vocab)  # no token twice


def test_training_stops_when_no_pair_is_frequent_enough():
    with pytest.warns(UserWarning, match=r"vocab_size=100 is more than these texts can fill: .* seen 2\+ times"):
        small = WordPieceTokenizer.train(["low lower lowest", "low low"], 100, show_progress=False)
    assert small.vocab_size < 100
    assert small.tokenize("low") == ["low"]  # "l o w" occurs 4 times: merged into one token
    # "low" + "##e" occurs twice (lower, lowest); "##s" + "##t" only once, so it stays apart
    assert small.tokenize("lowest") == ["lowe", "##s", "##t"]
    with pytest.warns(UserWarning, match=r"seen 1\+ times is merged at \d+ tokens"):
        once = WordPieceTokenizer.train(["low lower lowest", "low low"], 100, min_frequency=1, show_progress=False)
    assert once.vocab_size > small.vocab_size  # pairs seen once are merged too
    assert once.tokenize("lowest") == ["lowest"]


@pytest.mark.filterwarnings("ignore:vocab_size=.* is more than these texts can fill:UserWarning")
def test_words_longer_than_the_limit_teach_nothing():
    assert MAX_CHARS_PER_WORD == 100
    vocab = learn_vocabulary(["ab ab " + "z" * (MAX_CHARS_PER_WORD + 1)], 20, min_frequency=1, show_progress=False)
    assert "z" not in vocab and "##z" not in vocab
    vocab = learn_vocabulary(["ab ab " + "z" * MAX_CHARS_PER_WORD], 20, min_frequency=1, show_progress=False)
    assert "z" in vocab and "##z" in vocab


def test_merger_counts_pairs_and_merges_them():
    merger = _Merger([["l", "##o", "##w"], ["l", "##o"]], [2, 1])
    assert merger.pair_counts == {("l", "##o"): 3, ("##o", "##w"): 2}
    assert merger.best_pairs(2, 1) == [("l", "##o")]  # the second pair shares "##o": not in the same round
    assert merger.merge([("l", "##o")]) == ["lo"]
    assert merger.splits == [["lo", "##w"], ["lo"]]
    assert merger.pair_counts == {("lo", "##w"): 2}
    assert merger.piece_counts["lo"] == 3 and merger.piece_counts["l"] == 0
    assert merger.best_pairs(1, 3) == []  # no pair occurs 3 times any more


def test_bad_training_input_names_the_argument():
    with pytest.raises(ValueError, match="vocab_size"):
        WordPieceTokenizer.train(["some text"], 3)
    with pytest.raises(ValueError, match="vocab_size must be at least 12"):  # 5 specials + 7 characters
        WordPieceTokenizer.train(["some text"], 10)
    with pytest.raises(ValueError, match="min_frequency"):
        WordPieceTokenizer.train(["some text"], 100, min_frequency=0)
    with pytest.raises(TypeError, match="texts"):
        WordPieceTokenizer.train("a single string", 100)
    with pytest.raises(TypeError, match="texts"):
        WordPieceTokenizer.train(["fine", 3], 100)
    with pytest.raises(ValueError, match="texts"):
        WordPieceTokenizer.train([" "], 100)
    with pytest.raises(TypeError, match="vocab_size"):
        learn_vocabulary(["some text"], 100.0)
