"""lessons_lib.exercises.comparison: the checkers of notebook 07, each with a right and a wrong answer."""

import pytest

from tests.exercises.cases import CASES, check_case, names_of

NAMES = names_of("comparison")


def test_every_exercise_of_the_module_has_a_case():
    assert NAMES and set(NAMES) <= set(CASES)


@pytest.mark.parametrize("name", NAMES)
def test_right_answer_passes_and_wrong_answer_prints_the_hint(name, capsys):
    check_case(name, capsys)
