"""lessons_lib.exercises.core: checking answers, hints only after a wrong one, registering exercises."""

import pytest
import torch

import lessons_lib.exercises.core as exercises
from lessons_lib.exercises import check, exercise, solution
from tests.exercises.cases import CASES


def test_every_registered_exercise_has_a_case_and_a_module():
    assert set(CASES) == set(exercises._CHECKERS) == set(exercises._MODULES)


def test_a_code_exercise_whose_function_is_still_the_stub_is_unanswered_not_wrong(capsys):
    def stub(logits, p):
        return None  # your code here

    hint = exercises._CHECKERS["gpt2-top-p"][0]
    assert check("gpt2-top-p", stub) is False
    out = capsys.readouterr().out
    assert "not answered yet" in out and hint not in out

def test_sequences_compare_by_value_whatever_their_type():
    import numpy as np

    assert exercises._same(torch.tensor([15, 14]), (15, 14))
    assert exercises._same(np.array([0.5, 2.0]), [0.5, 2.0004])
    assert exercises._same(torch.tensor(3), 3) and not exercises._same(torch.tensor([1, 2]), [1, 2, 3])

def test_registering_and_unknown_names(monkeypatch):
    monkeypatch.setattr(exercises, "_CHECKERS", dict(exercises._CHECKERS))  # the registry is left as it was

    @exercise("double", "twice x")
    def _double(x):
        return 2 * x

    assert check("double", 6, x=3) is True and solution("double", x=4) == 8
    with pytest.raises(ValueError, match="name must be one of"):
        check("no-such-exercise", 1)
    with pytest.raises(ValueError, match="name must be one of"):
        solution("no-such-exercise")

def test_counts_are_exact_and_code_answers_must_be_functions(capsys):
    assert check("highway-parameters", 66048.0, size=128, num_layers=2) is True  # a float of the right value
    assert check("highway-parameters", 66000, size=128, num_layers=2) is False  # close is not a count
    assert check("elmo-moved-outputs", (5.0001, 3), n_words=7, changed=2) is False
    assert check("elmo-scalar-mix", 3) is False
    assert "the answer must be a function" in capsys.readouterr().out
    assert check("elmo-scalar-mix", lambda layers, w, gamma: 1 / 0) is False
    assert "ZeroDivisionError" in capsys.readouterr().out
    assert check("elmo-scalar-mix", lambda layers, w, gamma: layers) is False
    assert "expected a floating-point tensor of shape (4, 6)" in capsys.readouterr().out
    assert check("head-tail-truncation", lambda tokens: tuple(tokens[:128]) + tuple(tokens[-382:])) is False
    out = capsys.readouterr().out  # right for 511 to 800 tokens only: the first short input shows it
    assert "on input ([0, 1, 2, 3, 4],) it returned 10 elements, expected 5" in out
