"""The default corpus: English text that ships inside the installed `gensim` package.

Two sources, both read from gensim's bundled test data (no download):

* ``wiki``: an excerpt of English Wikipedia (about 100 articles), cleaned of wiki markup;
* ``news``: the Lee corpus of 300 short Australian news stories.

A document is a list of sentences. Documents (not sentences) are split into train/valid/test,
so that no held-out sentence has a neighbour in the training split.
"""

from __future__ import annotations

import bz2
import functools
import hashlib
import random
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from lessons_lib.checks import check_int

SPLITS = ("train", "valid", "test")

# sha256 of the bundled files, so a changed gensim release is noticed instead of silently
# giving the notebooks other text than the one their stored outputs were made from.
_FILES = {
    "wiki": (
        "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2",
        "a53f4648dec40467ebdcbc7a1307eddb51fe6e28e9309f6ebde81ba0d04bea2d",
    ),
    "news": (
        "lee_background.cor",
        "5d78d6dafd953bbf65797bef09a9ffb9ec430583381be705f8fd460000f370fb",
    ),
    "polarity": (
        "pang_lee_polarity.cor",
        "662c1b7c3bd0612eaaaf3f0c694cbd3897e30c0d87d2940b46c9fd0d15ed70c1",
    ),
}

# Sections at the end of an article that hold lists and links, not prose.
_TAIL_SECTIONS = re.compile(
    r"^=+\s*(See also|References|Notes|Further reading|External links|Bibliography|Sources)\s*=+",
    re.MULTILINE,
)
# A sentence ends at . ! or ? followed by space and a capital letter, digit or opening quote,
# unless the word before the full stop is a common abbreviation or a single initial.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9])")
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "st", "mt", "jr", "sr", "vs", "etc", "e.g", "i.e", "no",
    "u.s", "u.k", "inc", "ltd", "co", "corp", "gen", "col", "lt", "sgt", "rev", "fig", "approx",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "ca",
}


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


def data_path(name: str) -> Path:
    """Path of a bundled gensim data file, after checking that it exists and is unchanged."""
    if name not in _FILES:
        raise ValueError(f"name must be one of {sorted(_FILES)}, got {name!r}")
    filename, expected = _FILES[name]
    try:
        from gensim.test.utils import datapath
    except ImportError as err:  # pragma: no cover - gensim is a hard dependency
        raise FileNotFoundError(
            "the default corpus ships inside the 'gensim' package: pip install gensim==4.4.0"
        ) from err
    path = Path(datapath(filename))
    if not path.is_file():
        raise FileNotFoundError(
            f"corpus file {filename!r} is missing from gensim's test data ({path}); "
            "reinstall with: pip install --force-reinstall gensim==4.4.0"
        )
    actual = _sha256(path)
    if actual != expected:
        raise ValueError(
            f"corpus file {path} has sha256 {actual}, expected {expected}: gensim's bundled "
            "data changed, so results would differ from the stored notebook outputs; "
            "install gensim==4.4.0"
        )
    return path


@functools.cache
def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def split_sentences(text: str) -> list[str]:
    """Split plain text into sentences (rule-based, good enough for news and encyclopaedia)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return []
    pieces, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        candidate = text[start : match.start()].strip()
        last_word = candidate.rsplit(" ", 1)[-1].rstrip(".!?\"')]").lower()
        # "Mr. Smith", "J. R. R. Tolkien": the full stop belongs to an abbreviation or initial.
        if last_word in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha()):
            continue
        pieces.append(text[start : match.end()].strip())
        start = match.end()
    pieces.append(text[start:].strip())
    return [p for p in pieces if p]


def _clean_wiki(markup: str) -> list[str]:
    """Plain paragraphs of one article, with markup, headings, lists and tables removed."""
    from gensim.corpora.wikicorpus import filter_wiki

    text = filter_wiki(markup)
    tail = _TAIL_SECTIONS.search(text)
    if tail:
        text = text[: tail.start()]
    paragraphs = []
    for line in text.split("\n"):
        line = line.strip()
        # Headings, list items, table rows and leftovers of templates are not running prose.
        if not line or line[0] in "=*#:;|!{}" or line.startswith("thumb"):
            continue
        line = line.replace("'''", "").replace("''", "")
        line = re.sub(r"\(\s*[,;]?\s*\)", "", line)  # "( )" left behind by removed templates
        line = re.sub(r"\s+([,.;:])", r"\1", line)
        line = re.sub(r"\s{2,}", " ", line).strip()
        if len(line) >= 40 and line[-1] in ".!?\"')":
            paragraphs.append(line)
    return paragraphs


def _wiki_documents() -> list[Document]:
    from gensim.corpora.wikicorpus import extract_pages

    docs = []
    with bz2.open(data_path("wiki"), "rb") as stream:
        for title, markup, _page_id in extract_pages(stream, filter_namespaces=("0",)):
            if markup.lstrip().upper().startswith("#REDIRECT"):
                continue
            sentences = [s for p in _clean_wiki(markup) for s in split_sentences(p)]
            if len(sentences) >= 2:
                docs.append(Document("wiki", title, sentences))
    return docs


def _news_documents() -> list[Document]:
    lines = data_path("news").read_text(encoding="utf-8").splitlines()
    docs = []
    for number, line in enumerate(lines):
        sentences = split_sentences(line)
        if len(sentences) >= 2:
            docs.append(Document("news", f"news story {number}", sentences))
    return docs


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
    known = {"wiki": _wiki_documents, "news": _news_documents}
    documents = [doc for name in sources for doc in known[name]()]
    # Split each source on its own so that valid and test hold both kinds of text.
    split_of = []
    for name in sources:
        count = sum(d.source == name for d in documents)
        split_of += _assign_splits(count, (0.8, 0.1, 0.1), seed)
    return Corpus(documents, split_of)


MIN_DOCUMENTS = 10  # fewer, and the 10 % validation and test splits would be empty


def load_text_file(path: str | Path, *, seed: int = 0) -> Corpus:
    """A student's own UTF-8 text file as a corpus: documents are separated by blank lines."""
    check_int("seed", seed)
    path = Path(path)
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
