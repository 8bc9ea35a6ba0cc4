"""lessons_lib.data.corpus: the default corpus, its document-level split, sentences, statistics."""

import pytest

import lessons_lib.data.corpus as corpus_module
from lessons_lib.data.corpus import (
    MIN_DOCUMENTS,
    SOURCES,
    SPLITS,
    Corpus,
    Document,
    corpus_statistics,
    data_path,
    load_corpus,
    load_text_file,
    split_sentences,
    word_counts,
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
    assert SOURCES == ("wiki", "news") and SPLITS == ("train", "valid", "test")


def test_split_is_by_document_and_about_80_10_10(corpus):
    n = len(corpus.documents)
    assert len(corpus.train) + len(corpus.valid) + len(corpus.test) == n
    assert abs(len(corpus.valid) - 0.1 * n) <= 2 and abs(len(corpus.test) - 0.1 * n) <= 2
    train = {s for doc in corpus.train for s in doc}
    held_out = [s for doc in corpus.valid + corpus.test for s in doc]
    # Documents are disjoint; a handful of boiler-plate sentences may repeat across stories.
    assert sum(s in train for s in held_out) / len(held_out) < 0.01


def test_each_source_is_split_on_its_own(corpus):
    # 10 % of each source's documents (rounded) go to valid and to test.
    for source in SOURCES:
        splits = [s for d, s in zip(corpus.documents, corpus.split_of, strict=True) if d.source == source]
        assert splits.count("valid") == splits.count("test") == round(0.1 * len(splits)), source


def test_split_accessors_agree_with_split_of(corpus):
    for name in SPLITS:
        expected = [d.sentences for d, s in zip(corpus.documents, corpus.split_of, strict=True) if s == name]
        assert corpus.split(name) == getattr(corpus, name) == expected
        assert corpus.sentences(name) == [s for doc in expected for s in doc]
    assert all(isinstance(d, Document) for d in corpus.documents)


def test_split_is_deterministic_and_seed_dependent():
    corpus_module._load_corpus.cache_clear()
    first = load_corpus()
    corpus_module._load_corpus.cache_clear()  # a fresh load, not the cached object again
    again = load_corpus(seed=0)
    assert again is not first and again.split_of == first.split_of
    assert load_corpus(seed=1).split_of != first.split_of


def test_wiki_text_is_clean_prose(corpus):
    wiki = [s for d in corpus.documents if d.source == "wiki" for s in d.sentences]
    for marker in ("[[", "]]", "{{", "}}", "'''", "<ref", "==", "|"):
        dirty = [s for s in wiki if marker in s]
        assert len(dirty) / len(wiki) < 0.002, (marker, dirty[:3])
    assert all(len(s) >= 2 for s in wiki)


def test_statistics_count_every_sentence(corpus):
    stats = corpus_statistics(corpus)
    assert stats["train"]["sentences"] == len(corpus.sentences("train"))
    assert stats["train"]["documents"] == len(corpus.train)
    assert stats["valid"]["words"] == sum(len(s.split()) for s in corpus.sentences("valid"))
    assert stats["test"]["sentence_lengths"] == [len(s.split()) for s in corpus.sentences("test")]
    assert stats["train"]["sentences"] > 10_000
    by_characters = corpus_statistics(corpus, tokenize=list)  # another tokenizer, other counts
    assert by_characters["valid"]["words"] == sum(len(s) for s in corpus.sentences("valid"))
    with pytest.raises(TypeError, match="corpus"):
        corpus_statistics([["a sentence"]])


def test_word_counts_are_lower_cased_whitespace_words():
    counts = word_counts([["The cat sat.", "the CAT"], ["a cat"]])
    assert counts == {"the": 2, "cat": 3, "sat.": 1, "a": 1}  # punctuation stays on its word


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
    blocks = ["One doc here. It has two sentences.", "Another doc. Also two.", "Third. Three."]
    blocks += [f"Filler document {i}. It is short." for i in range(MIN_DOCUMENTS - 3)]
    path.write_text("\n\n".join(blocks[:2]) + "\n\n\n" + "\n\n".join(blocks[2:]) + "\n")
    corpus = load_text_file(path)
    assert isinstance(corpus, Corpus) and len(corpus.documents) == MIN_DOCUMENTS
    assert [d.sentences for d in corpus.documents[:3]] == [
        ["One doc here.", "It has two sentences."], ["Another doc.", "Also two."], ["Third.", "Three."]]
    assert {d.source for d in corpus.documents} == {"file"}
    assert corpus.split_of.count("valid") == corpus.split_of.count("test") == round(0.1 * MIN_DOCUMENTS) >= 1
    with pytest.raises(FileNotFoundError, match="path"):
        load_text_file(tmp_path / "missing.txt")
    (tmp_path / "empty.txt").write_text("\n\n")
    with pytest.raises(ValueError, match="path"):
        load_text_file(tmp_path / "empty.txt")
    (tmp_path / "three.txt").write_text("\n\n".join(blocks[:3]))
    with pytest.raises(ValueError, match=f"path .* holds 3 document.*at least {MIN_DOCUMENTS}"):
        load_text_file(tmp_path / "three.txt")


def test_missing_or_changed_data_file_gives_clear_error(monkeypatch):
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

