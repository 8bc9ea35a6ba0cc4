"""Every checker, with its right answer in several forms (all pass) and with near misses (all fail).

A near miss is what a student who almost has it writes: a count off by one, a number 5 % off, one
element of a sequence off, a function whose output is off in one place or has the wrong dtype. A
checker that let one through could be gamed, or would teach a wrong answer.
"""

import numpy as np
import pytest
import torch

import lessons_lib.exercises.core as core
from lessons_lib.exercises import check, solution
from tests.exercises.cases import CASES


def _nudged(value):
    """``value`` just wrong: an integer off by one, a number 5 % off, a word changed."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value * 1.05 if value else 0.05
    if isinstance(value, str):
        return value + "s"
    raise TypeError(value)


def _right_forms(name, context, right):
    """The right answer as a student may type it: another container, a NumPy number, other case, more digits."""
    forms = [right]
    if isinstance(right, str):
        forms += [right.upper(), f" {right} "]
    elif isinstance(right, bool):
        pass
    elif isinstance(right, int):
        forms += [np.int64(right), float(right), torch.tensor(right)]
    elif isinstance(right, float):
        forms += [np.float64(right), solution(name, **context)]  # the unrounded value passes too
    elif isinstance(right, list | tuple):
        forms += [list(right), tuple(right)]
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in right):
            forms += [torch.tensor(right), np.array(right)]
    return forms


def _near_misses(right):
    if isinstance(right, list | tuple):
        misses = []
        for k in range(len(right)):  # one element off, each place in turn
            changed = list(right)
            changed[k] = _nudged(changed[k])
            misses.append(type(right)(changed))
        return misses + [type(right)(list(right)[:-1])]  # one element short
    if isinstance(right, float):
        return [right * 1.05, right * 0.95]
    if isinstance(right, int) and not isinstance(right, bool):
        return [right + 1, right - 1]
    return [_nudged(right)]


def _one_place_off(value):
    """A function's output, wrong in exactly one place."""
    if isinstance(value, torch.Tensor):
        value = value.clone()
        flat = value.view(-1)
        if value.dtype == torch.bool:
            flat[-1] = ~flat[-1]
        elif value.is_floating_point():
            finite = torch.isfinite(flat).nonzero()[-1]
            flat[finite] = flat[finite] * 1.05 + 0.01
        else:
            flat[-1] += 1
        return value
    if isinstance(value, list | tuple) and value:
        changed = list(value)
        changed[-1] = _nudged(changed[-1]) if not isinstance(changed[-1], list) else _one_place_off(changed[-1])
        return type(value)(changed)
    return value


NAMES = sorted(CASES)
PLAIN = [n for n in NAMES if n not in core._CODE_INPUTS]
CODE = [n for n in NAMES if n in core._CODE_INPUTS]


@pytest.mark.parametrize("name", PLAIN)
def test_right_answers_in_any_form_pass_and_near_misses_fail(name, capsys):
    context, right, _ = CASES[name]()
    for form in _right_forms(name, context, right):
        assert check(name, form, **context) is True, f"{name}: the right answer {form!r} was refused"
    for miss in _near_misses(right):
        assert check(name, miss, **context) is False, f"{name}: the near miss {miss!r} passed"
    assert "not quite" in capsys.readouterr().out


@pytest.mark.parametrize("name", CODE)
def test_code_answers_one_place_off_or_of_the_wrong_dtype_fail(name, capsys):
    _, right, _ = CASES[name]()
    assert check(name, right) is True
    assert check(name, lambda *args: _one_place_off(right(*args))) is False, f"{name}: an output one place off passed"
    reference = solution(name)
    first = core._CODE_INPUTS[name]()[0]
    if isinstance(reference(*first), torch.Tensor):
        capsys.readouterr()
        expected = reference(*first)
        wrong_dtype = torch.float64 if expected.dtype == torch.bool else torch.int64
        assert check(name, lambda *args: right(*args).to(wrong_dtype)) is False
        kind = "boolean" if expected.dtype == torch.bool else "floating-point"
        assert f"expected a {kind} tensor of shape {tuple(expected.shape)}" in capsys.readouterr().out


def test_a_long_list_that_differs_in_one_place_is_told_where():
    expected = list(range(600))
    got = expected[:437] + [999] + expected[438:]
    assert core._difference(got, expected) == (
        "element [437] (elements 435..437 are [435, 436, 999]) is 999, expected 437")
    assert core._difference(expected[:-1], expected) == "it returned 599 elements, expected 600"


def test_a_float_mask_for_a_boolean_one_gets_the_expected_dtype_and_shape(capsys):
    def float_mask(attention_mask):
        length = attention_mask.shape[1]
        return torch.ones(length, length).tril()[None] * attention_mask[:, None, :].float()

    assert check("gpt-combined-mask", float_mask) is False
    assert "expected a boolean tensor of shape (1, 1, 1), got a floating-point tensor" in capsys.readouterr().out
