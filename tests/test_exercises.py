import pytest

from lessons_lib.corpus import load_corpus
from lessons_lib.exercises import check, exercise, solution


def test_unanswered_exercise_prints_a_hint(capsys):
    assert check("held-out-documents", None, corpus=load_corpus()) is False
    assert "not answered yet" in capsys.readouterr().out


def test_right_and_wrong_answers(capsys):
    corpus = load_corpus()
    right = solution("held-out-documents", corpus=corpus)
    assert right == len(corpus.valid) + len(corpus.test)
    assert check("held-out-documents", right, corpus=corpus) is True
    assert check("held-out-documents", right + 1, corpus=corpus) is False
    assert "not quite" in capsys.readouterr().out


def test_registering_and_unknown_names():
    @exercise("double", "twice x")
    def _double(x):
        return 2 * x

    assert check("double", 6, x=3) is True
    with pytest.raises(ValueError, match="name must be one of"):
        check("no-such-exercise", 1)
    with pytest.raises(ValueError, match="name must be one of"):
        solution("no-such-exercise")
