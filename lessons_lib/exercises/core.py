"""Check-yourself exercises, the machinery: each checker works the answer out itself and compares.

A notebook cell sets ``answer = ...`` and calls ``check("name", answer)``. An unanswered exercise
(``answer = None``) says so instead of failing, so a notebook still runs top to bottom; the hint
appears only after a wrong answer. Counts are compared exactly (an integer off by one is wrong);
a number the checker asks to a few decimals passes when it rounds to the right value there, so a
more precise answer passes too; other numbers within a relative 1e-3. Words ignore case and the
spaces around them. Sequences compare by value, element by element (a list, tuple, tensor or array
of the right values passes), and a wrong one is told where it first differs. A code exercise takes
a function as its answer: the checker runs it on test inputs and compares what it returns with the
library's, shape and dtype included.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from lessons_lib.exercises.language import checker_message as message
from lessons_lib.exercises.language import hint_in_language as _hint

_CHECKERS: dict[str, tuple[str, Callable[..., Any]]] = {}
_CODE_INPUTS: dict[str, Callable[[], list[tuple]]] = {}  # code exercise -> the inputs its checker runs
_MODULES: dict[str, str] = {}  # exercise -> the module that registered it (one per notebook group)
_DECIMALS: dict[str, int] = {}  # exercise -> the decimals its (float) answer is asked to


def exercise(name: str, hint: str, *, decimals: int | None = None) -> Callable:
    """Register ``func`` (which returns the right answer) as the checker of exercise ``name``.

    ``decimals``: the answer is asked to that many decimals; ``func`` returns the exact value, and an
    answer passes when it is within half a unit of that last decimal (0.49 or 0.4866 for 0.48662)."""
    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        _CHECKERS[name] = (hint, func)
        _MODULES[name] = func.__module__
        if decimals is not None:
            _DECIMALS[name] = decimals
        return func
    return register


def code_exercise(name: str, hint: str, inputs: Callable[[], list[tuple]]) -> Callable:
    """Register ``func``, the reference implementation, as exercise ``name``: a student's function must
    return what ``func`` returns on every argument tuple ``inputs()`` gives."""
    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        _CHECKERS[name] = (hint, lambda: func)  # solution(name) is the reference implementation
        _CODE_INPUTS[name] = inputs
        _MODULES[name] = func.__module__
        return func
    return register


def _same(answer: Any, expected: Any, decimals: int | None = None) -> bool:
    """Equal, element by element: counts exactly, floats to ``decimals`` (else within 1e-3), words in any case."""
    answer, expected = _plain(answer), _plain(expected)
    if isinstance(expected, bool) or isinstance(answer, bool):
        return type(answer) is type(expected) and answer == expected
    if isinstance(expected, int) and isinstance(answer, int | float):
        return answer == expected  # a count: 66,000 is not 66,048, and 7.0 is 7
    if isinstance(expected, float) and isinstance(answer, int | float):
        if decimals is not None:
            return abs(answer - expected) <= 0.5 * 10.0 ** -decimals + 1e-12
        return math.isclose(answer, expected, rel_tol=1e-3, abs_tol=1e-9)
    if isinstance(expected, str) and isinstance(answer, str):
        return answer.strip().casefold() == expected.strip().casefold()
    if isinstance(expected, list | tuple) and isinstance(answer, list | tuple):
        return len(answer) == len(expected) and all(_same(a, e, decimals) for a, e in zip(answer, expected, strict=True))
    return answer == expected


def _plain(value: Any) -> Any:
    """A tensor or array as nested lists, and a one-number tensor as that number, so values compare."""
    return value.tolist() if hasattr(value, "tolist") and not isinstance(value, list | tuple) else value


def _difference(got: Any, expected: Any) -> str:
    """Where ``got`` first differs from ``expected``: a length, or an element and its neighbours."""
    got, expected = _plain(got), _plain(expected)
    if not isinstance(got, list | tuple) or not isinstance(expected, list | tuple):
        return message("returned", got=_short(got), expected=_short(expected))
    if len(got) != len(expected):
        return message("length", got=len(got), expected=len(expected))
    k = next(i for i, (a, e) in enumerate(zip(got, expected, strict=True)) if not _same(a, e))
    where = f"[{k}]" if k < 3 else message("element_near", k=k, start=max(0, k - 2), around=_short(got[max(0, k - 2):k + 1]))
    return message("element", where=where, got=_short(got[k]), expected=_short(expected[k]))


def _kind(tensor: torch.Tensor) -> str:
    return message("boolean" if tensor.dtype == torch.bool else "floating-point" if tensor.is_floating_point() else "integer")


_UNWRITTEN = "unwritten"  # what _run_code says of a function that still returns None (the notebook's stub)


def _run_code(name: str, answer: Any) -> str | None:
    """None if ``answer`` returns what the reference returns on every test input; else what went wrong."""
    if not callable(answer):
        return message("not_a_function")
    reference = _CHECKERS[name][1]()
    for i, args in enumerate(_CODE_INPUTS[name]()):
        expected = reference(*args)
        try:
            got = answer(*args)
        except Exception as err:  # the student's code: any error is a wrong answer, not a crash
            return message("raised", error=f"{type(err).__name__}: {err}")
        if got is None and i == 0:
            return _UNWRITTEN
        if not isinstance(expected, torch.Tensor):  # a list or a number: compared by value
            if not _same(got, expected):
                return message("on_input", args=_short(args), difference=_difference(got, expected))
            continue
        wanted = message("tensor", kind=_kind(expected), shape=tuple(expected.shape))
        if not isinstance(got, torch.Tensor):
            return message("got_type", wanted=wanted, got=type(got).__name__)
        if got.shape != expected.shape or _kind(got) != _kind(expected):
            return message("got_tensor", wanted=wanted, kind=_kind(got), shape=tuple(got.shape))
        if expected.dtype == torch.bool or not expected.is_floating_point():
            if not torch.equal(got, expected):
                wrong = (got != expected).nonzero()[0].tolist()
                return message("differ_at", where=tuple(wrong), got=got[tuple(wrong)].item(),
                               expected=expected[tuple(wrong)].item(), count=int((got != expected).sum()),
                               total=got.numel())
            continue
        if not torch.allclose(got.double(), expected.double(), rtol=1e-4, atol=1e-5, equal_nan=True):
            largest = float((got.double() - expected.double()).abs().nan_to_num(float('inf')).max())
            return message("differ_by", largest=f"{largest:.3g}")
    return None


def _short(value: Any, limit: int = 80) -> str:
    """``repr`` of a value, cut to ``limit`` characters, for messages about long lists."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check(name: str, answer: Any, **context: Any) -> bool:
    """Compare a student's ``answer`` with the one the checker computes; print the verdict."""
    if name not in _CHECKERS:
        raise ValueError(f"name must be one of {sorted(_CHECKERS)}, got {name!r}")
    hint, solve = _CHECKERS[name]
    hint = _hint(name, hint)
    if answer is None:
        print(message("unanswered", name=name))
        return False
    if name in _CODE_INPUTS:
        problem = _run_code(name, answer)
        if problem == _UNWRITTEN:
            print(message("unwritten", name=name))
            return False
        if problem is None:
            print(message("code_correct", name=name))
            return True
        print(message("code_wrong", name=name, answer=repr(answer), problem=problem, hint=hint))
        return False
    expected = solve(**context)
    if _same(answer, expected, _DECIMALS.get(name)):
        print(message("correct", name=name, answer=repr(answer)))
        return True
    print(message("wrong", name=name, answer=repr(answer), hint=hint))
    return False


def solution(name: str, **context: Any) -> Any:
    """The checker's own answer (for instructors and tests)."""
    if name not in _CHECKERS:
        raise ValueError(f"name must be one of {sorted(_CHECKERS)}, got {name!r}")
    return _CHECKERS[name][1](**context)


def exercise_kind(name: str) -> str:
    """``"code"`` when exercise ``name`` takes a function as its answer, ``"value"`` otherwise."""
    if name not in _CHECKERS:
        raise ValueError(f"name must be one of {sorted(_CHECKERS)}, got {name!r}")
    return "code" if name in _CODE_INPUTS else "value"
