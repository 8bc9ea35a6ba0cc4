"""lessons_lib.tokenizers.byte_level: GPT-2's byte characters and pre-tokens, against Hugging Face's."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons_lib.tokenizers.byte_level import (
    bytes_to_unicode,
    from_printable,
    pre_tokenize,
    to_printable,
    unicode_to_bytes,
)

# Text that stresses the pattern: every script, emoji, control characters, runs of white space,
# contractions in either case. Characters are those Unicode 14 (Python 3.11's unicodedata) assigns:
# the `regex` package knows newer Unicode than Hugging Face's regex engine, and the two class code
# points assigned since then differently (all 17,480 code points where they differ are unassigned
# in Unicode 14, checked one by one).
_CHARACTERS = st.characters(exclude_categories=["Cn", "Cs"])
_PIECES = st.sampled_from([" ", "  ", "\n", "\n\n", "\t", "\r\n", "\u00a0", "\u3000", "\x1c", "\x85", "'s", "'S",
                           "'ll", "'", "😀", "👍🏽", "中文", "١٢٣", "½", "x", "Word", "123", "<|endoftext|>", "..."])
TEXT = st.text(_CHARACTERS) | st.lists(_PIECES | st.text(_CHARACTERS, max_size=4), max_size=12).map("".join)


def test_every_byte_has_its_own_printable_character():
    table = bytes_to_unicode()
    assert sorted(table) == list(range(256))
    assert len(set(table.values())) == 256
    assert all(c.isprintable() and not c.isspace() for c in table.values())
    assert table[ord("A")] == "A" and table[ord("!")] == "!" and table[0xE9] == "é"  # visible bytes stand for themselves
    assert table[ord(" ")] == "Ġ" and table[ord("\n")] == "Ċ" and table[0] == chr(256)
    assert {c: b for b, c in table.items()} == unicode_to_bytes()


def test_byte_characters_equal_hugging_face():
    reference = pytest.importorskip("transformers.convert_slow_tokenizer").bytes_to_unicode()
    assert reference == bytes_to_unicode()


def test_pre_tokens_keep_the_space_with_the_word_that_follows():
    assert pre_tokenize("Hello world") == ["Hello", " world"]
    assert pre_tokenize("I'm  here,  2024!\n\n") == ["I", "'m", " ", " here", ",", " ", " 2024", "!", "\n\n"]
    # Only lower-case contractions are pieces of their own: "'T" is punctuation, then a word.
    assert pre_tokenize("she'll DON'T") == ["she", "'ll", " DON", "'", "T"]
    assert pre_tokenize("") == []


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_pre_tokens_equal_hugging_face_and_join_back_to_the_text(text):
    pre_tokenizers = pytest.importorskip("tokenizers.pre_tokenizers")
    reference = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True).pre_tokenize_str(text)
    ours = pre_tokenize(text)
    assert [to_printable(piece) for piece in ours] == [piece for piece, _ in reference]
    assert "".join(ours) == text


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_printable_round_trip(text):
    printable = to_printable(text)
    assert len(printable) == len(text.encode("utf-8"))
    assert from_printable(printable) == text


def test_bytes_that_are_not_utf8_become_replacement_characters():
    euro = to_printable("€")  # three bytes
    assert len(euro) == 3
    assert from_printable(euro[:2]) == "\ufffd"  # a cut character, as GPT-2's decoder gives it
    assert from_printable(euro[:2] + to_printable("a")) == "\ufffda"


def test_bad_input_is_named():
    with pytest.raises(TypeError, match="text must be a str"):
        pre_tokenize(b"bytes")
    with pytest.raises(ValueError, match="piece must be text that UTF-8 can write; character 1"):
        to_printable("a\udc80")
    with pytest.raises(ValueError, match="printable must hold only byte characters"):
        from_printable("a b")  # a real space is not a byte character ('Ġ' is)
