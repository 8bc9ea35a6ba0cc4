"""ELMo's input: every word as 50 character ids, so any word at all has a representation.

A word becomes its UTF-8 bytes (0-255) framed by a begin-of-word mark (258) and an end-of-word
mark (259), padded with 260 to 50 slots; at most 48 bytes fit, longer words are cut. The sentence
boundaries ``<S>`` and ``</S>`` are "words" made of the single characters 256 and 257. Finally
every id is shifted up by one, so that a row of zeros can stand for "no word here" (padding in a
batch of sentences). There is no unknown word: emoji and Chinese are bytes like any other.
``vocabulary_char_ids`` spells a whole WordPiece vocabulary this way: the table that turns the
ids of ELMo's training windows into its input.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import torch
from torch import Tensor

from lessons_lib.checks import check_ids_in_range, check_ids_tensor, check_strings, check_type
from lessons_lib.tokenizers.wordpiece import WordPieceTokenizer

MAX_WORD_CHARS = 50  # slots per word: begin mark, up to 48 bytes, end mark, padding
BOS_CHAR, EOS_CHAR = 256, 257  # the one character of <S> and of </S>
BOW_CHAR, EOW_CHAR, PAD_CHAR = 258, 259, 260  # begin of word, end of word, padding inside a word
CHAR_VOCAB_SIZE = 262  # 261 characters after the +1 shift, plus 0 for "no word"
BOS_TOKEN, EOS_TOKEN = "<S>", "</S>"


@functools.lru_cache(maxsize=1 << 16)  # text repeats its words: each is spelled once
def _word_slots(word: str) -> tuple[int, ...]:
    if word in (BOS_TOKEN, EOS_TOKEN):
        body = [BOS_CHAR if word == BOS_TOKEN else EOS_CHAR]
    else:
        body = list(word.encode("utf-8", "ignore")[: MAX_WORD_CHARS - 2])
    slots = [BOW_CHAR, *body, EOW_CHAR]
    slots += [PAD_CHAR] * (MAX_WORD_CHARS - len(slots))
    return tuple(c + 1 for c in slots)  # +1: id 0 is kept for "no word"


def elmo_char_ids(words: list[str]) -> Tensor:
    """(len(words), 50) character ids of each word, shifted by +1 as the reference ELMo does."""
    words = check_strings("words", words)
    return torch.tensor([_word_slots(w) for w in words], dtype=torch.long)


def batch_char_ids(sentences: Sequence[list[str]]) -> Tensor:
    """(B, T, 50): each sentence's words, right-padded with all-zero rows ("no word") to the longest."""
    if isinstance(sentences, str) or not isinstance(sentences, Sequence) or not sentences:
        raise TypeError(f"sentences must be a non-empty list of word lists, got {type(sentences).__name__}")
    rows = [elmo_char_ids(check_strings(f"sentences[{i}]", s)) for i, s in enumerate(sentences)]
    out = torch.zeros(len(rows), max(len(r) for r in rows), MAX_WORD_CHARS, dtype=torch.long)
    for i, r in enumerate(rows):
        out[i, : len(r)] = r
    return out


def decode_char_ids(row: Tensor) -> str:
    """The word a row of 50 character ids spells (``<S>``, ``</S>``, or '' for a row of zeros)."""
    if not isinstance(row, Tensor) or row.dim() != 1 or row.shape[0] != MAX_WORD_CHARS:
        raise ValueError(f"row must be one word's {MAX_WORD_CHARS} character ids, a 1-D tensor (char_ids[b, t]), "
                         f"got {getattr(row, 'shape', type(row).__name__)}")
    check_ids_tensor("row", row, dims=1)
    check_ids_in_range("row", row, CHAR_VOCAB_SIZE, "CHAR_VOCAB_SIZE")
    slots = [int(c) - 1 for c in row]
    if all(c == -1 for c in slots):
        return ""
    body = slots[1 : slots.index(EOW_CHAR)] if EOW_CHAR in slots else slots[1:]
    if body == [BOS_CHAR]:
        return BOS_TOKEN
    if body == [EOS_CHAR]:
        return EOS_TOKEN
    return bytes(body).decode("utf-8", "replace")


def vocabulary_char_ids(tokenizer: WordPieceTokenizer) -> Tensor:
    """(vocab_size, 50): the character ids of every vocabulary token, ``##`` of continuations kept.

    Keeping ``##`` tells the character CNN that a piece continues a word, and gives every
    vocabulary entry its own spelling (``##s`` and ``s`` are different tokens to the softmax).
    """
    check_type("tokenizer", tokenizer, WordPieceTokenizer)
    return elmo_char_ids(tokenizer.convert_ids_to_tokens(range(tokenizer.vocab_size)))
