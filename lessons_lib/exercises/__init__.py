"""Check-yourself exercises: ``check("name", answer)`` prints a verdict, ``solution("name")`` the answer.

The machinery is in ``core``; each notebook group's checkers are in their own module (``bert``,
``pretraining``, ``elmo``, ``gpt``, ``comparison``), imported here so that every exercise is registered.
"""

from lessons_lib.exercises import bert, comparison, elmo, gpt, pretraining  # noqa: F401  (registers the checkers)
from lessons_lib.exercises.core import check, code_exercise, exercise, exercise_kind, solution
from lessons_lib.exercises.language import (
    checker_message,
    chinese_hints,
    current_language,
    english_hash,
    hint_in_language,
    use_language,
)

__all__ = ["check", "checker_message", "chinese_hints", "code_exercise", "current_language", "english_hash", "exercise",
           "exercise_kind", "hint_in_language", "solution", "use_language"]
