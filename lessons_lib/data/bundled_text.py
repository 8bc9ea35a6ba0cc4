"""gensim's bundled English text, read into documents without the reader importing gensim's models.

The files ship inside the installed ``gensim`` package (its test data); finding them needs no import
of gensim, but cleaning the Wikipedia markup uses gensim's ``wikicorpus`` functions, and importing any
part of gensim loads all of it (with SciPy: about 70 MB). So ``load_corpus`` runs this file as a
script in a short-lived child process and reads the documents back as JSON: the notebook's kernel
never holds gensim for the corpus. For that reason this module imports nothing from ``lessons_lib``.

    python lessons_lib/data/bundled_text.py wiki news    # the documents, as JSON, on standard output
"""

from __future__ import annotations

import bz2
import functools
import hashlib
import importlib.util
import json
import re
import sys
from pathlib import Path

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


def data_path(name: str) -> Path:
    """Path of a bundled gensim data file, after checking that it exists and is unchanged."""
    if name not in _FILES:
        raise ValueError(f"name must be one of {sorted(_FILES)}, got {name!r}")
    filename, expected = _FILES[name]
    path = _gensim_data_dir() / filename
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


def _wiki_documents() -> list[tuple[str, str, list[str]]]:
    from gensim.corpora.wikicorpus import extract_pages

    docs = []
    with bz2.open(data_path("wiki"), "rb") as stream:
        for title, markup, _page_id in extract_pages(stream, filter_namespaces=("0",)):
            if markup.lstrip().upper().startswith("#REDIRECT"):
                continue
            sentences = [s for p in _clean_wiki(markup) for s in split_sentences(p)]
            if len(sentences) >= 2:
                docs.append(("wiki", title, sentences))
    return docs


def _news_documents() -> list[tuple[str, str, list[str]]]:
    lines = data_path("news").read_text(encoding="utf-8").splitlines()
    docs = []
    for number, line in enumerate(lines):
        sentences = split_sentences(line)
        if len(sentences) >= 2:
            docs.append(("news", f"news story {number}", sentences))
    return docs


def _gensim_data_dir() -> Path:
    """gensim's bundled test-data folder, found without importing gensim."""
    spec = importlib.util.find_spec("gensim")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the default corpus ships inside the 'gensim' package: pip install gensim==4.4.0")
    return Path(spec.submodule_search_locations[0]) / "test" / "test_data"


_READERS = {"wiki": "_wiki_documents", "news": "_news_documents"}


def _main(argv: list[str]) -> int:
    """Print the documents of the named sources (``wiki``, ``news``) as a JSON list of [source, title, sentences]."""
    unknown = [name for name in argv if name not in _READERS]
    if not argv or unknown:
        print(f"sources must be among {sorted(_READERS)}, got {argv!r}", file=sys.stderr)
        return 2
    documents = [doc for name in argv for doc in globals()[_READERS[name]]()]
    sys.stdout.write(json.dumps(documents, ensure_ascii=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
