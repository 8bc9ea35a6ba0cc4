"""GPT-2's two steps before BPE: text as bytes written in printable characters, and pre-tokens.

Byte-level BPE works on the UTF-8 bytes of a text, so every text can be encoded with no unknown
token: 256 byte tokens cover everything, and merges only make the common sequences shorter.
Before merging, a regular expression cuts the text into pre-tokens (a word with its leading space,
a run of digits, a run of punctuation, white space); merges never cross a pre-token's edge, so a
token never spans two words.
"""

from __future__ import annotations

import functools

import regex

from lessons_lib.checks import check_type

# GPT-2's pre-tokenising pattern, in order of preference: the English contractions 's 't 're 've
# 'm 'll 'd; an optional space and letters (\p{L}: any script); an optional space and digits
# (\p{N}); an optional space and anything else that is not white space; white space that is not
# followed by a non-space (so the last space before a word stays with the word); other white space.
# The `regex` package is needed: Python's `re` has no \p{L} or \p{N}.
GPT2_SPLIT_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
_SPLIT = regex.compile(GPT2_SPLIT_PATTERN)


@functools.cache
def bytes_to_unicode() -> dict[int, str]:
    """Byte value (0 .. 255) -> the one printable character that stands for it in tokens.

    Why: the vocabulary files are text, and a token is a string. Bytes that are visible characters
    on their own ('!' .. '~', and Latin-1's '¡' .. '¬', '®' .. 'ÿ') stand for themselves; the other
    68 bytes (control characters, the space, bytes 127 .. 160 and 173) would be invisible or break
    a line, so they are given the characters 256, 257, ... in byte order. The space (byte 32)
    becomes 'Ġ' (chr(288)) and the newline 'Ċ' (chr(266)): that is why GPT-2's tokens for words
    that follow a space start with 'Ġ'.
    """
    visible = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    mapping = {b: chr(b) for b in visible}
    extra = 0
    for b in range(256):
        if b not in mapping:
            mapping[b] = chr(256 + extra)
            extra += 1
    return dict(sorted(mapping.items()))


@functools.cache
def unicode_to_bytes() -> dict[str, int]:
    """The inverse of ``bytes_to_unicode``: printable character -> byte value."""
    return {char: b for b, char in bytes_to_unicode().items()}


def pre_tokenize(text: str) -> list[str]:
    """Cut text into GPT-2's pre-tokens; joined together they give the text back exactly."""
    check_type("text", text, str, "a str")
    return _SPLIT.findall(text)


def to_printable(piece: str) -> str:
    """A piece of text as the printable characters of its UTF-8 bytes (' world' -> 'Ġworld')."""
    check_type("piece", piece, str, "a str")
    try:
        data = piece.encode("utf-8")
    except UnicodeEncodeError as err:  # a lone surrogate, e.g. from text decoded with errors="surrogateescape"
        raise ValueError(f"piece must be text that UTF-8 can write; character {err.start} is "
                         f"{piece[err.start]!r}, a lone surrogate") from None
    table = bytes_to_unicode()
    return "".join(table[b] for b in data)


def from_printable(printable: str) -> str:
    """Printable byte characters -> text; byte sequences that are not UTF-8 become '\ufffd' (as GPT-2 does)."""
    check_type("printable", printable, str, "a str")
    table = unicode_to_bytes()
    unknown = next((c for c in printable if c not in table), None)
    if unknown is not None:
        raise ValueError(f"printable must hold only byte characters (see bytes_to_unicode), got {unknown!r}")
    return bytes(table[c] for c in printable).decode("utf-8", errors="replace")
