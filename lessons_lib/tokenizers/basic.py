"""BERT's basic tokenizer: the words WordPiece will cut.

It cleans the text, optionally lower-cases and strips accents, splits off punctuation and puts a
space around every CJK ideograph (so Chinese is read one character at a time). Special tokens
([CLS], [SEP], [MASK], [PAD], [UNK]) written in the text are never cut, even when glued to a word.
An empty text has no words; a text that is not a ``str`` is a ``TypeError``.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from lessons_lib.checks import check_bool, check_type

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")

# The CJK Unified Ideographs blocks BERT treats as one-character words. Hangul, kana and
# Thai are not in these blocks, so they are cut by WordPiece like any other script.
_CJK_RANGES = (
    (0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F),
)


def _is_cjk(cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in _CJK_RANGES)


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    # All non-alphanumeric ASCII counts as punctuation ("$", "^", "`" are not Unicode P*).
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_whitespace(ch: str) -> bool:
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs"


def _is_control(ch: str) -> bool:
    if ch in "\t\n\r":
        return False
    # Every "C" category: control, format, unassigned, private use, surrogate.
    return unicodedata.category(ch).startswith("C")


def basic_tokenize(text: str, *, lowercase: bool = True, never_split: Iterable[str] = SPECIAL_TOKENS) -> list[str]:
    """BERT's basic tokenizer: clean, lower-case and strip accents, split punctuation and CJK."""
    check_type("text", text, str)
    check_bool("lowercase", lowercase)
    if isinstance(never_split, str) or not isinstance(never_split, Iterable):
        raise TypeError(f"never_split must be an iterable of special tokens, got {type(never_split).__name__}")
    keep = frozenset(t for t in never_split if t)
    if not keep:
        return _basic_words(text, lowercase, keep)
    # Special tokens are cut out of the raw text first, so "[CLS]hello" keeps its "[CLS]" whole
    # (re.split with a capturing group puts the matches at the odd positions).
    words = []
    for i, part in enumerate(_special_pattern(keep).split(text)):
        words.extend([part] if i % 2 else _basic_words(part, lowercase, keep))
    return words


@functools.lru_cache(maxsize=16)
def _special_pattern(tokens: frozenset[str]) -> re.Pattern[str]:
    # Longest first, so that a special token that starts another one never cuts it short.
    alternatives = sorted(tokens, key=lambda t: (-len(t), t))
    return re.compile("(" + "|".join(map(re.escape, alternatives)) + ")")


def _basic_words(text: str, lowercase: bool, keep: frozenset[str]) -> list[str]:
    # Clean: drop NUL, U+FFFD and control characters; every whitespace becomes a space. NFC makes the
    # same character typed two ways ("e" + U+0301 or "é") one string; it leaves ASCII as it is.
    if text.isascii():  # most text: one table lookup per character, the same answers as _clean_char
        cleaned = text.translate(_ASCII_CLEANED)
    else:
        cleaned = unicodedata.normalize("NFC", "".join(map(_clean_char, text)))
    words = []
    for word in cleaned.split():
        if word in keep:
            words.append(word)
        else:
            words.extend(_normalize_word(word, lowercase))
    return words


# Text repeats the same characters and words again and again, so both steps remember their answers.
@functools.cache
def _clean_char(ch: str) -> str:
    cp = ord(ch)
    if cp == 0 or cp == 0xFFFD or _is_control(ch):
        return ""
    return " " if _is_whitespace(ch) else f" {ch} " if _is_cjk(cp) else ch


_ASCII_CLEANED = {cp: _clean_char(chr(cp)) for cp in range(128) if _clean_char(chr(cp)) != chr(cp)}


@functools.lru_cache(maxsize=1 << 16)
def _normalize_word(word: str, lowercase: bool) -> tuple[str, ...]:
    if lowercase:  # lower-case, then strip accents: "Café" -> "cafe"
        word = word.lower()
        word = "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")
    return tuple(w for w in _split_punctuation(word) if w)


def _split_punctuation(word: str) -> list[str]:
    pieces, current = [], []
    for ch in word:
        if _is_punctuation(ch):
            if current:
                pieces.append("".join(current))
                current = []
            pieces.append(ch)
        else:
            current.append(ch)
    if current:
        pieces.append("".join(current))
    return pieces
