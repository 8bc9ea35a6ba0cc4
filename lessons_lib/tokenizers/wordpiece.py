"""WordPiece as BERT does it: after the basic tokenizer, greedy longest-match-first.

WordPiece cuts each word into the longest pieces found in the vocabulary; a piece that continues
a word is written with a leading ``##``. A word with a character the vocabulary lacks becomes
``[UNK]`` as a whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from lessons_lib.checks import check_id_sequence, check_strings, check_type
from lessons_lib.files import write_text_atomic
from lessons_lib.tokenizers.basic import SPECIAL_TOKENS, basic_tokenize
from lessons_lib.tokenizers.wordpiece_training import MAX_CHARS_PER_WORD, learn_vocabulary

# How many words' pieces a tokenizer remembers (the default corpus has about 32,000 different words).
_REMEMBERED_WORDS = 1 << 17


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
        # Each word's pieces, once worked out: running text repeats the same words again and again.
        self._pieces: dict[str, tuple[str, ...]] = {}

    # The remembered pieces are not part of the tokenizer: a copy sent to another process starts without them.
    def __getstate__(self) -> dict:
        return {**self.__dict__, "_pieces": {}}

    # -- loading and saving -------------------------------------------------------------------
    @classmethod
    def from_vocab_file(cls, path: str | Path, *, lowercase: bool = True) -> WordPieceTokenizer:
        """Load a BERT ``vocab.txt`` (one token per line; the line number is the id)."""
        if not isinstance(path, str | Path) and not hasattr(path, "read_text"):
            raise TypeError(f"path must be a str or a path, got {type(path).__name__}")
        path = Path(str(path))
        if not path.is_file():
            raise FileNotFoundError(f"path {str(path)!r} is not a vocabulary file (no such file)")
        try:
            tokens = path.read_text(encoding="utf-8-sig").split("\n")  # a byte-order mark is not a token
        except UnicodeDecodeError as err:
            raise ValueError(f"path {str(path)!r} is not a UTF-8 vocabulary file ({err.reason} at byte "
                             f"{err.start}); a vocab.txt holds one UTF-8 token per line") from None
        if tokens and tokens[-1] == "":
            tokens.pop()
        if not tokens:
            raise ValueError(f"path {str(path)!r} is an empty vocabulary file")
        return cls([t.rstrip("\r") for t in tokens], lowercase=lowercase)

    def save_vocab(self, path: str | Path) -> Path:
        """Write the vocabulary as a BERT ``vocab.txt`` (whole or not at all: a full disk leaves no half file)."""
        check_type("path", path, str | Path, "a str or a path")
        return write_text_atomic(path, "".join(t + "\n" for t in self._tokens))

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
        """Learn a WordPiece vocabulary of ``vocab_size`` tokens from ``texts`` (see ``learn_vocabulary``)."""
        vocab = learn_vocabulary(texts, vocab_size, min_frequency=min_frequency, lowercase=lowercase,
                                 show_progress=show_progress)
        return cls(vocab, lowercase=lowercase)

    # -- tokenizing -----------------------------------------------------------------------------
    def basic_tokenize(self, text: str) -> list[str]:
        """Step 1 alone: the words WordPiece will cut (special tokens kept whole)."""
        return basic_tokenize(text, lowercase=self.lowercase, never_split=self._specials)

    def _word_pieces(self, word: str) -> tuple[str, ...]:
        pieces = self._pieces.get(word)
        if pieces is None:
            if len(self._pieces) >= _REMEMBERED_WORDS:  # a bound on the memory it takes
                self._pieces.clear()
            pieces = self._pieces[word] = tuple(wordpiece(word, self._ids, self.unk_token))
        return pieces

    def tokenize(self, text: str) -> list[str]:
        """Text -> WordPiece tokens (no [CLS]/[SEP] added); an empty text gives []."""
        return [p for word in self.basic_tokenize(text) for p in self._word_pieces(word)]

    def encode(self, text: str) -> list[int]:
        """Text -> token ids (no special tokens added)."""
        ids = self._ids  # every piece is in the vocabulary: a word with none becomes [UNK], which is too
        return [ids[p] for word in self.basic_tokenize(text) for p in self._word_pieces(word)]

    def decode(self, ids: Iterable[int], *, skip_special_tokens: bool = False) -> str:
        """Token ids -> text: ``##`` pieces joined to the piece before them, words separated by spaces."""
        tokens = self.convert_ids_to_tokens(ids)
        if skip_special_tokens:
            tokens = [t for t in tokens if t not in self._specials]
        return " ".join(tokens).replace(" ##", "").strip()

    def convert_tokens_to_ids(self, tokens: Iterable[str]) -> list[int]:
        """Tokens -> ids; an unknown token gets the [UNK] id."""
        unk = self._ids[self.unk_token]
        return [self._ids.get(t, unk) for t in check_strings("tokens", tokens, non_empty=False)]

    def convert_ids_to_tokens(self, ids: Iterable[int]) -> list[str]:
        """Ids -> tokens."""
        return [self._tokens[i] for i in check_id_sequence("ids", ids, len(self._tokens))]

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
