"""The default corpus kept on disk between processes: read once from gensim's files, then from the cache."""

import json
import os
import subprocess
import sys

import pytest

import lessons_lib.data.corpus as corpus_module
from lessons_lib.data.corpus import load_corpus


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("LESSONS_LIB_CACHE", raising=False)
    corpus_module._load_corpus.cache_clear()
    yield tmp_path
    corpus_module._load_corpus.cache_clear()


def _children(monkeypatch):
    """Count the child processes that read gensim's files."""
    calls = []
    read = corpus_module._read_in_child
    monkeypatch.setattr(corpus_module, "_read_in_child", lambda sources: calls.append(sources) or read(sources))
    return calls


def test_the_second_load_reads_the_cache_and_gets_the_same_documents(cache_home, monkeypatch):
    calls = _children(monkeypatch)
    first = load_corpus(("news",))
    files = list((cache_home / "lessons_lib").glob("corpus-news-*.json"))
    assert calls == [("news",)] and len(files) == 1
    corpus_module._load_corpus.cache_clear()
    again = load_corpus(("news",))
    assert calls == [("news",)]  # no second child
    assert again is not first and again.documents == first.documents and again.split_of == first.split_of
    assert not list((cache_home / "lessons_lib").glob(".corpus-*"))  # no temporary file left behind


def test_a_damaged_cache_file_is_read_again_and_replaced(cache_home, monkeypatch):
    calls = _children(monkeypatch)
    expected = load_corpus(("news",)).documents
    (cached,) = (cache_home / "lessons_lib").glob("corpus-news-*.json")
    for damage in ('[["news", "a title"', '{"not": "documents"}', '[["news", "title", [1, 2]]]', ""):
        cached.write_text(damage, encoding="utf-8")
        corpus_module._load_corpus.cache_clear()
        assert load_corpus(("news",)).documents == expected, damage
        assert json.loads(cached.read_text(encoding="utf-8"))[0][0] == "news"
    assert len(calls) == 5


def test_the_file_name_changes_with_what_the_documents_depend_on(cache_home, monkeypatch):
    both = corpus_module._cache_file(("wiki", "news"))
    assert both.parent == cache_home / "lessons_lib" and both.name.startswith("corpus-wiki-news-")
    assert corpus_module._cache_file(("news",)) != both
    monkeypatch.setattr(corpus_module.importlib.metadata, "version", lambda name: "9.9.9")
    assert corpus_module._cache_file(("wiki", "news")) != both  # another gensim cleans markup its own way
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))
    monkeypatch.setattr(corpus_module.sys, "version_info", (3, 99, 0))
    assert corpus_module._cache_file(("wiki", "news")) != both


@pytest.mark.parametrize("value", ["off", "0", "OFF"])
def test_caching_can_be_turned_off(cache_home, monkeypatch, value):
    monkeypatch.setenv("LESSONS_LIB_CACHE", value)
    calls = _children(monkeypatch)
    load_corpus(("news",))
    corpus_module._load_corpus.cache_clear()
    load_corpus(("news",))
    assert len(calls) == 2 and not (cache_home / "lessons_lib").exists()


def test_a_cache_that_cannot_be_written_still_loads(cache_home, monkeypatch):
    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(corpus_module.tempfile, "mkstemp", full_disk)
    assert len(load_corpus(("news",)).documents) > 290
    assert list((cache_home / "lessons_lib").iterdir()) == []


def test_a_cache_path_that_is_a_file_still_loads(cache_home):
    (cache_home / "lessons_lib").write_text("a file where the folder would be", encoding="utf-8")
    assert len(load_corpus(("news",)).documents) > 290


def test_two_processes_filling_the_cache_at_once_leave_one_whole_file(cache_home):
    code = "from lessons_lib.data import load_corpus; print(len(load_corpus(('news',)).documents))"
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    children = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
                for _ in range(2)]
    counts = [child.communicate()[0].strip() for child in children]
    assert all(child.returncode == 0 for child in children) and counts[0] == counts[1]
    files = sorted(p.name for p in (cache_home / "lessons_lib").iterdir())
    assert len(files) == 1 and files[0].startswith("corpus-news-")
    (cached,) = (cache_home / "lessons_lib").iterdir()
    assert len(json.loads(cached.read_text(encoding="utf-8"))) == int(counts[0])
