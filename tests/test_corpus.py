import pytest

from lessons_lib import corpus as corpus_module
from lessons_lib.corpus import (
    Corpus,
    corpus_statistics,
    data_path,
    load_corpus,
    load_polarity,
    load_text_file,
    split_sentences,
)


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


def test_default_corpus_has_both_sources_in_every_split(corpus):
    sources = {name: {d.source for d, s in zip(corpus.documents, corpus.split_of, strict=True) if s == name}
               for name in ("train", "valid", "test")}
    assert all(found == {"wiki", "news"} for found in sources.values()), sources
    assert sum(d.source == "wiki" for d in corpus.documents) >= 90  # about 100 articles
    assert sum(d.source == "news" for d in corpus.documents) >= 290  # about 300 stories


def test_split_is_by_document_and_about_80_10_10(corpus):
    n = len(corpus.documents)
    assert len(corpus.train) + len(corpus.valid) + len(corpus.test) == n
    assert abs(len(corpus.valid) - 0.1 * n) <= 2 and abs(len(corpus.test) - 0.1 * n) <= 2
    train = {s for doc in corpus.train for s in doc}
    held_out = [s for doc in corpus.valid + corpus.test for s in doc]
    # Documents are disjoint; a handful of boiler-plate sentences may repeat across stories.
    assert sum(s in train for s in held_out) / len(held_out) < 0.01


def test_split_is_deterministic_and_seed_dependent():
    corpus_module._load_corpus.cache_clear()
    again = load_corpus()
    assert again.split_of == load_corpus(seed=0).split_of
    assert load_corpus(seed=1).split_of != again.split_of


def test_wiki_text_is_clean_prose(corpus):
    wiki = [s for d in corpus.documents if d.source == "wiki" for s in d.sentences]
    for marker in ("[[", "]]", "{{", "}}", "'''", "<ref", "==", "|"):
        dirty = [s for s in wiki if marker in s]
        assert len(dirty) / len(wiki) < 0.002, (marker, dirty[:3])
    assert all(len(s) >= 2 for s in wiki)


def test_statistics_count_every_sentence(corpus):
    stats = corpus_statistics(corpus)
    assert stats["train"]["sentences"] == len(corpus.sentences("train"))
    assert stats["valid"]["words"] == sum(len(s.split()) for s in corpus.sentences("valid"))
    assert stats["train"]["sentences"] > 10_000
    with pytest.raises(TypeError, match="corpus"):
        corpus_statistics([["a sentence"]])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It rained. Then it stopped!", ["It rained.", "Then it stopped!"]),
        ("Mr. Smith met Dr. Jones in the U.S. on Monday. They talked.",
         ["Mr. Smith met Dr. Jones in the U.S. on Monday.", "They talked."]),
        ('He said "no." She left.', ['He said "no."', "She left."]),
        ("J. R. R. Tolkien wrote it. Yes?", ["J. R. R. Tolkien wrote it.", "Yes?"]),
        ("   ", []),
    ],
)
def test_split_sentences(text, expected):
    assert split_sentences(text) == expected


def test_split_sentences_rejects_non_text():
    with pytest.raises(TypeError, match="text"):
        split_sentences(None)


def test_own_text_file(tmp_path):
    path = tmp_path / "mine.txt"
    path.write_text("One doc here. It has two sentences.\n\nAnother doc. Also two.\n\n\nThird. Three.\n")
    corpus = load_text_file(path)
    assert isinstance(corpus, Corpus)
    assert [d.sentences for d in corpus.documents][0] == ["One doc here.", "It has two sentences."]
    assert len(corpus.documents) == 3
    with pytest.raises(FileNotFoundError, match="path"):
        load_text_file(tmp_path / "missing.txt")
    (tmp_path / "empty.txt").write_text("\n\n")
    with pytest.raises(ValueError, match="path"):
        load_text_file(tmp_path / "empty.txt")


def test_polarity_is_balanced_and_labelled():
    texts, labels = load_polarity()
    assert len(texts) == len(labels) == 200
    assert set(labels) == {0, 1} and sum(labels) == 100
    assert all(isinstance(t, str) and t for t in texts)


def test_missing_or_changed_data_file_gives_clear_error(monkeypatch, tmp_path):
    with pytest.raises(ValueError, match="name must be one of"):
        data_path("nope")
    monkeypatch.setitem(corpus_module._FILES, "news", ("no-such-file.cor", "0" * 64))
    with pytest.raises(FileNotFoundError, match="missing"):
        data_path("news")
    monkeypatch.setitem(corpus_module._FILES, "news", ("lee_background.cor", "0" * 64))
    with pytest.raises(ValueError, match="sha256"):
        data_path("news")


def test_bad_arguments():
    with pytest.raises(ValueError, match="sources"):
        load_corpus(("poems",))
    with pytest.raises(ValueError, match="name"):
        load_corpus().split("dev")


def test_source_labelled_sentences(corpus):
    texts, labels = corpus_module.source_labelled_sentences(corpus, "test", per_source=50, seed=3)
    assert len(texts) == len(labels) == 100 and sorted(set(labels)) == [0, 1] and sum(labels) == 50
    test_docs = [d for d, split in zip(corpus.documents, corpus.split_of, strict=True) if split == "test"]
    where = {s: d.source for d in test_docs for s in d.sentences}
    assert all(where[t] == ("wiki", "news")[label] for t, label in zip(texts, labels, strict=True))  # honest labels
    assert corpus_module.source_labelled_sentences(corpus, "test", per_source=50, seed=3) == (texts, labels)
    with pytest.raises(ValueError, match="per_source must be at most"):
        corpus_module.source_labelled_sentences(corpus, "test", per_source=10**6)
    with pytest.raises(ValueError, match="split"):
        corpus_module.source_labelled_sentences(corpus, "dev", per_source=5)
    with pytest.raises(TypeError, match="corpus"):
        corpus_module.source_labelled_sentences([["x"]], "test", per_source=5)
