"""The default corpus: English text that ships inside the installed `gensim` package.

Two sources, both read from gensim's bundled test data (no download):

* ``wiki``: an excerpt of English Wikipedia (about 100 articles), cleaned of wiki markup;
* ``news``: the Lee corpus of 300 short Australian news stories.

A document is a list of sentences. Documents (not sentences) are split into train/valid/test,
so that no held-out sentence has a neighbour in the training split. The files are read in a
short-lived child process (``bundled_text``), so that gensim is never loaded into the caller.

Cleaning the Wikipedia markup takes about five seconds, so the documents are also kept in a JSON
file under ``$XDG_CACHE_HOME/lessons_lib`` (``~/.cache/lessons_lib`` by default): the first notebook
of a session reads gensim's files, the next ones read that file. Its name holds a digest of what the
documents depend on (the bundled files, gensim's version, the cleaning code, Python's version), so a
change to any of them reads the bundled files again. ``LESSONS_LIB_CACHE=off`` turns it off.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.metadata
import json
import os
import random
import re
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from lessons_lib.checks import check_int, check_path
from lessons_lib.data import bundled_text
from lessons_lib.data.bundled_text import _FILES, data_path, split_sentences  # noqa: F401  (_FILES: for tests)

SPLITS = ("train", "valid", "test")


class Document(NamedTuple):
    """One document of the corpus: where it comes from and its sentences."""

    source: str
    title: str
    sentences: list[str]


@dataclass(frozen=True)
class Corpus:
    """Documents with a deterministic document-level train/valid/test split."""

    documents: list[Document]  # every document, in a fixed order
    split_of: list[str]  # split_of[i] is "train", "valid" or "test" for documents[i]

    def split(self, name: str) -> list[list[str]]:
        """The documents of one split, each a list of sentences."""
        if name not in SPLITS:
            raise ValueError(f"name must be one of {SPLITS}, got {name!r}")
        return [d.sentences for d, s in zip(self.documents, self.split_of, strict=True) if s == name]

    @property
    def train(self) -> list[list[str]]:
        """Training documents, each a list of sentences."""
        return self.split("train")

    @property
    def valid(self) -> list[list[str]]:
        """Validation documents, each a list of sentences."""
        return self.split("valid")

    @property
    def test(self) -> list[list[str]]:
        """Test documents, each a list of sentences."""
        return self.split("test")

    def sentences(self, name: str = "train") -> list[str]:
        """All sentences of one split, flattened in document order."""
        return [s for doc in self.split(name) for s in doc]


def _assign_splits(n: int, fractions: tuple[float, float, float], seed: int) -> list[str]:
    order = list(range(n))
    random.Random(seed).shuffle(order)
    n_valid, n_test = round(n * fractions[1]), round(n * fractions[2])
    split_of = ["train"] * n
    for i in order[:n_valid]:
        split_of[i] = "valid"
    for i in order[n_valid : n_valid + n_test]:
        split_of[i] = "test"
    return split_of


SOURCES = ("wiki", "news")


def load_corpus(sources: tuple[str, ...] = ("wiki", "news"), seed: int = 0) -> Corpus:
    """The default corpus (gensim's Wikipedia excerpt and news stories), split 80/10/10 by document."""
    if isinstance(sources, str):
        sources = (sources,)
    if not isinstance(sources, (tuple, list)):
        raise TypeError(f"sources must be a tuple of source names, got {type(sources).__name__}")
    check_int("seed", seed)
    if not sources or any(not isinstance(s, str) or s not in SOURCES for s in sources):
        raise ValueError(f"sources must be a non-empty tuple drawn from {sorted(SOURCES)}, got {sources!r}")
    if len(set(sources)) != len(sources):
        raise ValueError(f"sources must name each source once, got {sources!r}")
    return _load_corpus(tuple(sources), seed)


@functools.lru_cache(maxsize=4)
def _load_corpus(sources: tuple[str, ...], seed: int) -> Corpus:
    documents = [Document(*doc) for doc in _read_bundled(sources)]
    # Split each source on its own so that valid and test hold both kinds of text.
    split_of = []
    for name in sources:
        count = sum(d.source == name for d in documents)
        split_of += _assign_splits(count, (0.8, 0.1, 0.1), seed)
    return Corpus(documents, split_of)


def _read_bundled(sources: tuple[str, ...]) -> list[list]:
    """[source, title, sentences] of every document: from the cache file, else read by ``bundled_text``."""
    for name in sources:
        data_path(name)  # a missing or changed file: the clear error, raised here rather than in the child
    cache = _cache_file(sources)
    documents = _read_cache(cache) if cache is not None else None
    if documents is None:
        documents = _read_in_child(sources)
        if cache is not None:
            _write_cache(cache, documents)
    return documents


def _read_in_child(sources: tuple[str, ...]) -> list[list]:
    done = subprocess.run([sys.executable, bundled_text.__file__, *sources], capture_output=True,
                          text=True, encoding="utf-8", check=False)
    if done.returncode != 0:
        raise RuntimeError(f"reading gensim's bundled text failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


def _cache_file(sources: tuple[str, ...]) -> Path | None:
    """Where the documents of ``sources`` are kept between processes; None when caching is off."""
    if os.environ.get("LESSONS_LIB_CACHE", "").lower() in ("off", "0", "no"):
        return None
    try:
        gensim_version = importlib.metadata.version("gensim")
    except importlib.metadata.PackageNotFoundError:
        return None
    digest = hashlib.sha256(json.dumps([
        list(sources), [_FILES[name][1] for name in sources], gensim_version,
        hashlib.sha256(Path(bundled_text.__file__).read_bytes()).hexdigest(), list(sys.version_info[:2]),
    ]).encode()).hexdigest()[:16]
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "lessons_lib" / f"corpus-{'-'.join(sources)}-{digest}.json"


def _read_cache(path: Path) -> list[list] | None:
    """The documents kept in ``path``, or None where it is missing, unreadable or not documents."""
    try:
        documents = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    valid = isinstance(documents, list) and bool(documents) and all(
        isinstance(doc, list) and len(doc) == 3 and isinstance(doc[0], str) and isinstance(doc[1], str)
        and isinstance(doc[2], list) and all(isinstance(s, str) for s in doc[2]) for doc in documents)
    return documents if valid else None


def _write_cache(path: Path, documents: list[list]) -> None:
    """Keep ``documents`` in ``path``, written whole or not at all; a folder that cannot be written is skipped."""
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".corpus-", suffix=".tmp")
        with open(handle, "w", encoding="utf-8") as file:
            json.dump(documents, file, ensure_ascii=True)
        os.replace(temporary, path)  # atomic: two kernels writing at once leave one whole file
    except OSError:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


MIN_DOCUMENTS = 10  # fewer, and the 10 % validation and test splits would be empty


def load_text_file(path: str | Path, *, seed: int = 0) -> Corpus:
    """A student's own UTF-8 text file as a corpus: documents are separated by blank lines."""
    check_int("seed", seed)
    path = Path(check_path("path", path))
    if not path.is_file():
        raise FileNotFoundError(f"path {str(path)!r} does not exist or is not a file")
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark at the start is not text
    except UnicodeDecodeError as err:
        raise ValueError(f"path {str(path)!r} is not UTF-8 text ({err.reason} at byte {err.start}): "
                         "save it as UTF-8 (your editor's 'Save as' offers the encoding)") from None
    blocks = [b for b in re.split(r"\n\s*\n", text) if b.strip()]
    documents = [
        Document("file", f"{path.name} block {i}", split_sentences(b)) for i, b in enumerate(blocks)
    ]
    documents = [d for d in documents if d.sentences]
    if not documents:
        raise ValueError(f"path {str(path)!r} holds no sentences")
    if len(documents) < MIN_DOCUMENTS:
        raise ValueError(f"path {str(path)!r} holds {len(documents)} document(s); documents are separated by "
                         f"blank lines, and a train/validation/test split needs at least {MIN_DOCUMENTS}")
    return Corpus(documents, _assign_splits(len(documents), (0.8, 0.1, 0.1), seed))


def corpus_statistics(corpus: Corpus, tokenize: Callable[[str], list] | None = None) -> dict[str, dict]:
    """Per split: documents, sentences, words (whitespace or `tokenize`) and sentence lengths."""
    if not isinstance(corpus, Corpus):
        raise TypeError(f"corpus must be a Corpus, got {type(corpus).__name__}")
    tokenize = tokenize or str.split
    stats = {}
    for name in SPLITS:
        docs = corpus.split(name)
        lengths = [len(tokenize(s)) for doc in docs for s in doc]
        stats[name] = {
            "documents": len(docs),
            "sentences": len(lengths),
            "words": sum(lengths),
            "sentence_lengths": lengths,
        }
    return stats


def word_counts(documents: Iterable[list[str]]) -> Counter:
    """Lower-cased whitespace word counts over documents."""
    if isinstance(documents, str) or not isinstance(documents, Iterable):
        raise TypeError(f"documents must be an iterable of documents (lists of sentences), got {type(documents).__name__}")
    documents = list(documents)
    for d, doc in enumerate(documents):
        if isinstance(doc, str) or not all(isinstance(s, str) for s in doc):
            raise TypeError(f"documents[{d}] must be a list of sentence strings, got {type(doc).__name__}")
    return Counter(w.lower() for doc in documents for s in doc for w in s.split())
