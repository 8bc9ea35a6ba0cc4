"""The checker's language: English by default, Chinese (verdicts and hints) once chosen."""

import pytest

from lessons_lib.exercises import check, use_language
from lessons_lib.exercises.core import _CHECKERS
from lessons_lib.exercises.language import chinese_hints, current_language, english_hash


@pytest.fixture
def chinese():
    yield use_language("zh")
    use_language("en")


def test_every_exercise_hint_has_a_current_chinese_translation():
    hints = chinese_hints()
    stale = [name for name, (english, _) in _CHECKERS.items()
             if name not in hints or hints[name][0] != english_hash(english)]
    assert not stale, f"exercises whose Chinese hint is missing or older than the English: {stale}"
    assert not set(hints) - set(_CHECKERS), "hints_zh.md translates exercises that do not exist"


def test_the_checker_speaks_chinese_once_chosen(chinese, capsys):
    assert current_language() == "zh"
    check("compare-bert-queries", None, windows=50, length=64, first=1)
    check("compare-bert-queries", 7, windows=50, length=64, first=1)
    check("compare-bert-queries", 50 * 63, windows=50, length=64, first=1)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("[compare-bert-queries] 还没有作答")
    assert out[1].startswith("[compare-bert-queries] 还不对") and "提示：" in out[1]
    assert chinese_hints()["compare-bert-queries"][1] in out[1]
    assert out[2] == "[compare-bert-queries] 正确：3150"


def test_a_code_exercise_explains_in_chinese(chinese, capsys):
    check("compare-bert-query", lambda context_ids, cls_id, sep_id, mask_id: [cls_id, *context_ids, sep_id])
    out = capsys.readouterr().out
    assert "还不对" in out and "在输入" in out and "应为" in out


def test_english_stays_the_default_and_a_bad_language_names_the_argument(capsys):
    assert current_language() == "en"
    with pytest.raises(ValueError, match="language"):
        use_language("fr")
    check("compare-bert-queries", None, windows=50, length=64, first=1)
    assert "not answered yet" in capsys.readouterr().out


