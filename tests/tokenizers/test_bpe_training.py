"""lessons_lib.tokenizers.bpe_training: learning merges, against a slow trainer written out in full here."""

import random
import time
import warnings
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons_lib.data.corpus import load_corpus
from lessons_lib.tokenizers.bpe import ByteLevelBPE
from lessons_lib.tokenizers.bpe_training import END_OF_TEXT, byte_tokens, learn_bpe
from lessons_lib.tokenizers.byte_level import pre_tokenize, to_printable


@pytest.fixture(scope="module")
def texts():
    return load_corpus().sentences("train")[:200]


@pytest.fixture(scope="module")
def trained(texts):
    return ByteLevelBPE.train(texts, 350, show_progress=False)


def _merge(split, pair):
    out, i = [], 0
    while i < len(split):
        if i + 1 < len(split) and (split[i], split[i + 1]) == pair:
            out.append(pair[0] + pair[1])
            i += 2
        else:
            out.append(split[i])
            i += 1
    return out


def _slow_merges(texts, n_merges, min_frequency=2):
    """Recount every pair of every word before each merge; ties to the smallest (first, second)."""
    words = Counter(word for text in texts for word in pre_tokenize(text))
    splits = {word: list(to_printable(word)) for word in words}
    merges = []
    for _ in range(n_merges):
        pairs = Counter()
        for word, count in words.items():
            for pair in zip(splits[word], splits[word][1:], strict=False):
                pairs[pair] += count
        best = min(pairs, key=lambda pair: (-pairs[pair], pair))
        if pairs[best] < min_frequency:
            break
        merges.append(best)
        splits = {word: _merge(split, best) for word, split in splits.items()}
    return merges


def test_first_merge_is_the_most_frequent_pair():
    text = "the cat sat on the mat the end then"
    # Counted here without the library: a word after a space starts with 'Ġ' (the space's byte character).
    words = text.split(" ")
    pieces = [words[0]] + ["Ġ" + w for w in words[1:]]
    pairs = Counter(pair for piece in pieces for pair in zip(piece, piece[1:], strict=False))
    best = max(pairs.values())
    expected = min(pair for pair, count in pairs.items() if count == best)
    # (t, h) and (h, e) are both seen 4 times; the tie goes to the pair that sorts first.
    assert (best, expected) == (4, ("h", "e"))
    vocab, merges = learn_bpe([text], 257 + 1, show_progress=False)
    assert merges == [expected] and vocab["he"] == 256


def test_merges_equal_the_slow_trainer(texts, trained):
    assert trained.merges == _slow_merges(texts, len(trained.merges))


def test_vocabulary_has_exactly_the_requested_size(trained):
    assert trained.vocab_size == 350 and sorted(trained.vocab.values()) == list(range(350))
    assert list(trained.vocab)[:256] == byte_tokens()  # the bytes first, in GPT-2's order
    assert trained.end_of_text_id == 349 and trained.special_tokens == [END_OF_TEXT]
    plain = ByteLevelBPE.train(["the cat sat on the mat"] * 3, 260, end_of_text=False, show_progress=False)
    assert plain.vocab_size == 260 and plain.special_tokens == []


def test_each_merge_is_built_from_bytes_and_earlier_merges(trained):
    known = set(byte_tokens())
    for a, b in trained.merges:
        assert a in known and b in known, (a, b)
        known.add(a + b)
        assert trained.vocab[a + b] < trained.end_of_text_id


def test_training_is_deterministic_and_ignores_the_order_of_texts(texts, trained):
    shuffled = list(texts)
    random.Random(0).shuffle(shuffled)
    assert ByteLevelBPE.train(shuffled, 350, show_progress=False).merges == trained.merges


def test_save_and_load_round_trip(trained, tmp_path):
    loaded = ByteLevelBPE.from_files(*trained.save(tmp_path))
    assert loaded.vocab == trained.vocab and loaded.merges == trained.merges
    sentence = "The council met on Tuesday."
    assert loaded.encode(sentence) == trained.encode(sentence)
    assert len(trained.encode(sentence)) < len(sentence.encode("utf-8"))  # merges shorten the text


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(exclude_categories=["Cs"])))
def test_decode_encode_round_trip_with_a_trained_vocabulary(trained, text):
    assert trained.decode(trained.encode(text)) == text


def test_running_out_of_pairs_warns_and_min_frequency_counts():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        small = ByteLevelBPE.train(["ab ab ab"], 300, show_progress=False)
    assert small.vocab_size < 300 and any("more than these texts can fill" in str(w.message) for w in caught)
    assert small.merges == [("a", "b"), ("Ġ", "ab")]  # "Ġab" is seen twice; nothing else twice
    with pytest.warns(UserWarning, match="no pair is seen 3\\+ times after 1 merges"):
        assert ByteLevelBPE.train(["ab ab ab"], 300, min_frequency=3, show_progress=False).merges == [("a", "b")]


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="vocab_size must be an int >= 257"):
        ByteLevelBPE.train(["text"], 256)
    with pytest.raises(ValueError, match="vocab_size must be an int >= 256"):
        ByteLevelBPE.train(["text"], 255, end_of_text=False)
    with pytest.raises(TypeError, match="vocab_size must be an int"):
        ByteLevelBPE.train(["text"], 300.0)
    with pytest.raises(TypeError, match="texts must be an iterable of strings"):
        ByteLevelBPE.train("one text", 300)
    with pytest.raises(TypeError, match="texts must hold only str, item 1 is bytes"):
        ByteLevelBPE.train(["ok", b"bytes"], 300)
    with pytest.raises(TypeError, match="end_of_text must be True or False"):
        ByteLevelBPE.train(["text"], 300, end_of_text="yes")
    with pytest.raises(ValueError, match="min_frequency must be an int >= 1"):
        ByteLevelBPE.train(["text"], 300, min_frequency=0)
    with pytest.raises(ValueError, match="special_tokens must be distinct"):
        learn_bpe(["text"], 300, special_tokens=["<s>", "<s>"])
    with pytest.raises(ValueError, match="special_tokens must be distinct, non-empty and not byte tokens"):
        learn_bpe(["text"], 300, special_tokens=["a"])


@pytest.mark.slow
def test_six_thousand_tokens_on_the_default_corpus_in_well_under_a_minute():
    texts = load_corpus().sentences("train")
    start = time.process_time()
    tokenizer = ByteLevelBPE.train(texts, 6000, show_progress=False)
    assert time.process_time() - start < 30
    assert tokenizer.vocab_size == 6000 and tokenizer.merges[:3] == [("Ġ", "t"), ("Ġ", "a"), ("h", "e")]
