"""WordPiece tokenization as BERT does it: a basic tokenizer, then greedy longest-match-first.

The basic tokenizer cleans the text, optionally lower-cases and strips accents, splits off
punctuation and puts a space around every CJK ideograph (so Chinese is read one character at a
time). WordPiece then cuts each word into the longest pieces found in the vocabulary; a piece
that continues a word is written with a leading ``##``. Special tokens ([CLS], [SEP], [MASK],
[PAD], [UNK]) written in the text are never cut, even when glued to a word. An empty text has no
tokens; a text that is not a ``str`` is a ``TypeError``.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

from tqdm.auto import tqdm

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
MAX_CHARS_PER_WORD = 100  # longer "words" (URLs, noise) become [UNK], as in BERT

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


def _check_text(text: object) -> str:
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return text


def basic_tokenize(text: str, *, lowercase: bool = True, never_split: Iterable[str] = SPECIAL_TOKENS) -> list[str]:
    """BERT's basic tokenizer: clean, lower-case and strip accents, split punctuation and CJK."""
    _check_text(text)
    if not isinstance(lowercase, bool):
        raise TypeError(f"lowercase must be True or False, got {lowercase!r}")
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
    # Clean: drop NUL, U+FFFD and control characters; every whitespace becomes a space.
    cleaned = "".join(map(_clean_char, text))
    # NFC makes the same character typed two ways ("e" + U+0301 or "é") one string.
    words = []
    for word in unicodedata.normalize("NFC", cleaned).split():
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


def wordpiece(word: str, vocab: Mapping[str, int], unk_token: str = "[UNK]") -> list[str]:
    """Greedy longest-match-first: the longest known prefix, then the longest known ``##`` piece, ..."""
    if not isinstance(word, str):
        raise TypeError(f"word must be a str, got {type(word).__name__}")
    if not isinstance(vocab, Mapping):
        raise TypeError(f"vocab must be a mapping of token -> id, got {type(vocab).__name__}")
    if len(word) > MAX_CHARS_PER_WORD:
        return [unk_token]
    pieces, start = [], 0
    while start < len(word):
        end = len(word)
        while end > start:
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in vocab:
                break
            end -= 1
        if end == start:  # not even a single character is known: the whole word is unknown
            return [unk_token]
        pieces.append(piece)
        start = end
    return pieces


