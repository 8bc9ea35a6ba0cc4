"""lessons_lib.exercises.pretraining: the checkers of notebooks 02 and 03, each with a right and a wrong answer."""

import pytest

from lessons_lib import BertConfig
from lessons_lib.exercises import solution
from tests.exercises.cases import CASES, DOCUMENTS, check_case, names_of

NAMES = names_of("pretraining")


def test_every_exercise_of_the_module_has_a_case():
    assert NAMES and set(NAMES) <= set(CASES)


@pytest.mark.parametrize("name", NAMES)
def test_right_answer_passes_and_wrong_answer_prints_the_hint(name, capsys):
    check_case(name, capsys)


def test_more_answers_of_the_nsp_and_mlm_exercises():
    assert solution("nsp-truncated-lengths", n_a=20, n_b=20, max_len=33) == (15, 15)
    assert solution("nsp-truncated-lengths", n_a=5, n_b=6, max_len=64) == (5, 6)
    assert solution("mlm-expected-split", n_tokens=2000, mask_prob=0.5, mask_frac=1.0, random_frac=0.0) == (1000, 0, 0)
    assert solution("head-tail-split", n_tokens=800) == 128
    assert solution("embedding-parameters", config=BertConfig.base()) == (30522 + 2 + 512) * 768 + 2 * 768

def test_topic_only_accuracy():
    # With seed 3 the hard pairs are (a1, a3, NotNext), (a2, a3, IsNext), (b1, a1, NotNext: b is
    # too short, so B comes from another document), (c1, c4, NotNext) and three IsNext pairs in c.
    # A judge of topic alone calls (a1, a3) and (c1, c4) IsNext, wrongly, and the other 5 right.
    assert solution("topic-only-accuracy", documents=DOCUMENTS, seed=3) == 5 / 7
