"""Check-yourself exercises, the machinery: each checker works the answer out itself and compares.

A notebook cell sets ``answer = ...`` and calls ``check("name", answer)``. An unanswered exercise
(``answer = None``) says so instead of failing, so a notebook still runs top to bottom; the hint
appears only after a wrong answer. Numbers are compared with a small tolerance, sequences by value
(a list, tuple, tensor or array of the right values passes). A code exercise takes a function as
its answer: the checker runs it on test inputs and compares what it returns with the library's.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

_CHECKERS: dict[str, tuple[str, Callable[..., Any]]] = {}
_CODE_INPUTS: dict[str, Callable[[], list[tuple]]] = {}  # code exercise -> the inputs its checker runs
_MODULES: dict[str, str] = {}  # exercise -> the module that registered it (one per notebook group)


def exercise(name: str, hint: str) -> Callable:
    """Register ``func`` (which returns the right answer) as the checker of exercise ``name``."""
    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        _CHECKERS[name] = (hint, func)
        _MODULES[name] = func.__module__
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


def _same(answer: Any, expected: Any) -> bool:
    """Equal, numbers within a relative tolerance of 1e-3 (a rounded answer passes), element by element."""
    answer, expected = _plain(answer), _plain(expected)
    if isinstance(expected, bool) or isinstance(answer, bool):
        return answer == expected
    if isinstance(expected, int | float) and isinstance(answer, int | float):
        return math.isclose(answer, expected, rel_tol=1e-3, abs_tol=1e-9)
    if isinstance(expected, list | tuple) and isinstance(answer, list | tuple):
        return len(answer) == len(expected) and all(_same(a, e) for a, e in zip(answer, expected, strict=True))
    return answer == expected


def _plain(value: Any) -> Any:
    """A tensor or array as nested lists, and a one-number tensor as that number, so values compare."""
    return value.tolist() if hasattr(value, "tolist") and not isinstance(value, list | tuple) else value


_UNWRITTEN = "unwritten"  # what _run_code says of a function that still returns None (the notebook's stub)


def _run_code(name: str, answer: Any) -> str | None:
    """None if ``answer`` returns what the reference returns on every test input; else what went wrong."""
    if not callable(answer):
        return "the answer must be a function"
    reference = _CHECKERS[name][1]()
    for i, args in enumerate(_CODE_INPUTS[name]()):
        expected = reference(*args)
        try:
            got = answer(*args)
        except Exception as err:  # the student's code: any error is a wrong answer, not a crash
            return f"your function raised {type(err).__name__}: {err}"
        if got is None and i == 0:
            return _UNWRITTEN
        if not isinstance(expected, torch.Tensor):  # a list or a number: compared by value
            if not _same(got, expected):
                return f"on input {_short(args)} it returned {_short(got)}, expected {_short(expected)}"
            continue
        if not isinstance(got, torch.Tensor) or got.shape != expected.shape:
            return f"expected a tensor of shape {tuple(expected.shape)}, got {getattr(got, 'shape', type(got).__name__)}"
        if torch.bool in (got.dtype, expected.dtype) and got.dtype != expected.dtype:  # allclose cannot compare them
            return f"expected a tensor of dtype {expected.dtype}, got {got.dtype}"
        if not torch.allclose(got, expected, rtol=1e-4, atol=1e-5):
            return f"the values differ (largest difference {float((got.float() - expected.float()).abs().max()):.3g})"
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
    if answer is None:
        print(f"[{name}] not answered yet: set the answer and run the cell again.")
        return False
    if name in _CODE_INPUTS:
        problem = _run_code(name, answer)
        if problem == _UNWRITTEN:
            print(f"[{name}] not answered yet: your function returns None; write its body and run the cell again.")
            return False
        if problem is None:
            print(f"[{name}] correct: your function matches the library's on every test input")
            return True
        print(f"[{name}] not quite: you said {answer!r}: {problem}. Hint: {hint}")
        return False
    expected = solve(**context)
    if _same(answer, expected):
        print(f"[{name}] correct: {answer!r}")
        return True
    print(f"[{name}] not quite: you said {answer!r}. Hint: {hint}")
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