class WordPieceTokenizer:
    """BERT's tokenizer: basic tokenization, then WordPiece over a fixed vocabulary."""

    def __init__(self, vocab: list[str] | Mapping[str, int], *, lowercase: bool = True, unk_token: str = "[UNK]"):
        if isinstance(vocab, Mapping):
            ids = sorted(vocab.values())
            if ids != list(range(len(ids))):
                raise ValueError("vocab ids must be exactly 0 .. len(vocab) - 1")
            tokens = sorted(vocab, key=vocab.__getitem__)
        elif isinstance(vocab, list | tuple):
            tokens = list(vocab)
        else:
            raise TypeError(f"vocab must be a list of tokens or a dict token -> id, got {type(vocab).__name__}")
        if not tokens or not all(isinstance(t, str) and t for t in tokens):
            raise ValueError("vocab must be a non-empty list of non-empty strings")
        if unk_token not in tokens:
            raise ValueError(f"vocab must contain the unk_token {unk_token!r}")
        if not isinstance(lowercase, bool):
            raise TypeError(f"lowercase must be True or False, got {lowercase!r}")
        self._tokens = tokens
        # A repeated line in a vocab.txt keeps its last id, as BERT's loader does.
        self._ids = {t: i for i, t in enumerate(tokens)}
        self.lowercase = lowercase
        self.unk_token = unk_token
        # Special tokens of this vocabulary: never cut by the basic tokenizer.
        self._specials = [t for t in dict.fromkeys((*SPECIAL_TOKENS, unk_token)) if t in self._ids]

    # -- loading and saving -------------------------------------------------------------------
    @classmethod
    def from_vocab_file(cls, path: str | Path, *, lowercase: bool = True) -> WordPieceTokenizer:
        """Load a BERT ``vocab.txt`` (one token per line; the line number is the id)."""
        if not isinstance(path, str | Path) and not hasattr(path, "read_text"):
            raise TypeError(f"path must be a str or a path, got {type(path).__name__}")
        path = Path(str(path))
        if not path.is_file():
            raise FileNotFoundError(f"path {str(path)!r} is not a vocabulary file (no such file)")
        tokens = path.read_text(encoding="utf-8").split("\n")
        if tokens and tokens[-1] == "":
            tokens.pop()
        if not tokens:
            raise ValueError(f"path {str(path)!r} is an empty vocabulary file")
        return cls([t.rstrip("\r") for t in tokens], lowercase=lowercase)

    def save_vocab(self, path: str | Path) -> Path:
        """Write the vocabulary as a BERT ``vocab.txt``."""
        path = Path(path)
        path.write_text("".join(t + "\n" for t in self._tokens), encoding="utf-8")
        return path

    # -- training -------------------------------------------------------------------------------
    @classmethod
    def train(
        cls,
        texts: Iterable[str],
        vocab_size: int,
        *,
        min_frequency: int = 2,
        lowercase: bool = True,
        show_progress: bool = True,
    ) -> WordPieceTokenizer:
        """Learn a WordPiece vocabulary of ``vocab_size`` tokens from ``texts``.

        Every word starts as single characters (continuations written ``##c``). We then repeatedly
        merge the adjacent pair of pieces that occurs most often in the corpus into a new piece,
        until the vocabulary is full. (Google's original WordPiece picks the pair that most
        raises the corpus likelihood; on a corpus this small that spends the vocabulary on rare
        letter pairs, so we count pairs, as Hugging Face's WordPiece trainer does.)
        """
        if not isinstance(vocab_size, int) or vocab_size < len(SPECIAL_TOKENS) + 1:
            raise ValueError(f"vocab_size must be an int > {len(SPECIAL_TOKENS)}, got {vocab_size!r}")
        if not isinstance(min_frequency, int) or min_frequency < 1:
            raise ValueError(f"min_frequency must be a positive int, got {min_frequency!r}")
        if isinstance(texts, str) or not isinstance(texts, Iterable):
            raise TypeError(f"texts must be an iterable of strings (not a single str), got {type(texts).__name__}")
        word_counts: Counter[str] = Counter()
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"texts must hold only str, got a {type(text).__name__}")
            word_counts.update(basic_tokenize(text, lowercase=lowercase, never_split=()))
        words = sorted(w for w in word_counts if len(w) <= MAX_CHARS_PER_WORD)
        if not words:
            raise ValueError("texts must contain at least one word")
        merger = _Merger([[w[0]] + ["##" + c for c in w[1:]] for w in words], [word_counts[w] for w in words])
        # Start from every character seen (as a word start "c" or a continuation "##c").
        vocab = list(SPECIAL_TOKENS) + sorted(merger.piece_counts)
        if len(vocab) > vocab_size:
            raise ValueError(
                f"vocab_size must be at least {len(vocab)} for these texts "
                f"({len(SPECIAL_TOKENS)} special tokens + {len(vocab) - len(SPECIAL_TOKENS)} characters), got {vocab_size}"
            )
        known = set(vocab)
        bar = tqdm(total=max(vocab_size - len(vocab), 0), desc="training WordPiece", disable=not show_progress)
        while len(vocab) < vocab_size:
            # Merge a small batch of the best-scoring pairs per round (about 5 % of the current
            # vocabulary, never two pairs sharing a piece): the same choices one-at-a-time
            # merging would make in almost every case, in ~100 rounds instead of thousands.
            batch = max(1, min(vocab_size - len(vocab), len(vocab) // 20))
            chosen = merger.best_pairs(batch, min_frequency)
            if not chosen:
                break  # no pair occurs min_frequency times any more
            for merged in merger.merge(chosen):
                if merged not in known:
                    vocab.append(merged)
                    known.add(merged)
                    bar.update(1)
        bar.close()
        return cls(vocab, lowercase=lowercase)

    # -- tokenizing -----------------------------------------------------------------------------
    def basic_tokenize(self, text: str) -> list[str]:
        """Step 1 alone: the words WordPiece will cut (special tokens kept whole)."""
        return basic_tokenize(text, lowercase=self.lowercase, never_split=self._specials)

    def tokenize(self, text: str) -> list[str]:
        """Text -> WordPiece tokens (no [CLS]/[SEP] added); an empty text gives []."""
        return [p for word in self.basic_tokenize(text) for p in wordpiece(word, self._ids, self.unk_token)]

    def encode(self, text: str) -> list[int]:
        """Text -> token ids (no special tokens added)."""
        return self.convert_tokens_to_ids(self.tokenize(text))

    def decode(self, ids: Iterable[int], *, skip_special_tokens: bool = False) -> str:
        """Token ids -> text: ``##`` pieces joined to the piece before them, words separated by spaces."""
        tokens = self.convert_ids_to_tokens(ids)
        if skip_special_tokens:
            tokens = [t for t in tokens if t not in self._specials]
        return " ".join(tokens).replace(" ##", "").strip()

    def convert_tokens_to_ids(self, tokens: Iterable[str]) -> list[int]:
        """Tokens -> ids; an unknown token gets the [UNK] id."""
        if isinstance(tokens, str) or not isinstance(tokens, Iterable):
            raise TypeError(f"tokens must be an iterable of str (not a single str), got {type(tokens).__name__}")
        unk = self._ids[self.unk_token]
        return [self._ids.get(t, unk) for t in tokens]

    def convert_ids_to_tokens(self, ids: Iterable[int]) -> list[str]:
        """Ids -> tokens."""
        if isinstance(ids, str) or not isinstance(ids, Iterable):
            raise TypeError(f"ids must be an iterable of ints, got {type(ids).__name__}")
        out = []
        for i in ids:
            i = int(i) if hasattr(i, "__index__") else i
            if not isinstance(i, int) or not 0 <= i < len(self._tokens):
                raise ValueError(f"ids must be ints in [0, {len(self._tokens)}), got {i!r}")
            out.append(self._tokens[i])
        return out

    # -- the vocabulary -------------------------------------------------------------------------
    @property
    def vocab(self) -> dict[str, int]:
        """Token -> id."""
        return dict(self._ids)

    @property
    def vocab_size(self) -> int:
        """Number of tokens in the vocabulary."""
        return len(self._tokens)

    def _special_id(self, token: str) -> int:
        if token not in self._ids:
            raise KeyError(f"this vocabulary has no {token} token")
        return self._ids[token]

    @property
    def pad_id(self) -> int:
        """Id of [PAD]."""
        return self._special_id("[PAD]")

    @property
    def unk_id(self) -> int:
        """Id of [UNK]."""
        return self._special_id(self.unk_token)

    @property
    def cls_id(self) -> int:
        """Id of [CLS]."""
        return self._special_id("[CLS]")

    @property
    def sep_id(self) -> int:
        """Id of [SEP]."""
        return self._special_id("[SEP]")

    @property
    def mask_id(self) -> int:
        """Id of [MASK]."""
        return self._special_id("[MASK]")

    @property
    def special_ids(self) -> set[int]:
        """Ids of the special tokens this vocabulary has ([PAD], [UNK], [CLS], [SEP], [MASK])."""
        return {self._ids[t] for t in self._specials}

    def __len__(self) -> int:
        return len(self._tokens)

    def __repr__(self) -> str:
        return f"WordPieceTokenizer(vocab_size={self.vocab_size}, lowercase={self.lowercase})"


class _Merger:
    """Word splits with pair and piece counts kept up to date as pairs are merged."""

    def __init__(self, splits: list[list[str]], counts: list[int]):
        self.splits, self.counts = splits, counts
        self.piece_counts: Counter[str] = Counter()
        self.pair_counts: Counter[tuple[str, str]] = Counter()
        self.where: dict[tuple[str, str], set[int]] = {}
        for i in range(len(splits)):
            self._count(i, +1)

    def _count(self, i: int, sign: int) -> None:
        split, count = self.splits[i], self.counts[i] * sign
        for piece in split:
            self.piece_counts[piece] += count
        for pair in zip(split, split[1:], strict=False):
            self.pair_counts[pair] += count
            if sign > 0:
                self.where.setdefault(pair, set()).add(i)

    def best_pairs(self, n: int, min_frequency: int) -> list[tuple[str, str]]:
        # The most frequent pairs first; ties broken by the pair's text, so training is deterministic.
        scored = sorted(
            (-c, (a, b))
            for (a, b), c in self.pair_counts.items()
            if c >= min_frequency
        )
        chosen, used = [], set()
        for _, (a, b) in scored:
            if a in used or b in used:
                continue
            chosen.append((a, b))
            used.update((a, b))
            if len(chosen) == n:
                break
        return chosen

    def merge(self, pairs: list[tuple[str, str]]) -> list[str]:
        affected = sorted(set().union(*(self.where.pop(p, set()) for p in pairs)))
        for i in affected:
            self._count(i, -1)
            split = self.splits[i]
            for a, b in pairs:
                j = 0
                while j < len(split) - 1:
                    if split[j] == a and split[j + 1] == b:
                        split[j : j + 2] = [a + b[2:]]
                    j += 1
            self._count(i, +1)
        for key in [k for k, v in self.pair_counts.items() if v <= 0]:
            del self.pair_counts[key]
        return [a + b[2:] for a, b in pairs]
