"""lessons_lib.tokenizers.elmo_chars: ELMo's 50 character ids per word, as the reference ELMo builds them."""

import pytest
import torch

from lessons_lib.tokenizers.elmo_chars import (
    BOS_TOKEN,
    CHAR_VOCAB_SIZE,
    EOS_TOKEN,
    MAX_WORD_CHARS,
    batch_char_ids,
    decode_char_ids,
    elmo_char_ids,
    vocabulary_char_ids,
)
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer

# The reference scheme before its +1 shift: begin of word 258, bytes, end of word 259, padding 260.
BOW, EOW, PAD = 258 + 1, 259 + 1, 260 + 1


def _expected(byte_values):
    row = [BOW, *(b + 1 for b in byte_values), EOW]
    return row + [PAD] * (MAX_WORD_CHARS - len(row))


def test_an_ascii_word_is_its_bytes_framed_and_padded():
    ids = elmo_char_ids(["cat"])
    assert ids.shape == (1, 50) and ids.dtype == torch.long
    assert ids[0].tolist() == _expected([99, 97, 116])  # c a t
    assert ids[0, :5].tolist() == [259, 100, 98, 117, 260]


def test_sentence_boundaries_are_words_of_one_special_character():
    bos, eos = elmo_char_ids([BOS_TOKEN, EOS_TOKEN])
    assert bos.tolist() == _expected([256]) and eos.tolist() == _expected([257])
    assert bos[:3].tolist() == [259, 257, 260] and eos[:3].tolist() == [259, 258, 260]


@pytest.mark.parametrize("word", ["🙂", "中文", "naïve", "##ing", "[CLS]"])
def test_any_unicode_word_is_its_utf8_bytes(word):
    assert elmo_char_ids([word])[0].tolist() == _expected(list(word.encode("utf-8")))
    assert decode_char_ids(elmo_char_ids([word])[0]) == word


def test_a_long_word_keeps_its_first_48_bytes():
    row = elmo_char_ids(["x" * 100])[0].tolist()
    assert row == [BOW] + [ord("x") + 1] * 48 + [EOW]
    assert decode_char_ids(torch.tensor(row)) == "x" * 48


def test_every_id_fits_the_character_table_and_zero_is_left_for_no_word():
    ids = elmo_char_ids(["a", "🙂" * 20, BOS_TOKEN, EOS_TOKEN, "\x00", "\xff"])
    assert int(ids.min()) >= 1 and int(ids.max()) == CHAR_VOCAB_SIZE - 1


def test_batch_pads_short_sentences_with_zero_rows():
    batch = batch_char_ids([["a", "b", "c"], ["d"]])
    assert batch.shape == (2, 3, 50)
    assert torch.equal(batch[1, 0], elmo_char_ids(["d"])[0])
    assert batch[1, 1:].eq(0).all() and decode_char_ids(batch[1, 2]) == ""
    assert [decode_char_ids(r) for r in batch[0]] == ["a", "b", "c"]
    assert [decode_char_ids(r) for r in elmo_char_ids([BOS_TOKEN, EOS_TOKEN])] == [BOS_TOKEN, EOS_TOKEN]


@pytest.mark.parametrize(("call", "error", "pattern"), [
    (lambda: elmo_char_ids([]), ValueError, "words must not be empty"),
    (lambda: elmo_char_ids("cat"), TypeError, "words must be a list of strings"),
    (lambda: elmo_char_ids(["cat", 3]), TypeError, "words must be a list of strings, item 1"),
    (lambda: batch_char_ids([]), TypeError, "sentences"),
    (lambda: batch_char_ids([["a"], []]), ValueError, r"sentences\[1\] must not be empty"),
    (lambda: batch_char_ids([["a"], "b c"]), TypeError, r"sentences\[1\]"),
])
def test_bad_input_is_named(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_every_vocabulary_token_is_spelt_with_its_hashes_kept():
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "##s", "s", "on", "mat"]
    table = vocabulary_char_ids(WordPieceTokenizer(vocab))
    assert table.shape == (len(vocab), 50)
    assert [decode_char_ids(row) for row in table] == vocab
    assert not torch.equal(table[vocab.index("##s")], table[vocab.index("s")])
    with pytest.raises(TypeError, match="tokenizer"):
        vocabulary_char_ids(vocab)
